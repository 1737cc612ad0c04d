"""How the rule engine's coding of the sample compares with the gold coding (prints a table).

Both are compared on participant turns: a (turn, code) pair is a hit when both coded it.
Figures per top-level theme (a turn has a theme if any code under it applies) and per code:
precision, recall, F1, and the number of interviews in which each finds the theme.

    python scripts/eval_rules_against_gold.py [--unit turn]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


def theme_of(book, code_id: str) -> str:
    chain = [code_id, *book.ancestors(code_id)]
    return chain[-1]


def scores(rule: set, gold: set) -> tuple[float, float, float]:
    hits = len(rule & gold)
    p = hits / len(rule) if rule else float("nan")
    r = hits / len(gold) if gold else float("nan")
    f = 2 * p * r / (p + r) if rule and gold and (p + r) else float("nan")
    return p, r, f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="turn")
    args = parser.parse_args()
    book = load_codebook(CODEBOOK)
    with tempfile.TemporaryDirectory() as tmp, \
            Project.open(Path(tmp) / "s.qc", create=True) as project:
        ingest(project, [SAMPLE], attributes=SAMPLE / "attributes.csv")
        report = code_project(project, book, unit=args.unit)
        turns = {(t.document_id, t.start, t.end): t for t in project.segments("turn")}
    rule = {(c.document_id, c.start, c.end, c.code_id) for c in report.codings}
    with (SAMPLE / "gold_coding.csv").open() as handle:
        gold = {(r["document"], int(r["start"]), int(r["end"]), r["code_id"])
                for r in csv.DictReader(handle)}
    assert all(g[:3] in turns for g in gold)

    def roll(pairs, level):
        out = set()
        for doc, s, e, code in pairs:
            for target in level(code):
                out.add((doc, s, e, target))
        return out

    documents = sorted({t[0] for t in turns})
    print(f"sample: {len(documents)} interviews; rule codings {len(rule)}, gold codings "
          f"{len(gold)} (participant turns)")
    print(f"\n{'theme':28} {'precision':>9} {'recall':>7} {'F1':>5} {'rule k/N':>9} "
          f"{'gold k/N':>9}")
    tops = [c.id for c in book.children(None)]
    rule_t = roll(rule, lambda c: [theme_of(book, c)])
    gold_t = roll(gold, lambda c: [theme_of(book, c)])
    for theme in tops:
        r = {x for x in rule_t if x[3] == theme}
        g = {x for x in gold_t if x[3] == theme}
        p, rc, f = scores(r, g)
        print(f"{theme:28} {p:9.2f} {rc:7.2f} {f:5.2f} "
              f"{len({x[0] for x in r}):>5}/{len(documents)} {len({x[0] for x in g}):>5}/"
              f"{len(documents)}")
    p, rc, f = scores(rule_t, gold_t)
    print(f"{'all themes (micro)':28} {p:9.2f} {rc:7.2f} {f:5.2f}")
    print(f"\n{'code':30} {'precision':>9} {'recall':>7} {'F1':>5} {'rule k/N':>9} {'gold k/N':>9}"
          f" {'rule n':>6} {'gold n':>6}")
    for code in book.codes:
        if not code.has_rules:
            continue
        r = {x for x in rule if x[3] == code.id}
        g = {x for x in gold if x[3] == code.id}
        p, rc, f = scores(r, g)
        print(f"{code.id:30} {p:9.2f} {rc:7.2f} {f:5.2f} {len({x[0] for x in r}):>5}/12 "
              f"{len({x[0] for x in g}):>5}/12 {len(r):6d} {len(g):6d}")
    leaf_p, leaf_r, leaf_f = scores(rule, {g for g in gold if book.get(g[3]).has_rules})
    print(f"{'all codes (micro)':30} {leaf_p:9.2f} {leaf_r:7.2f} {leaf_f:5.2f}")


if __name__ == "__main__":
    main()
