"""Train + suggest time on about 10,000 units (prints figures; asserts nothing).

Builds a project from the generated bench corpus (scripts/bench_coding.py) with N participant
turns, codes it with the 50-code bench codebook (the labels to learn from), then times
``suggest_project`` (vectorise, fit one classifier per code with cross-validated thresholds,
store suggestions with reasons).

    python scripts/bench_suggest.py [--units 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.ingest.into_project import ingest
from qualcode.store import Project
from qualcode.suggest.training import suggest_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = random.Random(2016)
        domain = bench_coding.domain_words(rng, 3000)
        book_path = root / "bench.yaml"
        phrases = bench_coding.make_codebook(rng, domain, book_path)
        corpus = root / "corpus"
        corpus.mkdir()
        # about 80 words per participant turn in the generated interviews
        bench_coding.make_corpus(random.Random(11), phrases, domain, args.units * 100, corpus)
        with Project.open(root / "p.qc", create=True) as project:
            ingest(project, [corpus])
            code_project(project, load_codebook(book_path))
            units = project.segments("turn", participants_only=True)
            words = sum(len(u.text.split()) for u in units)
            start = time.perf_counter()
            report = suggest_project(project)
            seconds = time.perf_counter() - start
        print(f"{len(units):,} participant turns ({words:,} words), "
              f"{len(report.trained)} codes trained, {report.suggestions:,} suggestions")
        print(f"  train + suggest   {seconds:6.2f} s")


if __name__ == "__main__":
    main()
