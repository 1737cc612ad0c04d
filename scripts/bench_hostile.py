"""The hostile-input corners of issue 20, timed (prints figures; asserts nothing).

- ``regex``: matching the 12 sample transcripts against the LSCB codebook (keywords and 20-odd
  regexes, in-process, matcher only; median of 7), the number to compare when the regex engine
  changes;
- ``near``: one unit of N words full of a near rule's both sides (was quadratic);
- ``ids``: N codes with the same name made unique on QDC import.

    python scripts/bench_hostile.py [regex] [near] [ids]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(work, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_regex() -> None:
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import build_matcher, select_units
    from qualcode.ingest import read_document
    from qualcode.segment import segments

    book = load_codebook(ROOT / "codebooks" / "lscb_learning_improvement.yaml")
    documents = [read_document(p) for p in sorted((ROOT / "transcripts_sample").iterdir())
                 if p.name.startswith("lscb")]
    units = [s for d in documents for s in select_units(segments(d, "turn"), "participants")]
    matcher = build_matcher(book)
    matcher("warm up")

    def work() -> None:
        for unit in units:
            matcher(unit.text)

    regexes = sum(len(c.regex) for c in book.codes)
    print(f"regex: {len(units)} sample turns, {regexes} regexes: "
          f"{median_time(work) * 1000:.0f} ms (median of 7)")


def bench_near() -> None:
    from qualcode.coding.rules import RuleMatcher
    from qualcode.model import Code, Near

    matcher = RuleMatcher()
    matcher.add(Code("trust", "Trust", near=[Near(a=("health", "police"),
                                                      b=("relationship", "trust"), within=8)]))
    words = "health works with police on trust and the relationship holds".split()
    for size in (20_000, 40_000, 80_000):
        unit = " ".join(words[i % len(words)] for i in range(size))
        started = time.perf_counter()
        found = matcher(unit)
        took = time.perf_counter() - started
        print(f"near: one unit of {size:,} words ({len(unit) / 1000:,.0f} KB), "
              f"{len(found):,} matches: {took:.2f} s")


def main(argv: list[str]) -> None:
    corners = {"regex": bench_regex, "near": bench_near}
    chosen = argv or list(corners)
    for name in chosen:
        corners[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
