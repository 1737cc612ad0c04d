"""``--workers`` / ``--scheduler``: the same project and outputs as one process, on a real
Dask LocalCluster (2 worker processes, started once for this module); a worker that dies
leaves the project as it was; a scheduler that cannot be reached is one line.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, write_docx

from qualcode.cluster import Cluster, WorkerLost
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.ingest import READERS
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

CODEBOOK = ROOT / "codebooks" / "lscb_learning_improvement.yaml"
# Columns that record when, not what: they differ between any two runs.
TIMES = {"ingested_at", "created_at", "started_at", "finished_at", "applied_at", "id"}


@pytest.fixture(scope="module")
def cluster():
    """Two local worker processes, for every test of this module."""
    pytest.importorskip("distributed")
    with Cluster(workers=2) as started:
        yield started


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order, without the columns that record times."""
    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'runs'")]
        dump = {}
        for table in tables:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")
                       if c[1] not in TIMES]
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            dump[table] = sorted(rows, key=repr)
        dump["runs"] = db.execute("SELECT command, parameters, inputs FROM runs"
                                  " ORDER BY id").fetchall()
        return dump
    finally:
        db.close()


def _corpus(folder: Path, n: int = 24) -> Path:
    """Small transcripts in three formats, with emoji, combining accents and CRLF lines."""
    folder.mkdir()
    words = ("partnership working with health and police 😀", "learning from serious case "
             "reviews", "the board's subgroups and audits", "frontline staff feedback",
             "capacity of the business unit", "Cafe\u0301 meetings and training")
    for i in range(n):
        turns = [("Interviewer", "What works for learning and improvement?")]
        turns += [(f"P{i:02d}", f"{words[(i + k) % len(words)]}. " * (3 + k)) for k in range(4)]
        if i % 3 == 0:
            write_docx(folder / f"int{i:02d}.docx", [(f"{s}: ", t) for s, t in turns])
        elif i % 3 == 1:
            cues = "".join(f"\n{k + 1}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\n{s}: {t}\n"
                           for k, (s, t) in enumerate(turns))
            (folder / f"int{i:02d}.srt").write_text(cues.lstrip(), encoding="utf-8")
        else:
            text = "\r\n\r\n".join(f"{s}: {t}" for s, t in turns)
            (folder / f"int{i:02d}.txt").write_bytes(text.encode("utf-8"))
    return folder


def test_sample_run_on_the_cluster_writes_what_one_process_writes(cluster, tmp_path, run_cli):
    common = [SAMPLE, "--codebook", CODEBOOK, "--attributes", SAMPLE / "attributes.csv",
              "--by", "nation", "--no-chart", "--quiet"]
    one = run_cli("run", *common, "--out", tmp_path / "one")
    two = run_cli("run", *common, "--out", tmp_path / "two", "--scheduler", cluster.address)
    assert one.exit_code == two.exit_code == 0
    assert two.output == one.output
    written = sorted(p.name for p in (tmp_path / "one").iterdir()
                     if p.suffix in (".csv", ".md"))
    assert written == ["findings.md", "themes.csv", "themes_by_nation.csv"]
    for name in written:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert _dump(tmp_path / "two" / "project.qc") == _dump(tmp_path / "one" / "project.qc")


def test_a_generated_corpus_in_many_batches_and_sentences_is_the_same(cluster, tmp_path,
                                                                      monkeypatch):
    import qualcode.coding.engine as engine
    import qualcode.workflows.ingest as ingesting

    corpus = _corpus(tmp_path / "corpus", n=12)
    book = load_codebook(CODEBOOK)
    # many tasks of files and of units: the order they come back in must not matter
    monkeypatch.setattr(engine, "BATCH_CHARACTERS", 700)
    monkeypatch.setattr(ingesting, "FILES_PER_TASK_BYTES", 2000)
    for name, on in (("one.qc", None), ("two.qc", cluster)):
        with Project.open(tmp_path / name, create=True) as project:
            ingest(project, [corpus], cluster=on)
            report = code_project(project, book, unit="sentence", cluster=on)
            assert report.codings
    assert _dump(tmp_path / "two.qc") == _dump(tmp_path / "one.qc")


