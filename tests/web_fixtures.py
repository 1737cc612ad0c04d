"""A small real project for the workspace tests: transcripts with emoji, a combining accent,
CRLF line ends and markup, ingested and coded by the CLI into a SQLite file in a temp folder."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import main

CODEBOOK = """\
name: Workspace test
version: 1
codes:
  - id: enablers
    name: Enablers
    description: What makes learning work.
    color: "#1F77B4"
    children:
      - id: partnership
        name: Partnership working
        description: Agencies working together.
        include: [joint work across agencies]
        color: "#2CA02C"
        keywords: [partnership, partner agency]
      - id: culture
        name: Learning culture
        description: An open, curious culture.
        color: "#D62728"
        keywords: [culture]
  - id: barriers
    name: Barriers
    description: What gets in the way.
    color: "#9467BD"
    keywords: [funding, budget]
"""

EMOJI = ("Interviewer: How did the year go? 😀\r\n"
         "P01: Honestly 😀😀 it went well. Our partnership with health 👩‍👩‍👧 is strong, "
         "and the café culture of naïve questions helps.\r\n"
         "Interviewer: And the money?\r\n"
         "P01: The budget is tight 💸 but partner agency funding held.\r\n")
ACCENT = ("Interviewer: Tell me about the board.\n"
          "P02: The q\u0301uorum culture is the thing: partnership first, then audits.\n"
          "Interviewer: And the chair?\n"
          "P02: Cafe\u0301 talk with the chair, mostly.\n")
XSS = ("Transcript <i>three</i>, recorded 2 May\n"
       "Interviewer: Anything else?\n"
       'P03: <script>window.__xss = 1</script> and <img src=x onerror="window.__xss = 2"> '
       "then the partnership <b>bold</b> & more.\n"
       "Interviewer: Thank you.\n"
       "P03: You're welcome.\n")


def build_project(folder: Path, *, suggestions: bool = False) -> Path:
    """Ingest and code the three transcripts; optionally add two pending suggestions."""
    folder.mkdir(parents=True, exist_ok=True)
    transcripts = folder / "transcripts"
    transcripts.mkdir()
    (transcripts / "emoji.txt").write_bytes(EMOJI.encode("utf-8"))
    (transcripts / "accent.txt").write_text(ACCENT, encoding="utf-8")
    (transcripts / "xss.txt").write_text(XSS, encoding="utf-8")
    (folder / "attributes.csv").write_text("document,nation\nemoji,England\naccent,Wales\n"
                                           "xss,England\n", encoding="utf-8")
    codebook = folder / "codebook.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    project = folder / "project.qc"
    runner = CliRunner()
    for args in (["ingest", str(transcripts), "--project", str(project), "--attributes",
                  str(folder / "attributes.csv"), "--quiet"],
                 ["code", "--project", str(project), "--codebook", str(codebook), "--quiet"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    if suggestions:
        add_suggestions(project)
    return project


def add_suggestions(project_path: Path) -> list[int]:
    """Two pending ML suggestions on the emoji transcript's turns (stored as ``suggest`` does)."""
    from qualcode.model import Coding
    from qualcode.store import Project

    with Project.open(project_path) as project:
        turns = [t for t in project.documents(["emoji"])[0].turns if not t.is_interviewer]
        with project.transaction():
            ids = [project.add_coding(Coding("emoji", t.start, t.end, code, "model", origin="ml",
                                             status="suggested", model="test-model",
                                             confidence=0.8 - i / 10,
                                             rule=f"reason: words {code}"))
                   for i, (t, code) in enumerate(zip(turns, ["culture", "barriers"],
                                                     strict=True))]
    return ids
