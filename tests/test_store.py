"""The project file: re-ingest rules, person codings, concurrency, migrations, sentences."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qualcode import __version__
from qualcode.errors import ProjectError
from qualcode.model import Coding
from qualcode.store import MIGRATIONS, Project
from qualcode.workflows.ingest import ingest


def write_turns(path, answer="We work with partner agencies."):
    path.write_text(f"Interviewer: What helps?\n\nAnn Lee: {answer}\n\nInterviewer: Thanks.\n\n"
                    "Ann Lee: Bye.\n")
    return path


def test_reingest_unchanged_changes_nothing(tmp_path, transcript):
    with Project.open(tmp_path / "p.qc", create=True) as project:
        first = ingest(project, [transcript])
        again = ingest(project, [transcript])
        assert (first.new, again.unchanged, again.new) == (["int01"], ["int01"], [])
        assert len(project.segments("turn")) == 4


def test_changed_file_replaces_document_and_drops_machine_codings(tmp_path):
    path = write_turns(tmp_path / "a.txt")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        with project.transaction():
            project.add_codings([Coding("a", 0, 5, "x", "qualcode", origin="rule")])
        write_turns(path, "Budgets are tight.")
        report = ingest(project, [path])
        assert report.updated == ["a"]
        (doc,) = project.documents()
        assert doc.turns[1].text == "Budgets are tight."
        assert project.codings() == []


@pytest.mark.parametrize(("origin", "status"), [("manual", "applied"), ("ml", "accepted")])
def test_changed_file_with_a_persons_codings_is_refused(tmp_path, origin, status):
    path = write_turns(tmp_path / "a.txt")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        with project.transaction():
            project.add_codings([Coding("a", 0, 5, "x", "ann", origin=origin, status=status)])
        write_turns(path, "Budgets are tight.")
        with pytest.raises(ProjectError, match=r"coding.* made by a person"):
            ingest(project, [path])
        (doc,) = project.documents()
        assert doc.turns[1].text == "We work with partner agencies."
        assert len(project.codings()) == 1


def test_two_processes_ingesting_at_once_lose_nothing(tmp_path):
    for batch in ("one", "two"):
        folder = tmp_path / batch
        folder.mkdir()
        for i in range(25):
            write_turns(folder / f"{batch}{i:02d}.txt", f"Answer {i} from batch {batch}.")
    project = tmp_path / "shared.qc"
    procs = [
        subprocess.Popen([sys.executable, "-m", "qualcode", "ingest", str(tmp_path / b),
                          "--project", str(project), "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for b in ("one", "two")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with Project.open(project) as p:
        assert len(p.document_ids()) == 50
        assert len(p.runs()) == 2
        assert len(p.segments("turn")) == 200


def test_schema_migrations_are_recorded(tmp_path):
    with Project.open(tmp_path / "p.qc", create=True) as project:
        version = project.db.execute("PRAGMA user_version").fetchone()[0]
        rows = project.db.execute("SELECT version, qualcode_version FROM migrations").fetchall()
    assert version == len(MIGRATIONS)
    assert rows == [(i + 1, __version__) for i in range(len(MIGRATIONS))]


def test_a_project_from_a_newer_qualcode_is_refused(tmp_path):
    path = tmp_path / "p.qc"
    Project.open(path, create=True).close()
    with Project.open(path) as project:
        project.db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(ProjectError, match="newer qualcode"):
        Project.open(path)


def test_sentences_are_made_once_and_stored(tmp_path, transcript):
    from qualcode.segment import ensure_sentences

    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [transcript])
        with pytest.raises(ProjectError, match="ensure_sentences"):
            project.segments("sentence")  # the store records sentences, it does not make them
        assert ensure_sentences(project) == 1
        first = project.segments("sentence")
        assert [s.text for s in first if not s.is_interviewer] == [
            "I’ve been business manager for five years – café meetings 😀 and all.",
            "We work closely with partner agencies.",
            "The QA subgroup meets monthly.", "It works well.",
        ]
        (doc,) = project.documents()
        assert all(doc.text[s.start:s.end] == s.text for s in first)
        assert ensure_sentences(project) == 0
        assert project.segments("sentence") == first


def test_run_log_records_version_and_input_hashes(tmp_path, transcript):
    import hashlib

    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [transcript], interviewers=["Siân Jones"])
        (run,) = project.runs()
    assert run["command"] == "ingest" and run["qualcode_version"] == __version__
    assert hashlib.sha256(transcript.read_bytes()).hexdigest() in run["inputs"]
    assert "Siân Jones" in run["parameters"]


def test_reingest_with_a_new_interviewer_rereads_the_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Claire Hughes: What helps?\nAnn Lee: Partners.\n"
                    "Claire Hughes: And?\nAnn Lee: Budgets.\n")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        assert not any(t.is_interviewer for t in project.segments("turn"))
        again = ingest(project, [path])
        assert again.unchanged == ["t"]
        named = ingest(project, [path], interviewers=["Claire Hughes"])
        assert named.updated == ["t"]
        assert [t.is_interviewer for t in project.segments("turn")] == [True, False] * 2


def test_which_codings_count_and_the_suggestion_lifecycle(tmp_path):
    from qualcode.model import Selection

    path = write_turns(tmp_path / "a.txt", "Café 😀 meetings help.\r\nA lot.")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        text = project.texts()["a"]
        assert project.text_lengths() == {"a": len(text)}  # code points, emoji included
        span = project.segment_span("a", "turn", 1)
        assert span is not None
        start, end = span
        assert text[start:end] == "Café 😀 meetings help.\nA lot."  # CRLF normalised
        assert project.segment_span("a", "turn", 99) is None
        kinds = [("applied", "rule"), ("applied", "manual"), ("accepted", "ml"),
                 ("rejected", "ml"), ("suggested", "ml")]
        with project.transaction():
            project.add_codings([Coding("a", start, end, f"c{i}", "ann", origin=origin,
                                        status=status) for i, (status, origin) in
                                 enumerate(kinds)])
        counted = {span[3] for span in project.coding_spans(Selection())}
        assert counted == {"c0", "c1", "c2"}  # rejected and pending suggestions never count
        assert {s[3] for s in project.decided_spans()} == {"c0", "c1", "c2", "c3"}
        assert [c.code_id for c in project.counted_codings(Selection(origins=("manual",)))] \
            == ["c1"]
        assert list(project.iter_counted_codings(Selection())) == project.counted_codings(
            Selection()) and len(project.counted_codings(Selection())) == 3
        assert project.person_codings("a") == 2  # manual, and the accepted suggestion
        (pending,) = project.pending_suggestions()
        with project.transaction():
            removed, added = project.replace_suggestions(
                [Coding("a", start, end, "c9", "model", origin="ml", status="suggested")])
        assert (removed, added) == (1, 1)  # only the pending one went; decisions stay
        (fresh,) = project.pending_suggestions()
        with project.transaction():
            assert project.decide_suggestion(fresh.id, "accepted", "ann")
            assert not project.decide_suggestion(pending.id, "accepted", "ann")  # gone
            assert not project.decide_suggestion(fresh.id, "rejected", "ann")  # decided
        assert project.pending_suggestions() == []
        assert "c9" in {s[3] for s in project.coding_spans(Selection())}


def test_an_older_project_read_where_it_cannot_be_upgraded_reads_without_later_tables(tmp_path):
    """A project made before memos, pseudonyms, settings and kept GUIDs, read through a
    read-only connection (a read-only folder: no upgrade), still gives its tables and reports
    instead of 'no such table'."""
    import sqlite3

    from qualcode.analysis.data import load_coded
    from qualcode.export.docx_report import build_report
    from qualcode.export.qdpx import export_qdpx
    from qualcode.store import schema

    path = tmp_path / "old.qc"
    (tmp_path / "a.txt").write_text("Interviewer: Hi?\nP01: The partnership works.\n"
                                    "Interviewer: And?\nP01: Partnership again.\n",
                                    encoding="utf-8")
    with Project.open(path, create=True) as project:
        from qualcode.workflows.ingest import ingest

        ingest(project, [tmp_path / "a.txt"])
    db = sqlite3.connect(path)
    for table in ("memos", "pseudonyms", "settings", "exchange_guids"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM migrations WHERE version > 1")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    old = Project(path, schema.connect_readonly(path))
    try:
        assert old.memos() == [] and old.pseudonyms() == [] and old.setting("x", 7) == 7
        assert old.kept_guids("code") == {}
        data = load_coded(old)
        assert build_report(old, data)[:2] == b"PK"
        assert export_qdpx(old)[:2] == b"PK"
    finally:
        old.close()


def test_release_memory_shrinks_the_page_cache_and_reading_goes_on(tmp_path):
    """A batch job turning from writing to reading keeps SQLite's page cache small (its 64 MB
    filled up by the end of a big ingest and code)."""
    path = tmp_path / "p.qc"
    (tmp_path / "a.txt").write_text("P1: Hello there.\n")
    with Project.open(path, create=True) as p:
        ingest(p, [tmp_path / "a.txt"])
        assert p.db.execute("PRAGMA cache_size").fetchone()[0] == -65536
        p.release_memory()
        assert p.db.execute("PRAGMA cache_size").fetchone()[0] == -2048
        assert list(p.document_ids()) == ["a"]
        p.release_memory(512)
        assert p.db.execute("PRAGMA cache_size").fetchone()[0] == -512
