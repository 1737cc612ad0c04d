"""Tables and exports with a big codebook (issue 20: "a big codebook is legitimate").

Builds a codebook of THEMES x 50 codes, one keyword each taken from the sample transcripts'
own words (so most codes are coded), codes the sample with it and times ``themes``, ``export
xlsx``, ``export html`` and ``export docx``, each in a fresh process (CPU seconds and peak RSS
from ``/usr/bin/time``). Prints figures; asserts nothing.

    python scripts/bench_many_codes.py --themes 200 --steps themes xlsx
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
STEPS = {
    "themes": ["themes"],
    "xlsx": ["export", "xlsx", "--output", "r.xlsx"],
    "html": ["export", "html", "--output", "r.html"],
    "docx": ["export", "docx", "--output", "r.docx"],
}


def write_codebook(path: Path, themes: int) -> int:
    """A codebook of ``themes`` themes with 50 sub-codes each; how many codes."""
    words: collections.Counter[str] = collections.Counter()
    for transcript in SAMPLE.glob("*.txt"):
        text = transcript.read_bytes().decode("utf-8", "replace")
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{5,}", text))
    vocabulary = [w for w, _ in words.most_common(2000)]
    codes = [{"id": f"t{t}", "name": f"Theme {t}", "children": [
        {"id": f"t{t}c{c}", "name": f"Code {t}.{c}",
         "keywords": [vocabulary[(t * 50 + c) % len(vocabulary)]]} for c in range(50)]}
        for t in range(themes)]
    path.write_text(yaml.safe_dump({"name": "many", "codes": codes}), encoding="utf-8")
    return themes * 51


def timed(argv: list[str], folder: Path) -> str:
    """CPU seconds and peak RSS of ``python -m qualcode ARGV`` run in ``folder``."""
    command = ["/usr/bin/time", "-f", "%U %S %M", sys.executable, "-m", "qualcode", *argv]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    user, system, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return f"{float(user) + float(system):.2f} CPU s, {int(kilobytes) // 1024} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=int, default=200)
    parser.add_argument("--steps", nargs="*", default=list(STEPS), choices=list(STEPS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        count = write_codebook(folder / "many.yaml", args.themes)
        print(f"{count:,} codes; ingest: "
              + timed(["ingest", str(SAMPLE), "--project", "p.qc", "--quiet"], folder))
        print("code: " + timed(["code", "--project", "p.qc", "--codebook", "many.yaml",
                                "--quiet"], folder))
        for step in args.steps:
            print(f"{step}: " + timed([*STEPS[step], "--project", "p.qc"], folder), flush=True)


if __name__ == "__main__":
    main()
