"""Working at scale: words counted once per line at ingest (and still equal to counting each
span), ingest and code a batch of documents at a time inside one transaction, with the same
results as doing it all at once."""

from __future__ import annotations

import pytest
from conftest import ROOT, write_docx

from qualcode.codebook import load_codebook
from qualcode.coding import engine
from qualcode.coding.engine import code_documents, code_project
from qualcode.errors import QualcodeError
from qualcode.ingest import read_documents
from qualcode.model import Coding
from qualcode.store import MIGRATIONS, Project
from qualcode.text import count_words
from qualcode.workflows.ingest import SourceOptions, ingest, read_source

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"

HOSTILE = {
    # labels, a label alone on its line, emoji, combining accents, CRLF, apostrophes
    "labels.txt": ("Title of the interview\r\n12 March 2016\r\n\r\nInterviewer: Ready? 👍🏽\r\n"
                   "\r\nJosé Nuñez:\r\nYes – the cafe\u0301's partner agencies’ board.\r\n"
                   "More of it, 2nd line; it's fine\r\n\r\nInterviewer:Next one\r\n"
                   "[Ann Lee]Bracketed speech, no space\r\nP01: x\u0301y z\r\n"),
    # Otter style, timestamps as the start of lines
    "otter.txt": ("Ann Lee  0:03\nWe met the partners.\n\nBob Stone  0:09\nRight, right.\n"
                  "And then\n\nAnn Lee  0:15\nDone 🎉 here.\n\nTranscribed by https://otter.ai\n"),
    "timed.txt": ("00:00:01 Hello there everyone\n00:00:05 we start\n00:00:09 and go on\n"
                  "00:00:12\n00:00:15 with words\n"),
    # no labels: each paragraph a turn
    "plain.txt": "First paragraph, one\nline two.\n\n\n  Second  paragraph  \n\nThird\n",
}


def test_words_counted_once_per_line_equal_counting_each_span(tmp_path):
    write_docx(tmp_path / "w.docx", [("Interviewer:", " Hi 😀 there"),
                                     ("Ann:", " Café naïve partner's words"), "More words"])
    (tmp_path / "v.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ann>Hello all"
                                    "</v>\n\n00:02.500 --> 00:04.000\n<v Bob>Fine, you?</v>\n")
    for name, text in HOSTILE.items():
        (tmp_path / name).write_bytes(text.encode())
    checked = 0
    for path in sorted(tmp_path.iterdir()):
        for document in read_documents(path):
            assert document.words == count_words(document.text), path.name
            for segment in document.turns + document.paragraphs:
                assert segment.words == count_words(segment.text), (path.name, segment)
                checked += 1
    assert checked > 20


def test_the_store_keeps_the_counted_words(tmp_path):
    (tmp_path / "labels.txt").write_bytes(HOSTILE["labels.txt"].encode())
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [tmp_path])
        (document,) = project.documents()
        stored = dict(project.db.execute("SELECT id, words FROM documents"))
        assert stored == {document.id: count_words(document.text)}
        turns = project.db.execute(
            "SELECT char_start, char_end, words FROM segments WHERE kind = 'turn'").fetchall()
        assert turns and all(words == count_words(document.text[s:e]) for s, e, words in turns)


