"""From a project to the suggester and back: labelled units, suggestions, accuracy.

A unit (a participant turn by default) is labelled with every code of the codings that overlap
it and count: a person's (manual, imported) and accepted suggestions, plus the rule engine's
unless ``rules=False``; or only one coder's with ``coder=``. The interviewer's question just
before a turn is its context, which the suggester weighs as features of their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import ProjectError
from qualcode.model import COUNTED_STATUSES, PERSON_ORIGINS, Coding, Selection
from qualcode.segment import project_units
from qualcode.suggest.classifier import CodeSuggester

if TYPE_CHECKING:
    import pandas

    from qualcode.store import Project, Span
    from qualcode.workers import Worker

SUGGESTER = "model"


@dataclass
class Units:
    """Participant units with their text, document, labels and context (the question before
    each, "" where there is none; ``None`` without context)."""

    segments: list
    texts: list[str]
    groups: list[str]
    labels: list[set[str]]
    contexts: list[str] | None = None


def label_selection(rules: bool = True, coder: str | None = None,
                    origins: Iterable[str] | None = None) -> Selection:
    """The codings that label units: a person's and accepted suggestions, plus the rule
    engine's unless ``rules=False``; or only ``coder``'s, or only these ``origins``'."""
    coders = (coder,) if coder is not None else None
    if origins:
        return Selection(statuses=COUNTED_STATUSES, origins=tuple(origins), coders=coders)
    if coder is not None:
        return Selection(statuses=COUNTED_STATUSES, coders=coders)
    chosen = (*PERSON_ORIGINS, "ml", "rule") if rules else (*PERSON_ORIGINS, "ml")
    return Selection(statuses=COUNTED_STATUSES, origins=chosen)


def labelled_units(project: Project, unit: str = "turn", rules: bool = True,
                   coder: str | None = None, context: bool = True,
                   origins: Iterable[str] | None = None) -> Units:
    """Every participant unit of the project with the codes that count on it
    (``label_selection``)."""
    turns = project.segments("turn") if context or unit == "turn" else []
    segments = ([t for t in turns if not t.is_interviewer] if unit == "turn"
                else project_units(project, unit, participants_only=True))
    questions = _questions(turns) if context else {}
    selection = label_selection(rules, coder, origins)
    labels = _overlapping_codes(segments, project.coding_spans(selection))
    contexts = [questions.get((s.document_id, s.start), "") for s in segments] if context \
        else None
    return Units(segments, [s.text for s in segments], [s.document_id for s in segments],
                 labels, contexts)


def exclusive_groups(codebook) -> dict[str, list[str]]:
    """Each ``exclusive`` parent's codable children, in codebook order."""
    return {code.id: [c.id for c in codebook.children(code.id) if c.codable]
            for code in codebook.codes if code.exclusive}


def overlap_warnings(groups: dict[str, list[str]], units: Units, shown: int = 5) -> list[str]:
    """One line per exclusive group whose codes overlap on some units (the suggester learns
    such a unit as its first code of the group), naming the first ``shown`` of them."""
    lines = []
    for parent, children in groups.items():
        found = [(segment, [c for c in children if c in labels])
                 for segment, labels in zip(units.segments, units.labels, strict=True)
                 if len(labels.intersection(children)) > 1]
        if not found:
            continue
        named = "; ".join(f"{s.document_id} {s.kind} {s.position} ({', '.join(codes)})"
                          for s, codes in found[:shown])
        more = f"; and {len(found) - shown} more" if len(found) > shown else ""
        lines.append(f"exclusive {parent!r}: {len(found)} unit(s) carry more than one of its "
                     f"codes, learnt as the first of them: {named}{more}")
    return lines


def _overlapping_codes(segments, codings: Iterable[Span]) -> list[set[str]]:
    """For each segment, the codes of the codings that overlap it. Segments of one kind do
    not overlap each other, so each coding's segments are found by bisection."""
    from bisect import bisect_left, bisect_right

    by_document: dict[str, list[int]] = {}
    for index, segment in enumerate(segments):
        by_document.setdefault(segment.document_id, []).append(index)
    spans = {doc: ([segments[i].start for i in indexes], [segments[i].end for i in indexes])
             for doc, indexes in by_document.items()}
    labels: list[set[str]] = [set() for _ in segments]
    for doc, start, end, code in codings:
        if doc not in spans:
            continue
        starts, ends = spans[doc]
        indexes = by_document[doc]
        for k in range(bisect_right(ends, start), bisect_left(starts, end)):
            labels[indexes[k]].add(code)
    return labels


def _questions(turns) -> dict[tuple[str, int], str]:
    """For each participant turn (by its start), the interviewer turn just before it."""
    result = {}
    previous = None
    for turn in turns:
        if previous is not None and previous.document_id == turn.document_id \
                and previous.is_interviewer and not turn.is_interviewer:
            result[(turn.document_id, turn.start)] = previous.text
        previous = turn
    return result


