"""Shared fixtures: real files written the way users' tools write them."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.shared import Pt

from qualcode.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
DATA = Path(__file__).resolve().parent / "data"


def write_docx(path: Path, paragraphs: list, table: list[list[str]] | None = None) -> Path:
    """Write a .docx; a paragraph is a str, or a (bold label, rest) pair, or ("#", heading)."""
    document = docx.Document()
    for item in paragraphs:
        if isinstance(item, tuple) and item[0] == "#":
            document.add_heading(item[1], level=1)
        elif isinstance(item, tuple):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(item[0])
            run.bold = True
            paragraph.add_run(item[1]).font.size = Pt(11)
        else:
            document.add_paragraph(item)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(path)
    return path


@pytest.fixture
def run_cli():
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""

    def run(*args: str):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def transcript(tmp_path):
    """A small labelled transcript with non-ASCII text, as a UTF-8 .txt."""
    path = tmp_path / "int01.txt"
    path.write_text(
        "Interviewer: Could you tell me about your role?\n\n"
        "Siân Jones: I’ve been business manager for five years – café meetings 😀 and all.\n"
        "We work closely with partner agencies.\n\n"
        "Interviewer: And the subgroups?\n\n"
        "Siân Jones: The QA subgroup meets monthly. It works well.\n",
        encoding="utf-8",
    )
    return path
