"""Keyword-coding speed: qualcode's engine against a plain ``re`` alternation and spaCy's
tokenizer + PhraseMatcher, on a generated corpus (prints figures; asserts nothing).

With a fixed seed it generates interview-style transcripts of about N million words (over 30%
of tokens rare words, so no tokenizer cache flatters anyone) and a 50-code codebook of 500
keyword phrases built from real English lemmas, which the transcripts use in inflected forms.
qualcode's rate is the whole ``qualcode code`` command on a project holding the corpus (read
segments, match, write codings) less the same command's time on a one-document project
(start-up: Python, spaCy, the lemma table). Peak memory is the command's maximum RSS.

    python scripts/bench_coding.py [--millions 1 5]
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from qualcode.coding.lemmas import get_lemmatizer
from qualcode.store import Project

COMMON = ("the a and to of that it in we you i is was they so but for with on have be at "
          "this what there like just yeah know mean sort kind really think well um er about "
          "all not or if when then because do did can would could had were are been one our "
          "their them from by as more very quite lot things thing people time way going get "
          "got see said say actually probably maybe bit little sure right okay yes no").split()
FILLERS = ["you know", "I mean", "sort of", "kind of", "um", "er", "like"]


def domain_words(rng: random.Random, count: int) -> list[str]:
    """Real English lemmas with at least one other form, e.g. review (reviews, reviewed)."""
    lemmatizer = get_lemmatizer()
    lemmas = sorted({lemma for lemma in lemmatizer.table.values()
                     if lemma.isalpha() and 4 <= len(lemma) <= 11})
    rng.shuffle(lemmas)
    return [w for w in lemmas if len(lemmatizer.forms(w)) > 1][:count]


def make_codebook(rng: random.Random, domain: list[str], path: Path,
                  common: list[str] | tuple[str, ...] = ()) -> list[list[str]]:
    """50 codes of 10 keyword phrases from ``domain``; the first keyword of the first codes
    are the ``common`` words instead, one each (as real codebooks have: "people", "time")."""
    phrases, codes = [], []
    pool = iter(domain)
    for number in range(50):
        keywords = []
        for index in range(10):
            size = rng.choice([1, 1, 2, 2, 3])
            keywords.append(common[number] if index == 0 and number < len(common) else
                            " ".join(next(pool) for _ in range(size)))
        phrases.extend(k.split() for k in keywords)
        codes.append({"id": f"code-{number:02d}", "name": f"Code {number}",
                      "keywords": keywords})
    book = {"name": "Benchmark", "version": 1,
            "codes": [{"id": f"theme-{t}", "name": f"Theme {t}",
                       "children": codes[t * 10:(t + 1) * 10]} for t in range(5)]}
    path.write_text(yaml.safe_dump(book, sort_keys=False))
    return phrases


def make_corpus(rng, phrases, domain, words_wanted: int, folder: Path,
                zipf_words: list[str] | None = None, turns: int = 60) -> int:
    """Transcripts of ``turns`` turns (about 48 words each) up to ``words_wanted`` words. Rare
    words are fresh pseudo-words, or, given ``zipf_words``, real words drawn by Zipf's law
    (rank r with weight 1/r) as in real speech, where the same rare word comes back."""
    lemmatizer = get_lemmatizer()
    cumulative = list(itertools.accumulate(1 / r for r in range(1, len(zipf_words) + 1))) \
        if zipf_words else None
    forms = {w: sorted(lemmatizer.forms(w)) or [w] for p in phrases for w in p}
    for w in domain:
        forms.setdefault(w, sorted(lemmatizer.forms(w)))
    letters = "abcdefghijklmnopqrstuvwxyz"
    total, number = 0, 0
    while total < words_wanted:
        lines = []
        for turn in range(turns):
            interviewer = turn % 2 == 0
            n = rng.randint(6, 25) if interviewer else rng.randint(20, 140)
            words = []
            while len(words) < n:
                r = rng.random()
                if r < 0.32 and cumulative:
                    words.append(rng.choices(zipf_words, cum_weights=cumulative)[0])
                elif r < 0.32:  # rare words: a fresh pseudo-word most of the time
                    words.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
                elif r < 0.40:
                    words.append(rng.choice(forms[rng.choice(domain)]))
                elif r < 0.41:
                    words.extend(rng.choice(forms[w]) for w in rng.choice(phrases))
                elif r < 0.44:
                    words.extend(rng.choice(FILLERS).split())
                else:
                    words.append(rng.choice(COMMON))
            text = " ".join(words).capitalize() + rng.choice([".", "?", "..."])
            lines.append(f"{'Interviewer' if interviewer else 'Participant'}: {text}")
            total += len(words)
        (folder / f"t{number:05d}.txt").write_text("\n\n".join(lines) + "\n")
        number += 1
    return total


def build_project(root: Path, words: int, seed: int,
                  zipf_words: list[str] | None = None) -> tuple[Path, Path]:
    """A project (ingested and coded) of about ``words`` generated words, and its codebook:
    what the export and suggestion benchmarks start from."""
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import code_project
    from qualcode.workflows.ingest import ingest

    rng = random.Random(2016)
    domain = domain_words(rng, 3000)
    book = root / "bench.yaml"
    phrases = make_codebook(rng, domain, book)
    corpus = root / "corpus"
    corpus.mkdir()
    make_corpus(random.Random(seed), phrases, domain, words, corpus, zipf_words)
    with Project.open(root / "p.qc", create=True) as project:
        ingest(project, [corpus])
        code_project(project, load_codebook(book))
    return root / "p.qc", book


def timed(command: list[str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs: this machine is shared and noisy."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def in_process(project: Path, book: Path, repeat: int = 3) -> float:
    """Fastest of ``repeat`` library calls of code_project (imports already paid)."""
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import code_project

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with Project.open(project) as p:
            code_project(p, load_codebook(book))
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, nargs="+", default=[1.0, 5.0])
    args = parser.parse_args()
    qualcode = [sys.executable, "-m", "qualcode"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = random.Random(2016)
        domain = domain_words(rng, 3000)
        book = root / "bench.yaml"
        phrases = make_codebook(rng, domain, book)
        print(f"codebook: 50 codes, {len(phrases)} keyword phrases")
        # start-up: the same command on a one-document project
        one = root / "one"
        one.mkdir()
        make_corpus(random.Random(1), phrases, domain, 50, one)
        subprocess.run([*qualcode, "ingest", str(one), "--project", str(root / "one.qc"), "-q"],
                       check=True)
        startup = timed([*qualcode, "code", "--project", str(root / "one.qc"),
                         "--codebook", str(book), "-q"], 5)
        print(f"start-up of `qualcode code` on a one-document project: {startup:.2f} s "
              "(median of 5)")
        for millions in args.millions:
            folder = root / f"corpus{millions}"
            folder.mkdir()
            words = make_corpus(random.Random(int(millions * 100)), phrases, domain,
                                int(millions * 1_000_000), folder)
            project = root / f"c{millions}.qc"
            subprocess.run([*qualcode, "ingest", str(folder), "--project", str(project), "-q"],
                           check=True)
            with Project.open(project) as p:
                units = [s.text for s in p.segments("turn") if not s.is_interviewer]
                coded_words = sum(len(u.split()) for u in units)
                rare = sum(1 for u in units for w in u.split() if w.strip(".?,").lower()
                           not in COMMON and w.strip(".?,").lower() not in set(domain))
            elapsed = timed([*qualcode, "code", "--project", str(project), "--codebook",
                             str(book), "-q"], 3)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            library = in_process(project, book)
            with Project.open(project) as p:
                n_codings = p.db.execute("SELECT count(*) FROM codings").fetchone()[0]
            rate = coded_words / (elapsed - startup)
            print(f"\ncorpus: {words:,} words in {len(list(folder.iterdir()))} transcripts; "
                  f"{coded_words:,} participant words coded in {len(units):,} turns; "
                  f"rare-word tokens {rare / coded_words:.0%}")
            print(f"  qualcode code      {elapsed:6.2f} s  -> {rate:12,.0f} words/s "
                  f"(median of 3, less start-up); {n_codings:,} codings; "
                  f"peak RSS {peak_mb:,.0f} MB")
            print(f"  code_project()     {library:6.2f} s  -> {coded_words / library:12,.0f} "
                  "words/s (library call in a warm process: read, match, write)")
            if millions == args.millions[0]:
                surface = sorted({" ".join(p) for p in phrases}, key=len, reverse=True)
                alternation = re.compile(r"\b(?:" + "|".join(map(re.escape, surface)) + r")\b",
                                         re.IGNORECASE)
                start = time.perf_counter()
                hits = sum(1 for u in units for _ in alternation.finditer(u))
                seconds = time.perf_counter() - start
                print(f"  re alternation     {seconds:6.2f} s  -> {coded_words / seconds:12,.0f}"
                      f" words/s ({hits:,} hits; surface forms only, no lemmas)")
                import spacy
                from spacy.matcher import PhraseMatcher

                nlp = spacy.blank("en")
                matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
                matcher.add("k", [nlp.make_doc(" ".join(p)) for p in phrases])
                start = time.perf_counter()
                hits = sum(len(matcher(doc)) for doc in nlp.tokenizer.pipe(units,
                                                                            batch_size=1000))
                seconds = time.perf_counter() - start
                print(f"  spaCy PhraseMatcher {seconds:5.2f} s  -> {coded_words / seconds:12,.0f}"
                      f" words/s ({hits:,} hits; tokenizer + LOWER, no lemmas)")


if __name__ == "__main__":
    main()
