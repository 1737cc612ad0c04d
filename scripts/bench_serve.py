"""Workspace speed: opening a 10,000-word transcript with 500 codings, coding a selection, and
listing 1,000 documents, on the server and in headless Chromium (prints figures; asserts
nothing).

Server figures are CPU seconds of the request in-process (Starlette's test client), median of
several runs, with a reference measured in the same run: reading the document's text from the
project and JSON-encoding it (the least any server must do for that page). Browser figures are
wall time in headless Chromium from the page's navigation to the transcript drawn with all
its stripes (so: fetch, JSON, layout and stripe measurement), median of several runs.

    python scripts/bench_serve.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from qualcode.cli import main as cli
from qualcode.model import Coding
from qualcode.store import Project
from qualcode.web.app import create_app
from qualcode.web.server import make_server

WORDS = ("board partnership learning audit review practice safeguarding agency health police "
         "school data challenge chair subgroup training frontline staff family child case "
         "report improvement culture budget resource the and of to a in we it that is was "
         "for on with they have be this are not but").split()
CODES = ["partnership", "learning", "audit", "culture", "budget", "data", "chair", "staff"]
CODEBOOK = "name: bench\ncodes:\n" + "".join(
    f"  - id: {c}\n    name: {c.title()}\n    color: \"#{(i * 2654435761) % 0xFFFFFF:06X}\"\n"
    for i, c in enumerate(CODES))


def make_transcript(rng: random.Random, words: int) -> str:
    lines, count, turn = [], 0, 0
    while count < words:
        n = rng.randint(20, 70)
        text = " ".join(rng.choice(WORDS) for _ in range(n)) + "."
        if rng.random() < 0.2:
            text = text.replace(" the ", " the 😀 ", 1)
        lines.append(f"{'Interviewer' if turn % 2 == 0 else 'P01'}: {text.capitalize()}")
        count += n
        turn += 1
    return "\n".join(lines) + "\n"


def build(root: Path, documents: int) -> Path:
    rng = random.Random(7)
    folder = root / "transcripts"
    folder.mkdir()
    (folder / "big.txt").write_text(make_transcript(rng, 10_000), encoding="utf-8")
    for i in range(documents - 1):
        (folder / f"doc{i:04d}.txt").write_text(make_transcript(rng, 60), encoding="utf-8")
    (root / "book.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = root / "bench.qc"
    runner = CliRunner()
    for args in (["ingest", str(folder), "--project", str(project), "--quiet"],
                 ["code", "--project", str(project), "--codebook", str(root / "book.yaml"),
                  "--quiet"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    with Project.open(project) as p:
        text = p.document_text("big") or ""
        spans = []
        for _ in range(500):
            start = rng.randrange(0, len(text) - 400)
            spans.append((start, start + rng.randint(20, 400)))
        with p.transaction():
            p.add_codings(Coding("big", s, e, rng.choice(CODES), rng.choice(["ann", "bob"]))
                          for s, e in spans)
    return project


def cpu_median(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return statistics.median(times)


def server_figures(project: Path, runs: int) -> None:
    client = TestClient(create_app(project, coder="ann", token="T", csrf="C"))
    client.cookies.set("qualcode_token", "T")
    with Project.open(project) as p:
        n_codings = len(p.codings("big"))
        n_docs = len(p.document_ids())

    def reference():
        with Project.open(project) as p:
            json.dumps({"text": p.document_text("big")})

    ref = cpu_median(reference, runs)
    doc = cpu_median(lambda: client.get("/api/documents/big").raise_for_status(), runs)
    listing = cpu_median(lambda: client.get("/api/documents").raise_for_status(), runs)
    text = client.get("/api/documents/big").json()["text"]
    at = text.index("partnership")

    def code_once():
        answer = client.post("/api/codings", headers={"X-CSRF-Token": "C"}, json={
            "document": "big", "start": at, "end": at + 11, "code": "culture"})
        answer.raise_for_status()
        client.delete(f"/api/codings/{answer.json()['coding']['id']}",
                      headers={"X-CSRF-Token": "C"}).raise_for_status()

    round_trip = cpu_median(code_once, runs)
    print(f"server, CPU seconds, median of {runs}:")
    print(f"  open a {len(text.split()):,}-word transcript with {n_codings} codings: "
          f"{doc * 1000:.0f} ms ({doc / ref:.0f}x the reference {ref * 1000:.1f} ms)")
    print(f"  code a selection + remove it (two requests): {round_trip * 1000:.0f} ms")
    print(f"  document list of {n_docs:,} documents: {listing * 1000:.0f} ms")


def browser_figures(project: Path, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("browser: skipped (no chromium on PATH)")
        return
    with make_server(project, coder="ann", port=0).in_background() as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox"])
        # the harness's own waiting code is evaluated, which our CSP forbids the page
        page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        page.goto(server.url)
        page.wait_for_selector("body[data-ready]")

        def visit(hash_: str, view: str) -> float:
            page.evaluate("location.hash = '#/memos'")
            page.wait_for_function("document.body.dataset.ready === 'memos'")
            page.evaluate("delete document.body.dataset.ready; "
                          f"window.__t0 = performance.now(); location.hash = '{hash_}'")
            page.wait_for_function(f"document.body.dataset.ready === '{view}'")
            return page.evaluate("performance.now() - window.__t0") / 1000

        opening = [visit("#/doc/big", "doc") for _ in range(runs)]
        stripes = page.locator(".stripe").count()
        listing = [visit("#/documents", "documents") for _ in range(runs)]
        page.evaluate("location.hash = '#/doc/big'")
        page.wait_for_function("document.body.dataset.ready === 'doc'")
        trips = []
        for _ in range(runs):
            trips.append(page.evaluate("""async () => {
              const csrf = document.querySelector('meta[name="csrf-token"]').content;
              const headers = {'Content-Type': 'application/json', 'X-CSRF-Token': csrf};
              const t0 = performance.now();
              const r = await fetch('/api/codings', {method: 'POST', headers,
                body: JSON.stringify({document: 'big', start: 100, end: 140, code: 'culture',
                                      coder: 'ann'})});
              const coding = (await r.json()).coding;
              const t1 = performance.now();
              const gone = '/api/codings/' + coding.id + '?coder=ann';
              await fetch(gone, {method: 'DELETE', headers});
              return (t1 - t0) / 1000;
            }"""))
        browser.close()
    print(f"headless Chromium, wall seconds, median of {runs}:")
    print(f"  transcript drawn with its {stripes} stripes: "
          f"{statistics.median(opening) * 1000:.0f} ms")
    print(f"  document list drawn: {statistics.median(listing) * 1000:.0f} ms")
    print(f"  coding a selection, request to stored answer: "
          f"{statistics.median(trips) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.documents)
        server_figures(project, args.runs)
        browser_figures(project, args.runs)


if __name__ == "__main__":
    main()
