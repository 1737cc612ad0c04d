"""The workspace in a real browser: headless Chromium (Debian's ``chromium`` package) driven by
Playwright, against a real server on a free local port over a real project file.

Skipped, with the reason, where Playwright or Chromium is not installed (``.ci/run`` installs
both), so the README's test command still passes on a new machine.
"""

from __future__ import annotations

import shutil

import pytest
from web_fixtures import build_project

from qualcode.store import Project

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium on PATH (apt-get install chromium) for browser tests"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


class Served:
    def __init__(self, server, project_path):
        self.server = server
        self.project_path = project_path
        self.base = f"http://127.0.0.1:{server.port}"
        self.url = server.url

    def project(self) -> Project:
        return Project.open(self.project_path)


@pytest.fixture
def served(tmp_path):
    from qualcode.web.server import make_server

    path = build_project(tmp_path / "w", suggestions=True)
    with make_server(path, coder="ann", port=0).in_background() as server:
        yield Served(server, path)


def open_page(browser, served, hash_="#/documents", coder=None):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    if coder:
        context.add_init_script(f"localStorage.setItem('qc.coder', {coder!r})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served.url)
    page.wait_for_selector("body[data-ready]")
    page.evaluate(f"location.hash = {hash_!r}")
    page.errors = errors
    return page


def select_text(page, needle: str, occurrence: int = 0) -> dict:
    """Drag the mouse over ``needle`` in the transcript, as a person selects; returns the
    on-screen box of the text."""
    box = page.evaluate(
        """([needle, occurrence]) => {
          // the transcript's text nodes joined, so a needle may cross highlight boundaries
          const walker = document.createTreeWalker(document.querySelector('#turns'),
                                                   NodeFilter.SHOW_TEXT);
          const nodes = [];
          let node, joined = '';
          while ((node = walker.nextNode())) {
            nodes.push([node, joined.length]);
            joined += node.data;
          }
          let at = -1;
          for (let i = 0; i <= occurrence; i++) at = joined.indexOf(needle, at + 1);
          if (at < 0) return null;
          const locate = (offset) => {
            let k = nodes.length - 1;
            while (nodes[k][1] > offset) k--;
            return [nodes[k][0], offset - nodes[k][1]];
          };
          const range = document.createRange();
          range.setStart(...locate(at));
          range.setEnd(...locate(at + needle.length - 1));
          range.setEnd(range.endContainer, range.endOffset + 1);
          const rects = range.getClientRects();
          const first = rects[0], last = rects[rects.length - 1];
          return {x0: first.left + 1, y0: first.top + first.height / 2,
                  x1: last.right - 1, y1: last.top + last.height / 2};
        }""", [needle, occurrence])
    assert box, f"{needle!r} not on the page"
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y1"], steps=4)
    page.mouse.move(box["x1"], box["y1"], steps=4)
    page.mouse.up()
    return box


def manual_codings(served) -> list:
    with served.project() as project:
        return [c for c in project.codings() if c.origin == "manual"]


def test_open_a_document_shows_turns_highlights_and_stripes(browser, served):
    page = open_page(browser, served, "#/doc/emoji")
    page.wait_for_selector(".turn")
    assert page.locator(".turn").count() == 4
    assert page.locator(".turn.interviewer").count() == 2
    assert page.locator(".turn .who").first.inner_text().startswith("Interviewer")
    with served.project() as project:
        shown = [c for c in project.codings("emoji") if c.status != "rejected"]
        text = project.document_text("emoji")
    assert page.locator(".stripe").count() == len(shown)
    terms = {text[s:e] for c in shown for s, e, _ in c.matched}
    shown_terms = set(page.locator(".seg.term").all_inner_texts())
    assert shown_terms == terms == {"partnership", "culture", "budget", "partner agency",
                                    "funding"}
    tooltip = page.locator(".seg.coded").first.get_attribute("title")
    assert "qualcode, rule" in tooltip
    page.locator(".seg.coded").first.click()
    info = page.locator("#info")
    assert "rule:" in info.inner_text() and "keyword:" in info.inner_text()
    assert page.errors == []


def test_select_a_passage_after_emoji_and_code_it(browser, served):
    page = open_page(browser, served, "#/doc/emoji")
    page.wait_for_selector(".turn")
    select_text(page, "tight 💸 but")
    page.wait_for_selector("#picker input")
    page.keyboard.type("learning")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length > 0 && "
                           "!document.querySelector('#picker')")
    page.wait_for_timeout(200)
    codings = manual_codings(served)
    assert len(codings) == 1
    coding = codings[0]
    with served.project() as project:
        text = project.document_text("emoji")
    assert text[coding.start:coding.end] == "tight 💸 but"
    assert (coding.code_id, coding.coder) == ("culture", "ann")
    assert page.errors == []


