"""The hostile-input corners of issue 20, timed (prints figures; asserts nothing).

- ``regex``: matching the 12 sample transcripts against the LSCB codebook (keywords and 20-odd
  regexes, in-process, matcher only; median of 7), the number to compare when the regex engine
  changes;
- ``near``: one unit of 20,000 / 40,000 / 80,000 words full of a near rule's both sides;
- ``docx``: reading a .docx of 10,000 / 30,000 / 100,000 paragraphs;
- ``vtt``: reading a .vtt of 100,000 / 300,000 / 1,000,000 cues;
- ``srt``: reading a .srt of 100,000 / 300,000 cues;
- ``codes``: building the matcher for 10 / 100 / 1,000 / 10,000 codes, and matching with it;
- ``qdpx-codes``: importing a .qdpx of 10,000 / 100,000 codes all named "same";
- ``qdpx-source``: importing a .qdpx of one source of 10 / 30 MB (CRLF line ends, accents
  written decomposed, emoji; selections counted in UTF-16 units): the offset maps;
- ``sentence``: sentences of one paragraph of 1,300,000 characters (over spaCy's limit).

The sized corners run each size in a fresh process and print its CPU seconds, their ratio to a
fixed reference loop timed in the same process (comparable on a loaded machine), and peak
memory (``--sizes`` picks sizes, ``--repeat`` takes the medians of several runs):

    python scripts/bench_hostile.py [regex] [near] [docx] [vtt] [srt] [codes] [qdpx-codes]
        [qdpx-source] [sentence] [--sizes 10000 30000] [--repeat 3]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(work, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_regex() -> None:
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import build_matcher, select_units
    from qualcode.ingest import read_document
    from qualcode.segment import segments

    book = load_codebook(ROOT / "codebooks" / "lscb_learning_improvement.yaml")
    documents = [read_document(p) for p in sorted((ROOT / "transcripts_sample").iterdir())
                 if p.name.startswith("lscb")]
    units = [s for d in documents for s in select_units(segments(d, "turn"), "participants")]
    matcher = build_matcher(book)
    matcher("warm up")

    def work() -> None:
        for unit in units:
            matcher(unit.text)

    regexes = sum(len(c.regex) for c in book.codes)
    print(f"regex: {len(units)} sample turns, {regexes} regexes: "
          f"{median_time(work) * 1000:.0f} ms (median of 7)")


def bench_near() -> None:
    from qualcode.coding.rules import RuleMatcher
    from qualcode.model import Code, Near

    matcher = RuleMatcher()
    matcher.add(Code("trust", "Trust", near=[Near(a=("health", "police"),
                                                      b=("relationship", "trust"), within=8)]))
    words = "health works with police on trust and the relationship holds".split()
    for size in (20_000, 40_000, 80_000):
        unit = " ".join(words[i % len(words)] for i in range(size))
        started = time.perf_counter()
        found = matcher(unit)
        took = time.perf_counter() - started
        print(f"near: one unit of {size:,} words ({len(unit) / 1000:,.0f} KB), "
              f"{len(found):,} matches: {took:.2f} s", flush=True)


def _long_docx(path: Path, size: int) -> None:
    """A .docx of ``size`` labelled paragraphs, its document.xml written directly
    (python-docx's add_paragraph is quadratic: 5 s for 12,000 paragraphs)."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    paragraphs = "".join(
        f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(speaker)}: paragraph number {i} "
        "about partnership working.</w:t></w:r></w:p>"
        for i, speaker in ((i, "Interviewer" if i % 2 else "Participant") for i in range(size)))
    with zipfile.ZipFile(buffer) as template, zipfile.ZipFile(path, "w",
                                                              zipfile.ZIP_DEFLATED) as out:
        for info in template.infolist():
            data = template.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + paragraphs + text[at:]).encode("utf-8")
            out.writestr(info.filename, data)


def _vtt_file(path: Path, size: int) -> None:
    lines = ["WEBVTT", ""]
    for i in range(size):
        start, end = i * 2, i * 2 + 1
        lines += [f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d}.000 --> "
                  f"{end // 3600:02d}:{end // 60 % 60:02d}:{end % 60:02d}.000",
                  f"<v {'Interviewer' if i % 2 else 'Ann'}>cue {i} about trust.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _srt_file(path: Path, size: int) -> None:
    lines = []
    for i in range(size):
        start, end = i * 2, i * 2 + 1
        lines += [str(i + 1), f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d},000"
                  f" --> {end // 3600:02d}:{end // 60 % 60:02d}:{end % 60:02d},000",
                  f"{'INTERVIEWER' if i % 2 else 'ANN'}: cue {i} about trust.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


_QDPX = ('<Project xmlns="urn:QDA-XML:project:1.0" name="bench" origin="NVivo"><Users><User '
         'guid="00000000-0000-4000-8000-000000000001" name="Maria"/></Users><CodeBook><Codes>'
         '{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>')


