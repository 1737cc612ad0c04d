"""The hostile-input corners of issue 20, timed (prints figures; asserts nothing).

- ``regex``: matching the 12 sample transcripts against the LSCB codebook (keywords and 20-odd
  regexes, in-process, matcher only; median of 7), the number to compare when the regex engine
  changes;
- ``near``: one unit of 20,000 / 40,000 / 80,000 words full of a near rule's both sides;
- ``docx``: reading a .docx of 10,000 / 30,000 / 100,000 paragraphs;
- ``vtt``: reading a .vtt of 100,000 / 300,000 / 1,000,000 cues;
- ``codes``: building the matcher for 10 / 100 / 1,000 / 10,000 codes, and matching with it.

    python scripts/bench_hostile.py [regex] [near] [docx] [vtt] [codes]
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


def bench_docx() -> None:
    import tempfile

    from qualcode.ingest import read_document

    for size in (10_000, 30_000, 100_000):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "long.docx"
            _long_docx(path, size)
            started = time.perf_counter()
            read = read_document(path)
            took = time.perf_counter() - started
        print(f"docx: {size:,} paragraphs, {len(read.turns):,} turns: {took:.2f} s", flush=True)


def bench_vtt() -> None:
    import tempfile

    from qualcode.ingest import read_document

    for size in (100_000, 300_000, 1_000_000):
        lines = ["WEBVTT", ""]
        for i in range(size):
            start, end = i * 2, i * 2 + 1
            lines += [f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d}.000 --> "
                      f"{end // 3600:02d}:{end // 60 % 60:02d}:{end % 60:02d}.000",
                      f"<v {'Interviewer' if i % 2 else 'Ann'}>cue {i} about trust.", ""]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "long.vtt"
            path.write_text("\n".join(lines), encoding="utf-8")
            started = time.perf_counter()
            read = read_document(path)
            took = time.perf_counter() - started
        print(f"vtt: {size:,} cues, {len(read.turns):,} turns: {took:.2f} s", flush=True)


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
    corners = {"regex": bench_regex, "near": bench_near, "docx": bench_docx, "vtt": bench_vtt,
               "codes": bench_codes}
    chosen = argv or list(corners)
    for name in chosen:
        corners[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
