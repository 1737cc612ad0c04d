"""A researcher's session in the workspace, end to end on the sample, in headless Chromium.

    python scripts/workspace_walkthrough.py [OUT_DIR]

Runs the README's main job on the sample into OUT_DIR (default: a temporary folder), makes
suggestions, serves the project, and then, as a person would with the mouse and keyboard:
opens lscb01, codes three passages, accepts two suggestions, writes a memo; then reads back
what the tables and the Word report say. Prints each step and what the project holds after it.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

import docx
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from qualcode.cli import main as cli
from qualcode.store import Project
from qualcode.web.server import make_server

ROOT = Path(__file__).resolve().parent.parent
PASSAGES = [  # (words in lscb01 to select, code to type in the picker)
    ("we sort of RAG-rated ourselves against it", "framework"),
    ("a county police force we share with three other boards", "partnership"),
    ("We've asked for an analyst three years running", "business unit"),
]


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    if result.exit_code:
        raise SystemExit(result.output)


def drag_over(page, needle: str) -> bool:
    box = page.evaluate(
        """(needle) => {
          const walker = document.createTreeWalker(document.querySelector('#turns'),
                                                   NodeFilter.SHOW_TEXT);
          const nodes = [];
          let node, joined = '';
          while ((node = walker.nextNode())) { nodes.push([node, joined.length]);
                                               joined += node.data; }
          const at = joined.indexOf(needle);
          if (at < 0) return null;
          const locate = (offset) => {
            let k = nodes.length - 1;
            while (nodes[k][1] > offset) k--;
            return [nodes[k][0], offset - nodes[k][1]];
          };
          const range = document.createRange();
          range.setStart(...locate(at));
          const [endNode, endOffset] = locate(at + needle.length - 1);
          range.setEnd(endNode, endOffset + 1);
          range.startContainer.parentElement.scrollIntoView({block: 'center'});
          const rects = range.getClientRects();
          const first = rects[0], last = rects[rects.length - 1];
          return {x0: first.left + 1, y0: first.top + first.height / 2,
                  x1: last.right - 1, y1: last.top + last.height / 2};
        }""", needle)
    if not box:
        return False
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=6)
    page.mouse.up()
    return True


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    run_cli("run", str(ROOT / "transcripts_sample"), "--codebook",
            str(ROOT / "codebooks/lscb_learning_improvement.yaml"), "--out", str(out),
            "--attributes", str(ROOT / "transcripts_sample/attributes.csv"), "--by", "nation",
            "--quiet")
    project_path = out / "project.qc"
    run_cli("suggest", "--project", str(project_path), "--quiet")
    with Project.open(project_path) as project:
        text = project.document_text("lscb01") or ""
        pending = project.pending_count()
    print(f"sample run done: {pending} suggestions pending")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with make_server(project_path, coder="ann", port=0).in_background() as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("body[data-ready]")
        page.locator("#documents a", has_text="lscb01").click()
        page.wait_for_selector(".stripe")
        print(f"opened lscb01: {page.locator('.turn').count()} turns, "
              f"{page.locator('.stripe').count()} coding stripes")
        for needle, code in PASSAGES:
            if needle not in text:
                print(f"  (skipped {needle!r}: not in lscb01)")
                continue
            drag_over(page, needle)
            page.wait_for_selector("#picker input")
            page.keyboard.type(code)
            page.keyboard.press("Enter")
            page.wait_for_selector("#picker", state="detached")
            page.wait_for_timeout(300)
        page.get_by_role("button", name="Memo on document").click()
        page.locator("#memo-text").fill("Ofsted shapes the agenda here; compare lscb06.")
        page.get_by_role("button", name="Save memo").click()
        page.wait_for_selector("#doc-memos .memo")
        page.locator("#bar nav a", has_text="Review").click()
        page.wait_for_selector("#review-card .card")
        for _ in range(2):
            before = page.locator("#review-card strong").first.inner_text()
            page.keyboard.press("a")
            page.wait_for_function(
                "(b) => document.querySelector('#review-card strong').innerText !== b",
                arg=before)
        browser.close()
    with Project.open(project_path) as project:
        manual = [c for c in project.codings() if c.origin == "manual"]
        accepted = [c for c in project.codings() if c.status == "accepted"]
        memos = project.memos()
    for c in manual:
        print(f"  coded {c.document_id} {c.start}-{c.end} {c.code_id}: "
              f"{text[c.start:c.end]!r}")
    print(f"accepted: {[(c.document_id, c.code_id) for c in accepted]}")
    print(f"memos: {[(m.target, m.document_id, m.author) for m in memos]}")
    run_cli("themes", "--project", str(project_path), "--origin", "manual", "--origin", "ml",
            "--format", "csv", "--output", str(out / "people.csv"))
    print("themes counting only a person's codings and accepted suggestions:")
    print((out / "people.csv").read_text(encoding="utf-8"))
    run_cli("export", "docx", "--project", str(project_path), "-o", str(out / "report.docx"))
    report = docx.Document(io.BytesIO((out / "report.docx").read_bytes()))
    paragraphs = [p.text for p in report.paragraphs]
    quoted = sum(any(text[c.start:c.end] in p for p in paragraphs) for c in manual)
    print(f"Word report: {quoted} of {len(manual)} hand-coded passages quoted; memo appendix "
          f"{'present' if 'Appendix: memos' in paragraphs else 'MISSING'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
