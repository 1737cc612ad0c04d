"""Screenshots of the coding workspace on the sample project, for the README.

    python scripts/workspace_screenshots.py PROJECT.qc docs/images

Needs Playwright and Chromium (Debian's ``chromium``). Serves PROJECT on a free local port,
codes nothing, and saves one PNG per main view.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from qualcode.web.server import make_server

VIEWS = [
    ("documents", "#/documents", "#documents tbody tr"),
    ("document", "#/doc/lscb01", ".stripe"),
    ("retrieve", "#/retrieve/partnership-working", ".excerpt"),
    ("review", "#/review", "#review-card .card"),
    ("search", "#/search?q=challenge&mode=lemma&speakers=all", "#search-results table"),
    ("tables", "#/tables?by=nation", "#themes-table"),
]


def main(project: str, folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with make_server(project, coder="ann", port=0).in_background() as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("body[data-ready]")
        for name, hash_, ready in VIEWS:
            page.evaluate(f"location.hash = {hash_!r}")
            page.wait_for_selector(ready)
            page.wait_for_timeout(300)
            if name == "document":
                page.evaluate("document.querySelector('#view').scrollTop = 0")
                page.locator(".seg.coded").nth(1).click()
                page.wait_for_selector("#info")
            page.screenshot(path=str(out / f"workspace-{name}.png"))
            print(out / f"workspace-{name}.png")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
