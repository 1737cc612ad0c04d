"""Train + suggest time on about 10,000 units (prints figures; asserts nothing).

Builds a project from the generated bench corpus (scripts/bench_coding.py) with N participant
turns, codes it with the 50-code bench codebook (the labels to learn from), then times
``suggest_project`` (vectorise, fit one classifier per code with cross-validated thresholds,
store suggestions with reasons).

    python scripts/bench_suggest.py [--units 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

from qualcode.store import Project
from qualcode.suggest.training import suggest_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # about 80 words per participant turn in the generated interviews
        project_path, _ = bench_coding.build_project(Path(tmp), args.units * 100, 11)
        with Project.open(project_path) as project:
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
