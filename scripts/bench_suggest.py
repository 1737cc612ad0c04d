"""Train + suggest time on about 10,000 units (prints figures; asserts nothing).

Builds a project from the generated bench corpus (scripts/bench_coding.py) with about N
participant turns, codes it with the 50-code bench codebook (the labels to learn from), then
times the whole ``qualcode suggest`` command (a fresh process: Python and scikit-learn start-up,
read the units, vectorise, fit one classifier per code with cross-validated thresholds, store
the suggestions with their reasons), median of ``--repeat`` runs, and then each step in one
process.

The corpus's rare words are real English words drawn by Zipf's law (``--rare zipf``, the
default: what interview text looks like) or fresh random letter strings (``--rare fresh``:
every third word a never-seen-again pseudo-word, a worst case for vocabularies).

    python scripts/bench_suggest.py [--units 10000] [--repeat 3] [--rare zipf|fresh]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

from qualcode.store import Project


def zipf_words() -> list[str]:
    """Real English word forms (the lemma table's), in a fixed random order of rank."""
    from qualcode.coding.lemmas import get_lemmatizer

    table = get_lemmatizer().table
    words = sorted({w.lower() for pair in table.items() for w in pair if w.isalpha()})
    random.Random(5).shuffle(words)
    return words


def steps(project_path: Path) -> None:
    """Each step of ``suggest_project`` timed on its own, in this process."""
    from qualcode.suggest.classifier import CodeSuggester
    from qualcode.suggest.fitting import fitting_worker
    from qualcode.suggest.training import labelled_units, suggest_project

    with Project.open(project_path) as project:
        start = time.perf_counter()
        units = labelled_units(project)
        read = time.perf_counter() - start
        start = time.perf_counter()
        model = CodeSuggester()
        with fitting_worker() as worker:  # as the command does
            features = model.fit_transform(units.texts, units.labels, units.groups,
                                           worker=worker)
        fit = time.perf_counter() - start
        start = time.perf_counter()
        model.predict_proba(features)
        proba = time.perf_counter() - start
        start = time.perf_counter()
        report = suggest_project(project)
        whole = time.perf_counter() - start
    print(f"  in one process: read units {read:.2f} s, fit {fit:.2f} s (of which features "
          f"are part), probabilities {proba:.2f} s; suggest_project again (warm) {whole:.2f} s,"
          f" {len(report.trained)} codes, {report.suggestions:,} suggestions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rare", choices=["zipf", "fresh"], default="zipf")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # about 96 words per participant turn (and its question) in the generated interviews
        project_path, _ = bench_coding.build_project(
            Path(tmp), args.units * 96, 11, zipf_words() if args.rare == "zipf" else None)
        with Project.open(project_path) as project:
            units = project.segments("turn", participants_only=True)
            words = sum(len(u.text.split()) for u in units)
        print(f"{len(units):,} participant turns ({words:,} words; rare words: {args.rare})")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = bench_coding.timed(
            [sys.executable, "-m", "qualcode", "suggest", "--project", str(project_path)],
            args.repeat)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the commands and their fitting workers (steadier than wall time on a
        # shared machine), per run
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / args.repeat
        # the largest of the commands (and the fitting workers they waited for): this process
        # made the project in itself, so its own size is not in it
        peak = after.ru_maxrss // 1024
        print(f"  qualcode suggest (whole command, median of {args.repeat})  {seconds:6.2f} s,"
              f" {cpu:.2f} CPU s per run (mean), peak RSS {peak:,} MB, load "
              f"{os.getloadavg()[0]:.1f}")
        steps(project_path)


if __name__ == "__main__":
    main()