def _qdpx_codes_file(path: Path, size: int) -> None:
    import zipfile

    codes = "".join(f'<Code guid="00000001-0000-4000-8000-{i:012d}" name="same" '
                    'isCodable="true"/>' for i in range(size))
    sources = ('<TextSource guid="00000002-0000-4000-8000-000000000000" name="t">'
               '<PlainTextContent>Some text.</PlainTextContent></TextSource>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", _QDPX.format(codes=codes, sources=sources))


def _qdpx_source_file(path: Path, megabytes: int) -> None:
    """One source of ``megabytes`` MB of UTF-8 text: CRLF line ends, an accent written
    decomposed on every line, an emoji on every other, and 1,000 selections counted in UTF-16
    code units (as NVivo counts them)."""
    import zipfile

    lines, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        line = (f"P{i % 7}: line {i} about partnership working, the cafe\u0301 and the "
                f"budget{' 😀' if i % 2 else ''}, then trust between agencies.\r\n")
        lines.append(line)
        size += len(line.encode("utf-8"))
        i += 1
    text = "".join(lines)
    step = len(text) // 1_000
    selections = "".join(
        f'<PlainTextSelection guid="00000003-0000-4000-8000-{k:012d}" startPosition="{start}"'
        f' endPosition="{start + 40}"><Coding guid="00000004-0000-4000-8000-{k:012d}" '
        'creatingUser="00000000-0000-4000-8000-000000000001"><CodeRef '
        'targetGUID="00000001-0000-4000-8000-000000000000"/></Coding></PlainTextSelection>'
        for k, start in enumerate(range(0, step * 1_000, step)))
    codes = '<Code guid="00000001-0000-4000-8000-000000000000" name="Theme" isCodable="true"/>'
    sources = ('<TextSource guid="00000002-0000-4000-8000-000000000000" name="Interview" '
               f'plainTextPath="internal://big.txt">{selections}</TextSource>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", _QDPX.format(codes=codes, sources=sources))
        archive.writestr("sources/big.txt", text.encode("utf-8"))


def _qdpx_import(path: Path) -> str:
    from qualcode.store import Project
    from qualcode.workflows.qdpx import import_qdpx

    with Project.open(path.with_suffix(".qc"), create=True) as project:
        report = import_qdpx(project, path)
    return f"{report.codes:,} codes, {report.codings:,} codings"


def _paragraph_file(path: Path, size: int) -> None:
    sentence = "A sentence about trust 😀 and cafe\u0301 work. "
    path.write_text("P1: " + sentence * (size // len(sentence)) + "\n", encoding="utf-8")


def _sentences(path: Path) -> str:
    from qualcode.ingest import read_document
    from qualcode.segment import sentences

    document = read_document(path)
    return f"{len(sentences(document)):,} sentences"


def _read(path: Path) -> str:
    from qualcode.ingest import read_document

    return f"{len(read_document(path).turns):,} turns"


# name: (sizes, unit, suffix, write the input, read it (in a fresh process))
SIZED = {
    "docx": ((10_000, 30_000, 100_000), "paragraph", ".docx", _long_docx, _read),
    "vtt": ((100_000, 300_000, 1_000_000), "cue", ".vtt", _vtt_file, _read),
    "srt": ((100_000, 300_000), "cue", ".srt", _srt_file, _read),
    "qdpx-codes": ((10_000, 100_000), "code", ".qdpx", _qdpx_codes_file, _qdpx_import),
    "qdpx-source": ((10, 30), "MB", ".qdpx", _qdpx_source_file, _qdpx_import),
    "sentence": ((1_300_000,), "character", ".txt", _paragraph_file, _sentences),
}


def _child(name: str, path: str) -> None:
    """Run one sized corner's reading in this (fresh) process: CPU seconds and peak memory."""
    import json
    import resource

    started = time.process_time()
    sum(i * i for i in range(3_000_000))  # the reference: a loaded machine slows it too
    reference = time.process_time() - started
    started = time.process_time()
    what = SIZED[name][4](Path(path))
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "ref": reference, "peak_mb": peak, "what": what}))


def bench_sized(name: str, sizes: list[int] | None, repeat: int) -> None:
    import json
    import subprocess
    import tempfile

    default, unit, suffix, write, _ = SIZED[name]
    for size in sizes or default:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"input{suffix}"
            write(path, size)
            runs = []
            for _ in range(repeat):
                done = subprocess.run([sys.executable, __file__, "--child", name, str(path)],
                                      capture_output=True, text=True)
                if done.returncode:
                    runs = []
                    break
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        sized = f"{name}: {size:,} {unit}{'' if unit == 'MB' else 's'}"
        if not runs:
            print(f"{sized}: failed: {done.stderr.strip().splitlines()[-1][:200]}", flush=True)
            continue
        cpu = statistics.median(r["cpu"] for r in runs)
        ratio = statistics.median(r["cpu"] / r["ref"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        per = f"{cpu / size:.2f} s" if cpu / size > 0.01 else f"{cpu / size * 1e6:,.1f} us"
        print(f"{sized}: {cpu:.2f} CPU s ({per} per {unit}; {ratio:,.1f} x the reference "
              f"loop), peak {peak:,.0f} MB; {runs[0]['what']} (median of {len(runs)})",
              flush=True)


def bench_codes() -> None:
    from qualcode.coding.engine import build_matcher
    from qualcode.model import Code, Codebook, Keyword

    text = ("We talked about partnership working and the budget, then about trust between "
            "agencies and the audit of cases. ") * 20
    for count in (10, 100, 1_000, 10_000):
        codes = [Code(f"c{i}", f"Code {i}", keywords=[Keyword(f"term{i} word{i % 97}")])
                 for i in range(count)]
        codes.append(Code("pw", "PW", keywords=[Keyword("partnership working")]))
        started = time.perf_counter()
        matcher = build_matcher(Codebook(name="b", codes=codes))
        matcher("warm up")
        built = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(200):
            matcher(text)
        print(f"codes: {count:,} codes: build {built:.2f} s, 200 units "
              f"{time.perf_counter() - started:.2f} s", flush=True)


def main(argv: list[str]) -> None:
    import argparse

    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2])
        return
    corners = {"regex": bench_regex, "near": bench_near, "codes": bench_codes}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corners", nargs="*", choices=[*corners, *SIZED], metavar="corner")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    for name in args.corners or [*corners, *SIZED]:
        if name in SIZED:
            bench_sized(name, args.sizes, args.repeat)
        else:
            corners[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
