"""Make ``project.qc``, a project in schema 4 (as qualcode at commit e74cff9 wrote it), and
``expected.json``, every coding and segment it holds, read by that qualcode: what
``tests/test_store.py`` checks a newer qualcode still reads after migrating the file.

Run with that qualcode, from the repository root:

    mkdir /tmp/old && git archive e74cff9 | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python tests/data/schema4/make.py
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.model import Coding
from qualcode.segment import ensure_sentences
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def main() -> None:
    path = HERE / "project.qc"
    path.unlink(missing_ok=True)
    with Project.open(path, create=True) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == 4
        ingest(project, [ROOT / "transcripts_sample" / name
                         for name in ("lscb09.txt", "lscb10.txt")])
        ensure_sentences(project, ["lscb09"])
        code_project(project, load_codebook(ROOT / "codebooks"
                                            / "lscb_learning_improvement.yaml"))
        turn = project.segments("turn", ["lscb10"], participants_only=True)[3]
        with project.transaction():
            project.add_codings([
                Coding("lscb10", turn.start, turn.end, "partnership-working", "ann"),
                Coding("lscb10", turn.start + 5, turn.end - 3, "multi-agency-data",
                       "Sam Okafor", origin="import", created_at="2015-03-02T10:11:12Z"),
                Coding("lscb09", 100, 180, "peer-support", "Sam Okafor", origin="import",
                       created_at="2015-03-03T09:00:00Z"),
            ])
            project.replace_suggestions([
                Coding("lscb10", t.start, t.end, code, "qualcode-ml", origin="ml",
                       status="suggested", model="tfidf-logreg v1", confidence=conf,
                       rule="ml: tfidf-logreg")
                for t, code, conf in zip(project.segments("turn", ["lscb10"])[4:9],
                                         ["multi-agency-data", "ofsted-inspection",
                                          "multi-agency-data", "leadership-challenge",
                                          "peer-support"],
                                         [0.91, 0.72, 0.55, 0.5, 0.43], strict=False)])
            pending = project.pending_suggestions()
            project.decide_suggestion(pending[0].id, "accepted", "ann")
            project.decide_suggestion(pending[1].id, "rejected", "bo")
        memo_target = project.codings("lscb10")[0]
        project.add_memo("coding", "ann", "A memo on a coding", document_id="lscb10",
                         code_id=memo_target.code_id, coding_id=memo_target.id,
                         start=memo_target.start, end=memo_target.end)
        expected = {
            "codings": [
                {"id": c.id, "document_id": c.document_id, "start": c.start, "end": c.end,
                 "code_id": c.code_id, "coder": c.coder, "origin": c.origin,
                 "status": c.status, "rule": c.rule, "model": c.model,
                 "confidence": c.confidence, "created_at": c.created_at,
                 "codebook": c.codebook, "codebook_path": c.codebook_path,
                 "codebook_hash": c.codebook_hash, "matched": [list(m) for m in c.matched]}
                for c in project.codings()],
            "segments": {
                kind: [[s.document_id, s.position, s.start, s.end, s.speaker,
                        s.is_interviewer, s.time_start, s.time_end]
                       for s in project.segments(kind, ["lscb09"] if kind == "sentence"
                                                 else None)]
                for kind in ("turn", "paragraph", "sentence")},
            "words": {kind: project.segment_words(kind, False)
                      for kind in ("turn", "paragraph", "sentence")},
            "documents": project.db.execute(
                "SELECT id, words, has_sentences FROM documents ORDER BY id").fetchall(),
            "memos": len(project.memos()),
        }
    db = sqlite3.connect(path)  # one file, no WAL beside it, and small
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("VACUUM")
    db.close()
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False)
                                        + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
