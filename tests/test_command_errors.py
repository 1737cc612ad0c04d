"""Users' mistakes on the analysis and ML commands: one line, exit status 2, nothing written."""

from __future__ import annotations

import pytest
from conftest import ROOT, SAMPLE

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    from click.testing import CliRunner

    from qualcode.cli import main

    path = tmp_path_factory.mktemp("errors") / "p.qc"
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(SAMPLE / "lscb09.txt"), "--project", str(path), "-q",
                         "--attributes", str(SAMPLE / "attributes.csv")])
    runner.invoke(main, ["code", "--project", str(path), "--codebook", str(LSCB), "-q"])
    return path


@pytest.mark.parametrize(("args", "message"), [
    (["themes", "--cases", "colour"], "no case attribute 'colour'"),
    (["agree", "--coders", "rule"], "agreement needs at least two coders"),
    (["agree", "--coders", "rule", "rule"], "the same coder is named twice"),
    (["apply", "--doc", "lscb09", "--segment", "turn:1", "--code", "no-such-code",
      "--coder", "ann"], "no code 'no-such-code'"),
    (["apply", "--doc", "nope", "--start", "0", "--end", "5", "--code", "case-reviews",
      "--coder", "ann"], "no document 'nope'"),
    (["apply", "--doc", "lscb09", "--code", "case-reviews", "--coder", "ann"],
     "give --start and --end, or --segment"),
    (["review"], "give --coder NAME"),
    (["discover"], "too few to find themes in"),
])
def test_command_errors(coded, run_cli, args, message):
    result = run_cli(*args, "--project", coded)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_run_with_an_unknown_split_attribute(tmp_path, run_cli):
    result = run_cli("run", SAMPLE / "lscb09.txt", "--codebook", LSCB, "--out",
                     tmp_path / "out", "--attributes", SAMPLE / "attributes.csv", "--by",
                     "colour")
    assert result.exit_code == 2 and "no case attribute 'colour' to split by" in result.stderr
    assert not (tmp_path / "out" / "themes.csv").exists()


def test_review_sheet_without_the_needed_columns(coded, run_cli, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,decision\n1,accept\n")
    result = run_cli("review", "--project", coded, "--import", sheet, "--coder", "ann")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {sheet}:1: missing column(s): document, start, "
                                     "end, code_id, text")
