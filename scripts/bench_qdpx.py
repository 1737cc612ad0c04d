"""QDPX import at scale: many sources with one name, many codes with one name (issue 20).

Builds each archive in a temporary folder (sources in ``sources/``, one coding each; codes all
named "same") and times ``import_qdpx`` into a new project, for growing sizes, so that the
growth is visible: linear means the time per item stays flat. Prints figures; asserts nothing.

    python scripts/bench_qdpx.py [--sources 5000 20000] [--codes 10000 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

from qualcode.store import Project
from qualcode.workflows.qdpx import import_qdpx

USER = "00000000-0000-4000-8000-000000000001"


def guid(kind: int, n: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{n:012d}"


def archive_with_sources(path: Path, n: int) -> Path:
    sources = "".join(
        f'<TextSource guid="{guid(2, i)}" name="Interview" plainTextPath="internal://'
        f'{guid(2, i)}.txt"><PlainTextSelection guid="{guid(3, i)}" startPosition="5"'
        f' endPosition="11"><Coding guid="{guid(4, i)}" creatingUser="{USER}"><CodeRef'
        f' targetGUID="{guid(1, 0)}"/></Coding></PlainTextSelection></TextSource>'
        for i in range(n))
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="bench"><Users><User guid="{USER}"'
           f' name="Maria"/></Users><CodeBook><Codes><Code guid="{guid(1, 0)}" name="Theme"'
           f' isCodable="true"/></Codes></CodeBook><Sources>{sources}</Sources></Project>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for i in range(n):
            archive.writestr(f"sources/{guid(2, i)}.txt", f"Text number {i}.")
    return path


def archive_with_codes(path: Path, n: int) -> Path:
    codes = "".join(f'<Code guid="{guid(1, i)}" name="same" isCodable="true"/>'
                    for i in range(n))
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="bench"><CodeBook><Codes>{codes}'
           '</Codes></CodeBook><Sources><TextSource guid="{}" name="t"><PlainTextContent>'
           'Some text.</PlainTextContent></TextSource></Sources></Project>'.replace(
               "{}", guid(2, 0)))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
    return path


def timed(folder: Path, archive: Path) -> tuple[float, object]:
    with Project.open(folder / f"{archive.stem}.qc", create=True) as project:
        began = time.perf_counter()
        report = import_qdpx(project, archive)
        return time.perf_counter() - began, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, nargs="*", default=[2_000, 20_000])
    parser.add_argument("--codes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in args.sources:
            seconds, report = timed(folder, archive_with_sources(folder / f"s{n}.qdpx", n))
            print(f"{n:>7,} sources named 'Interview': {seconds:6.2f} s "
                  f"({seconds / n * 1e6:5.0f} us each), {len(set(report.documents)):,} "
                  f"documents, {report.codings:,} codings")
        for n in args.codes:
            seconds, report = timed(folder, archive_with_codes(folder / f"c{n}.qdpx", n))
            print(f"{n:>7,} codes named 'same':        {seconds:6.2f} s "
                  f"({seconds / n * 1e6:5.0f} us each), {report.codes:,} codes")


if __name__ == "__main__":
    main()
