"""The chat in the browser: ask the documents, get verbatim quotes that anyone can check.

Run it with `streamlit run app.py`. The page renders and delegates: answers,
indexing, uploads, export and feedback all go through the `rag` library. The
model and the index are loaded once per process (`st.cache_resource`) and shared
by every session; each session keeps its own conversation in `st.session_state`.

Corpus and user text reach the page only as escaped markdown or, in the source
viewer, as HTML built by `rag.viewer`, which escapes every character.
"""
from __future__ import annotations

import html
import threading
import uuid
from dataclasses import dataclass, field

import streamlit as st

from rag import (Answer, ConfigError, IndexBusy, IndexMissing, QuestionError, RagError, Settings,
                 StoreUnavailable, Turn)
from rag.answer import (abstention, abstention_scope, escape_markdown, markdown_label, quote_html, source_html,
                        text_html)
from rag.export import conversation_markdown
from rag.feedback import FeedbackStore
from rag.uploads import ACCEPTED, MAX_UPLOAD_BYTES, UPLOAD_FOLDER, save_upload
from rag.viewer import document_html, passage_html

# An abstention's box: dark text on pale amber (contrast over 12:1), set apart by a rule.
ABSTENTION_STYLE = "background:#fff6d6;border-left:3px solid #b88700;padding:0.75rem 1rem;border-radius:0.5rem"
SIDE_STYLE = "font-weight:600;font-size:1.15rem;margin:0.25rem 0 0.5rem 0"  # a comparison column's heading


@dataclass(frozen=True)
class ChatTurn:
    id: str  # keys this answer's widgets and its feedback row
    answer: Answer


@dataclass
class Shared:
    """What every session of this process shares: the open engines, and one index build at a time."""

    engines: dict = field(default_factory=dict)  # Settings -> Engine
    build_lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def shared() -> Shared:
    return Shared()


@st.cache_resource(show_spinner="Loading the embedding model…")
def embedder(batch_size: int):
    from rag.embedding import Embedder

    return Embedder(batch_size=batch_size)


# --- the index ------------------------------------------------------------------------------
def open_engine(settings: Settings):
    """The shared engine for `settings`, at the index's newest generation (a `rag ingest` in another
    process, or another session's re-index, may have written it); on first start (no index yet) it is
    built here, with progress."""
    from rag.engine import Engine

    engine = shared().engines.get(settings)
    try:
        if engine is None:
            engine = Engine.open(settings, embedder(settings.embed_batch))
        else:
            engine.refresh()
    except IndexMissing:
        return build_index(settings, st.container(), intro=(
            f"**First start:** indexing the documents in {escape_markdown(str(settings.corpus_dir))}. "
            "This happens once; later starts open the index at once."))
    except IndexBusy as exc:
        st.error(f"The documents are being indexed. {escape_markdown(str(exc))}")
        st.button("Try again")
        return None
    except StoreUnavailable as exc:
        st.error(f"The document store cannot be reached. {exc}")
        st.button("Try again")
        return None
    except RagError as exc:
        st.error(f"The index cannot be opened. {exc}")
        return None
    shared().engines[settings] = engine
    return engine


def build_index(settings: Settings, where, intro: str = ""):
    """Ingest the corpus (incrementally) with a progress bar in `where`; return the new engine, or None."""
    from rag.engine import Engine

    box = shared()
    with where:
        if intro:
            st.info(intro)
        bar = st.progress(0.0, text="Reading the documents…")
        try:
            if not box.build_lock.acquire(blocking=False):
                bar.progress(0.0, text="Another session is indexing; waiting for it to finish…")
                box.build_lock.acquire()
            try:
                engine, report = Engine.build(settings, embedder(settings.embed_batch),
                                              progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
            finally:
                box.build_lock.release()
        except RagError as exc:
            bar.empty()
            st.error(f"Indexing failed. {exc}")
            return None
        bar.progress(1.0, text=f"Index up to date: {report.summary()}")
        for warning in report.warnings:
            st.warning(escape_markdown(warning))
    box.engines[settings] = engine
    return engine


# --- the sidebar ----------------------------------------------------------------------------
def sidebar(settings: Settings, engine):
    """Documents, re-index, upload and retrieval settings. Returns (engine, per-question settings)."""
    with st.sidebar:
        st.header("Documents", anchor=False)
        catalog = st.container()
        if st.button("Re-index", key="reindex", help="Read the corpus folder again and index what changed",
                     width="stretch"):
            engine = build_index(settings, st.container()) or engine
        engine = upload_form(settings, engine)
        retrieval = retrieval_settings(engine.settings) if engine else settings
    with catalog:
        show_catalog(settings, engine)
    return engine, retrieval


def show_catalog(settings: Settings, engine) -> None:
    if engine is None:
        st.caption("No index is open.")
        return
    docs = engine.documents()
    where = (f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
             else f"the folder {settings.index_dir}")
    st.caption(f":material/check_circle: Index ready: {len(docs)} documents, {sum(d.chunks for d in docs)} chunks.",
               help=f"Corpus: {settings.corpus_dir}. Index: {where}. Use Re-index after changing the corpus folder.")
    # A fixed height keeps a corpus of hundreds of documents from pushing the controls off screen.
    with st.container(height=min(80 + 62 * len(docs), 320)):
        for d in docs:
            by = d.author or d.publisher
            st.html(source_html(d.title, detail=f"{by + ' · ' if by else ''}{d.chunks} chunks"))


def upload_form(settings: Settings, engine):
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Add documents", type=[s.lstrip(".") for s in ACCEPTED], accept_multiple_files=True,
            help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB each. They are saved in "
                 f"{settings.corpus_dir}/{UPLOAD_FOLDER} and indexed right away.")
        submitted = st.form_submit_button("Add and index", width="stretch")
    if not (submitted and files):
        return engine
    added = 0
    for file in files:
        try:
            saved = save_upload(file.name, file.getvalue(), settings.corpus_dir)
        except RagError as exc:
            st.error(escape_markdown(str(exc)))
            continue
        if saved.added:
            added += 1
        else:
            st.info(f"{escape_markdown(file.name)} is already in the corpus, as "
                    f"{escape_markdown(saved.path.name)}; nothing to add.")
    if added:
        engine = build_index(settings, st.container()) or engine
    return engine


