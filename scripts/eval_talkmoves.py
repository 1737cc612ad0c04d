"""Suggester accuracy on real coded classroom talk: the TalkMoves data (a benchmark, not a test).

Reads ``../shared/dev-data/talkmoves/subset1/*.xlsx`` (or ``--data``): K-12 mathematics lessons,
one sentence per row, each teacher sentence tagged with one teacher talk move and each student
sentence with one student talk move (TalkMoves, Suresh, Jacobs, Sumner et al., University of
Colorado Boulder; CC BY-NC-SA 4.0: used here for measurement only, never copied into the
repository). Teacher moves and student moves are two exclusive groups: every sentence gets one
move of its speaker's group or none (tag 1, "None").

Cross-validated, folds grouped by lesson (no lesson's sentences on both sides), three models:

- ``plain``: TF-IDF of words and of character 3-5-grams (scikit-learn's vectorisers) and one
  multinomial logistic regression on every n-gram, the sentence alone;
- ``before``: qualcode's suggester as it was before issue 15: one binary model per move on the
  3,000 n-grams that tell its sentences apart best, the preceding turn's words mixed into the
  sentence's ("[Q] ..."), a move suggested when its probability reaches its threshold (of
  several, the most probable is taken, so that every sentence gets one label);
- ``after``: qualcode's suggester now: the group as one exclusive multi-class model, the
  preceding turn as its own feature block, the context's weight and the class weights
  (square-root balanced or none) chosen by the inner cross-validation on the training lessons,
  the chosen model refitted on all of them.

The context of a sentence is the last sentence of the turn before it by another speaker (the
question a student answers, the answer a teacher revoices).

Printed per group and model: multi-class Cohen's kappa (over the moves and "none"), macro-F1
over the moves (not "none"), each move's F1, the CPU and wall seconds with the machine's load
(1-minute average) as it finished, and each outer fold's kappa. Also the cold start (no
training: each sentence compared with the move's name and description) with the old and new
settings.

    python scripts/eval_talkmoves.py --lessons 40         # a quick look (a minute or two)
    python scripts/eval_talkmoves.py                      # all 191 lessons (about 5 CPU min)
    python scripts/eval_talkmoves.py --folds 3 --groups student --models plain,after
    python scripts/eval_talkmoves.py --lessons 40 --models "" --cold-methods tfidf,embed,both
                                # cold start only, also by sentence embeddings (embed extra)

``--lessons N --seed S`` draws the same N lessons for the same seed; folds are scikit-learn's
``GroupKFold`` by lesson, deterministic. On a shared machine set ``OMP_NUM_THREADS=1``: BLAS
threads fighting over busy cores made a run take several times the CPU.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "dev-data" / "talkmoves" / "subset1"

TEACHER_MOVES = {
    2: ("keeping-together", "Keeping everyone together",
        "Prompting students to be active listeners and orienting them to each other, "
        "checking everyone is following: does everyone see, are we together."),
    3: ("getting-to-relate", "Getting students to relate to another's ideas",
        "Prompting students to react to what a classmate said: do you agree or disagree, "
        "who can add on to that, what do you think about her idea."),
    4: ("restating", "Restating",
        "Repeating verbatim what a student said, nothing added or removed."),
    5: ("revoicing", "Revoicing",
        "Repeating what a student said but adding on to it or changing the wording: "
        "so you are saying, you said that."),
    6: ("marking", "Marking",
        "Calling attention to a student's idea as important: that's an important point, "
        "notice what she did."),
    7: ("context", "Pressing for context",
        "Asking for background or the situation of the problem: what does the problem say."),
    8: ("press-accuracy", "Pressing for accuracy",
        "Asking for a mathematical contribution, an answer, a number or a method: "
        "what is the answer, how many, what did you get, what do we do next."),
    9: ("press-reasoning", "Pressing for reasoning",
        "Asking for evidence, explanation or justification: why, how do you know, "
        "explain your thinking, can you prove it."),
}
STUDENT_MOVES = {
    2: ("relating", "Relating to another student",
        "Using, commenting on or asking about a classmate's idea: I agree with, "
        "I disagree with what she said."),
    3: ("asking-info", "Asking for more information",
        "Asking a question or saying they do not understand: what do you mean, I don't get it."),
    4: ("claim", "Making a claim",
        "Giving an answer, a number, a fact or a step without explaining it."),
    5: ("evidence", "Providing evidence or reasoning",
        "Explaining their thinking with evidence or reasons: because, so that means."),
}
GROUPS = {"teacher": TEACHER_MOVES, "student": STUDENT_MOVES}


def load(data: Path, lessons: int | None, seed: int):
    """All rows of the lessons as a DataFrame: lesson, speaker, sentence, context, teacher and
    student move number (1 = none), in row order."""
    import pandas as pd

    files = sorted(data.glob("*.xlsx"))
    if not files:
        sys.exit(f"error: {data}: no TalkMoves .xlsx files here; this benchmark reads the "
                 "TalkMoves Subset 1 folder (give it with --data)")
    if lessons is not None and lessons < len(files):
        chosen = np.random.default_rng(seed).choice(len(files), lessons, replace=False)
        files = [files[i] for i in sorted(chosen)]
    frames = []
    for path in files:
        frame = pd.read_excel(path)
        frame = frame[[c for c in frame.columns if not str(c).startswith("Unnamed")]]
        frame = frame.dropna(subset=["Sentence"])
        frame = frame.assign(lesson=path.stem, Speaker=frame["Speaker"].astype(str).str.strip(),
                             Sentence=frame["Sentence"].astype(str).str.strip())
        frame["context"] = _contexts(frame)
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    for column, name in (("Teacher Tag", "teacher"), ("Student Tag", "student")):
        rows[name] = rows[column].map(_move)
    return rows


def _contexts(frame) -> list[str]:
    """For each row, the last sentence said by another speaker before it."""
    result, last_other, current, last_of_current = [], "", None, ""
    for speaker, sentence in zip(frame["Speaker"], frame["Sentence"], strict=True):
        if speaker != current:
            last_other, current = last_of_current, speaker
        result.append(last_other)
        last_of_current = sentence
    return result


def _move(tag) -> int | None:
    """A tag's move number from its leading number ("8 - press for  accuracy" is 8)."""
    match = re.match(r"\s*(\d+)", str(tag)) if tag == tag and tag is not None else None
    return int(match.group(1)) if match else None