def test_a_partial_word_selection_snaps_to_words_across_a_combining_accent(browser, served):
    page = open_page(browser, served, "#/doc/accent")
    page.wait_for_selector(".turn")
    select_text(page, "u\u0301uorum cult"[2:])  # starts inside "q́uorum", ends inside "culture"
    page.wait_for_selector("#picker input")
    page.keyboard.type("partner")
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    (coding,) = manual_codings(served)
    with served.project() as project:
        text = project.document_text("accent")
    assert text[coding.start:coding.end] == "q\u0301uorum culture"


def test_remove_a_coding_and_undo(browser, served):
    page = open_page(browser, served, "#/doc/emoji")
    page.wait_for_selector(".turn")
    select_text(page, "went well")
    page.wait_for_selector("#picker input")
    page.keyboard.press("Enter")  # the first code offered
    page.wait_for_timeout(400)
    (coding,) = manual_codings(served)
    page.locator(f".stripe[data-coding='{coding.id}']").click()
    page.locator(f"#info .coding[data-coding='{coding.id}'] button", has_text="Remove").click()
    page.wait_for_timeout(400)
    assert manual_codings(served) == []
    page.keyboard.press("Control+z")
    page.wait_for_timeout(500)
    (restored,) = manual_codings(served)
    assert (restored.start, restored.end, restored.code_id) == (coding.start, coding.end,
                                                                 coding.code_id)


def test_accept_and_reject_suggestions_with_one_key(browser, served):
    page = open_page(browser, served, "#/review")
    page.wait_for_selector("#review-card .card")
    assert "culture" in page.locator("#review-card").inner_text().lower()
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    page.keyboard.press("r")
    page.wait_for_timeout(400)
    with served.project() as project:
        decided = {c.code_id: (c.status, c.coder) for c in project.codings() if c.origin == "ml"}
    assert decided == {"culture": ("accepted", "ann"), "barriers": ("rejected", "ann")}
    assert "No suggestions are waiting" in page.locator("#review-card").inner_text()


def test_write_a_memo_on_a_document(browser, served):
    page = open_page(browser, served, "#/doc/emoji")
    page.wait_for_selector(".turn")
    page.get_by_role("button", name="Memo on document").click()
    page.locator("#memo-text").fill("Strong partnership story; follow up on funding.")
    page.get_by_role("button", name="Save memo").click()
    page.wait_for_selector("#doc-memos .memo")
    with served.project() as project:
        (memo,) = project.memos()
    assert (memo.target, memo.document_id, memo.author) == ("document", "emoji", "ann")
    assert memo.text == "Strong partnership story; follow up on funding."
    page.evaluate("location.hash = '#/memos'")
    page.wait_for_selector("#memo-list .memo")
    assert "follow up on funding" in page.locator("#memo-list").inner_text()
    page.locator("#memo-list .memo-edit").click()
    page.locator("#memo-list .memo-edit-text").fill("Edited: partnership story.")
    page.locator("#memo-list button", has_text="Save").click()
    page.wait_for_timeout(300)
    with served.project() as project:
        assert [m.text for m in project.memos()] == ["Edited: partnership story."]


def test_a_transcript_with_markup_renders_as_text(browser, served):
    page = open_page(browser, served, "#/doc/xss")
    page.wait_for_selector(".turn")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#turns img, #turns script, #turns b").count() == 0
    assert "<script>window.__xss = 1</script>" in page.locator("#turns").inner_text()
    assert "<img src=x onerror=" in page.locator("#turns").inner_text()
    # the line before the first label belongs to no turn, and is still shown (as a note)
    assert "Transcript <i>three</i>, recorded 2 May" in page.locator("#turns").inner_text()


def test_a_request_without_the_token_is_refused(browser, served):
    context = browser.new_context()
    page = context.new_page()
    answer = page.goto(served.base + "/")
    assert answer.status == 403
    assert "token" in page.inner_text("body")
    api = page.goto(served.base + "/api/documents")
    assert api.status == 403
    context.close()


def test_two_people_coding_one_document_at_once_lose_nothing(browser, served):
    ann = open_page(browser, served, "#/doc/emoji", coder="ann")
    bob = open_page(browser, served, "#/doc/emoji", coder="bob")
    ann.wait_for_selector(".turn")
    bob.wait_for_selector(".turn")
    select_text(ann, "Honestly")
    ann.wait_for_selector("#picker input")
    select_text(bob, "strong")
    bob.wait_for_selector("#picker input")
    ann.keyboard.type("barriers")
    bob.keyboard.type("partner")
    ann.keyboard.press("Enter")
    bob.keyboard.press("Enter")
    ann.wait_for_timeout(500)
    with served.project() as project:
        text = project.document_text("emoji")
    made = {(c.coder, text[c.start:c.end], c.code_id) for c in manual_codings(served)}
    assert made == {("ann", "Honestly", "barriers"), ("bob", "strong", "partnership")}
    ann.reload()
    ann.wait_for_selector(".turn")
    ann.wait_for_timeout(300)
    titles = " ".join(ann.locator(".stripe").evaluate_all("els => els.map(e => e.title)"))
    assert "bob" in titles  # the other person's coding shows after a refresh
