"""The README runs: its Python blocks, and its command examples in order on a fresh copy of the
sample, with what they print where the README shows it.

Lines that name the reader's own files (``interviews/``, ``responses.xlsx``, an NVivo export)
or need a person at the keyboard are listed in ``NOT_RUN``, with the reason; the test fails if
one of those lines is no longer in the README, so the list cannot rot.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT

from qualcode.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)

NOT_RUN = {  # a line's start -> why it is not run here
    "qualcode ingest interviews/": "the reader's own folder",
    "qualcode ingest responses.xlsx": "the reader's own spreadsheet",
    "qualcode ingest lesson.csv": "the reader's own classroom transcript",
    "qualcode import codings lesson.csv": "the reader's own classroom transcript",
    "qualcode serve": "starts a server and waits (tests/test_web_browser.py runs it)",
    "qualcode agree --project out/project.qc --coders ann bob carol": "the reader's own team",
    "qualcode agree --project out/project.qc --coders ann ml": "the reader's own coder",
    "qualcode suggest  --project new.qc --cold": "a project the README does not make",
    "qualcode review   --project out/project.qc --coder ann": "needs a person at a terminal",
    "qualcode review   --project out/project.qc --import": "needs the sheet filled in by hand",
    "qualcode import qdpx team_from_nvivo.qdpx": "the reader's own NVivo export",
    "qualcode codebook convert taguette_codebook.csv": "the reader's own Taguette export",
}


@pytest.fixture
def checkout(tmp_path):
    """A fresh copy of the sample and codebook, as after cloning, as the working folder."""
    for folder in ("transcripts_sample", "codebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def test_the_python_blocks_run(checkout):
    namespace: dict = {}
    blocks = [code for lang, code in BLOCK.findall(README) if lang == "python"]
    assert len(blocks) >= 2
    for code in blocks:
        exec(compile(code, "README.md", "exec"), namespace)  # our own README
    assert "book" in namespace and (checkout / "sample.qc").exists()


def _commands() -> list[tuple[str, str | None]]:
    """(command line, the first line of the output the README shows after it, if any)."""
    result = []
    matches = list(BLOCK.finditer(README))
    for index, match in enumerate(matches):
        if match.group(1) != "sh":
            continue
        lines = [line for line in match.group(2).splitlines() if line.strip()]
        shown = None
        following = matches[index + 1] if index + 1 < len(matches) else None
        if (len(lines) == 1 and following is not None and following.group(1) == ""
                and following.start() == match.end()):
            shown = following.group(2).splitlines()[0]
        result += [(line, shown if len(lines) == 1 else None) for line in lines]
    return result


@pytest.mark.slow
def test_the_command_examples_run_in_order(checkout):
    commands = _commands()
    lines = [line for line, _ in commands]
    for start in NOT_RUN:
        assert any(line.startswith(start) for line in lines), f"NOT_RUN names {start!r}"
    runner = CliRunner()
    ran = 0
    for line, shown in commands:
        if "&&" in line:  # "pip install . && qualcode run ...": the test runs the checkout
            line = line.split("&&", 1)[1].strip()
        if line.startswith("pytest") or any(line.startswith(start) for start in NOT_RUN):
            continue
        args = shlex.split(line.split("  #", 1)[0])
        assert args[0] == "qualcode", line
        result = runner.invoke(main, args[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        if shown is not None and not shown.startswith("..."):
            assert shown.strip() in result.output, f"{line}: README shows {shown!r}"
        ran += 1
    assert ran >= 20