@dataclass
class SuggestReport:
    model_id: str = ""
    suggestions: int = 0
    replaced: int = 0
    trained: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    min_examples: int = 5
    warnings: list[str] = field(default_factory=list)


def suggest_project(project: Project, *, unit: str = "turn", min_examples: int = 5,
                    threshold: float | None = None, rules: bool = True,
                    context: bool = True, progress=None,
                    worker: Worker | None = None) -> SuggestReport:
    """Train on the project's codings and store suggestions (origin ml, status suggested).

    A unit never gets a suggestion for a code it already carries (coded, accepted, or
    rejected before); re-running replaces the pending suggestions only. ``worker``: see
    ``CodeSuggester.fit`` (the CLI passes ``fitting.fitting_worker()``).
    """
    from qualcode.timeutil import now

    started = now()
    units = labelled_units(project, unit, rules, context=context)
    if not any(units.labels):
        raise ProjectError("nothing is coded yet, so there is nothing to learn from: code some "
                           "units (qualcode code, apply or import codings) or use "
                           "qualcode suggest --cold", project.path)
    groups = exclusive_groups(project.codebook())
    model = CodeSuggester(min_examples=min_examples, threshold=threshold,
                          exclusive=groups or None)
    features = model.fit_transform(units.texts, units.labels, units.groups, progress=progress,
                                   worker=worker, contexts=units.contexts)
    report = SuggestReport(trained=list(model.codes_), skipped=dict(model.skipped_),
                           min_examples=min_examples,
                           warnings=overlap_warnings(groups, units))
    report.model_id = _model_id(units, model)
    blocked = blocked_codes(project, units.segments)
    suggestions = []
    for i, j, p in model.suggestions(features):
        segment, code = units.segments[i], model.codes_[j]
        if code in blocked[i]:  # its labels are among these
            continue
        reason = ", ".join(model.row_reasons(features, i, code)) or "character patterns"
        suggestions.append(Coding(
            segment.document_id, segment.start, segment.end, code, SUGGESTER,
            origin="ml", status="suggested", model=report.model_id,
            confidence=round(p, 4), rule=f"reason: {reason}"))
    with project.transaction():
        report.replaced, report.suggestions = project.replace_suggestions(suggestions)
        project.log_run("suggest", started,
                        {"unit": unit, "min_examples": min_examples, "threshold": threshold,
                         "rules": rules, "context": context, "model": report.model_id}, [])
    return report


def blocked_codes(project: Project, segments) -> list[set[str]]:
    """For each segment, the codes it must not be suggested: those of every coding on it but
    pending suggestions (a person's, the rules', accepted and rejected suggestions)."""
    return _overlapping_codes(segments, project.decided_spans())


def _model_id(units: Units, model: CodeSuggester) -> str:
    digest = hashlib.sha256()
    _digest_json(digest, [sorted(lbl) for lbl in units.labels])
    _digest_json(digest, units.texts)
    _digest_json(digest, units.contexts)
    digest.update(json.dumps(model.thresholds_, sort_keys=True).encode())
    return "ml-" + digest.hexdigest()[:12]


def _digest_json(digest, items: list | None, batch: int = 1000) -> None:
    """Feed ``json.dumps(items)`` to ``digest`` a thousand items at a time (the same bytes,
    so the same model id), not as one string of every unit's text."""
    if items is None:
        digest.update(b"null")
        return
    digest.update(b"[")
    for first in range(0, len(items), batch):
        if first:
            digest.update(b", ")
        digest.update(json.dumps(items[first:first + batch])[1:-1].encode())
    digest.update(b"]")


LEVELS = ("codes", "themes")


