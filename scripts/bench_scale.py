"""Scale: ingest, code, themes, export and run on 1M and 10M generated words, each step a
fresh ``qualcode`` process, with CPU seconds, wall seconds and peak RSS, against ``grep -F``
over the same files (prints figures; asserts nothing).

With fixed seeds it generates a corpus of 100 interviews per million words (about 10,000 words
each: the bench_coding generator, a third of the words rare pseudo-words) and the 50-code,
500-keyword bench codebook, four of whose keywords are common words or near them (``bite``,
``getting``, ``lots``, ``housing``: the corpus is full of "bit", "got" and "lot"). Each step
runs ``--repeat`` times as a child process; CPU seconds (user + system) and peak RSS are the
child's own, from ``/usr/bin/time`` (a step's helper processes, such as the chart's, count in
its CPU time, and in its peak RSS when larger), and figures are medians with their range. The
reference is ``LC_ALL=C grep -F -i -w -o -f KEYWORDS`` over the same transcript files: ratio =
step CPU / grep CPU.

    python scripts/bench_scale.py [--millions 1 10] [--repeat 3] [--steps ingest code run]
        [--workdir DIR]   # keep the generated corpora there and reuse them

Steps: ingest (into a new project), code, themes, export-docx, export-xlsx, run (into a new
folder), suggest (train + suggest on the coded project; its unit count is printed). ``run_step``
runs one step given its argv, which is the hook for options such as ``--workers N``.

``--workers 1 2`` runs ingest, code and run once per worker count (``--workers N`` on the
command line; 1 is the single-process path) and prints each one's speed-up in wall time over
1 worker; CPU seconds and peak RSS then include the Dask workers (the largest process's RSS).
``scripts/bench_workers.py`` splits the same time into the client's SQLite writes, the
workers' CPU and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

QUALCODE = [sys.executable, "-m", "qualcode"]
WORDS_PER_INTERVIEW = 10_000
TURNS_PER_INTERVIEW = 210  # about 10,000 words at the generator's turn lengths
COMMON_KEYWORDS = ["bite", "getting", "lots", "housing"]  # "bit", "got", "lot" are common
STEPS = ("ingest", "code", "themes", "export-docx", "export-xlsx", "run", "suggest")
PARALLEL = ("ingest", "code", "run")  # the steps that take --workers
DEFAULT_STEPS = ("ingest", "code", "themes", "export-docx", "export-xlsx", "run")


@dataclass
class Measure:
    """One process: CPU seconds (user + system), wall seconds, peak RSS in MB."""

    cpu: float
    wall: float
    rss_mb: float


def run_step(argv: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run one command as a child process and measure it alone, through ``/usr/bin/time``
    (a small process: a child forked from this one would report this one's memory as its
    peak). CPU and peak RSS include the processes the command started and waited for.
    Output goes to a file, not /dev/null (GNU grep stops at its first match there)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report, \
            tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%U %S %M", *argv],
                              stdout=output, env=env, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}")
        user, system, rss_kb = report.read().split()[-3:]
    return Measure(float(user) + float(system), wall, int(rss_kb) / 1024)


def summary(measures: list[Measure], field: str, fmt: str = "{:.2f}") -> str:
    """The median and, over several runs, the range: "1.23 (1.20-1.31)"."""
    values = [getattr(m, field) for m in measures]
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}-{fmt.format(max(values))})"
    return text


def generate(folder: Path, millions: float) -> tuple[Path, Path, Path, int]:
    """The corpus folder, codebook and keyword file for ``millions`` words (made once: kept
    in ``folder`` and reused when it is there), and the word count."""
    corpus, book, keywords = folder / "corpus", folder / "bench.yaml", folder / "keywords.txt"
    marker = folder / "words"
    if marker.exists():
        return corpus, book, keywords, int(marker.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    corpus.mkdir(parents=True)
    rng = random.Random(2016)
    domain = bench_coding.domain_words(rng, 3000)
    phrases = bench_coding.make_codebook(rng, domain, book, common=COMMON_KEYWORDS)
    keywords.write_text("".join(" ".join(p) + "\n" for p in phrases))
    words = bench_coding.make_corpus(random.Random(int(millions * 100)), phrases, domain,
                                     int(millions * 1_000_000), corpus,
                                     turns=TURNS_PER_INTERVIEW)
    marker.write_text(str(words))
    return corpus, book, keywords, words


def grep_argv(keywords: Path, corpus: Path) -> list[str]:
    return ["grep", "-F", "-i", "-w", "-o", "-h", "-f", str(keywords),
            *map(str, sorted(corpus.iterdir()))]


def step_argv(step: str, corpus: Path, book: Path, work: Path, run: int) -> list[str]:
    """The command line of one step; the project is ``work/p.qc`` (made by ``ingest``)."""
    project = str(work / "p.qc")
    if step == "ingest":
        return [*QUALCODE, "ingest", str(corpus), "--project", project, "-q"]
    if step == "code":
        return [*QUALCODE, "code", "--project", project, "--codebook", str(book), "-q"]
    if step == "themes":
        return [*QUALCODE, "themes", "--project", project, "--format", "csv",
                "-o", str(work / "themes.csv")]
    if step == "export-docx":
        return [*QUALCODE, "export", "docx", "--project", project, "-o", str(work / "r.docx")]
    if step == "export-xlsx":
        return [*QUALCODE, "export", "xlsx", "--project", project, "-o", str(work / "q.xlsx")]
    if step == "run":
        return [*QUALCODE, "run", str(corpus), "--codebook", str(book),
                "--out", str(work / f"run{run}"), "-q"]
    if step == "suggest":
        return [*QUALCODE, "suggest", "--project", str(work / "s.qc"), "-q"]
    raise ValueError(step)


def before(step: str, work: Path, run: int) -> None:
    """What a step needs fresh: ingest a new project, run a new folder, suggest a copy of
    the coded project (it writes its suggestions)."""
    if step == "ingest":
        (work / "p.qc").unlink(missing_ok=True)
    elif step == "run":
        shutil.rmtree(work / f"run{run}", ignore_errors=True)
    elif step == "suggest":
        shutil.copyfile(work / "p.qc", work / "s.qc")


def after(step: str, work: Path, run: int) -> None:
    if step == "run":
        shutil.rmtree(work / f"run{run}", ignore_errors=True)


def code_startup(corpus: Path, book: Path, work: Path, repeat: int) -> float:
    """Median CPU seconds of ``qualcode code`` on a project of the corpus's first interview."""
    one = work / "one"
    one.mkdir(exist_ok=True)
    first = sorted(corpus.iterdir())[0]
    shutil.copyfile(first, one / first.name)
    run_step([*QUALCODE, "ingest", str(one), "--project", str(work / "one.qc"), "-q"])
    return statistics.median(
        run_step([*QUALCODE, "code", "--project", str(work / "one.qc"), "--codebook",
                  str(book), "-q"]).cpu for _ in range(repeat))


