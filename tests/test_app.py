"""The chat page through Streamlit's AppTest: the real app.py, the real model and a real index.

Each test points the app at an index in a temporary folder through the RAG_* variables,
asks questions the way a person types them, and reads what the page shows.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from pdfs import pdf_with_text
from rag.answer import escape_markdown
from rag.export import plain
from rag.chats import ChatStore

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
TIMEOUT_S = 60  # a run may load the model or build a small index

DAY2 = "What does Day 2 look like?"
COMPARISON = "How does Jassy's view of competitors differ from the critic's?"
ABSTAIN = "What is the boiling point of mercury?"
JASSY = "Customer Obsession, explained by Amazon CEO Andy Jassy"
CRITIC = "Bezos’s Customer Obsession Is Really About Bezos’s Obsession"

# A document full of markup, and a plain one, for the tests that build their own small index.
UNSAFE_DOC = """# Rendering notes <b>bold</b>

The zebra protocol requires <script>alert("owned")</script> tags and [a link](javascript:alert(1)) to stay plain text.
Every zebra crossing in the protocol also requires an <img src=x onerror=alert(2)> image tag to be shown as written.
"""
PLAIN_DOC = """Lighthouse keeping

The lighthouse keeper trims the wick every evening before sunset.
Fog horns sound every thirty seconds when visibility drops below one mile.
"""


def start(timeout: float = TIMEOUT_S, url: dict[str, str] | None = None, wait: bool = True) -> AppTest:
    """A new session of the app (a fresh AppTest is a new browser tab, or a restart), at a URL with the
    query parameters `url`; with `wait`, after any index build it starts has finished."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(url or {})
    at.run(timeout=timeout)
    assert not at.exception, [e.value for e in at.exception]
    if wait:
        until_indexed(at)
    return at


def until_indexed(at: AppTest, timeout: float = 180) -> list[float]:
    """Redraw the page while an index build runs, as the browser does; return the progress values seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while at.progress:
        seen.append(at.progress[0].value)
        assert time.monotonic() < deadline, f"still indexing after {timeout} s: {at.progress[0].proto.text}"
        time.sleep(0.1)
        at.run(timeout=TIMEOUT_S)
        assert not at.exception, [e.value for e in at.exception]
    return seen


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run(timeout=TIMEOUT_S)
    assert not at.exception, [e.value for e in at.exception]
    return at


def last_answer(at: AppTest):
    """The newest assistant message block."""
    return [m for m in at.chat_message if m.name == "assistant"][-1]


def turns(at: AppTest):
    return at.session_state["turns"]


@pytest.fixture
def app_env(corpus_index, tmp_path, monkeypatch) -> Path:
    """Point the app at the session's index of corpus/; returns the feedback database path."""
    feedback = tmp_path / "feedback.sqlite3"
    for key, value in corpus_index.env(feedback).items():
        monkeypatch.setenv(key, value)
    return feedback