def evaluate_project(project: Project, *, unit: str = "turn", min_examples: int = 5,
                     rules: bool = True, coder: str | None = None,
                     origins: Iterable[str] | None = None, context: bool = True,
                     folds: int = 5, level: str = "codes", progress=None,
                     warnings: list[str] | None = None) -> pandas.DataFrame:
    """Cross-validated accuracy per code, folds grouped by document (no document's units on
    both sides): examples, precision, recall, F1, Cohen's kappa, how often the model gets
    the code's presence in a document right, its "k of N documents" against the truth's,
    and the trivial baselines beside them (``qualcode.suggest.accuracy``).

    ``level="themes"`` rolls the codes (true and predicted) up to their top-level themes, as
    ``agree --level themes`` does. At either level each ``exclusive`` group gets a row of
    its own after the codes or themes (its parent's id, ``kind`` "exclusive group":
    multi-class kappa, macro-F1 over its codes, never rolled up; ``accuracy.score_groups``).
    A project coded by several coders must name whose coding to measure against (``coder``
    or ``origins``): pooling them would score the model on a blend no one coded.
    ``warnings`` (a list, if given) gets a line naming the codes on too few units to score,
    one per exclusive group whose codes overlap on some units of the coding measured against
    (``overlap_warnings``, as ``suggest`` says it), and one per group left without a row.

    >>> evaluate_project(project, coder="gold", level="themes")  # doctest: +SKIP
    """
    from qualcode.suggest.accuracy import roll_up, score_codes, score_groups

    if level not in LEVELS:
        raise ProjectError(f"level must be one of {', '.join(LEVELS)}", project.path)
    if coder is None and not origins:
        _refuse_mixed_coders(project, rules)
    units = labelled_units(project, unit, rules, coder, context, origins)
    if not any(units.labels):
        raise ProjectError("nothing is coded yet: there is nothing to evaluate against",
                           project.path)
    documents = sorted(set(units.groups))
    splits = min(folds, len(documents))
    if splits < 2:
        raise ProjectError("evaluation needs at least two documents", project.path)
    codes = _coded_on(units.labels, min_examples)
    groups = exclusive_groups(project.codebook())
    predicted = _cross_validated(units, splits, min_examples, groups, progress)
    if level == "themes":
        tops = project.codebook().top_themes()
        truth = roll_up(units.labels, tops)
        frame = score_codes(truth, roll_up(predicted, tops), units.groups,
                            _coded_on(truth, min_examples), kind="theme")
    else:
        truth = units.labels
        frame = score_codes(truth, predicted, units.groups, codes)
    if warnings is not None:
        warnings += _too_few(truth, min_examples, level)
        warnings += overlap_warnings(groups, units)
        warnings += [f"exclusive {parent!r}: no row of its own: none of its codes is on "
                     f"{min_examples} or more units (--min-examples)"
                     for parent, children in groups.items()
                     if not set(children).intersection(codes)]
    scored = score_groups(units.labels, predicted, units.groups, groups, codes)
    if len(scored):  # each exclusive group as one multi-class code, on its codes
        import pandas as pd

        frame = pd.concat([frame, scored], ignore_index=True)
    return frame


def _cross_validated(units: Units, splits: int, min_examples: int,
                     groups: dict[str, list[str]], progress=None) -> list[set[str]]:
    """Each unit's codes as predicted by a model trained on the other folds' documents."""
    from sklearn.model_selection import GroupKFold

    predicted: list[set[str]] = [set() for _ in units.texts]
    texts = np.array(units.texts, dtype=object)
    contexts = None if units.contexts is None else np.array(units.contexts, dtype=object)
    outer = list(GroupKFold(n_splits=splits).split(texts, groups=units.groups))
    for train, test in (progress or iter)(outer):
        model = CodeSuggester(min_examples=min_examples, exclusive=groups or None).fit(
            list(texts[train]), [units.labels[i] for i in train],
            [units.groups[i] for i in train],
            contexts=None if contexts is None else list(contexts[train]))
        found = model.predict(list(texts[test]),
                              None if contexts is None else list(contexts[test]))
        for index, suggested in zip(test, found, strict=True):
            predicted[index] = suggested
    return predicted


def _too_few(labels: list[set[str]], min_examples: int, level: str) -> list[str]:
    """One line naming the codes (or themes) coded on too few units to be scored, with how
    many each is on, so that none is left out silently."""
    from collections import Counter

    counts = Counter(code for codes in labels for code in codes)
    few = sorted((code, n) for code, n in counts.items() if n < min_examples)
    if not few:
        return []
    named = ", ".join(f"{code} ({n})" for code, n in few)
    kind = level if len(few) > 1 else level[:-1]  # "1 code", "2 codes"
    return [f"{len(few)} {kind} on fewer than {min_examples} units, not scored "
            f"(--min-examples): {named}"]


def _coded_on(labels: list[set[str]], min_examples: int) -> list[str]:
    """The codes on at least ``min_examples`` units, sorted: those evaluated."""
    from collections import Counter

    counts = Counter(code for codes in labels for code in codes)
    return sorted(c for c, n in counts.items() if n >= min_examples)


def _refuse_mixed_coders(project: Project, rules: bool) -> None:
    """Stop an evaluation that would pool several coders' codings as its truth."""
    coders = project.coders(label_selection(rules))
    if len(coders) < 2:
        return
    engine = project.coders(Selection(statuses=COUNTED_STATUSES, origins=("rule",)))
    hint = (f"; {' and '.join(engine)}: the rule engine, which --no-rules leaves out"
            if engine and rules else "")
    raise ProjectError(f"the codings to measure against are {len(coders)} coders' "
                       f"({', '.join(coders)}): name one with --coder NAME or --origin "
                       f"ORIGIN{hint}", project.path)
