"""Screenshot of the HTML report for the README: docs/images/report-html.png.

    python scripts/html_report_screenshot.py out/report.html

Opens the page offline in headless Chromium (Debian's ``chromium``, driven by Playwright) and
takes the theme table with its chart.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "report-html.png"


def main(page_path: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(offline=True, viewport={"width": 1000, "height": 900}
                                   ).new_page()
        page.goto(Path(page_path).resolve().as_uri())
        page.locator("#themes").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('themes').scrollIntoView()")
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"{OUT}: written")


if __name__ == "__main__":
    main(sys.argv[1])
