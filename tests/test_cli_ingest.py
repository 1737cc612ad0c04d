"""``qualcode ingest`` and ``qualcode docs`` end to end on the sample and on small real files."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from qualcode.store import Project


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory):
    from click.testing import CliRunner

    from qualcode.cli import main

    path = tmp_path_factory.mktemp("sample") / "s.qc"
    result = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--project", str(path),
                                       "--attributes", str(SAMPLE / "attributes.csv")])
    assert result.exit_code == 0, result.output
    return path, result.output


def test_sample_ingest_reads_twelve_documents_and_skips_the_rest(sample_project):
    _, output = sample_project
    assert "12 documents read (12 new, 0 updated, 0 unchanged)" in output
    assert "attributes set for 12 documents" in output
    assert "README.md: a README or licence" in output
    assert "attributes.csv" not in output.split("attributes set")[1].split("skipped")[0]


def test_docs_lists_every_document_with_interviewer_and_participant_turns(sample_project,
                                                                          run_cli):
    path, _ = sample_project
    result = run_cli("docs", "--project", path)
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if line.startswith("lscb")]
    assert len(rows) == 12
    for row in rows:
        assert "(I)" in row
    assert "Wales" in next(r for r in rows if r.startswith("lscb06"))
    with Project.open(path) as project:
        for summary in project.summaries():
            assert summary.interviewer_turns >= 10 and summary.participant_turns >= 10
            assert 1500 <= summary.participant_words <= 3000
            assert [iv for _, iv in summary.speakers].count(True) == 1
        assert project.attributes()["lscb12"]["nation"] == "Wales"
        assert sum(a["nation"] == "England" for a in project.attributes().values()) == 10


def test_reingesting_the_sample_changes_nothing(sample_project, run_cli):
    path, _ = sample_project
    result = run_cli("ingest", SAMPLE, "--project", path)
    assert "(0 new, 0 updated, 12 unchanged)" in result.output


def test_named_interviewer_and_quiet(tmp_path, run_cli):
    path = tmp_path / "t.txt"
    path.write_text("Claire Hughes: What helps?\nAnn Lee: Partners.\n"
                    "Claire Hughes: And?\nAnn Lee: Budgets.\n")
    project = tmp_path / "p.qc"
    result = run_cli("ingest", path, "--project", project, "--interviewer", "Claire Hughes",
                     "--quiet")
    assert result.exit_code == 0 and result.output == ""
    with Project.open(project) as p:
        (summary,) = p.summaries()
    assert summary.speakers == [("Claire Hughes", True), ("Ann Lee", False)]


def test_responses_table_with_text_and_id_columns(tmp_path, run_cli):
    sheet = tmp_path / "responses.csv"
    sheet.write_text("respondent,region,answer\nR1,North,Budgets are tight.\n"
                     "R2,Wales,\nR3,South,Partners help.\n")
    project = tmp_path / "p.qc"
    result = run_cli("ingest", sheet, "--project", project, "--text-column", "answer",
                     "--id-column", "respondent")
    assert result.exit_code == 0, result.output
    with Project.open(project) as p:
        assert list(p.document_ids()) == ["R1", "R3"]
        assert p.attributes()["R3"] == {"region": "South"}
    result = run_cli("ingest", sheet, "--project", project, "--text-column", "response")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {sheet}:1: no column 'response' for --text-column "
        "(columns: respondent, region, answer)"
    )


def test_attributes_sheet_errors_and_unmatched_rows(tmp_path, transcript, run_cli):
    project = tmp_path / "p.qc"
    duplicate = tmp_path / "attrs.csv"
    duplicate.write_text("document,nation\nint01,England\nint01,Wales\n")
    result = run_cli("ingest", transcript, "--project", project, "--attributes", duplicate)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {duplicate}:3: document 'int01' appears twice (first on line 2)"
    )
    assert not project.exists() or not Project.open(project).document_ids()
    extra = tmp_path / "extra.csv"
    extra.write_text("file,nation\nint01.txt,England\nint99,Wales\n")
    result = run_cli("ingest", transcript, "--project", project, "--attributes", extra)
    assert result.exit_code == 0
    assert "attributes rows matching no document: int99" in result.output
    with Project.open(project) as p:
        assert p.attributes() == {"int01": {"nation": "England"}}


def test_unsupported_files_given_by_name_are_listed(tmp_path, transcript, run_cli):
    pages = tmp_path / "interview.pages"  # Apple Pages: a format qualcode does not read
    pages.write_bytes(b"PK\x03\x04")
    result = run_cli("ingest", transcript, pages, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0
    assert f"skipped {pages}: unsupported format .pages" in result.output


def test_every_command_is_documented_in_the_readme():
    import click
    from conftest import ROOT

    from qualcode.cli import main

    readme = (ROOT / "README.md").read_text()

    def names(group, prefix):
        for name, command in group.commands.items():
            yield f"{prefix} {name}"
            if isinstance(command, click.Group):
                yield from names(command, f"{prefix} {name}")

    for name in names(main, "qualcode"):
        assert name in readme, name