@pytest.fixture
def small_corpus(tmp_path, monkeypatch) -> Path:
    """A two-document corpus with no index yet: the app builds it on its first start."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "unsafe.md").write_text(UNSAFE_DOC, encoding="utf-8")
    (corpus / "lighthouse.txt").write_text(PLAIN_DOC, encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"files": {
        "lighthouse.txt": {"title": "Lighthouse keeping", "author": "Harbour Office", "aliases": ["lighthouse notes"]},
        "unsafe.md": {"aliases": ["zebra notes"]}}}), encoding="utf-8")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    return corpus


def test_question_gets_numbered_citations_with_passage_and_document_view(app_env):
    at = ask(start(), DAY2)
    answer = turns(at)[-1].answer
    message = last_answer(at)
    assert not answer.abstained and answer.citations
    assert "Gennaro Cuofano" in " ".join(h.value for h in message.html)  # the author, with the title
    quotes = " ".join(h.value for h in message.html if "rag-quote" in h.value)
    assert "Day 2 is stasis" in quotes
    turn_id = turns(at)[-1].id
    for q in answer.citations:
        assert Path(q.path).read_text(encoding="utf-8")[q.start:q.end] == q.text
        assert f'{html.escape(q.text)} <a class="rag-n" href="#p-{turn_id}-{q.n}"' in quotes  # [n] links to it
    # One source per document, labelled with its quotes' numbers and its title.
    paths = list(dict.fromkeys(q.path for q in answer.citations))
    assert len(paths) < len(answer.citations)  # so the grouping is tested
    labels = [e.label for e in message.expander]
    assert len(labels) == len(paths)
    for label, path in zip(labels, paths):
        group = [q for q in answer.citations if q.path == path]
        assert label == " ".join(f"\\[{q.n}\\]" for q in group) + " " + escape_markdown(group[0].title)
    passages = [h.value for h in message.html if "rag-passage" in h.value]
    assert len(passages) == len(answer.citations)
    for q in answer.citations:
        assert sum(f'<mark id="p-{turn_id}-{q.n}">{html.escape(q.text)}</mark>' in p for p in passages) == 1
        # Where the quote is, in a reader's terms: its section and paragraph, never the file name.
        (where,) = [re.sub(r"<[^>]+>", "", p.split('<div class="rag-passage"')[0]) for p in passages
                    if f'id="p-{turn_id}-{q.n}"' in p]
        assert re.fullmatch(rf"\[{q.n}\] · (.+ · )?¶ \d+ of \d+", where), where

    stasis = next(q for q in answer.citations if "Day 2 is stasis" in q.text)
    at.toggle(key=f"doc-{turns(at)[-1].id}-{stasis.n}").set_value(True).run(timeout=TIMEOUT_S)
    document = [h.value for h in last_answer(at).html if 'class="rag-document"' in h.value]
    assert len(document) == 1
    text = Path(stasis.path).read_text(encoding="utf-8")
    assert html.escape(text[:stasis.start]) in document[0]  # the whole document, before and after the span
    assert html.escape(text[stasis.end:]) in document[0]
    assert re.search(rf'<mark id="d-[\w-]+">{re.escape(html.escape(stasis.text))}</mark>', document[0])
    assert "scrollTop" in document[0]


def test_comparison_is_rendered_side_by_side_in_columns(app_env):
    at = ask(start(), COMPARISON)
    answer = turns(at)[-1].answer
    assert answer.kind == "comparison"
    columns = last_answer(at).columns
    assert len(columns) == 2
    for column, label in zip(columns, (JASSY, CRITIC)):
        texts = [h.value for h in column.html]
        assert any(html.escape(label) in t for t in texts), texts
        quotes = [q for q in answer.citations if q.side == label]
        assert quotes, f"no evidence for {label}"
        shown = " ".join(h.value for h in column.html)
        assert all(f'>[{q.n}]</a>' in shown for q in quotes)


def _render_comparison_with_a_silent_side(root: str) -> None:
    """An AppTest page that draws one comparison answer whose second side found nothing."""
    import sys

    sys.path.insert(0, root)
    from app import ChatTurn, show_answer
    from rag import Answer, Quote, Settings, Side

    text = "Customer obsession is the perfect defense against criticism."
    quote = Quote(n=1, path="critic.txt", title="The critic", author="", text=text, start=0, end=len(text),
                  score=0.8, side="The critic")
    answer = Answer(question="How do the critic and Jassy differ?", answer="", abstained=False, kind="comparison",
                    citations=(quote,), support=0.8, sides=(Side("The critic", ("critic.txt",)),
                                                            Side("Jassy", ("jassy.txt",))))
    show_answer(ChatTurn("t1", answer), None, Settings(), {})


def test_comparison_side_without_evidence_says_so():
    at = AppTest.from_function(_render_comparison_with_a_silent_side, args=(str(ROOT),), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    critic, jassy = at.columns
    assert any("rag-quote" in h.value and "perfect defense" in h.value for h in critic.html)
    assert not critic.info
    assert "Jassy" in jassy.html[0].value
    assert jassy.info[0].value.startswith("No passage in")
    assert not [h for h in jassy.html if "rag-quote" in h.value]


def test_abstention_is_a_warning_that_suggests_documents(app_env):
    at = ask(start(), ABSTAIN)
    answer = turns(at)[-1].answer
    message = last_answer(at)
    assert answer.abstained and answer.suggestions
    (warning,) = [h.value for h in message.html if "rag-abstention" in h.value]
    assert "no passage" in warning
    assert any(title.split(" ")[0] in warning for title in answer.suggestions)
    assert not message.expander  # nothing to cite
    assert not [h for h in message.html if "rag-quote" in h.value]


def test_follow_up_is_answered_with_the_conversation(app_env):
    first, follow_up = "What does Jassy say about customer reviews?", "Why did they add them?"
    at = ask(ask(start(), first), follow_up)
    answer = turns(at)[-1].answer
    assert "customer reviews" in answer.resolved_question
    assert any("customer reviews" in h.value for h in last_answer(at).html if "rag-resolved" in h.value)  # as read
    assert not answer.abstained
    assert any("003_" in q.path for q in answer.citations)  # Jassy's document, named only in the first question

    # Another session has its own (empty) history: the same words are read on their own.
    alone = ask(start(), follow_up)
    assert len(turns(alone)) == 1
    assert turns(alone)[-1].answer.resolved_question == follow_up


def test_export_holds_every_quote_with_title_offsets_date_and_rating(app_env, monkeypatch):
    kept: list[MemoryMediaFileStorage] = []

    class KeptStorage(MemoryMediaFileStorage):
        # AppTest drops its media store after each run; keep it to read the download's bytes.
        def __init__(self, endpoint):
            super().__init__(endpoint)
            kept.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    at = ask(ask(start(), DAY2), COMPARISON)
    at.feedback(key=f"feedback-{turns(at)[0].id}").set_value(1).run(timeout=TIMEOUT_S)
    (button,) = at.download_button  # under the conversation, where a thumb reaches it on a phone
    markdown = kept[-1].get_file(button.proto.url.rsplit("/", 1)[1]).content.decode("utf-8")

    assert DAY2 in markdown and "Day 2 is stasis. Followed by irrelevance." in markdown
    assert re.search(r"Started \d{4}-\d\d-\d\d", markdown) and "Rated: helpful" in markdown
    for turn in turns(at):
        for q in turn.answer.citations:
            assert plain(q.text) in markdown
            assert f"characters {q.start}–{q.end}" in markdown
            assert q.path in markdown
    assert f"### {JASSY}" in markdown and f"### {CRITIC}" in markdown


def test_feedback_is_acknowledged_takes_a_reason_and_counts_only_this_browser(app_env):
    at = ask(start(), DAY2)
    answer_id, owner, conversation = turns(at)[-1].id, at.query_params["b"], at.query_params["c"]
    at.feedback(key=f"feedback-{answer_id}").set_value(0).run(timeout=TIMEOUT_S)
    assert any("saved" in t.value for t in at.toast)
    reasons = at.pills(key=f"reason-{answer_id}")
    assert "should have said it doesn't know" in reasons.options
    reasons.set_value("wrong quote").run(timeout=TIMEOUT_S)
    assert any("wrong quote" in t.value for t in at.toast)
    (saved,) = ChatStore(app_env).load(owner, conversation)
    assert (saved.rating, saved.reason) == (0, "wrong quote")
    assert "0 helpful · 1 not helpful" in at.sidebar.caption[-1].value

    other = start()  # another browser: its own (empty) counts
    assert not any("helpful" in c.value for c in other.sidebar.caption)
    restarted = start(url={"b": owner, "c": conversation})  # this browser after a restart: all of it back
    assert restarted.feedback(key=f"feedback-{answer_id}").value == 0
    assert restarted.pills(key=f"reason-{answer_id}").value == "wrong quote"
    assert "0 helpful · 1 not helpful" in restarted.sidebar.caption[-1].value
    with sqlite3.connect(app_env) as db:
        question, rating, reason = db.execute("SELECT question, rating, reason FROM feedback WHERE answer_id = ?",
                                              (answer_id,)).fetchone()
    assert (question, rating, reason) == (DAY2, 0, "wrong quote")

    restarted.feedback(key=f"feedback-{answer_id}").set_value(1).run(timeout=TIMEOUT_S)  # changing one's mind
    assert ChatStore(app_env).counts(owner) == {"up": 1, "down": 0}
    assert not restarted.pills  # a reason is asked only after 👎


def test_a_reload_brings_the_conversation_back_and_the_list_reopens_older_ones(app_env):
    at = ask(ask(start(), DAY2), "How can a company avoid it?")
    owner, first = at.query_params["b"], at.query_params["c"]
    asked = [t.answer.question for t in turns(at)]

    reloaded = start(url={"b": owner, "c": first})  # F5: a new session at the same URL
    assert [t.answer.question for t in turns(reloaded)] == asked
    assert [t.answer.to_json() for t in turns(reloaded)] == [t.answer.to_json() for t in turns(at)]
    assert len([m for m in reloaded.chat_message if m.name == "assistant"]) == 2

    reloaded.button[0].click().run(timeout=TIMEOUT_S)  # "New conversation", under the conversation
    assert not turns(reloaded) and "c" not in reloaded.query_params
    ask(reloaded, ABSTAIN)
    second = reloaded.query_params["c"]
    assert second != first
    listed = [b for b in reloaded.sidebar.button if b.key and b.key.startswith("open-")]
    assert [b.key for b in listed] == [f"open-{second}", f"open-{first}"]  # newest first
    assert listed[1].label.startswith(escape_markdown(DAY2))
    listed[1].click().run(timeout=TIMEOUT_S)
    assert [t.answer.question for t in turns(reloaded)] == asked and reloaded.query_params["c"] == first

    reloaded.sidebar.text_input(key=f"title-{first}").set_value("Day 2, renamed")
    reloaded.sidebar.button(key="rename").click().run(timeout=TIMEOUT_S)
    assert ChatStore(app_env).conversations(owner)[1].title == "Day 2, renamed"
    reloaded.sidebar.button(key="delete").click().run(timeout=TIMEOUT_S)
    assert [c.id for c in ChatStore(app_env).conversations(owner)] == [second]
    assert not turns(reloaded)

    stranger = start(url={"c": second})  # another browser with the link's conversation id but not its own id
    assert not turns(stranger) and not [b for b in stranger.sidebar.button if (b.key or "").startswith("open-")]
    assert any("not in this browser" in t.value for t in stranger.toast)


def test_blank_question_posts_nothing_and_the_chat_goes_on(app_env):
    at = ask(start(), "   ")
    assert any("empty" in t.value for t in at.toast)
    assert not at.chat_message and not at.error and not turns(at)
    ask(at, DAY2)
    assert len(turns(at)) == 1 and not turns(at)[0].answer.abstained


def test_first_start_shows_a_moving_progress_bar_then_the_chat(tmp_path, monkeypatch):
    corpus = shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "chats.sqlite3"))
    at = start(wait=False)
    assert any("First start" in i.value for i in at.info)
    assert at.sidebar.header and at.sidebar.file_uploader  # the side panel is usable while the index builds
    assert at.chat_input[0].proto.disabled
    seen = until_indexed(at)
    assert len(set(seen)) >= 5 and seen == sorted(seen), seen  # it moves, forwards
    assert not at.progress and not any("First start" in i.value for i in at.info)  # and then it is gone
    assert not at.chat_input[0].proto.disabled
    assert "5 documents" in " ".join(c.value for c in at.sidebar.caption)

    again = start(wait=False)  # the next start opens the index at once
    assert not again.progress and not any("First start" in i.value for i in again.info)


def test_markdown_and_html_in_a_document_show_as_plain_text(small_corpus):
    at = ask(start(), 'What does the <b>zebra</b> protocol require?')
    answer = turns(at)[-1].answer
    assert not answer.abstained and any("<script>" in q.text for q in answer.citations)
    message = last_answer(at)
    shown = [m.value for m in at.markdown]
    assert not any(re.search(r"(?<!\\)<(script|b|img)", v) for v in shown), shown
    assert not any(re.search(r"(?<!\\)\[a link(?<!\\)\]", v) for v in shown)
    assert any("&lt;b&gt;zebra&lt;/b&gt;" in h.value for h in at.chat_message[0].html)  # the user's own text
    quotes = [h.value for h in message.html if "rag-quote" in h.value]
    assert any("&lt;script&gt;" in v for v in quotes)
    for shown_quotes in quotes:  # the only tags are the source line's, the quote's rule and its [n]
        assert set(re.findall(r"</?(\w+)", shown_quotes)) <= {"div", "strong", "blockquote", "a", "em"}
    passages = [h.value[h.value.index('<div class="rag-passage"'):] for h in message.html if "rag-passage" in h.value]
    for passage in passages:  # the only tags are the viewer's own box and mark
        assert set(re.findall(r"</?(\w+)", passage)) == {"div", "mark"}, passage
    assert any("&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in p for p in passages)
    assert any("&lt;img src=x onerror=alert(2)&gt;" in p for p in passages)
    # Open the whole document at both quotes: markup before, inside and after a mark stays text.
    marked = {q.n: q for q in answer.citations if "<script>" in q.text or "<img" in q.text}
    for n in marked:
        at.toggle(key=f"doc-{turns(at)[-1].id}-{n}").set_value(True).run(timeout=TIMEOUT_S)
    documents = [h.value for h in last_answer(at).html if 'class="rag-document"' in h.value]
    assert len(documents) == len(marked) >= 1
    for document in documents:
        body, script = document.split("<script>", 1)  # the viewer's own scroll script comes last
        assert set(re.findall(r"</?(\w+)", body)) == {"div", "mark"}, body
        assert "alert" not in script
        assert "&lt;script&gt;alert(&quot;owned&quot;)" in body and "&lt;img src=x onerror=alert(2)&gt;" in body
    # The heading-like first line is a title in the sidebar, escaped there too.
    assert any("Rendering notes &lt;b&gt;bold&lt;/b&gt;" in h.value for h in at.sidebar.html)


def test_uploads_are_saved_deduplicated_and_indexed(small_corpus):
    at = start()
    note = b"Beekeeping notes\n\nA queen bee lays up to two thousand eggs a day in early summer.\n"
    at.sidebar.file_uploader[0].set_value([("bees.md", note, "text/markdown"),
                                           ("../../sneaky name.txt", PLAIN_DOC.encode(), "text/plain"),
                                           ("scan.pdf", b"%PDF-1.4 not really a pdf", "application/pdf"),
                                           ("tides.pdf", pdf_with_text(["Spring tides follow the full moon"]),
                                            "application/pdf")])
    at.sidebar.button(key="FormSubmitter:upload-Add and index").click().run(timeout=TIMEOUT_S)
    assert not at.exception
    assert (small_corpus / "uploads" / "bees.md").read_bytes() == note
    assert not list((small_corpus / "uploads").glob("sneaky*"))  # same text as lighthouse.txt: not added twice
    assert any("already in the corpus" in i.value for i in at.sidebar.info)
    assert any("scan.pdf cannot be read as a PDF" in e.value.replace("\\", "") for e in at.sidebar.error)
    assert (small_corpus / "uploads" / "tides.txt").read_text() == "Spring tides follow the full moon"
    until_indexed(at)
    assert "4 documents" in " ".join(c.value for c in at.sidebar.caption)
    (added,) = at.sidebar.success  # a confirmation that names what was added and what to ask
    assert "Beekeeping notes" in added.value and "Spring tides" in added.value and "ask about them" in added.value
    assert any("rag-new-doc" in h.value and "Beekeeping notes" in h.value for h in at.sidebar.html)
    ask(at, "How many eggs does a queen bee lay?")
    answer = turns(at)[-1].answer
    assert any(q.path.endswith("uploads/bees.md") for q in answer.citations)


def test_unreadable_index_is_an_error_and_the_app_keeps_running(tmp_path, monkeypatch):
    index = tmp_path / "index"
    index.mkdir()
    (index / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(PLAIN_DOC, encoding="utf-8")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(index))
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    at = start()
    assert at.error and "index" in at.error[0].value.lower()
    assert at.chat_input[0].proto.disabled
    assert at.sidebar.button  # re-index and the rest of the sidebar are still there


def test_missing_corpus_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    at = start()
    assert any("does not exist" in e.value for e in at.error)
    assert at.chat_input[0].proto.disabled
    at.run(timeout=TIMEOUT_S)  # it stays said, with a retry, and no build starts again on its own
    assert any("does not exist" in e.value for e in at.error) and not at.progress
    assert any(b.label == "Try again" for b in at.button)


def test_unreachable_chroma_server_is_an_error_with_a_retry(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", str(port))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(ROOT / "corpus"))
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    at = start()
    assert any("cannot be reached" in e.value and "chroma run" in e.value for e in at.error)
    assert any(b.label == "Try again" for b in at.button)
    assert at.chat_input[0].proto.disabled
