"""The HTML report: one self-contained page, read back as HTML and opened in headless Chromium
(skipped, with the reason, where Playwright or Chromium is missing)."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from conftest import ROOT, SAMPLE

from qualcode.analysis import load_coded
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.export.docx_report import ReportOptions
from qualcode.export.html_report import build_html
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    path = folder / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt", SAMPLE / "lscb06.vtt", SAMPLE / "lscb12.txt"],
               attributes=SAMPLE / "attributes.csv")
        code_project(p, load_codebook(LSCB))
        data = load_coded(p)
        html = build_html(p, data, ReportOptions(title="Sample <report>", by="nation"))
    out = folder / "report.html"
    out.write_text(html, encoding="utf-8")
    return out, html, data


class _Parts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_self_contained_with_tables_charts_and_marked_excerpts(page):
    _, html, data = page
    parser = _Parts()
    parser.feed(html)
    tags = parser.tags
    # nothing fetched: no external scripts, styles, images or fonts
    assert not [a for t, a in tags if t in ("script", "link", "img") and
                (a.get("src") or a.get("href"))]
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", html)
    assert "<title>Sample &lt;report&gt;</title>" in html
    assert sum(1 for t, a in tags if t == "table" and a.get("class") == "sortable") == 2
    assert sum(1 for t, _ in tags if t == "svg") == 2
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert len(marks) >= len(data.codings) // 2
    assert "Counts are from automatic keyword coding" in html
    assert "@media print" in html and "break-inside:avoid" in html
    assert html.count('<div class="passage"><blockquote>') >= len(
        data.codings.drop_duplicates(["document", "start", "end", "code_id"]))


def test_cli_writes_the_page_and_refuses_an_unknown_by(page, tmp_path, run_cli):
    out = tmp_path / "r.html"
    project = page[0].parent / "p.qc"
    result = run_cli("export", "html", "--project", project, "-o", out)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    result = run_cli("export", "html", "--project", project, "-o", out, "--by", "colour")
    assert result.exit_code == 2 and "no case attribute 'colour'" in result.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)")
def test_in_chromium_it_sorts_offline_and_prints(page, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Playwright is not installed")
    out = page[0]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(offline=True)
        tab = context.new_page()
        requests = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(out.as_uri())
        assert requests == [out.as_uri()]  # the page asks for nothing else
        first = tab.locator("#themes tbody tr td:first-child")
        codebook_order = first.all_inner_texts()
        tab.locator("#themes th", has_text="Excerpts").click()
        ascending = [int(x) for x in tab.locator("#themes tbody td:nth-child(4)")
                     .all_inner_texts()]
        assert ascending == sorted(ascending) and ascending != sorted(ascending, reverse=True)
        tab.locator("#themes th", has_text="Code").click()
        assert first.all_inner_texts() == codebook_order
        assert tab.locator("svg").count() == 2 and tab.locator("mark").count() > 10
        pdf = tab.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        browser.close()
