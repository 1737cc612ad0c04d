"""Scoring cross-validated suggestions, per code, next to what a trivial guess scores.

A figure alone can mislead: on a code found in 11 of the 12 documents, getting its presence
right in 92% of documents is what "it is in every document" scores too, and on a code on 5% of
the units, 95% accuracy is what "it is never there" scores. So each row carries the trivial
baselines beside the model's figures: every unit absent (its accuracy), every unit present (its
F1), the code in every document and in none (documents right; for themes, "every theme in every
document"), a constant guess's kappa being 0; the measures on which the model is not above them;
and the model's "k of N documents" against the truth's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

COLUMNS = ["code_id", "examples", "precision", "recall", "f1", "kappa",
           "document_presence_accuracy", "accuracy", "accuracy_all_absent", "f1_all_present",
           "document_presence_all", "document_presence_none", "documents", "documents_true",
           "documents_predicted", "not_above_baseline", "kind"]
KINDS = ("code", "theme", "exclusive group")  # what a row scores (``kind``)


def roll_up(labels: Iterable[set[str]], tops: dict[str, str]) -> list[set[str]]:
    """Each unit's codes as their top-level themes (``Codebook.top_themes()``), as
    ``agree --level themes`` rolls codings up; a code the codebook lacks stays itself."""
    return [{tops.get(code, code) for code in codes} for codes in labels]


def score_codes(truth: Sequence[set[str]], predicted: Sequence[set[str]],
                groups: Sequence[str], codes: Sequence[str], kind: str = "code"
                ) -> pd.DataFrame:
    """One row per code of ``codes``: the model's figures (``predicted``) against ``truth``,
    unit by unit and document by document (``groups``: each unit's document), the trivial
    baselines' figures, and where the model is not above them (``COLUMNS``); ``kind`` says
    what the rows are (``KINDS``: themes when the labels are rolled up)."""
    from sklearn.metrics import cohen_kappa_score

    documents = sorted(set(groups))
    doc_index = np.array([documents.index(g) for g in groups]) if len(groups) else np.zeros(0)
    rows = []
    for code in codes:
        t = np.array([code in labels for labels in truth], dtype=bool)
        g = np.array([code in found for found in predicted], dtype=bool)
        tp, n, positives = int((t & g).sum()), len(t), int(t.sum())
        precision = tp / g.sum() if g.sum() else 0.0
        recall = tp / positives if positives else 0.0
        f1 = 2 * tp / (g.sum() + positives) if tp else 0.0
        with np.errstate(all="ignore"):
            kappa = float(cohen_kappa_score(t, g)) if t.any() or g.any() else np.nan
        kappa = kappa if np.isfinite(kappa) else np.nan
        in_doc_true = np.zeros(len(documents), dtype=bool)
        in_doc_guess = np.zeros(len(documents), dtype=bool)
        np.logical_or.at(in_doc_true, doc_index[t], True)
        np.logical_or.at(in_doc_guess, doc_index[g], True)
        row = {
            "code_id": code, "examples": positives,
            "precision": precision, "recall": recall, "f1": f1, "kappa": kappa,
            "document_presence_accuracy": float((in_doc_true == in_doc_guess).mean()),
            "accuracy": float((t == g).mean()) if n else np.nan,
            "accuracy_all_absent": 1 - positives / n if n else np.nan,
            "f1_all_present": 2 * positives / (n + positives) if positives else 0.0,
            "document_presence_all": float(in_doc_true.mean()),
            "document_presence_none": float(1 - in_doc_true.mean()),
            "documents": len(documents),
            "documents_true": int(in_doc_true.sum()),
            "documents_predicted": int(in_doc_guess.sum()),
            "kind": kind,
        }
        row["not_above_baseline"] = ", ".join(_not_above(row))
        rows.append({k: round(float(v), 3) if isinstance(v, float) and np.isfinite(v) else v
                     for k, v in row.items()})
    return pd.DataFrame(rows, columns=COLUMNS)


def score_groups(truth: Sequence[set[str]], predicted: Sequence[set[str]],
                 groups: Sequence[str], exclusive: dict[str, list[str]],
                 codes: Sequence[str]) -> pd.DataFrame:
    """One row per exclusive group (``{parent: children}``) with a scored child among
    ``codes``, in ``COLUMNS``: each unit is one of the children or none, so ``kappa`` is the
    multi-class Cohen's kappa over them and none, ``precision``/``recall``/``f1`` the
    children's macro averages, ``accuracy`` exact agreement (against "none everywhere" in
    ``accuracy_all_absent``), ``examples`` the units with one of them, and the document
    columns the group's presence (any child) in each document; ``kind`` is "exclusive
    group", which tells the row from a code or theme of the same id (the parent coded
    itself, or a top theme). ``truth`` and ``predicted`` are codes, never rolled up: at the
    themes' level too a group is scored on its own codes. A unit coded with two children
    counts as the first (as the suggester learns it)."""
    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    frames = []
    for parent, children in exclusive.items():
        scored = [c for c in children if c in codes]
        if not scored:
            continue

        def label(found: set[str], children=children) -> str:
            return next((c for c in children if c in found), "")

        t = [label(found) for found in truth]
        g = [label(found) for found in predicted]
        present = score_codes([{parent} if x else set() for x in t],
                              [{parent} if x else set() for x in g], groups, [parent])
        precision, recall, f1, _ = precision_recall_fscore_support(
            t, g, labels=scored, average="macro", zero_division=0)
        with np.errstate(all="ignore"):
            kappa = float(cohen_kappa_score(t, g)) if len(set(t) | set(g)) > 1 else np.nan
        row = present.iloc[0].to_dict()
        row.update({"precision": precision, "recall": recall, "f1": f1,
                    "kappa": kappa if np.isfinite(kappa) else np.nan,
                    "accuracy": float(np.mean([a == b for a, b in zip(t, g, strict=True)])),
                    "accuracy_all_absent": float(np.mean([a == "" for a in t])),
                    "f1_all_present": np.nan, "kind": KINDS[2]})
        row["not_above_baseline"] = ", ".join(_not_above(row))
        frames.append({k: round(float(v), 3) if isinstance(v, float) and np.isfinite(v)
                       else v for k, v in row.items()})
    return pd.DataFrame(frames, columns=COLUMNS)


def _not_above(row: dict) -> list[str]:
    """The measures on which the model does no better than a trivial guess."""
    worse = []
    if not row["kappa"] > 0:  # NaN too: a constant guess of its own
        worse.append("kappa")
    if row["f1"] <= row["f1_all_present"] + 1e-9:
        worse.append("F1")
    if row["accuracy"] <= row["accuracy_all_absent"] + 1e-9:
        worse.append("accuracy")
    if row["document_presence_accuracy"] <= max(row["document_presence_all"],
                                                 row["document_presence_none"]) + 1e-9:
        worse.append("documents")
    return worse
