"""Time to export coded excerpts to Word and Excel (prints figures; asserts nothing).

Builds a project from the generated bench corpus (scripts/bench_coding.py) large enough for
about N coded excerpts, then times the Word report (with chart and codebook appendix) and
the quote table, each written to a file.

    python scripts/bench_export.py [--excerpts 5000]
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

from qualcode.analysis import load_coded
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.export.docx_report import ReportOptions, build_report
from qualcode.export.excerpts import excerpt_rows, public
from qualcode.export.tables import write_workbook
from qualcode.fileio import write_atomic
from qualcode.ingest.into_project import ingest
from qualcode.store import Project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = random.Random(2016)
        domain = bench_coding.domain_words(rng, 3000)
        book_path = root / "bench.yaml"
        phrases = bench_coding.make_codebook(rng, domain, book_path)
        corpus = root / "corpus"
        corpus.mkdir()
        # the bench corpus gives about 12 codings per 1,000 words
        bench_coding.make_corpus(random.Random(7), phrases, domain,
                                 int(args.excerpts / 12 * 1000), corpus)
        with Project.open(root / "p.qc", create=True) as project:
            ingest(project, [corpus])
            code_project(project, load_codebook(book_path))
            start = time.perf_counter()
            data = load_coded(project)
            loaded = time.perf_counter() - start
            start = time.perf_counter()
            content = build_report(project, data, ReportOptions(title="Benchmark"))
            write_atomic(root / "report.docx", content)
            word = time.perf_counter() - start
            start = time.perf_counter()
            write_workbook({"excerpts": public(excerpt_rows(project, data))},
                           root / "excerpts.xlsx")
            excel = time.perf_counter() - start
        size = (root / "report.docx").stat().st_size / 1e6
        print(f"{len(data.codings):,} coded excerpts")
        print(f"  load codings          {loaded:6.2f} s")
        print(f"  Word report (.docx)   {word:6.2f} s  ({size:.1f} MB, chart and appendix "
              "included)")
        print(f"  quote table (.xlsx)   {excel:6.2f} s")


if __name__ == "__main__":
    main()