def counts(project: Path) -> str:
    from qualcode.store import Project

    with Project.open(project) as p:
        documents = p.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        codings = p.db.execute("SELECT count(*) FROM codings").fetchone()[0]
        turns = p.db.execute("SELECT count(*) FROM segments WHERE kind = 'turn' "
                             "AND NOT is_interviewer").fetchone()[0]
    return f"{documents:,} documents, {turns:,} participant turns, {codings:,} codings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, nargs="+", default=[1.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(DEFAULT_STEPS))
    parser.add_argument("--workdir", type=Path, help="keep the generated corpora here")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="run ingest, code and run with --workers N for each N")
    args = parser.parse_args()
    steps = [s for s in STEPS if s in args.steps]
    if any(s != "ingest" and s != "run" for s in steps) and "ingest" not in steps:
        steps.insert(0, "ingest")  # the other steps read the project it makes
    if any(s in ("themes", "export-docx", "export-xlsx", "suggest") for s in steps) and \
            "code" not in steps:
        steps.insert(1, "code")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"medians of {args.repeat} runs (range)")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        for millions in args.millions:
            corpus, book, keywords, words = generate(root / f"corpus{millions:g}M", millions)
            work = Path(tmp) / f"work{millions:g}"
            work.mkdir()
            files = len(list(corpus.iterdir()))
            single: dict[str, float] = {}  # a step's median wall time on the first count
            print(f"\n{words:,} words in {files:,} interviews (codebook: 50 codes, 500 "
                  f"keywords)")
            grep = [run_step(grep_argv(keywords, corpus), env={**os.environ, "LC_ALL": "C"})
                    for _ in range(args.repeat)]
            grep_cpu = statistics.median(m.cpu for m in grep)
            print(f"{'step':12} {'cpu s':>20} {'wall s':>20} {'peak RSS MB':>18} {'x grep':>7}")
            print(f"{'grep -F':12} {summary(grep, 'cpu'):>20} {summary(grep, 'wall'):>20} "
                  f"{summary(grep, 'rss_mb', '{:.0f}'):>18} {1:7.1f}")
            for step, workers in ((s, n) for s in steps
                                  for n in (args.workers if s in PARALLEL else [1])):
                measures = []
                for run in range(args.repeat):
                    before(step, work, run)
                    extra = ["--workers", str(workers)] if workers > 1 else []
                    measures.append(run_step([*step_argv(step, corpus, book, work, run),
                                              *extra]))
                    after(step, work, run)
                cpu = statistics.median(m.cpu for m in measures)
                ratio = f"{cpu / grep_cpu:7.1f}" if grep_cpu >= 0.01 else f"{'-':>7}"
                name = step if len(args.workers) == 1 else f"{step} x{workers}"
                wall = statistics.median(m.wall for m in measures)
                single.setdefault(step, wall)
                speedup = f"  {single[step] / wall:.2f}x wall" if workers > 1 else ""
                print(f"{name:12} {summary(measures, 'cpu'):>20} "
                      f"{summary(measures, 'wall'):>20} "
                      f"{summary(measures, 'rss_mb', '{:.0f}'):>18} {ratio}{speedup}",
                      flush=True)
                if step == "code" and workers == args.workers[0]:
                    print(f"{'':12} {counts(work / 'p.qc')}", flush=True)
                    startup = code_startup(corpus, book, work, args.repeat)
                    rate = words / max(cpu - startup, 0.01)
                    grep_rate = words / max(grep_cpu, 0.01)
                    print(f"{'':12} less start-up ({startup:.2f} cpu s, one interview): "
                          f"{rate:,.0f} words per cpu s; grep -F {grep_rate:,.0f} "
                          f"(ratio {rate / grep_rate:.2f})", flush=True)
            print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
