"""Time to export coded excerpts to Word and Excel (prints figures; asserts nothing).

Builds a project from the generated bench corpus (scripts/bench_coding.py) large enough for
about N coded excerpts, then times the Word report (with chart and codebook appendix) and
the quote table, each written to a file.

    python scripts/bench_export.py [--excerpts 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding

from qualcode.analysis import load_coded
from qualcode.export.docx_report import ReportOptions, build_report
from qualcode.export.excerpts import excerpt_rows, public
from qualcode.export.tables import write_workbook
from qualcode.fileio import write_atomic
from qualcode.store import Project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # the bench corpus gives about 12 codings per 1,000 words
        project_path, _ = bench_coding.build_project(root, int(args.excerpts / 12 * 1000), 7)
        with Project.open(project_path) as project:
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
