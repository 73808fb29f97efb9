"""The chat as a person uses it: `streamlit run app.py` driven in Debian chromium through playwright.

Chromium comes from apt (`apt-get install -y chromium`); `playwright install` is never
used. Without /usr/bin/chromium the tests are skipped on a workstation and fail in CI.
With RAG_SCREENSHOTS=1 they also refresh the README's screenshots in docs/screenshots/.
"""
from __future__ import annotations

import os
import re
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
START_TIMEOUT_S = 120  # the server loads the model before the first page is usable
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
def server(corpus_index, tmp_path_factory):
    """The app served on a free loopback port, over the test index."""
    port = _free_port()
    env = {**os.environ, **corpus_index.env(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")}
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
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
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_placeholder("Ask a question about the documents")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(before + 2, timeout=ANSWER_TIMEOUT_MS)
    answer = messages.nth(before + 1)
    # The answer is complete once its 👍/👎 buttons are drawn (they come after the quotes and sources),
    # and the run is over once the sidebar's export (drawn last) is enabled.
    expect(answer.get_by_test_id("stFeedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Export as Markdown")).to_be_enabled(timeout=ANSWER_TIMEOUT_MS)
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
    passage_mark = citation.locator(".rag-passage mark")
    expect(passage_mark).to_be_visible()
    expect(passage_mark).to_contain_text("Day 2 is stasis")

    citation.get_by_text("View in document").click()
    _wait_idle(page)
    document = citation.locator(".rag-document")
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


def test_comparison_shows_both_sides_in_columns(page: Page):
    answer = _ask(page, "How does Jassy's explanation of customer obsession differ from the critic's view of it?")
    columns = answer.get_by_test_id("stColumn")
    expect(columns).to_have_count(2)
    expect(columns.nth(0)).to_contain_text("Customer Obsession, explained by Amazon CEO Andy Jassy")
    expect(columns.nth(1)).to_contain_text("Bezos’s Customer Obsession Is Really About Bezos’s Obsession")
    for i in range(2):
        expect(columns.nth(i).locator(".rag-quote").first).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1200})  # question and answer fit; no empty band below
    _show_from(page, page.get_by_test_id("stChatMessage").filter(has_text="differ from the critic").first)
    _screenshot(page, "comparison.png")


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