def _crash(path, options):
    """A reader that kills the worker process it runs in, as a segfault or the OOM killer
    would."""
    os._exit(9)


def _register_crash() -> None:
    """On a worker: read .crash files with ``_crash``."""
    from qualcode.ingest import READERS

    READERS[".crash"] = _crash


def _unregister_crash() -> None:
    from qualcode.ingest import READERS

    READERS.pop(".crash", None)


@pytest.fixture
def crashing_reader(cluster, monkeypatch):
    """.crash files kill the worker that reads them: a reader in the registry, here (to find
    them) and in every worker process, those restarted after a death too."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class Crashing(WorkerPlugin):
        def setup(self, worker) -> None:
            _register_crash()

        def teardown(self, worker) -> None:
            _unregister_crash()

    monkeypatch.setitem(READERS, ".crash", _crash)
    cluster._client.register_plugin(Crashing(), name="crashing-reader")
    yield
    cluster._client.unregister_worker_plugin("crashing-reader")


def test_a_worker_dying_on_a_file_leaves_the_project_as_it_was(cluster, crashing_reader,
                                                               tmp_path):
    corpus = _corpus(tmp_path / "corpus", n=6)
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [SAMPLE / "lscb09.txt"])
    before = _dump(tmp_path / "p.qc")
    (corpus / "int03.crash").write_text("kills its reader")
    with Project.open(tmp_path / "p.qc") as project, pytest.raises(WorkerLost) as raised:
        ingest(project, [corpus], cluster=cluster)
    assert str(raised.value).startswith(f"{corpus / 'int03.crash'}: a worker process died")
    assert _dump(tmp_path / "p.qc") == before

    with Project.open(tmp_path / "p.qc") as project:
        report = ingest(project, [corpus], cluster=cluster, skip_errors=True)
    assert [e.path for e in report.failed] == [str(corpus / "int03.crash")]
    assert len(report.new) == 6


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_quick(tmp_path, run_cli):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    result = run_cli("ingest", SAMPLE / "lscb09.txt", "--project", tmp_path / "p.qc",
                     "--scheduler", address)
    assert time.monotonic() - started < 3
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot reach the Dask scheduler at {address}: " \
                            "Connection refused\n"
    assert not (tmp_path / "p.qc").exists()


def test_workers_without_dask_say_how_to_get_it(tmp_path, run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    result = run_cli("code", "--project", tmp_path / "p.qc", "--codebook", CODEBOOK,
                     "--workers", "2")
    assert result.exit_code == 2
    assert result.stderr == ("error: running on several workers needs Dask: pip install "
                             "'qualcode[dask]' (or give --workers 1)\n")


def test_a_document_sent_back_by_a_worker_is_the_document_read(tmp_path, transcript):
    """Documents travel pickled with their text once and segments as tuples: what comes back
    equals what was read, word counts and a segment that is not a slice of the text too."""
    import pickle

    from qualcode.ingest import read_document
    from qualcode.model import Segment

    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes("Interviewer: Cafe\u0301?\r\n\r\nP1: 😀 partnership\r\nworking.\r\n".encode())
    for path in (transcript, crlf):
        document = read_document(path)
        document.paragraphs.append(Segment(document.id, "paragraph", 99, 0, 3, "not a slice"))
        back = pickle.loads(pickle.dumps(document))
        assert back == document
        assert [s.words for s in back.turns] == [s.words for s in document.turns]
        assert back.words == document.words and back.paragraphs[-1].text == "not a slice"
        assert len(pickle.dumps(document)) < len(document.text.encode()) * 2 + 2000


def test_workers_and_a_scheduler_together_are_one_line(tmp_path, run_cli):
    result = run_cli("ingest", SAMPLE / "lscb09.txt", "--project", tmp_path / "p.qc",
                     "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert result.exit_code == 2
    assert result.stderr == ("error: give --workers 2 or --scheduler tcp://127.0.0.1:8786, not "
                             "both (the scheduler's cluster has the workers it has)\n")
    assert not (tmp_path / "p.qc").exists()
