"""Hostile and unlucky input (issue 20): each case is built on the fly, and each must end in
a one-line message and exit status 2 (or exit 0 with a warning), quickly, with the project
left as it was."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(path: Path) -> list[str]:
    """Every cell of a CSV or XLSX that a spreadsheet would run as a formula."""
    bad = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                bad += [f"{path.name}: {cell!r}" for cell in row if cell.startswith(FORMULA_START)]
        return bad
    # XLSX stores formula-like text as text cells, verbatim: only a formula element runs
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and (
                    b"<f>" in (xml := archive.read(name)) or b"<f " in xml):
                bad.append(f"{path.name}!{name}: a formula")
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type not in ("s", "n", "b", "d") and cell.value is not None:
                    bad.append(f"{path.name}!{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return bad


CODEBOOK = """\
name: =hostile
version: 1
codes:
  - id: theme
    name: "=HYPERLINK(\\"http://x\\",\\"theme\\")"
    description: "+description"
    children:
      - id: partnership
        name: "-partnership"
        description: "@partners"
        keywords: [partnership working, {term: "RI", exact: true}]
      - id: money
        name: "@money"
        keywords: [budget]
"""


def _hostile_project(tmp_path: Path, run_cli) -> tuple[Path, Path]:
    texts = {
        "=d1": "Interviewer: =1+1 what works?\n\nP1: -partnership working and the RI budget.\n",
        "+d2": "Interviewer: +ok?\n\nP2: @budget and partnership working, =SUM(A1).\n",
        "@d3": "Interviewer: @what?\n\nP3: +budget is tight.\n",
    }
    files = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("document,=group\n=d1,=yes\n+d2,-no\n@d3,@maybe\n", encoding="utf-8")
    codebook = tmp_path / "book.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    project = tmp_path / "p.qc"
    result = run_cli("ingest", *files, "--project", project, "--attributes", attributes)
    assert result.exit_code == 0, result.output
    assert run_cli("code", "--project", project, "--codebook", codebook).exit_code == 0
    codings = tmp_path / "codings.csv"
    with codings.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "start", "end", "code_id", "coder"])
        for coder in ("=ann", "@bob"):
            writer.writerow(["=d1", 0, 10, "partnership", coder])
        writer.writerow(["+d2", 0, 10, "money", "=ann"])
    result = run_cli("import", "codings", codings, "--project", project)
    assert result.exit_code == 0, result.output
    return project, codebook


def test_no_cell_of_any_csv_or_xlsx_is_a_formula(tmp_path, run_cli):
    project, codebook = _hostile_project(tmp_path, run_cli)
    out = tmp_path / "out"
    out.mkdir()
    written = []
    for fmt in ("csv", "xlsx"):
        commands = {
            "themes": ["themes"],
            "crosstab": ["crosstab", "--by", "=group"],
            "matrix": ["matrix"],
            "cooccur": ["cooccur"],
            "export": ["export", fmt],
        }
        for name, args in commands.items():
            path = out / f"{name}.{fmt}"
            extra = ["--format", fmt] if name != "export" else []
            result = run_cli(*args, "--project", project, *extra, "--output", path)
            assert result.exit_code == 0, (name, result.output)
            written.append(path)
        path = out / f"disagreements.{fmt}"
        result = run_cli("agree", "--project", project, "--coders", "=ann", "@bob",
                         "--disagreements", path)
        assert result.exit_code == 0, result.output
        path_book = out / f"codebook.{fmt}"
        result = run_cli("codebook", "convert", codebook, path_book)
        assert result.exit_code == 0, result.output
        written += [path, path_book]
    result = run_cli("run", *sorted(tmp_path.glob("*.txt")), "--codebook", codebook,
                     "--out", out / "run", "--attributes", tmp_path / "attributes.csv",
                     "--by", "=group")
    assert result.exit_code == 0, result.output
    written += sorted(p for p in (out / "run").iterdir() if p.suffix in (".csv", ".xlsx"))
    assert {p.name for p in written} >= {"themes.csv", "themes.xlsx", "excerpts.xlsx"}
    assert all(p.exists() for p in written), [p for p in written if not p.exists()]
    bad = [cell for path in written for cell in _formula_cells(path)]
    assert bad == []
    # and the hostile values are there, verbatim, as text cells
    sheet = openpyxl.load_workbook(out / "crosstab.xlsx").active
    header = {c.value: c.data_type for c in sheet[1]}
    assert header["-no: cases"] == "s"


def test_codebook_sheet_round_trips_formula_like_text_and_new_exact_marker(tmp_path, run_cli):
    from qualcode.codebook import load_codebook

    codebook = tmp_path / "book.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    for suffix in (".csv", ".xlsx"):
        sheet = tmp_path / f"book{suffix}"
        assert run_cli("codebook", "convert", codebook, sheet).exit_code == 0
        codes = {c.id: c for c in load_codebook(sheet).codes}
        assert codes["partnership"].name == "-partnership"
        assert codes["theme"].description == "+description"
        assert [(k.term, k.exact) for k in codes["partnership"].keywords][1] == ("RI", True)
    text = (tmp_path / "book.csv").read_text(encoding="utf-8-sig")
    assert "!RI" in text and "=RI" not in text
    old = tmp_path / "old.csv"
    old.write_text("id,name,keywords\nx,X,=RI; ~run; plain\n", encoding="utf-8")
    keywords = load_codebook(old).codes[0].keywords
    assert [(k.term, k.exact) for k in keywords] == [("RI", True), ("run", False),
                                                      ("plain", None)]


def test_a_runaway_regex_is_reported_and_the_run_completes(tmp_path, run_cli):
    import time

    transcript = tmp_path / "int.txt"
    transcript.write_text("Interviewer: Tell me.\n\nP1: " + "a" * 40 + "b and partnership "
                          "working.\n\nInterviewer: More?\n\nP1: Partnership working again.\n",
                          encoding="utf-8")
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: slow\n    name: Slow\n"
                        "    regex: ['(a|aa)+$']\n  - id: pw\n    name: PW\n"
                        "    keywords: [partnership working]\n", encoding="utf-8")
    project = tmp_path / "p.qc"
    assert run_cli("ingest", transcript, "--project", project).exit_code == 0
    started = time.process_time()
    result = run_cli("code", "--project", project, "--codebook", codebook)
    assert time.process_time() - started < 10  # 1 s of regex budget; slack for a loaded machine
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert "'slow'" in warning[0] and "(a|aa)+$" in warning[0] and "int [" in warning[0]
    assert "2 codings on 2 turns" in result.stdout  # pw in both turns; slow dropped in one


def test_a_matcher_stops_running_a_regex_after_repeated_overruns():
    from qualcode.coding.rules import MAX_OVERRUNS, RuleMatcher
    from qualcode.model import Code

    matcher = RuleMatcher(regex_budget=0.05)
    matcher.add(Code("slow", "Slow", regex=["(a|aa)+$"]))
    overruns = []
    for _ in range(MAX_OVERRUNS + 2):
        assert matcher("a" * 40 + "b") == []
        overruns += matcher.overruns
    assert len(overruns) == MAX_OVERRUNS and overruns[-1].dropped
    assert matcher("aaa") == []  # not run again, even where it would be fast


def test_codebook_validate_warns_about_nested_quantifiers(tmp_path, run_cli):
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: label\n    name: Label\n"
                        "    regex: ['(\\w+\\s?)+:', '\\bjoint(ly)? (audit|review)s?\\b']\n",
                        encoding="utf-8")
    result = run_cli("codebook", "validate", codebook)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "nested quantifiers" in warnings[0]
    assert "(\\\\w+\\\\s?)+:" in warnings[0]


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr[:2000]
    return lines[0]


def test_a_yaml_alias_bomb_codebook_is_refused_at_once(tmp_path, run_cli):
    import time

    levels = ["    name: &a0 [" + ", ".join(['"lol"'] * 9) + "]"]
    keys = ["description", "include", "exclude", "examples", "keywords", "regex", "not"]
    for level, key in enumerate(keys, start=1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        levels.append(f"    {key}: &a{level} [{refs}]")
    levels.append("    children: [" + ", ".join(["*a7"] * 9) + "]")
    codebook = tmp_path / "bomb.yaml"
    codebook.write_text("name: bomb\ncodes:\n  - id: a\n" + "\n".join(levels) + "\n",
                        encoding="utf-8")
    project = tmp_path / "p.qc"
    transcript = tmp_path / "t.txt"
    transcript.write_text("P1: hello there.\n", encoding="utf-8")
    assert run_cli("ingest", transcript, "--project", project).exit_code == 0
    before = project.read_bytes()
    for args in (["codebook", "validate", codebook],
                 ["code", "--project", project, "--codebook", codebook]):
        started = time.process_time()
        line = _one_line_error(run_cli(*args))
        assert time.process_time() - started < 5
        assert "bomb.yaml:4:" in line and "anchors and aliases" in line
    assert project.read_bytes() == before


def test_a_huge_value_is_quoted_short_in_a_codebook_message(tmp_path, run_cli):
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: a\n    name: A\n    keywords: "
                        + "x" * 1_000_000 + "\n", encoding="utf-8")
    line = _one_line_error(run_cli("codebook", "validate", codebook))
    assert "'keywords' must be a list" in line and len(line) < 300


MIB = 1024 * 1024


def _zip_bytes(members: list[tuple[str, bytes | None]], bomb_mib: int = 2000,
               declared: dict[str, int] | None = None) -> bytes:
    """A zip written by hand, so that a member (data None) can be a bomb of ``bomb_mib`` MiB
    of zeros in about 1 KB per MiB, built in milliseconds, with a wrong CRC; ``declared``
    gives members the size their headers claim instead of their own."""
    import io
    import struct
    import zlib

    out, central = io.BytesIO(), []
    for name, data in members:
        if data is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
            payload, crc, size = block * bomb_mib + packer.flush(), 0, bomb_mib * MIB
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload, crc, size = packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)
        size = (declared or {}).get(name, size)
        raw, offset = name.encode(), out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(payload),
                              size, len(raw), 0) + raw + payload)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                                   len(payload), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    directory, start = b"".join(central), out.tell()
    out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members),
                                      len(members), len(directory), start, 0))
    return out.getvalue()


def _with_bomb(path: Path, member: str) -> Path:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    path.write_bytes(_zip_bytes([*members, (member, None)]))
    return path


def test_the_bomb_helper_makes_a_real_bomb():
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_zip_bytes([("a", b"x"), ("b", None)], 3))) as archive:
        assert archive.read("a") == b"x"
        produced = 0
        with pytest.raises(zipfile.BadZipFile, match="CRC"), archive.open("b") as stream:
            while piece := stream.read(MIB // 2):
                produced += len(piece)
        assert produced >= 5 * MIB // 2  # all of it inflated, then the CRC is wrong


def _refused_fast(run_cli, project: Path, *args) -> str:
    import time

    before = project.read_bytes()
    started = time.process_time()
    result = run_cli(*args)
    elapsed = time.process_time() - started
    line = _one_line_error(result)
    assert elapsed < 4, elapsed  # the refusal itself takes ~60 ms
    assert project.read_bytes() == before
    return line


def _small_project(tmp_path: Path, run_cli) -> Path:
    project = tmp_path / "p.qc"
    transcript = tmp_path / "first.txt"
    transcript.write_text("P1: hello there.\n", encoding="utf-8")
    assert run_cli("ingest", transcript, "--project", project).exit_code == 0
    return project


def test_a_docx_decompression_bomb_is_refused_in_well_under_a_second(tmp_path, run_cli):
    from tests.conftest import write_docx

    project = _small_project(tmp_path, run_cli)
    bomb = _with_bomb(write_docx(tmp_path / "bomb.docx", ["P1: hello."]), "word/media/a.bin")
    line = _refused_fast(run_cli, project, "ingest", bomb, "--project", project)
    assert "bomb.docx" in line and "decompression bomb" in line


def test_an_xlsx_decompression_bomb_is_refused_in_well_under_a_second(tmp_path, run_cli):
    import openpyxl

    project = _small_project(tmp_path, run_cli)
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "text"])
    workbook.active.append(["r1", "An answer."])
    sheet = tmp_path / "answers.xlsx"
    workbook.save(sheet)
    _with_bomb(sheet, "xl/media/a.bin")
    line = _refused_fast(run_cli, project, "ingest", sheet, "--project", project,
                         "--text-column", "text")
    assert "answers.xlsx" in line and "decompression bomb" in line
    line = _refused_fast(run_cli, project, "ingest", tmp_path / "first.txt", "--project",
                         project, "--attributes", sheet)
    assert "answers.xlsx" in line and "decompression bomb" in line


def test_a_docx_member_with_a_bad_crc_is_one_line(tmp_path, run_cli):
    import zipfile

    from tests.conftest import write_docx

    project = _small_project(tmp_path, run_cli)
    path = write_docx(tmp_path / "bad.docx", ["P1: hello."])
    with zipfile.ZipFile(path) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    small = _zip_bytes([*members, ("word/media/a.bin", None)], bomb_mib=1)
    path.write_bytes(small)
    line = _refused_fast(run_cli, project, "ingest", path, "--project", project)
    assert "bad.docx" in line and "damaged archive member 'word/media/a.bin'" in line


def _as_reader():
    """A context in which the process cannot write what is read-only: as root (whom chmod
    does not stop) the effective uid drops to nobody's for the block."""
    import contextlib
    import os

    @contextlib.contextmanager
    def block():
        if os.geteuid() != 0:
            yield
            return
        os.setegid(65534)
        os.seteuid(65534)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)

    return block()