_RETRIEVAL_KEYS = ("k_chunks", "max_quotes", "min_support")


def _reset_retrieval() -> None:
    for key in _RETRIEVAL_KEYS:
        st.session_state.pop(f"setting_{key}", None)


def retrieval_settings(settings: Settings) -> Settings:
    # The ranges stretch to take in defaults set outside the app (RAG_MIN_SUPPORT, code).
    with st.expander("Retrieval settings"):
        k = st.slider("Passages to search", 1, max(20, settings.k_chunks), settings.k_chunks, key="setting_k_chunks",
                      help="How many passages are retrieved before quotes are picked from them.")
        quotes = st.slider("Quotes per answer", 1, max(8, settings.max_quotes), settings.max_quotes,
                           key="setting_max_quotes")
        support = st.slider("Evidence needed to answer", 0.0, max(1.0, settings.min_support), settings.min_support,
                            0.05, key="setting_min_support",
                            help="The bot quotes only when it estimates at least this probability that a passage "
                                 "answers; below it, it says it found nothing instead of quoting loosely related "
                                 "text. Lower answers more often; higher abstains more often.")
        st.button("Reset to defaults", on_click=_reset_retrieval)
    try:
        return settings.with_(k_chunks=k, max_quotes=quotes, min_support=support)
    except ConfigError as exc:
        st.sidebar.warning(f"Retrieval settings ignored: {exc}")
        return settings


def conversation_tools(settings: Settings, turns: list[ChatTurn], names: dict[str, str]) -> None:
    st.header("Conversation", anchor=False)
    st.download_button("Export as Markdown", data=conversation_markdown([t.answer for t in turns], names),
                       file_name="conversation.md", mime="text/markdown", on_click="ignore",
                       disabled=not turns, width="stretch",
                       help="Every question with its quotes, titles, authors and character offsets.")
    st.button("New conversation", on_click=lambda: st.session_state.update(turns=[]), disabled=not turns,
              width="stretch")
    try:
        counts = FeedbackStore(settings.feedback_db).counts()
    except RagError as exc:
        st.warning(escape_markdown(str(exc)))
        return
    st.caption(f"Feedback saved so far: {counts['up']} helpful · {counts['down']} not helpful")


# --- answers --------------------------------------------------------------------------------
def show_quotes(quotes, names: dict[str, str], heading: str = "") -> None:
    """Quotes grouped by source (title and author once, then each quote with its [n]).

    A source whose title is already the `heading` above it is introduced by its author alone.
    Titles and quotes are escaped HTML (`rag.answer`), so they show exactly as the documents have them.
    """
    for path in dict.fromkeys(q.path for q in quotes):
        group = [q for q in quotes if q.path == path]
        first = group[0]
        source = source_html(first.title, first.author) if first.title != heading else (
            text_html(f"by {first.author}", "rag-author") if first.author else "")
        st.html(source + "".join(quote_html(q, names) for q in group))


def show_answer(turn: ChatTurn, engine, settings: Settings, names: dict[str, str]) -> None:
    answer = turn.answer
    if answer.resolved_question and answer.resolved_question != answer.question:
        st.html(text_html(f"Read with the conversation so far: “{answer.resolved_question}”", "rag-resolved"))
    if answer.abstained:  # in plain words, as escaped HTML: the titles it suggests show as they are
        text = abstention(answer.suggestions, abstention_scope(answer.kind, answer.sides), plain=True,
                          uncovered=answer.uncovered)
        st.html(f'<div class="rag-abstention" style="{ABSTENTION_STYLE}">{html.escape(text)}</div>')
    elif answer.kind == "comparison" and answer.sides:
        for column, side in zip(st.columns(len(answer.sides), border=True), answer.sides):
            with column:
                st.html(f'<div class="rag-side" style="{SIDE_STYLE}">{html.escape(side.label)}</div>')
                mine = [q for q in answer.citations if q.side == side.label]
                if mine:
                    show_quotes(mine, names, heading=side.label)
                else:
                    st.info("No evidence: no passage of this source addresses the question.")
    else:
        show_quotes(answer.citations, names)
    show_sources(turn, engine, names)
    st.feedback("thumbs", key=f"feedback-{turn.id}", on_change=save_feedback, args=(settings, turn))


