"""The chat as a person uses it: `streamlit run app.py` driven in Debian chromium through playwright.

Chromium comes from apt (`apt-get install -y chromium`); `playwright install` is never
used. Without /usr/bin/chromium the tests are skipped on a workstation and fail in CI.
With RAG_SCREENSHOTS=1 they also refresh the README's screenshots in docs/screenshots/.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
START_TIMEOUT_S = 240  # the server loads the model and indexes corpus/ before the first page is usable
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
ANSWER_TIMEOUT_MS = 60_000

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install it with `apt-get install -y chromium`",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` to run the browser tests",
                allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    """The app's environment: its own copy of corpus/ (the flow test uploads into it), an index folder it fills
    on its first start, and its conversations file."""
    root = tmp_path_factory.mktemp("browser")
    corpus = shutil.copytree(ROOT / "corpus", root / "corpus")
    return {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(root / "index"),
            "RAG_FEEDBACK_DB": str(root / "chats.sqlite3")}


@contextlib.contextmanager
def serve(data: dict[str, str], log: Path):
    """`streamlit run app.py` on a free loopback port, over `data`; yields its URL once healthy."""
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, **data}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(data, tmp_path_factory):
    with serve(data, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not answer on {url} within {START_TIMEOUT_S}s:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def browser(server):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A new tab: a new session of the app, with an empty conversation."""
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    page.goto(server)
    expect(page.get_by_placeholder("Ask a question about the documents")).to_be_enabled(
        timeout=START_TIMEOUT_S * 1000)
    yield page
    page.close()


def _ask(page: Page, question: str):
    """Type a question and return the locator of the assistant's new message."""
    _wait_idle(page)  # counted mid-run (an upload's last redraw), stale messages would still be on the page
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_placeholder("Ask a question about the documents")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(before + 2, timeout=ANSWER_TIMEOUT_MS)
    answer = messages.nth(before + 1)
    # The answer is complete once its 👍/👎 buttons are drawn (they come after the quotes and sources),
    # and the run is over once the export under the conversation is drawn and the script is idle.
    expect(answer.get_by_test_id("stFeedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Export")).to_be_enabled(timeout=ANSWER_TIMEOUT_MS)
    _wait_idle(page)
    return answer


def _wait_idle(page: Page) -> None:
    """Wait until the script run is over (the "Running…/Stop" status is gone)."""
    page.wait_for_timeout(300)  # the status widget appears only after a short delay
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)


def _show_from(page: Page, message) -> None:
    """Scroll the chat so that `message` (a question) is at the top of the window."""
    # The margin keeps the question clear of Streamlit's fixed top bar.
    message.evaluate("e => { e.style.scrollMarginTop = '72px'; e.scrollIntoView({block: 'start'}); }")
    page.wait_for_timeout(300)


def _screenshot(page: Page, name: str) -> None:
    if os.environ.get("RAG_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name))


def test_fact_answer_quote_is_highlighted_in_its_document(page: Page):
    answer = _ask(page, "What does Day 2 look like?")
    quote = answer.locator(".rag-quote").filter(has_text="Day 2 is stasis")
    expect(quote).to_be_visible()
    n = re.search(r"\[(\d+)\]", quote.inner_text()).group(1)

    citation = answer.get_by_test_id("stExpander").filter(
        has=page.locator("summary", has_text=re.compile(rf"\[{n}\] ")))
    citation.locator("summary").click()
    passage_mark = citation.locator(f'.rag-passage mark[id$="-{n}"]')
    expect(passage_mark).to_be_visible()
    expect(passage_mark).to_contain_text("Day 2 is stasis")

    _wait_idle(page)  # a run still drawing the answer (the conversation's save) can swallow the toggle's click
    citation.get_by_text(f"View [{n}] in the whole document").click()
    _wait_idle(page)
    document = citation.locator(".rag-document")  # the one opened: the only one
    mark = document.locator("mark")
    expect(mark).to_be_visible(timeout=20_000)
    expect(mark).to_contain_text("Day 2 is stasis")
    # The whole document is there, and its box is scrolled so that the marked span is inside the visible part.
    assert len(document.inner_text()) > 5000
    page.wait_for_function(
        "([box, m]) => { const b = box.getBoundingClientRect(), r = m.getBoundingClientRect();"
        " return box.scrollTop > 0 && r.top >= b.top && r.bottom <= b.bottom; }",
        arg=[document.element_handle(), mark.element_handle()], timeout=10_000)
    _wait_idle(page)
    _show_from(page, page.get_by_test_id("stChatMessage").filter(has_text="What does Day 2 look like?").first)
    _screenshot(page, "fact-citation.png")


def _two_columns(page: Page, question: str):
    """Ask a comparison; its answer's two columns."""
    columns = _ask(page, question).get_by_test_id("stColumn")
    expect(columns).to_have_count(2)
    return columns


def test_comparison_shows_both_sides_in_columns(page: Page):
    columns = _two_columns(page, "How does Jassy's view of competitors differ from the critic's?")
    expect(columns.nth(0)).to_contain_text("Customer Obsession, explained by Amazon CEO Andy Jassy")
    expect(columns.nth(1)).to_contain_text("Bezos’s Customer Obsession Is Really About Bezos’s Obsession")
    for i in range(2):
        expect(columns.nth(i).locator(".rag-quote").first).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1200})  # question and answer fit; no empty band below
    _show_from(page, page.get_by_test_id("stChatMessage").filter(has_text="differ from the critic").first)
    _screenshot(page, "comparison.png")


