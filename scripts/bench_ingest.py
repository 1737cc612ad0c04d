"""Ingest throughput per format on a generated corpus (prints figures; asserts nothing).

Generates, with a fixed seed, N interview transcripts per format (txt in three label styles,
docx, vtt, srt, and one csv of responses), then times reading alone and a full ``qualcode
ingest`` into a fresh project, and prints MB/s and words/s for each.

    python scripts/bench_ingest.py [--per-format 40] [--words 2500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import docx

from qualcode.ingest import read_documents
from qualcode.store import Project
from qualcode.text import count_words
from qualcode.workflows.ingest import ingest

COMMON = ("the we and that to of it a in you know so I mean is was they with board partners "
          "health police review case learning data subgroup chair training really sort").split()


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 11))) for _ in range(size)]


def turns(rng: random.Random, rare: list[str], words: int) -> list[tuple[str, str]]:
    result, total, i = [], 0, 0
    while total < words:
        speaker = "Interviewer" if i % 2 == 0 else "Jo Bloggs"
        n = rng.randint(8, 25) if i % 2 == 0 else rng.randint(30, 160)
        text = " ".join(rng.choice(rare) if rng.random() < 0.3 else rng.choice(COMMON)
                        for _ in range(n))
        result.append((speaker, text.capitalize() + "."))
        total += n
        i += 1
    return result


def stamp(seconds: float, sep: str = ".") -> str:
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    return f"{h:02d}:{m:02d}:{rest // 1000:02d}{sep}{rest % 1000:03d}"


def write(fmt: str, path: Path, dialogue: list[tuple[str, str]]) -> None:
    if fmt == "txt-colon":
        path.write_text("".join(f"{s}: {t}\n\n" for s, t in dialogue))
    elif fmt == "txt-bracket":
        path.write_text("".join(f"[{s}] {t}\n" for s, t in dialogue))
    elif fmt == "txt-otter":
        path.write_text("".join(f"{s}  {i // 60}:{i % 60:02d}\n{t}\n\n"
                                for i, (s, t) in enumerate(dialogue)))
    elif fmt == "docx":
        document = docx.Document()
        for speaker, text in dialogue:
            paragraph = document.add_paragraph()
            paragraph.add_run(speaker + ":").bold = True
            paragraph.add_run(" " + text)
        document.save(path)
    elif fmt in ("vtt", "srt"):
        sep = "." if fmt == "vtt" else ","
        cues, clock = [], 0.0
        for speaker, text in dialogue:
            words = text.split()
            for k in range(0, len(words), 12):
                chunk = " ".join(words[k:k + 12])
                end = clock + len(chunk.split()) / 2.5
                body = f"<v {speaker}>{chunk}</v>" if fmt == "vtt" else (
                    f"{speaker}: {chunk}" if k == 0 else chunk)
                cues.append(f"{len(cues) + 1}\n{stamp(clock, sep)} --> {stamp(end, sep)}\n{body}\n")
                clock = end + 0.1
        path.write_text(("WEBVTT\n\n" if fmt == "vtt" else "") + "\n".join(cues))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-format", type=int, default=40)
    parser.add_argument("--words", type=int, default=2500)
    args = parser.parse_args()
    rng = random.Random(20161)
    rare = vocabulary(rng)
    formats = {"txt-colon": ".txt", "txt-bracket": ".txt", "txt-otter": ".txt",
               "docx": ".docx", "vtt": ".vtt", "srt": ".srt"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = {}
        for fmt, ext in formats.items():
            folder = root / fmt
            folder.mkdir()
            folders[fmt] = folder
            for i in range(args.per_format):
                write(fmt, folder / f"{fmt}{i:03d}{ext}", turns(rng, rare, args.words))
        # a table of short responses, as a consultation would send
        import csv

        responses = root / "csv"
        responses.mkdir()
        folders["csv (responses)"] = responses
        with (responses / "responses.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "region", "answer"])
            for i in range(args.per_format * 25):
                _, text = turns(rng, rare, 100)[1]
                writer.writerow([f"R{i:05d}", rng.choice(["North", "South"]), text])

        n_files = sum(len(list(f.iterdir())) for f in folders.values())
        print(f"corpus: {n_files} files, {args.per_format} per format, ~{args.words} words each")
        print(f"{'format':16} {'files':>5} {'MB':>7} {'words':>9} {'read MB/s':>10} "
              f"{'read words/s':>13} {'ingest MB/s':>12} {'ingest words/s':>15}")
        for fmt, folder in folders.items():
            files = sorted(folder.iterdir())
            size = sum(f.stat().st_size for f in files) / 1e6
            options = {"text_column": "answer", "id_column": "id"} if fmt.startswith("csv") else {}
            start = time.perf_counter()
            docs = [d for f in files for d in read_documents(f, **options)]
            read_s = time.perf_counter() - start
            words = sum(count_words(d.text) for d in docs)
            start = time.perf_counter()
            with Project.open(root / f"{fmt.split()[0]}.qc", create=True) as project:
                ingest(project, [folder], **options)
            ingest_s = time.perf_counter() - start
            print(f"{fmt:16} {len(files):5d} {size:7.1f} {words:9,d} {size / read_s:10.2f} "
                  f"{words / read_s:13,.0f} {size / ingest_s:12.2f} {words / ingest_s:15,.0f}")


if __name__ == "__main__":
    main()