def show_sources(turn: ChatTurn, engine, names: dict[str, str]) -> None:
    """One expander per citation: the quote in its passage, and the whole document on request."""
    if turn.answer.citations:
        st.caption("Sources: open one to see the quote in its passage and in the whole document.")
    for q in turn.answer.citations:
        # A label is Markdown: a title that Streamlit would redraw there (":material/...:", "->") is left
        # out of it. The title is shown inside, as escaped HTML, either way.
        # A key keeps the expander open across reruns even when elements above it come and go.
        title = markdown_label(q.title) or "The passage in its document"
        with st.expander(f"\\[{q.n}\\] {title}", key=f"source-{turn.id}-{q.n}"):
            st.html(source_html(q.title, q.author))
            if engine is None:
                st.warning("The index is not open, so the document cannot be shown.")
                continue
            try:
                text = engine.document_text(q.path)
            except RagError as exc:
                st.warning(f"This document is no longer available: {escape_markdown(str(exc))}")
                continue
            if text[q.start:q.end] != q.text:
                st.warning("This document has changed since the answer was given: ask again to quote it as it is now.")
                continue
            st.caption(f"{escape_markdown(q.path)} · characters {q.start:,}–{q.end:,}")
            st.html(passage_html(text, q.start, q.end, mark_id=f"p-{turn.id}-{q.n}"))
            if q.also_in:
                st.caption("Also in: " + "; ".join(escape_markdown(names.get(p, p)) for p in q.also_in))
            if st.toggle("View in document", key=f"doc-{turn.id}-{q.n}"):
                # Built by rag.viewer: every character of the document is escaped; the script only scrolls.
                st.html(document_html(text, q.start, q.end, mark_id=f"d-{turn.id}-{q.n}"),
                        unsafe_allow_javascript=True)


def save_feedback(settings: Settings, turn: ChatTurn) -> None:
    rating = st.session_state.get(f"feedback-{turn.id}")
    try:
        FeedbackStore(settings.feedback_db).record(turn.id, turn.answer, rating,
                                                   conversation=st.session_state.get("conversation", ""))
    except RagError as exc:
        st.warning(f"Your feedback could not be saved. {escape_markdown(str(exc))}")


def ask(question: str, engine, retrieval: Settings, turns: list[ChatTurn]) -> ChatTurn | None:
    """Answer `question` in the context of this session's conversation; errors are shown, not raised."""
    if engine is None:
        st.error("There is no index to answer from yet: see the message above, or use **Re-index** in the sidebar.")
        return None
    history = [Turn(t.answer.question, t.answer) for t in turns]
    try:
        with st.spinner("Searching the documents…"):
            answer = engine.ask(question, history=history, settings=retrieval)
    except QuestionError as exc:
        st.warning(escape_markdown(str(exc)))
        return None
    except RagError as exc:
        st.error(f"The question could not be answered. {escape_markdown(str(exc))}")
        return None
    return ChatTurn(uuid.uuid4().hex[:12], answer)


# --- the page -------------------------------------------------------------------------------
def main() -> None:
    st.set_page_config(page_title="Ask the documents", page_icon="📚", layout="wide")
    st.session_state.setdefault("turns", [])
    st.session_state.setdefault("conversation", uuid.uuid4().hex)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        st.error(f"The settings are invalid. {exc}")
        st.stop()

    st.title("Ask the documents", anchor=False)
    st.caption("Every answer is made of verbatim quotes, each with its document and exact position. "
               "Open a citation to see it highlighted in its document.")
    engine = open_engine(settings)
    engine, retrieval = sidebar(settings, engine)
    conversation = st.sidebar.container()
    names = {d.path: d.title for d in engine.documents()} if engine else {}

    turns: list[ChatTurn] = st.session_state.turns
    question = st.chat_input("Ask a question about the documents", max_chars=settings.max_question_chars,
                             disabled=engine is None)
    intro = st.container()  # always drawn, so that the elements after it keep their place
    if engine is not None and not turns and question is None:
        intro.info(f"Ask anything about the {len(names)} documents listed on the left. To compare two sources, "
                   "name both: “How does *A*'s view differ from *B*'s?”", icon=":material/forum:")
    for turn in turns:
        with st.chat_message("user"):
            st.html(text_html(turn.answer.question, "rag-question"))
        with st.chat_message("assistant"):
            show_answer(turn, engine, settings, names)

    if question is not None:
        with st.chat_message("user"):
            st.html(text_html(question, "rag-question"))
        with st.chat_message("assistant"):
            turn = ask(question, engine, retrieval, turns)
            if turn is not None:
                turns.append(turn)
                show_answer(turn, engine, settings, names)
    with conversation:
        conversation_tools(settings, turns, names)


if __name__ == "__main__":  # `streamlit run` runs the page as __main__; tests may import its parts
    main()
