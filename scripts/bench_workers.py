"""--workers: ingest and code on 1 process (no Dask) and on N local Dask workers, on a
generated corpus; where the time goes (prints figures; asserts nothing).

For each worker count, a fresh child process ingests the corpus into a new project and codes
it (``ingest_files`` and ``code_project``, what ``qualcode run`` does before its tables) and
reports: wall seconds per step; the client's CPU seconds and, inside them, the time spent in
the project's SQLite writes (documents and segments, codings) and reading units back; the
workers' CPU seconds; peak RSS of the client and of each worker; codings stored per second of
write time. ``--workers 1`` is the single-process path, the reference for the speed-up.

    python scripts/bench_workers.py [--millions 1] [--workers 1 2] [--repeat 3]
        [--workdir DIR]   # keep the generated corpus there and reuse it
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TURNS = 210  # about 10,000 words per interview, as scripts/bench_scale.py


def generate(folder: Path, millions: float) -> tuple[Path, Path, int]:
    """The corpus and codebook for ``millions`` words (kept in ``folder`` and reused)."""
    import bench_coding

    corpus, book, marker = folder / "corpus", folder / "bench.yaml", folder / "words"
    if marker.exists():
        return corpus, book, int(marker.read_text())
    corpus.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2016)
    domain = bench_coding.domain_words(rng, 3000)
    phrases = bench_coding.make_codebook(rng, domain, book)
    words = bench_coding.make_corpus(random.Random(int(millions * 100)), phrases, domain,
                                     int(millions * 1_000_000), corpus)
    marker.write_text(str(words))
    return corpus, book, words


class Clock:
    """CPU seconds of this thread spent inside some Project methods (this process's SQLite
    work; CPU, not wall: on a loaded machine a call's wall time is mostly waiting)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, owner, name: str, bucket: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[bucket] = self.spent.get(bucket, 0.0) + time.thread_time() - start

        setattr(owner, name, timed)


def child(workers: int, corpus: Path, book_path: Path, work: Path) -> dict:
    """One measured run in this (fresh) process: ingest then code, with or without Dask."""
    from qualcode.cluster import open_cluster
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import code_project
    from qualcode.store import Project
    from qualcode.workflows.ingest import ingest

    clock = Clock()
    clock.wrap(Project, "put_document", "write documents")
    clock.wrap(Project, "add_run_codings", "write codings")
    clock.wrap(Project, "segments", "read units")
    book = load_codebook(book_path)
    result: dict = {"workers": workers}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with open_cluster(workers) as cluster:
        result["start"] = time.perf_counter() - wall0
        if cluster is not None:  # the workers import what they need before the clock starts
            cluster._client.run(_warm)
        with Project.open(work / f"w{workers}.qc", create=True) as project:
            for step, call in (("ingest", lambda: ingest(project, [corpus], cluster=cluster)),
                               ("code", lambda: code_project(project, book, cluster=cluster))):
                cpu, wall = time.process_time(), time.perf_counter()
                if cluster is not None:
                    worker_cpu = sum(cluster._client.run(time.process_time).values())
                report = call()
                result[f"{step} wall"] = time.perf_counter() - wall
                result[f"{step} client cpu"] = time.process_time() - cpu
                if cluster is not None:
                    result[f"{step} workers cpu"] = sum(
                        cluster._client.run(time.process_time).values()) - worker_cpu
            result["codings"] = len(report.codings)
        if cluster is not None:
            result["worker rss MB"] = sorted(
                v / 1024 for v in cluster._client.run(_peak_rss_kb).values())
    result["total wall"] = time.perf_counter() - wall0
    result["total client cpu"] = time.process_time() - cpu0
    result["client rss MB"] = _peak_rss_kb() / 1024
    result.update(clock.spent)
    return result


def _warm() -> None:
    import qualcode.coding.engine
    import qualcode.workflows.ingest  # noqa: F401


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, default=1.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=4, metavar=("N", "CORPUS", "BOOK", "WORK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, corpus, book, work = args.child
        print(json.dumps(child(int(n), Path(corpus), Path(book), Path(work))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        corpus, book, words = generate(root / f"corpus{args.millions:g}M", args.millions)
        files = len(list(corpus.iterdir()))
        print(f"{words:,} words in {files:,} interviews; load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.repeat}")
        runs: dict[int, list[dict]] = {}
        for _ in range(args.repeat):
            for n in args.workers:
                for old in Path(tmp).glob("w*.qc*"):
                    old.unlink()
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(n), str(corpus), str(book), tmp],
                    capture_output=True, text=True, check=True)
                runs.setdefault(n, []).append(json.loads(done.stdout.splitlines()[-1]))
        report(runs, words)
        print(f"load average now {os.getloadavg()[0]:.2f}")


def report(runs: dict[int, list[dict]], words: int) -> None:
    def median(n: int, key: str) -> float:
        values = [r[key] for r in runs[n] if key in r]
        return statistics.median(values) if values else float("nan")

    base = median(min(runs), "ingest wall") + median(min(runs), "code wall")
    keys = ["start", "ingest wall", "code wall", "ingest client cpu", "code client cpu",
            "write documents", "write codings", "read units", "ingest workers cpu",
            "code workers cpu", "client rss MB"]
    print(f"{'':24}" + "".join(f"{f'{n} worker(s)':>14}" for n in runs))
    for key in keys:
        print(f"{key:24}" + "".join(f"{median(n, key):14.2f}" for n in runs))
    print(f"{'worker rss MB (max)':24}" + "".join(
        f"{statistics.median(max(r.get('worker rss MB', [0])) for r in runs[n]):14.0f}"
        for n in runs))
    print(f"{'ingest+code wall':24}" + "".join(
        f"{median(n, 'ingest wall') + median(n, 'code wall'):14.2f}" for n in runs))
    print(f"{'speed-up':24}" + "".join(
        f"{base / (median(n, 'ingest wall') + median(n, 'code wall')):14.2f}" for n in runs))
    one = min(runs)
    codings = runs[one][0]["codings"]
    cpu = median(one, "ingest client cpu") + median(one, "code client cpu")
    print(f"single process: {cpu / words * 1e6:.2f} cpu s per million words (ingest + code); "
          f"{codings:,} codings stored at {codings / median(one, 'write codings'):,.0f} per "
          f"cpu s; documents and segments written at "
          f"{words / median(one, 'write documents'):,.0f} words per cpu s")
    for n in runs:
        if n == one:
            continue
        client = median(n, "ingest client cpu") + median(n, "code client cpu")
        worker = median(n, "ingest workers cpu") + median(n, "code workers cpu")
        print(f"{n} workers: client {client / words * 1e6:.2f} and workers "
              f"{worker / words * 1e6:.2f} cpu s per million words; the client alone caps "
              f"the rate at {words / client:,.0f} words per s")


if __name__ == "__main__":
    main()