def test_read_source_is_one_file_in_and_its_documents_out(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_bytes(HOSTILE["labels.txt"].encode())
    (document,) = read_source(path, "x/labels", SourceOptions(interviewers=("José Nuñez",)))
    assert document.id == "x/labels"
    assert document.metadata["read_options"] == {"interviewers": ["José Nuñez"],
                                                 "encoding": None}
    assert [t.is_interviewer for t in document.turns if t.speaker == "José Nuñez"] == [True]


def test_a_bad_file_after_good_ones_leaves_the_project_as_it_was(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Ann: one\n")
    (folder / "b.txt").write_text("Bob: two\n")
    (folder / "c.docx").write_bytes(b"not a zip at all")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        with pytest.raises(QualcodeError, match=r"c\.docx"):
            ingest(project, [folder])
        assert project.document_ids() == {}
        assert project.db.execute("SELECT count(*) FROM segments").fetchone() == (0,)
        report = ingest(project, [folder], skip_errors=True)
        assert (report.new, len(report.failed)) == (["a", "b"], 1)


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentence"])
def test_coding_a_batch_at_a_time_gives_the_codings_of_all_at_once(tmp_path, monkeypatch,
                                                                     unit):
    book = load_codebook(LSCB)
    sample = ROOT / "transcripts_sample"
    files = sorted(sample.glob("lscb*.txt")) + sorted(sample.glob("lscb0[1-2].docx"))
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, files)
        expected = code_documents(project.documents(), book, unit=unit)
        monkeypatch.setattr(engine, "BATCH_DOCUMENTS", 2)
        monkeypatch.setattr(engine, "FLUSH_CODINGS", 3)
        report = code_project(project, book, unit=unit)
        stored = project.codings()
        units = len(project.segments(unit, participants_only=True))
    assert len(expected) > 20
    assert sorted(map(_key, stored)) == sorted(map(_key, expected))
    assert sorted(report.codings) == sorted((c.document_id, c.start, c.end, c.code_id)
                                            for c in expected)
    assert len({c.created_at for c in stored}) == 1  # one run, one time
    assert report.units == units


def _key(coding):
    return (coding.document_id, coding.start, coding.end, coding.code_id, coding.rule,
            coding.matched)


# -- slim codings: schema 5 ------------------------------------------------------------------
SCHEMA4 = ROOT / "tests" / "data" / "schema4"


def _as_stored(coding) -> dict:
    return {"id": coding.id, "document_id": coding.document_id, "start": coding.start,
            "end": coding.end, "code_id": coding.code_id, "coder": coding.coder,
            "origin": coding.origin, "status": coding.status, "rule": coding.rule,
            "model": coding.model, "confidence": coding.confidence,
            "created_at": coding.created_at, "codebook": coding.codebook,
            "codebook_path": coding.codebook_path, "codebook_hash": coding.codebook_hash,
            "matched": [list(m) for m in coding.matched]}


def test_a_schema_4_project_opens_with_every_coding_and_segment_as_it_was(tmp_path):
    """tests/data/schema4/project.qc was made by qualcode at e74cff9 (make.py beside it):
    rule codings, a manual and two imported ones, suggestions pending, accepted (coder
    changed to the person who decided) and rejected, sentences, and a memo."""
    import json
    import shutil

    expected = json.loads((SCHEMA4 / "expected.json").read_text(encoding="utf-8"))
    path = tmp_path / "old.qc"
    shutil.copy(SCHEMA4 / "project.qc", path)
    with Project.open(path) as project:
        db = project.db
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert [_as_stored(c) for c in project.codings()] == expected["codings"]
        for kind, rows in expected["segments"].items():
            assert [[s.document_id, s.position, s.start, s.end, s.speaker, s.is_interviewer,
                     s.time_start, s.time_end] for s in project.segments(
                         kind, ["lscb09"] if kind == "sentence" else None)] == rows, kind
            assert project.segment_words(kind, False) == expected["words"][kind]
        assert [list(r) for r in db.execute(
            "SELECT id, words, has_sentences FROM documents ORDER BY id")] == \
            expected["documents"]
        assert len(project.memos()) == expected["memos"]
        # the constants are stored once per run: 93 rule codings, one run
        assert db.execute("SELECT count(*) FROM coding_runs WHERE origin = 'rule'"
                          ).fetchone() == (1,)
        # lscb10's paragraphs are its turns (derived now); lscb09 has paragraphs of its own
        assert dict(db.execute("SELECT id, paragraphs_are_turns FROM documents")) == {
            "lscb09": 0, "lscb10": 1}
        # and it works as a project of this version: a person decides, the rules re-run
        pending = project.pending_suggestions()
        with project.transaction():
            assert project.decide_suggestion(pending[0].id, "accepted", "cy")
        assert project.coding(pending[0].id).coder == "cy"
        book = load_codebook(LSCB)
        before = {c.id: _as_stored(c) for c in project.codings() if c.origin != "rule"}
        report = code_project(project, book)
        assert report.replaced == len(report.codings) == 93
        after = {c.id: _as_stored(c) for c in project.codings() if c.origin != "rule"}
        assert after == before
        assert db.execute("SELECT count(*) FROM coding_runs WHERE origin = 'rule'"
                          ).fetchone() == (1,)  # the old run went with its codings


def test_codings_share_their_run_and_keep_what_varies(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Ann: partner agencies here.\n\nBo: and more partner agencies.\n")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        with project.transaction():
            project.add_codings([
                Coding("t", 0, 4, "a", "ann", created_at="2020-01-01T00:00:00Z"),
                Coding("t", 5, 9, "b", "ann", created_at="2020-01-01T00:00:00Z"),
                Coding("t", 5, 9, "b", "ml", origin="ml", status="suggested", model="m",
                       confidence=0.5),
            ])
        assert project.db.execute("SELECT count(*) FROM coding_runs").fetchone() == (2,)
        suggestion = project.pending_suggestions()[0]
        with project.transaction():
            project.decide_suggestion(suggestion.id, "rejected", "bo")
            project.delete_coding(project.codings(code_ids=["a"])[0].id)
        kept = project.codings()
        assert [(c.code_id, c.coder, c.origin, c.status, c.model, c.confidence, c.created_at)
                for c in kept] == [
            ("b", "ann", "manual", "applied", None, None, "2020-01-01T00:00:00Z"),
            ("b", "bo", "ml", "rejected", "m", 0.5, kept[1].created_at)]
        with project.transaction():
            project.remove_person_coding("t", 5, 9, "b", "ann")
        assert project.db.execute("SELECT count(*) FROM coding_runs").fetchone() == (1,)


def test_paragraphs_that_are_the_turns_are_derived_and_follow_a_changed_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Interviewer: one two.\n\nP01: three.\n")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        stored = project.db.execute("SELECT kind, count(*) FROM segments GROUP BY kind")
        assert dict(stored) == {"turn": 2}  # the paragraphs are the turns: not stored twice
        (document,) = project.documents()
        assert [(p.kind, p.start, p.end, p.words) for p in document.paragraphs] == [
            ("paragraph", t.start, t.end, t.words) for t in document.turns]
        assert project.segments("paragraph") == document.paragraphs
        assert project.segment_span("t", "paragraph", 1) == (document.turns[1].start,
                                                            document.turns[1].end)
        assert project.segment_words("paragraph", False) == 3
        # a turn of two lines, still one paragraph
        path.write_text("Interviewer: one two.\nmore here\n\nP01: three.\n")
        ingest(project, [path])
        (document,) = project.documents()
        assert document.text[document.paragraphs[0].start:document.paragraphs[0].end] == (
            "one two.\nmore here")
        # a turn of two paragraphs: the paragraphs are stored
        path.write_text("Interviewer: one two.\n\nstill Ann.\n\nP01: three.\n")
        ingest(project, [path])
        (document,) = project.documents()
        assert [document.text[p.start:p.end] for p in project.segments("paragraph")] == [
            "one two.", "still Ann.", "three."]
        assert len(document.turns) == 2
        assert project.segment_words("paragraph", False) == 5
        stored = project.db.execute("SELECT kind, count(*) FROM segments GROUP BY kind")
        assert dict(stored) == {"turn": 2, "paragraph": 3}


# -- storing a big run: coding_rows' indexes made once, at the end ---------------------------
def _coding_schema(project) -> list[tuple]:
    return project.db.execute("SELECT type, name, sql FROM sqlite_master"
                              " WHERE tbl_name = 'coding_rows' ORDER BY name").fetchall()


def _sample_project(tmp_path):
    files = sorted((ROOT / "transcripts_sample").glob("lscb*.txt"))[:4]
    project = Project.open(tmp_path / "p.qc", create=True)
    ingest(project, files)
    return project


def test_a_big_run_stores_its_codings_without_indexes_and_makes_them_again(tmp_path,
                                                                          monkeypatch):
    book = load_codebook(LSCB)
    with _sample_project(tmp_path) as project:
        schema = _coding_schema(project)
        assert [name for kind, name, _ in schema if kind == "index"] == [
            "coding_rows_by_code", "coding_rows_by_document", "coding_rows_by_run"]
        with project.transaction():
            project.add_codings([Coding("lscb09", 0, 4, "partnership-working", "ann")])
        expected = sorted(map(_key, code_documents(project.documents(), book)))
        dropped: list[str] = []
        # batches of 120 codings: a statement of 100 rows, then 20 one by one
        monkeypatch.setattr(engine, "FLUSH_CODINGS", 120)
        project.db.set_trace_callback(dropped.append)
        report = code_project(project, book)  # one coding stored: this run is the bigger
        project.db.set_trace_callback(None)
        assert sum(line.startswith("DROP INDEX") for line in dropped) == 3
        assert _coding_schema(project) == schema
        rules = [c for c in project.codings() if c.origin == "rule"]
        assert sorted(map(_key, rules)) == expected and len(report.codings) > 120
        # stored in the order they were made, as one statement per row would have
        assert [(c.document_id, c.start, c.end, c.code_id)
                for c in sorted(rules, key=lambda c: c.id)] == report.codings
        # the indexes are used as before: a code's codings are found through its index
        plan = project.db.execute("EXPLAIN QUERY PLAN SELECT id FROM coding_rows"
                                  " WHERE code_id = 'x'").fetchall()
        assert "coding_rows_by_code" in str(plan)
        # a run no bigger than what is stored keeps the indexes
        dropped.clear()
        project.db.set_trace_callback(dropped.append)
        with project.transaction(), project.bulk_codings(len(rules)):
            pass
        project.db.set_trace_callback(None)
        assert not any(line.startswith("DROP INDEX") for line in dropped)


def test_a_run_stopped_half_way_leaves_the_project_as_it_was(tmp_path, monkeypatch):
    """Ctrl-C after some of a re-run's codings were stored (its indexes dropped, the earlier
    run's codings deleted): the earlier codings, the indexes and the log are as they were."""
    book = load_codebook(LSCB)
    with _sample_project(tmp_path) as project:
        code_project(project, book)
        before = [_as_stored(c) for c in project.codings()]
        schema, runs = _coding_schema(project), project.runs()
        monkeypatch.setattr(engine, "FLUSH_CODINGS", 5)
        seen: list[tuple] = []

        def interrupt_half_way(units):
            for number, unit in enumerate(units):
                if number == 60:
                    seen.append((project.db.execute("SELECT count(*) FROM coding_rows"
                                                    ).fetchone()[0], _coding_schema(project)))
                    raise KeyboardInterrupt
                yield unit

        with pytest.raises(KeyboardInterrupt):
            code_project(project, book, progress=interrupt_half_way)
        (stored, indexes), = seen
        assert 5 < stored < len(before) and indexes == [s for s in schema if s[0] == "table"]
        assert [_as_stored(c) for c in project.codings()] == before
        assert _coding_schema(project) == schema and project.runs() == runs