def test_a_comparison_with_a_person_quoted_inside_other_documents_shows_both_sides(page: Page):
    columns = _two_columns(page, "How do Bezos and the critic each see customer satisfaction?")
    expect(columns.nth(0)).to_contain_text("Bezos’s Customer Obsession Is Really About Bezos’s Obsession")
    expect(columns.nth(1)).to_contain_text("Bezos")
    quotes = [columns.nth(i).locator(".rag-quote") for i in range(2)]
    expect(quotes[0].first).to_be_visible()
    expect(quotes[1].first).to_be_visible()
    critic = (ROOT / "corpus" / "004_2c06855ad959a8de.txt").read_text(encoding="utf-8")
    for text in quotes[1].all_inner_texts():  # Bezos: searched outside the essay
        assert re.sub(r" \[\d+\]$", "", text) not in critic


def test_streamlit_markup_in_a_question_and_its_quotes_shows_verbatim(page: Page):
    """Streamlit reads `$...$` as LaTeX, `:red[...]` as colour, `:material/...:` as an icon and `->` as
    an arrow; the page must show what was typed, and quotes exactly as their documents have them."""
    question = "What does Day 2 look like? :red[Day 2] -> $1 :material/home:"
    answer = _ask(page, question)
    asked = page.locator(".rag-question").filter(has_text="What does Day 2 look like? :red[")
    assert asked.last.inner_text() == question
    documents = [p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt")]  # what the app indexed
    quotes = answer.locator(".rag-quote")
    expect(quotes.first).to_be_visible()
    for text in quotes.all_inner_texts():  # each one character for character as its document has it
        quoted = re.sub(r" \[\d+\]$", "", text)
        assert quoted and any(quoted in d for d in documents), quoted


# WCAG 2 contrast of an element's text over the first opaque background behind it, with the text colour's
# alpha and every ancestor's opacity blended in (so faded text counts as the grey it looks).
CONTRAST = """(el) => {
  const rgba = (s) => { const v = s.match(/[\\d.]+/g).map(Number); return v.length === 3 ? [...v, 1] : v; };
  const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
                       return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let opacity = 1, bg = [255, 255, 255];
  for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { bg = c.slice(0, 3); break; }
  }
  const fg = rgba(getComputedStyle(el).color), a = fg[3] * opacity;
  const text = fg.slice(0, 3).map((c, i) => a * c + (1 - a) * bg[i]);
  const [hi, lo] = [lum(text), lum(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""
UPLOADS = {  # one new document per screen size (the same text twice would be "already in the corpus")
    "desktop": ("ferry.md", "Harbour ferry notes\n\nThe Zorblat harbour ferry leaves the pier at seven every morning.\n",
                "When does the Zorblat harbour ferry leave?", "seven every morning"),
    "phone": ("lamp.md", "Lighthouse paint log\n\nThe Quillon lighthouse was painted red in 1911 by the harbour board.\n",
              "When was the Quillon lighthouse painted red?", "painted red in 1911"),
}


def _side_panel(page: Page):
    """The side panel, opened first where the screen is narrow enough to hide it."""
    opener = page.get_by_test_id("stExpandSidebarButton")
    if opener.is_visible():
        opener.click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_be_in_viewport()
    return sidebar


def _close_side_panel(page: Page) -> None:
    if page.viewport_size["width"] < 600:  # on a phone the open panel covers the chat
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport()


def _questions(page: Page) -> list[str]:
    return page.locator(".rag-question").all_inner_texts()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_whole_chat_flow_with_real_clicks(browser, server, data, size, tmp_path):
    page = browser.new_page(viewport=DESKTOP if size == "desktop" else PHONE, accept_downloads=True)
    page.goto(server)
    expect(page.get_by_placeholder("Ask a question about the documents")).to_be_enabled(
        timeout=START_TIMEOUT_S * 1000)

    # 1. Ask; the quotes are full-contrast text (WCAG AA: at least 4.5:1).
    first = _ask(page, "What does Day 2 look like?")
    for quote in first.locator(".rag-quote").all():
        assert quote.evaluate(CONTRAST) >= 4.5
    # 2. A [n] marker opens its source and scrolls to the quote, highlighted.
    link = first.locator("a.rag-n").last
    link.click()
    mark = first.locator(f'mark[id="{link.get_attribute("href")[1:]}"]')
    expect(mark).to_be_visible(timeout=10_000)
    expect(mark).to_be_in_viewport()
    wheres = first.locator(".rag-where").all_text_contents()  # each source quote says where it is
    assert any(w.startswith(link.inner_text() + " · ") for w in wheres), wheres
    first.get_by_test_id("stFeedback").locator("button").first.click()  # 👍, acknowledged
    expect(page.get_by_test_id("stToast").filter(has_text="saved")).to_be_visible()
    _wait_idle(page)
    if size == "desktop":
        _screenshot(page, "citation-link.png")

    # Each source's label takes one or two lines, at either size.
    for summary in first.locator("summary").all():
        line = float(summary.evaluate("e => parseFloat(getComputedStyle(e.querySelector('p') || e).lineHeight)"))
        text_height = summary.evaluate("e => (e.querySelector('p') || e).getBoundingClientRect().height")
        assert text_height <= 2 * line + 1, (summary.inner_text(), text_height, line)

    # 3. Follow up.
    follow = _ask(page, "How can a company avoid it?")
    expect(follow.locator(".rag-quote, .rag-abstention").first).to_be_visible()
    asked = _questions(page)
    assert len(asked) == 2

    # 4. Reload: the conversation is back.
    page.reload()
    expect(page.locator(".rag-question")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    assert _questions(page) == asked

    # 5. A new conversation, then the older one reopened from the list.
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".rag-question")).to_have_count(0)
    _ask(page, "What does Jassy say about customer reviews?")
    sidebar = _side_panel(page)
    older = sidebar.get_by_role("button", name=re.compile(r"^What does Day 2 look like\?"))
    expect(older).to_have_count(1)
    if size == "desktop":
        _screenshot(page, "conversations.png")
    older.click()
    expect(page.locator(".rag-question")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    assert _questions(page) == asked
    _wait_idle(page)

    # 6. Upload a document and ask about it.
    name, text, question, words = UPLOADS[size]
    sidebar = _side_panel(page)
    sidebar.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/markdown", "buffer": text.encode()}])
    sidebar.get_by_role("button", name="Add and index").click()
    added = sidebar.get_by_test_id("stAlertContentSuccess")
    expect(added).to_contain_text(f"Added “{text.splitlines()[0]}”", timeout=ANSWER_TIMEOUT_MS)
    expect(added).to_be_in_viewport()
    if size == "desktop":  # the new document, marked, scrolled into view in the list of documents
        expect(sidebar.locator(".rag-new-doc")).to_contain_text(text.splitlines()[0])
        expect(sidebar.locator(".rag-new-doc")).to_be_in_viewport()
    _close_side_panel(page)
    expect(_ask(page, question).locator(".rag-quote").first).to_contain_text(words)

    # 7. Export this conversation (the first one, reopened, with the upload's question): dates and rating.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert re.search(r"Started \d{4}-\d\d-\d\d", exported) and "Rated: helpful" in exported
    assert "## 2. How can a company avoid it?" in exported and f"## 3. {question}" in exported
    if size == "phone":
        _screenshot(page, "phone.png")

    # A second server on the same data: the link opens the same conversation.
    link = page.url
    page.close()
    with serve(data, tmp_path / "second.log") as second:
        page = browser.new_page(viewport=DESKTOP if size == "desktop" else PHONE)
        page.goto(second + link[len(server):])
        expect(page.locator(".rag-question")).to_have_count(3, timeout=START_TIMEOUT_S * 1000)
        assert _questions(page)[:2] == asked
        page.close()
