"""CPU seconds and peak RSS of `qualcode ingest` and `qualcode code` on a generated corpus, the
start-up of `code` on a one-document project, and `LC_ALL=C grep -F -i -w -o -f keywords` on
the same files (prints figures; asserts nothing). It also prints a sha256 of every coding the
first `code` run stored (place, code, rule, matched terms): a change meant to make coding
faster must leave it as it was.

The corpus and its 50-code / 500-keyword codebook are bench_coding.py's (seeded). Each command
runs as its own process under /usr/bin/time (user + system CPU, maximum RSS); CPU seconds are
steadier than wall time on a shared machine. ``--code`` points at another checkout of qualcode
(e.g. ``git archive e74cff9 | tar -x -C /tmp/old``) to measure it on the same corpus.

    python scripts/bench_ingest_code.py --millions 1 --repeat 3 [--code /tmp/old]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding  # the corpus generator beside this script


def make_data(folder: Path, millions: float) -> None:
    """Corpus, codebook, keyword list and a one-document corpus, unless already there."""
    if (folder / "keywords").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2016)
    domain = bench_coding.domain_words(rng, 3000)
    phrases = bench_coding.make_codebook(rng, domain, folder / "bench.yaml")
    (folder / "corpus").mkdir()
    bench_coding.make_corpus(random.Random(int(millions * 100)), phrases, domain,
                             int(millions * 1_000_000), folder / "corpus")
    (folder / "one").mkdir()
    bench_coding.make_corpus(random.Random(1), phrases, domain, 50, folder / "one")
    book = yaml.safe_load((folder / "bench.yaml").read_text())
    keywords = sorted({k for theme in book["codes"] for code in theme["children"]
                       for k in code["keywords"]})
    (folder / "keywords").write_text("\n".join(keywords) + "\n")


def measure(command: list[str], env: dict, output: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of one process, run in a temporary folder (``python -m``
    would import a qualcode in the current folder before PYTHONPATH's). grep's output goes to
    a file: writing to /dev/null lets GNU grep stop at the first match."""
    with open(output or os.devnull, "w") as out, tempfile.TemporaryDirectory() as here:
        done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", *command], env=env,
                              cwd=here, stdout=out, stderr=subprocess.PIPE, text=True,
                              check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    user, system, rss = done.stderr.strip().splitlines()[-1].split()
    return float(user) + float(system), int(rss) / 1024


def codings_digest(project: Path) -> str:
    """How many codings and matched terms a project holds, and a sha256 over all of them
    (document, start, end, code, rule, matched), read with sqlite3 alone so that any
    version's project can be compared."""
    db = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT document_id, char_start, char_end, code_id, rule, matched"
                          " FROM codings ORDER BY document_id, char_start, char_end, code_id"
                          ).fetchall()
    finally:
        db.close()
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    terms = sum(len(json.loads(row[5])) for row in rows)
    return f"{len(rows):,} codings, {terms:,} matched terms, sha256 {digest.hexdigest()[:16]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the qualcode checkout to measure (default: this one)")
    parser.add_argument("--data", type=Path, default=None,
                        help="keep the generated corpus here (default: a temporary folder)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(args.code.resolve()))
    qualcode = [sys.executable, "-m", "qualcode"]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "data"
        make_data(data, args.millions)
        corpus, book = data / "corpus", data / "bench.yaml"
        files = sorted(str(f) for f in corpus.iterdir())
        one = Path(tmp) / "one.qc"
        measure([*qualcode, "ingest", str(data / "one"), "--project", str(one), "-q"], env)
        figures: dict[str, list[tuple[float, float]]] = {
            "ingest": [], "code": [], "start-up": [], "grep": []}
        for run in range(args.repeat):
            project = Path(tmp) / f"p{run}.qc"
            figures["ingest"].append(measure(
                [*qualcode, "ingest", str(corpus), "--project", str(project), "-q"], env))
            figures["code"].append(measure(
                [*qualcode, "code", "--project", str(project), "--codebook", str(book), "-q"],
                env))
            figures["start-up"].append(measure(
                [*qualcode, "code", "--project", str(one), "--codebook", str(book), "-q"], env))
            figures["grep"].append(measure(
                ["env", "LC_ALL=C", "grep", "-F", "-i", "-w", "-o", "-f", str(data / "keywords"),
                 *files], env, Path(tmp) / "grep.out"))
        words = sum(len(Path(f).read_text().split()) for f in files)
        print(f"qualcode at {args.code}; {words:,} words in {len(files)} transcripts; "
              f"median of {args.repeat} (range); load average {load:.1f} at the start")
        for step, runs in figures.items():
            cpu = [c for c, _ in runs]
            print(f"  {step:9s} {statistics.median(cpu):6.2f} CPU s ({min(cpu):.2f}-{max(cpu):.2f})"
                  f"  peak RSS {statistics.median(r for _, r in runs):5.0f} MB")
        # medians, and minimums: load only ever adds CPU time (a busy core's caches), so on
        # a shared machine the fastest of each is the steadier figure
        for name, pick in (("median", statistics.median), ("fastest", min)):
            coding = (pick(c for c, _ in figures["code"])
                      - pick(c for c, _ in figures["start-up"]))
            grep = pick(c for c, _ in figures["grep"])
            print(f"  {name}: code less start-up {coding:.2f} CPU s; grep -F {grep:.2f} CPU s:"
                  f" grep's time / code's = {grep / coding:.2f}")
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
        print(f"  {codings_digest(Path(tmp) / 'p0.qc')}")


if __name__ == "__main__":
    main()