def test_a_project_in_a_read_only_folder_can_be_read_but_not_written(tmp_path, run_cli):
    import os
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="qc-readonly-"))  # pytest's tmp is root-only (0700)
    out = Path(tempfile.mkdtemp(prefix="qc-out-"))
    try:
        os.chmod(folder, 0o755)
        os.chmod(out, 0o777)
        transcript = folder / "int.txt"
        transcript.write_text("Interviewer: Hi.\n\nP1: Partnership working helps.\n\n"
                              "Interviewer: More?\n\nP1: Yes, partnership working.\n",
                              encoding="utf-8")
        codebook = folder / "book.yaml"
        codebook.write_text("name: b\ncodes:\n  - id: pw\n    name: PW\n"
                            "    keywords: [partnership working]\n", encoding="utf-8")
        project = folder / "p.qc"
        assert run_cli("ingest", transcript, "--project", project).exit_code == 0
        assert run_cli("code", "--project", project, "--codebook", codebook).exit_code == 0
        reading = [["docs"], ["themes"], ["excerpts", "--code", "pw"],
                   ["export", "csv", "-o", out / "x.csv"], ["crosstab", "--by", "none"]]
        for args in reading[:-1]:  # once as we are: every module imported before the drop
            assert run_cli(*args, "--project", project).exit_code == 0
        before = project.read_bytes()
        for path in (project, transcript, codebook):
            os.chmod(path, 0o444)
        os.chmod(folder, 0o555)
        with _as_reader():
            results = {args[0]: run_cli(*args, "--project", project) for args in reading}
            writing = [run_cli("code", "--project", project, "--codebook", codebook),
                       run_cli("ingest", transcript, "--project", project)]
        for name in ("docs", "themes", "excerpts", "export"):
            assert results[name].exit_code == 0, (name, results[name].output)
        assert "int" in results["docs"].output and "pw" in results["themes"].output
        assert (out / "x.csv").read_text(encoding="utf-8").count("\n") == 3
        assert "no case attribute" in _one_line_error(results["crosstab"])  # still reads
        for result in writing:
            assert _one_line_error(result).startswith(f"error: {project}: read-only:")
        assert project.read_bytes() == before
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def _qualcode_limited(limit: int, *args) -> tuple[int, str]:
    """Run qualcode in a child process whose files may not grow past ``limit`` bytes (what a
    full disk or a quota looks like to a program: EFBIG / SQLITE_FULL)."""
    import os
    import resource
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-m", "qualcode", *map(str, args)], env=env,
                          preexec_fn=limit_files, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr


def test_a_full_disk_or_a_file_size_limit_is_one_line_and_loses_nothing(tmp_path, run_cli):
    from qualcode.store import Project

    project = _small_project(tmp_path, run_cli)
    big = tmp_path / "big.txt"
    big.write_text("".join(f"P{i % 3}: sentence number {i} about partnership working.\n\n"
                           for i in range(20_000)), encoding="utf-8")
    size = project.stat().st_size
    status, stderr = _qualcode_limited(size + 8192, "ingest", big, "--project", project)
    lines = stderr.strip().splitlines()
    assert status == 2 and len(lines) == 1, stderr[-2000:]
    assert lines[0].startswith(f"error: {project}: ")
    assert any(word in lines[0] for word in ("disk full", "disk I/O error", "file-size"))
    with Project.open(project, readonly=True) as opened:
        assert list(opened.document_ids()) == ["first"]
    out = tmp_path / "table.csv"
    out.write_text("the old table\n", encoding="utf-8")
    status, stderr = _qualcode_limited(40, "export", "csv", "--project", project, "-o", out)
    lines = stderr.strip().splitlines()
    assert status == 2 and len(lines) == 1, stderr[-2000:]
    assert "file too large (a file-size limit?)" in lines[0]
    assert out.read_text(encoding="utf-8") == "the old table\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_stale_temporaries_of_a_killed_write_are_cleaned_on_the_next(tmp_path):
    import os
    import time

    from qualcode.fileio import STALE_AFTER_S, write_atomic

    target = tmp_path / "report.docx"
    stale = tmp_path / ".report.docx.ab12cd34.tmp"
    fresh = tmp_path / ".report.docx.zz99yy88.tmp"  # a write running now: kept
    other = tmp_path / ".notes.txt.ab12cd34.tmp"  # another file's: not ours to judge here
    for path in (stale, fresh, other):
        path.write_bytes(b"half")
    old = time.time() - STALE_AFTER_S - 60
    for path in (stale, other):
        os.utime(path, (old, old))
    write_atomic(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert not stale.exists() and fresh.exists() and other.exists()


def test_two_processes_creating_one_project_at_once_both_succeed(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for trial in range(12):
        path = tmp_path / f"p{trial}.qc"
        with context.Pool(2) as pool:
            results = pool.map(_create_and_write, [(path, "a"), (path, "b")])
        assert results == ["ok", "ok"], results


def _create_and_write(job: tuple[Path, str]) -> str:
    from qualcode.errors import QualcodeError
    from qualcode.store import Project

    path, _writer = job
    try:
        with Project.open(path, create=True) as project:
            project.document_ids()
        return "ok"
    except QualcodeError as exc:
        return str(exc)


def test_a_subrip_cue_numbered_in_words_is_refused_with_its_line(tmp_path, run_cli):
    project = _small_project(tmp_path, run_cli)
    srt = tmp_path / "cues.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Question one?\n\n"
                   "three\n00:00:03,000 --> 00:00:04,000\nP1: The answer.\n\n"
                   "3\n00:00:05,000 --> 00:00:06,000\nInterviewer: Thanks.\n", encoding="utf-8")
    line = _refused_fast(run_cli, project, "ingest", srt, "--project", project)
    assert line.startswith(f"error: {srt}:5: ") and "'three'" in line


def test_speaker_labels_in_scripts_without_case_and_after_a_full_width_colon(tmp_path):
    from qualcode.ingest import read_document

    texts = {
        "arabic": ("المحاور: كيف تعمل الشراكة؟\n\nسارة: نعمل معا كل أسبوع.\n\n"
                   "المحاور: وماذا بعد؟\n\nسارة: نراجع الحالات.\n", ["المحاور", "سارة"]),
        "hebrew": ("מראיין: איך זה עובד?\n\nדנה: אנחנו נפגשים.\n\nמראיין: ומה עוד?\n\n"
                   "דנה: אנחנו כותבים.\n", ["מראיין", "דנה"]),
        "chinese": ("采访者：合作怎么样？\n\n李明：我们每周开会。\n\n采访者：还有呢？\n\n"
                    "李明：我们一起审查案例。\n", ["采访者", "李明"]),
        "hindi": ("साक्षात्कारकर्ता: साझेदारी कैसी है?\n\nप्रिया: हम मिलते हैं।\n\n"
                  "साक्षात्कारकर्ता: और क्या?\n\nप्रिया: हम समीक्षा करते हैं।\n",
                  ["साक्षात्कारकर्ता", "प्रिया"]),
    }
    for name, (text, speakers) in texts.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        document = read_document(path)
        assert [t.speaker for t in document.turns] == speakers * 2, name
        answer = re.split("[:：]", text.split("\n\n")[1], maxsplit=1)[1].strip()
        turn, question = document.turns[1], document.turns[0]
        assert answer in document.text[turn.start:turn.end], name
        assert answer not in document.text[question.start:question.end], name


def test_fifos_are_listed_as_skipped_and_never_opened(tmp_path, run_cli):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "int.txt").write_text("P1: Hello.\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "given.txt")
    result = run_cli("ingest", folder, tmp_path / "given.txt", "--project", tmp_path / "p.qc")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2 and all("FIFO" in line and "not opened" in line
                                     for line in skipped)
    assert "1 documents read" in result.output


def test_one_nul_rule_for_utf8_and_utf16(tmp_path, run_cli):
    project = _small_project(tmp_path, run_cli)
    text = "P1: first line.\n\nP1: a NUL \x00 here.\n"
    files = {"u8.txt": text.encode("utf-8"),
             "u16.txt": b"\xff\xfe" + text.encode("utf-16-le"),
             "late.txt": ("P1: words.\n" * 10_000 + "P1: \x00\n").encode("utf-8")}
    lines = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        lines[name] = _refused_fast(run_cli, project, "ingest", tmp_path / name, "--project",
                                    project)
    assert lines["u8.txt"].endswith("u8.txt:3: contains a NUL character (U+0000): a binary "
                                    "file, or damaged text")
    assert lines["u16.txt"].split("u16.txt")[1] == lines["u8.txt"].split("u8.txt")[1]
    assert "late.txt:10001: contains a NUL" in lines["late.txt"]
    escaped = tmp_path / "esc.txt"
    escaped.write_bytes(b"P1: a lone \\ud800 surrogate\n")
    line = _refused_fast(run_cli, project, "ingest", escaped, "--project", project,
                         "--encoding", "unicode_escape")
    assert "esc.txt:1: contains a lone surrogate (U+D800)" in line


def _near_matcher(cls=None):
    from qualcode.coding.rules import RuleMatcher
    from qualcode.model import Code, Near

    matcher = (cls or RuleMatcher)()
    matcher.add(Code("trust", "Trust", near=[
        Near(a=("health", "police"), b=("relationship", "trust"), within=8),
        Near(a=("partner agency",), b=("joint work", "audit"), within=2)]))
    return matcher


def test_near_rules_are_linear_in_a_long_unit():
    import time

    words = "health works with police on trust and the relationship holds".split()
    unit = " ".join(words[i % len(words)] for i in range(40_000))
    started = time.process_time()
    found = _near_matcher()(unit)
    assert time.process_time() - started < 4  # 36 s when every a-b pair was tried
    assert len(found) == 31_996


def test_near_rules_find_what_every_pair_finds():
    import random
    from collections import defaultdict

    from qualcode.coding.rules import Match, RuleMatcher

    class EveryPair(RuleMatcher):
        """The quadratic reference: every a-term against every b-term."""

        def _near_matches(self, parts):
            result, sides = [], defaultdict(list)
            for part in parts:
                sides[(part.code_id, part.number, part.side)].append(part)
            for code_id, rules in self._near.items():
                for number, within, label in rules:
                    for a in sides.get((code_id, number, "a"), ()):
                        for b in sides.get((code_id, number, "b"), ()):
                            gap = max(b.first - a.last, a.first - b.last) - 1
                            if gap < within and (a.start, a.end) != (b.start, b.end):
                                result.append(Match(code_id, min(a.start, b.start),
                                                    max(a.end, b.end), label))
            return result

    vocabulary = ("health police relationship trust partner agency joint work audit the and "
                  "of we Police, trusts relationships.").split()
    rng = random.Random(20)
    fast, reference = _near_matcher(), _near_matcher(EveryPair)
    for _ in range(300):
        unit = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 60)))
        assert fast(unit) == reference(unit), unit


def test_a_yaml_block_with_aliases_is_refused_for_qdc_descriptions():
    import yaml

    from qualcode.codebook.yaml_format import load_yaml_block

    assert load_yaml_block("keywords: [a, b]\n") == {"keywords": ["a", "b"]}
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nkeywords: [*b, *b, *b]\n"
    with pytest.raises(yaml.YAMLError, match="anchors and aliases"):
        load_yaml_block(bomb)