def group_units(rows, group: str):
    """The sentences of one group: texts, contexts, lessons, move ids (None for "none")."""
    moves = GROUPS[group]
    teacher = rows["Speaker"].str.upper().eq("T")
    chosen = rows[(teacher if group == "teacher" else ~teacher) & rows[group].notna()]
    chosen = chosen[chosen[group].isin([1, *moves])]
    labels = [moves[m][0] if m in moves else None for m in chosen[group]]
    return (chosen["Sentence"].tolist(), chosen["context"].tolist(), chosen["lesson"].tolist(),
            labels)


def scores(truth: list, guess: list, codes: list[str]) -> dict:
    """Multi-class kappa, macro-F1 over the moves that occur, and each move's F1."""
    from sklearn.metrics import cohen_kappa_score, f1_score

    codes = [c for c in codes if c in truth]
    truth = ["" if t is None else t for t in truth]
    guess = ["" if g is None else g for g in guess]
    per = f1_score(truth, guess, labels=codes, average=None, zero_division=0)
    return {"kappa": cohen_kappa_score(truth, guess),
            "macro_f1": float(np.mean(per)),
            "f1": dict(zip(codes, (float(f) for f in per), strict=True))}


def plain(train, test, data):
    """TF-IDF words + char_wb 3-5 (scikit-learn), one multinomial logistic regression."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, _, _, labels = data
    words = TfidfVectorizer(sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    train_texts = [texts[i] for i in train]
    x = sp.hstack([words.fit_transform(train_texts), chars.fit_transform(train_texts)]).tocsr()
    y = ["" if labels[i] is None else labels[i] for i in train]
    model = LogisticRegression(max_iter=1000).fit(x, y)
    test_texts = [texts[i] for i in test]
    found = model.predict(sp.hstack([words.transform(test_texts),
                                     chars.transform(test_texts)]).tocsr())
    return [f or None for f in found]


def before(train, test, data):
    """The suggester before issue 15: binary models, the context mixed into the text."""
    from qualcode.suggest.classifier import CodeSuggester

    texts, contexts, lessons, labels = data
    mixed = [t + (f"\n[Q] {c}" if c else "") for t, c in zip(texts, contexts, strict=True)]
    model = CodeSuggester(**BEFORE).fit(
        [mixed[i] for i in train], [{labels[i]} - {None} for i in train],
        [lessons[i] for i in train])
    proba = model.predict_proba([mixed[i] for i in test])
    found = []
    for row in proba:
        above = [(p, c) for p, c in zip(row, model.codes_, strict=True)
                 if p >= model.thresholds_[c]]
        found.append(max(above)[1] if above else None)
    return found


# the suggester's settings before issue 15: 3,000 n-grams per code, no context block
BEFORE = {"feature_counts": (3000,), "context_weights": (0.0,)}


def after(train, test, data, group: str):
    """The suggester now: the group exclusive, the context its own block."""
    from qualcode.suggest.classifier import CodeSuggester

    texts, contexts, lessons, labels = data
    codes = [code for code, _, _ in GROUPS[group].values()]
    model = CodeSuggester(exclusive={group: codes}).fit(
        [texts[i] for i in train], [{labels[i]} - {None} for i in train],
        [lessons[i] for i in train], contexts=[contexts[i] for i in train])
    found = model.predict([texts[i] for i in test], contexts=[contexts[i] for i in test])
    return [next(iter(f)) if f else None for f in found]


def cold(data, group: str, grid: bool, methods: tuple[str, ...] = ("tfidf",),
         embedder=None) -> None:
    """Cold start (no training): each sentence against the moves' names and descriptions,
    before issue 15 (a unit's two most similar moves at similarity 0.08 or more) and now
    (z-scores per move, one move per sentence in an exclusive group), by each of ``methods``
    (``qualcode.suggest.cold.METHODS``: TF-IDF, sentence embeddings, the mean of both)."""
    from sklearn.metrics import cohen_kappa_score

    from qualcode.suggest.cold import (
        DEFAULT_THRESHOLD,
        DEFAULT_TOP,
        embedding_similarities,
        method_scores,
        pick,
        similarities,
    )

    texts, _, _, labels = data
    moves = list(GROUPS[group].values())
    codes = [code for code, _, _ in moves]
    profiles = [f"{name} {description}" for _, name, description in moves]
    started = time.process_time()
    similarity = similarities(texts, profiles)[0]
    seconds = {"tfidf": time.process_time() - started}
    meaning = None
    if set(methods) - {"tfidf"}:
        started = time.process_time()
        meaning = embedding_similarities(texts, profiles, embedder=embedder)
        seconds["embed"] = time.process_time() - started
    old = np.zeros(similarity.shape, dtype=bool)
    best = np.argsort(-similarity, axis=1)[:, :2]
    rows = np.arange(len(texts))[:, None]
    old[rows, best] = similarity[rows, best] >= 0.08

    def report(name: str, chosen: np.ndarray) -> None:
        kappas = [cohen_kappa_score([label == c for label in labels], chosen[:, j])
                  for j, c in enumerate(codes) if c in labels]
        first = [codes[row.argmax()] if row.any() else None for row in chosen]
        print(f"cold {name:24} mean kappa per move {np.mean(kappas):.3f}, multi-class kappa "
              f"{scores(labels, first, codes)['kappa']:.3f}, "
              f"{chosen.sum() / len(texts):.2f} suggestions per sentence")

    print("cold similarities, CPU s: " + ", ".join(f"{m} {s:.1f}" for m, s in seconds.items()))
    report("before", old)
    settings = [(DEFAULT_THRESHOLD, DEFAULT_TOP)]
    if grid:
        settings += [(t, k) for k in (1, 2) for t in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)]
    for method in methods:
        z = method_scores(method, similarity, meaning)
        for threshold, top in settings:
            report(f"{method} z>={threshold} top {top}",
                   pick(z, threshold=threshold, top=top, groups=[list(range(len(codes)))]))


def cross_validate(name: str, data, folds: int, group: str) -> tuple[list, float, float]:
    """Every sentence's move guessed by a model that never saw its lesson; the CPU and
    wall seconds it took."""
    from sklearn.model_selection import GroupKFold

    texts, _, lessons, _ = data
    guess: list = [None] * len(texts)
    started, wall = time.process_time(), time.perf_counter()
    for train, test in GroupKFold(n_splits=folds).split(texts, groups=lessons):
        found = (plain(train, test, data) if name == "plain" else
                 before(train, test, data) if name == "before" else
                 after(train, test, data, group))
        for i, f in zip(test, found, strict=True):
            guess[i] = f
    return guess, time.process_time() - started, time.perf_counter() - wall


def fold_kappas(data, guess: list, folds: int) -> list[float]:
    """The multi-class kappa of each outer fold's held-out lessons (the same folds as
    ``cross_validate``): whether one model beats another fold after fold, or on average only."""
    from sklearn.model_selection import GroupKFold

    texts, _, lessons, labels = data
    codes = sorted({label for label in labels if label is not None})
    return [scores([labels[i] for i in test], [guess[i] for i in test], codes)["kappa"]
            for _, test in GroupKFold(n_splits=folds).split(texts, groups=lessons)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--lessons", type=int, default=None,
                        help="a random sample of this many lessons (default: all)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default="plain,before,after",
                        help="of plain,before,after (none: only the cold start)")
    parser.add_argument("--groups", default="teacher,student")
    parser.add_argument("--cold-grid", action="store_true",
                        help="cold start: also try other thresholds and top-k")
    parser.add_argument("--cold-methods", default="tfidf",
                        help="cold start: comma-separated, of tfidf,embed,both (embed, both: "
                        "the embed extra, pip install '.[embed]')")
    args = parser.parse_args()
    methods = tuple(args.cold_methods.split(","))
    embedder = None
    if set(methods) - {"tfidf"}:
        from qualcode.suggest.cold import load_embedder

        embedder = load_embedder()
    if not args.data.is_dir():
        sys.exit(f"error: {args.data}: no such folder; this benchmark reads the TalkMoves "
                 "Subset 1 spreadsheets (give the folder with --data)")
    rows = load(args.data, args.lessons, args.seed)
    print(f"{rows['lesson'].nunique()} lessons, {len(rows)} sentences; folds grouped by lesson: "
          f"{args.folds}")
    for group in args.groups.split(","):
        data = group_units(rows, group)
        codes = [code for code, _, _ in GROUPS[group].values()]
        counts = {c: data[3].count(c) for c in codes}
        print(f"\n{group} moves: {len(data[0])} sentences, "
              f"{sum(counts.values())} with a move; "
              + ", ".join(f"{c} {n}" for c, n in counts.items()))
        cold(data, group, args.cold_grid, methods, embedder)
        print(f"{'model':8} {'kappa':>6} {'macroF1':>7} {'cpu s':>6} {'wall s':>6} {'load':>4}"
              "  per-move F1")
        for name in filter(None, args.models.split(",")):
            guess, seconds, wall = cross_validate(name, data, args.folds, group)
            result = scores(data[3], guess, codes)
            per = " ".join(f"{c}={f:.2f}" for c, f in result["f1"].items())
            # the machine's load (1-minute average) as the model finished: wall seconds
            # mean little without it
            print(f"{name:8} {result['kappa']:6.3f} {result['macro_f1']:7.3f} {seconds:6.0f} "
                  f"{wall:6.0f} {os.getloadavg()[0]:4.1f}  {per}", flush=True)
            print(f"{'':8} kappa per fold: " + " ".join(
                f"{k:.3f}" for k in fold_kappas(data, guess, args.folds)), flush=True)


if __name__ == "__main__":
    main()
