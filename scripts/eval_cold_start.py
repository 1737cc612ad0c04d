"""Cold start against a known coding (a benchmark, not a test): how well the suggestions made
from the codebook alone agree with a coder, with the settings before issue 15 and now, and over
a grid of thresholds and top-k (how the defaults were chosen).

    qualcode run transcripts_sample --codebook codebooks/lscb_learning_improvement.yaml --out out
    qualcode import codings transcripts_sample/gold_coding.csv --project out/project.qc
    python scripts/eval_cold_start.py out/project.qc --coder gold

Prints, per setting, the mean over the coder's codes of Cohen's kappa between "suggested" and
"coded" on the participant turns, and the suggestions per turn. Nothing is written.

``--methods tfidf,embed,both`` also scores the sentence-embedding cold start and the mean of
the two z-scores (needs the ``embed`` extra), with the CPU seconds each similarity took, and
how much each beats tfidf at the defaults: the difference in mean kappa with a 95% interval
from a paired bootstrap over the documents (turns of one interview are not independent).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bootstrap_gain(truth: np.ndarray, base: np.ndarray, other: np.ndarray,
                   documents: list[str], draws: int = 2000, seed: int = 0) -> np.ndarray:
    """``draws`` resamples (documents drawn with replacement) of the mean over codes of
    Cohen's kappa of ``other`` minus that of ``base`` (units x codes booleans each)."""
    names, index = np.unique(documents, return_inverse=True)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(len(names), size=(draws, len(names)))
    weights = np.stack([np.bincount(d, minlength=len(names)) for d in drawn])[:, index]
    total = weights.sum(axis=1, keepdims=True)

    def mean_kappa(chosen: np.ndarray) -> np.ndarray:
        agree = weights @ (chosen == truth) / total
        coded, suggested = weights @ truth / total, weights @ chosen / total
        chance = coded * suggested + (1 - coded) * (1 - suggested)
        with np.errstate(invalid="ignore", divide="ignore"):
            kappa = (agree - chance) / (1 - chance)
        return np.nanmean(kappa, axis=1)

    return mean_kappa(other.astype(float)) - mean_kappa(base.astype(float))


def main() -> None:
    from sklearn.metrics import cohen_kappa_score

    from qualcode.errors import QualcodeError
    from qualcode.store import Project
    from qualcode.suggest import COLD_THRESHOLD, COLD_TOP
    from qualcode.suggest.cold import (
        METHODS,
        choose,
        embedding_similarities,
        load_embedder,
        method_scores,
        pick,
        profile,
        require_embedding,
        similarities,
    )
    from qualcode.suggest.training import exclusive_groups, labelled_units

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--coder", required=True)
    parser.add_argument("--methods", default="tfidf",
                        help=f"comma-separated, of {','.join(METHODS)} (embed, both: the "
                        "embed extra)")
    args = parser.parse_args()
    methods = args.methods.split(",")
    if unknown := set(methods) - set(METHODS):
        sys.exit(f"error: --methods: unknown {', '.join(sorted(unknown))}")
    if set(methods) - {"tfidf"}:
        try:
            require_embedding()
        except QualcodeError as error:
            sys.exit(f"error: {error}")
    if not args.project.is_file():
        sys.exit(f"error: {args.project}: no such project")
    with Project.open(args.project, readonly=True) as project:
        units = labelled_units(project, coder=args.coder, context=False)
        book = project.codebook()
    codes = [c for c in book.codes if c.codable]
    ids = [c.id for c in codes]
    coded = sorted({c for labels in units.labels for c in labels if c in ids})
    if not coded:
        sys.exit(f"error: {args.project}: {args.coder} coded nothing with this codebook")
    groups = [[ids.index(c) for c in children if c in ids]
              for children in exclusive_groups(book).values()]

    def report(name: str, chosen: np.ndarray) -> None:
        kappas = [cohen_kappa_score([c in labels for labels in units.labels],
                                    chosen[:, ids.index(c)]) for c in coded]
        print(f"{name:32} mean kappa {np.mean(kappas):.3f} over {len(coded)} codes, "
              f"{chosen.sum() / len(units.texts):.2f} suggestions per unit")

    print(f"{len(units.texts)} units; {args.coder}: "
          f"{sum(len(labels) for labels in units.labels) / len(units.texts):.2f} codes per unit")
    before = similarities(units.texts, [profile(c) for c in codes])[0]
    old = np.zeros(before.shape, dtype=bool)
    best = np.argsort(-before, axis=1)[:, :2]
    rows = np.arange(len(old))[:, None]
    old[rows, best] = before[rows, best] >= 0.08
    report("before: top 2, >= 0.08", old)
    profiles = [profile(c, book.children(c.id)) for c in codes]
    started = time.process_time()
    words = similarities(units.texts, profiles)[0]
    print(f"TF-IDF similarities: {time.process_time() - started:.2f} CPU s")
    meaning = None
    if set(methods) - {"tfidf"}:
        started = time.process_time()
        embedder = load_embedder()
        loaded = time.process_time()
        meaning = embedding_similarities(units.texts, profiles, embedder=embedder)
        print(f"embedding similarities: {time.process_time() - loaded:.2f} CPU s "
              f"(and {loaded - started:.2f} to load the model)")
    truth = np.array([[c in labels for c in coded] for labels in units.labels], dtype=float)
    columns = [ids.index(c) for c in coded]
    defaults = {"tfidf": pick(method_scores("tfidf", words, None), threshold=COLD_THRESHOLD,
                              top=COLD_TOP, groups=groups)[:, columns]}
    for method in methods:
        scores = method_scores(method, words, meaning)
        defaults[method] = pick(scores, threshold=COLD_THRESHOLD, top=COLD_TOP,
                                groups=groups)[:, columns]
        if method == "tfidf":  # the same as choose(), which the defaults were chosen with
            assert (pick(scores, groups=groups) == choose(words, groups=groups)).all()
        report(f"{method} now: z >= {COLD_THRESHOLD}, top {COLD_TOP}",
               pick(scores, threshold=COLD_THRESHOLD, top=COLD_TOP, groups=groups))
        for top in (1, 2, 3):
            for threshold in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
                report(f"{method} z >= {threshold}, top {top}",
                       pick(scores, threshold=threshold, top=top, groups=groups))
    for method in [m for m in methods if m != "tfidf"]:
        gains = bootstrap_gain(truth, defaults["tfidf"], defaults[method], units.groups)
        low, high = np.percentile(gains, [2.5, 97.5])
        print(f"{method} - tfidf at the defaults: mean kappa {np.median(gains):+.3f} "
              f"(95% interval {low:+.3f} to {high:+.3f}, {len(set(units.groups))} documents "
              f"resampled 2,000 times; better in {np.mean(gains > 0):.0%})")

if __name__ == "__main__":
    main()
