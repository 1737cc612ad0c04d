"""Wall time of whole ``qualcode`` processes (prints figures; asserts nothing).

- ``qualcode --help`` (imports must stay light);
- ``qualcode run`` on the 12 sample transcripts, cold (new folder) and again (re-run);
- ``qualcode run`` on a generated corpus of about 1 million words (the bench_coding corpus
  and codebook), cold.
For scale: ``python -c "import spacy"`` alone, which every coding run pays.

    python scripts/bench_run.py [--millions 1]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` runs."""
    return bench_coding.timed(command, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, default=1.0)
    args = parser.parse_args()
    qualcode = [sys.executable, "-m", "qualcode"]
    print(f"python -c 'import spacy'        {wall([sys.executable, '-c', 'import spacy']):6.2f} s")
    print(f"qualcode --help                  {wall([*qualcode, '--help']):6.2f} s")
    sample = ROOT / "transcripts_sample"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        job = [*qualcode, "run", str(sample), "--codebook",
               str(ROOT / "codebooks" / "lscb_learning_improvement.yaml"),
               "--attributes", str(sample / "attributes.csv"), "--by", "nation", "-q"]
        colds = []
        for n in range(3):
            start = time.perf_counter()
            subprocess.run([*job, "--out", str(root / f"cold{n}")], check=True)
            colds.append(time.perf_counter() - start)
        print(f"qualcode run, 12 sample transcripts, new folder  {sorted(colds)[1]:6.2f} s "
              "(median of 3)")
        print(f"qualcode run, 12 sample transcripts, re-run      "
              f"{wall([*job, '--out', str(root / 'cold0')]):6.2f} s (median of 3)")
        rng = random.Random(2016)
        domain = bench_coding.domain_words(rng, 3000)
        book = root / "bench.yaml"
        phrases = bench_coding.make_codebook(rng, domain, book)
        corpus = root / "corpus"
        corpus.mkdir()
        words = bench_coding.make_corpus(random.Random(100), phrases, domain,
                                         int(args.millions * 1_000_000), corpus)
        start = time.perf_counter()
        subprocess.run([*qualcode, "run", str(corpus), "--codebook", str(book), "--out",
                        str(root / "big"), "-q"], check=True)
        print(f"qualcode run, {words:,} words in {len(list(corpus.iterdir()))} transcripts, "
              f"new folder  {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
