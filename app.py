"""The chat in the browser: ask the documents, get verbatim quotes that anyone can check.

Run it with `streamlit run app.py`. The page renders and delegates: answers,
indexing, uploads, export, saved conversations and feedback all go through the `rag`
library. The model, the index and index builds are shared by every session of the
process (`Shared`); conversations are saved in the SQLite file of `rag.chats`, keyed by
ids kept in the URL (`?b=` this browser, `?c=` the open conversation), so a reload, a
restart or a link brings a conversation back.

Corpus and user text reach the page only as escaped markdown or escaped HTML
(`rag.answer`, `rag.viewer`, which escape every character).
"""
from __future__ import annotations

import html
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

import streamlit as st

from rag import (Answer, ConfigError, IndexBusy, IndexMissing, QuestionError, RagError, Settings,
                 StoreUnavailable, Turn, Written)
from rag.answer import (abstention, abstention_scope, by_source, escape_markdown, markdown_label, no_evidence,
                        quote_html, source_html, text_html, written_html)
from rag.chats import DOWN, MAX_TITLE_CHARS, ChatStore, ConversationInfo
from rag.export import conversation_markdown
from rag.uploads import ACCEPTED, MAX_UPLOAD_BYTES, UPLOAD_FOLDER, save_upload
from rag.viewer import document_html, location, passage_html
from rag.writer import ChatWriter, Writer

# An abstention's box: dark text on pale amber (contrast over 12:1), set apart by a rule.
ABSTENTION_STYLE = "background:#fff6d6;border-left:3px solid #b88700;padding:0.75rem 1rem;border-radius:0.5rem"
SIDE_STYLE = "font-weight:600;font-size:1.15rem;margin:0.25rem 0 0.5rem 0"  # a comparison column's heading
BROWSER_ID = re.compile(r"[0-9a-f]{32}")
REASONS = ("wrong quote", "missed the answer", "should have said it doesn't know")  # offered after a 👎
PROGRESS_POLL_S = 2.0  # how often a page redraws a running build's progress (faster slows the build on 2 cores)
# A click on a quote's [n] opens its source below (the expander of the same answer whose label holds the
# word "[n]") and scrolls to the quote's highlight. Installed once per page; it only compares the labels'
# words and looks up element ids the app made (`mark_id`), so corpus text never runs or becomes markup.
CITATION_SCRIPT = """<script>(() => {
  if (window.ragCitations) return;
  window.ragCitations = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.rag-n");
    if (!link) return;
    event.preventDefault();
    const id = link.getAttribute("href").slice(1);
    const n = link.textContent;
    const answer = link.closest('[data-testid="stChatMessage"]') || document;
    const details = [...answer.querySelectorAll("details")].find(
      (d) => d.querySelector("summary").textContent.split(" ").includes(n));
    if (details && !details.open) details.querySelector("summary").click();
    let tries = 0;
    const reveal = () => {
      const mark = document.getElementById(id);
      if (mark && mark.offsetParent !== null) {
        mark.scrollIntoView({block: "center"});
      } else if (tries++ < 40) {
        setTimeout(reveal, 50);
      }
    };
    reveal();
  });
})();</script>"""


LOG = logging.getLogger("rag.app")


@dataclass(frozen=True)
class ChatTurn:
    id: str  # keys this answer's widgets, its saved turn and its rating
    answer: Answer


@dataclass
class Build:
    """An index build running in a background thread; every session of the process shows its progress.

    A page never waits for it: the build survives reruns, and the sidebar stays usable.
    """

    settings: Settings
    first: bool  # no index existed: the page says it is the first start
    fraction: float = 0.0
    message: str = "loading the model"
    again: bool = False  # asked for again while running (an upload): run once more when done
    finished: bool = False
    error: str = ""
    documents: int = 0  # in the index once built
    warnings: tuple[str, ...] = ()
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message


@dataclass
class Shared:
    """What every session of this process shares: the model, the open engines, the chat store, index builds."""

    engines: dict = field(default_factory=dict)  # Settings -> Engine
    builds: dict = field(default_factory=dict)  # Settings -> its newest Build
    stores: dict = field(default_factory=dict)  # path -> ChatStore
    models: dict = field(default_factory=dict)  # batch size -> Embedder
    lock: threading.Lock = field(default_factory=threading.Lock)

    def embedder(self, batch_size: int):
        from rag.embedding import Embedder

        with self.lock:
            if batch_size not in self.models:
                self.models[batch_size] = Embedder(batch_size=batch_size)
            return self.models[batch_size]

    def chats(self, settings: Settings) -> ChatStore:
        with self.lock:
            if settings.feedback_db not in self.stores:
                self.stores[settings.feedback_db] = ChatStore(settings.feedback_db)
            return self.stores[settings.feedback_db]


@st.cache_resource(show_spinner=False)
def shared() -> Shared:
    return Shared()


# --- the index ------------------------------------------------------------------------------
def open_engine(settings: Settings):
    """The shared engine for `settings`, at the index's newest generation (a `rag ingest` in another
    process, or a re-index, may have written it). With no index yet, this starts building one (the
    first start) and returns None until it is done; a first build that failed is shown, with a retry,
    not started again. While a re-index runs, the open engine keeps answering."""
    from rag.engine import Engine

    box = shared()
    build, engine = box.builds.get(settings), box.engines.get(settings)
    if engine is None and build is not None and build.first:
        if not build.finished:
            return None
        if build.error:
            st.error(f"Indexing failed. {escape_markdown(build.error)}")
            st.button("Try again", on_click=start_build, args=(settings, True))
            return None
    if engine is not None and build is not None and not build.finished:
        return engine  # a re-index runs: the open engine answers (or says "try again") until it is done
    try:
        if engine is None:
            with st.spinner("Loading the embedding model…"):
                engine = Engine.open(settings, box.embedder(settings.embed_batch))
        else:
            engine.refresh()
    except IndexMissing:
        if start_build(settings, first=True) is not build:
            st.rerun()  # drawn again as the running build, or, if it already failed (no corpus), as its error
        return None  # a build already runs (a re-index, an upload): its progress shows below
    except IndexBusy as exc:
        st.error(f"The documents are being indexed. {escape_markdown(str(exc))}")
        st.button("Try again")
        return None
    except StoreUnavailable as exc:
        st.error(f"The document store cannot be reached. {escape_markdown(str(exc))}")
        st.button("Try again")
        return None
    except RagError as exc:
        st.error(f"The index cannot be opened. {escape_markdown(str(exc))}")
        return None
    with box.lock:
        box.engines.setdefault(settings, engine)
    return engine


def start_build(settings: Settings, first: bool = False) -> Build:
    """Start indexing the corpus (incrementally) in the background. A build already running is asked for one
    more pass (a file was added meanwhile), unless this is a second session's first start: that one waits."""
    box = shared()
    with box.lock:
        build = box.builds.get(settings)
        if build is not None and not build.finished:
            build.again = build.again or not first
            return build
        build = box.builds[settings] = Build(settings, first=first)
    threading.Thread(target=run_build, args=(box, build), name="rag-index-build", daemon=True).start()
    return build


def run_build(box: Shared, build: Build) -> None:
    """The build thread: load the model, ingest, open the new engine; errors are kept for the page to show."""
    from rag.engine import Engine

    try:
        while True:
            build.progress(0.0, "loading the model")
            embedder = box.embedder(build.settings.embed_batch)
            embedder.model  # noqa: B018 - loaded here, under its own stage, not inside the first batch
            engine, report = Engine.build(build.settings, embedder,
                                          progress=lambda f, m: build.progress(0.02 + 0.98 * f, m))
            build.documents, build.warnings = report.documents, tuple(report.warnings)
            with box.lock:  # `start_build` asks for another pass under the same lock: none is lost
                box.engines[build.settings] = engine
                if not build.again:
                    build.finished = True
                    return
                build.again = False
    except RagError as exc:
        build.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a thread has no caller: the page shows what went wrong
        build.error = f"unexpected error ({type(exc).__name__}: {exc}); see the server log"
        raise
    finally:
        build.finished = True


@st.fragment(run_every=PROGRESS_POLL_S)
def build_progress(settings: Settings) -> None:
    """The running build's progress bar, redrawn every `PROGRESS_POLL_S`; the whole page reruns when it ends."""
    build = shared().builds.get(settings)
    if build is None or build.finished:
        st.rerun()
    st.progress(build.fraction, text=f"Indexing: {build.message}…")


def show_build(settings: Settings, engine) -> None:
    """A running build's banner and bar; once it ends, what it did, to the sessions that watched it run.
    `engine`: the one this run drew the page with."""
    build = shared().builds.get(settings)
    if build is None:
        return
    if build.finished and engine is not None and shared().engines.get(settings) is not engine:
        st.rerun()  # the build ended while this run drew its documents from the engine before it: draw again
    if not build.finished:
        st.session_state.build_watched = build.id
        if build.first:
            st.info(f"**First start:** indexing the documents in {escape_markdown(str(settings.corpus_dir))}. "
                    "This happens once; later starts open the index at once.", icon=":material/hourglass_top:")
        build_progress(settings)
        return
    if st.session_state.get("build_watched") != build.id:
        return
    del st.session_state.build_watched
    if build.error:
        if not build.first:  # a failed first start is shown by `open_engine`, with its retry
            st.error(f"Indexing failed. {escape_markdown(build.error)}")
        st.session_state.pop("uploaded", None)
        return
    for warning in build.warnings:
        st.warning(escape_markdown(warning))
    if st.session_state.get("upload_build") != build.id:  # an upload is confirmed beside the upload form
        st.toast(f"The index is up to date: {plural(build.documents, 'document')}.", icon=":material/check_circle:")


# --- the sidebar ----------------------------------------------------------------------------
def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def sidebar(settings: Settings, engine, configured: Settings):
    """Documents (re-index, upload) and retrieval settings, under a place for the conversation list, which is
    drawn last (`conversation_list`), once this run's question is saved; the writer's fields start from
    `configured` (the environment's RAG_LLM_*). Returns (that place, the per-question settings, the writer or None)."""
    with st.sidebar:
        listing = st.container()
        st.header("Documents", anchor=False)
        catalog = st.container()
        if st.button("Re-index", key="reindex", help="Read the corpus folder again and index what changed",
                     width="stretch"):
            start_build(settings)
        upload_form(settings)
        retrieval = retrieval_settings(engine.settings) if engine else settings
        writer = writer_settings(configured)
    with catalog:
        show_catalog(settings, engine)
    return listing, retrieval, writer


def show_catalog(settings: Settings, engine) -> None:
    if engine is None:
        st.caption("The documents are listed here once the index is ready.")
        return
    docs = engine.documents()
    where = (f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
             else f"the folder {settings.index_dir}")
    st.caption(f":material/check_circle: Index ready: {plural(len(docs), 'document')}, "
               f"{plural(sum(d.chunks for d in docs), 'passage')}.",
               help=f"Corpus: {settings.corpus_dir}. Index: {where}. Use Re-index after changing the corpus folder.")
    new = uploaded_documents(settings, engine)
    if new:
        titles = ", ".join(f"“{d.title}”" for d in new)
        st.success(f"Added {escape_markdown(titles)} ({plural(sum(d.chunks for d in new), 'passage')}). "
                   f"You can now ask about {'it' if len(new) == 1 else 'them'} by name, for example: "
                   f"“What does {escape_markdown(new[0].title)} say about …?”", icon=":material/check_circle:")
    # A fixed height keeps a corpus of hundreds of documents from pushing the controls off screen.
    with st.container(height=min(80 + 62 * len(docs), 320)):
        for d in docs:
            by = d.author or d.publisher
            card = source_html(d.title, detail=f"{by + ' · ' if by else ''}{plural(d.chunks, 'passage')}")
            if d in new:  # marked, and scrolled into view inside the list
                st.html(f'<div class="rag-new-doc" style="border-left:3px solid #1a7f37;padding-left:0.5rem">'
                        f"{card}</div><script>document.querySelector('.rag-new-doc')"
                        f"?.scrollIntoView({{block: 'nearest'}});</script>", unsafe_allow_javascript=True)
            else:
                st.html(card)


def uploaded_documents(settings: Settings, engine) -> list:
    """The documents this session just uploaded, once their index build has finished and this run draws the
    engine it opened (then forgotten): a run that started before the build ended still holds the old engine,
    which does not list them, and the confirmation would be lost."""
    names = st.session_state.get("uploaded")
    build = shared().builds.get(settings)
    if not names or (build is not None and not build.finished) or shared().engines.get(settings) is not engine:
        return []
    del st.session_state["uploaded"]
    return [d for d in engine.documents() if any(d.path.endswith(f"{UPLOAD_FOLDER}/{n}") for n in names)]


def upload_form(settings: Settings) -> None:
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Add documents", type=[s.lstrip(".") for s in ACCEPTED], accept_multiple_files=True,
            help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB each. They are saved in "
                 f"{settings.corpus_dir}/{UPLOAD_FOLDER} and indexed right away.")
        submitted = st.form_submit_button("Add and index", width="stretch")
    if not (submitted and files):
        return
    added = []
    for file in files:
        try:
            saved = save_upload(file.name, file.getvalue(), settings.corpus_dir)
        except RagError as exc:
            st.error(escape_markdown(str(exc)))
            continue
        if saved.added:
            added.append(saved.path.name)
        else:
            st.info(f"{escape_markdown(file.name)} is already in the corpus, as "
                    f"{escape_markdown(saved.path.name)}; nothing to add.")
    if added:
        st.session_state.uploaded = st.session_state.get("uploaded", []) + added
        st.session_state.upload_build = start_build(settings).id


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
        st.sidebar.warning(f"Retrieval settings ignored: {escape_markdown(str(exc))}")
        return settings


def writer_settings(settings: Settings) -> Writer | None:
    """The model that writes a short answer over the quotes, as set in the side panel (prefilled from
    RAG_LLM_BASE_URL and RAG_LLM_MODEL); None for quotes alone."""
    with st.expander("Written answer (local LLM)"):
        url = st.text_input("Endpoint", settings.llm_base_url or os.environ.get("RAG_LLM_BASE_URL", ""),
                            key="setting_llm_base_url",
                            placeholder="http://localhost:11434/v1",
                            help="Any OpenAI-compatible server: Ollama (http://localhost:11434/v1), llama.cpp's "
                                 "server, vLLM, LM Studio. An API key, if it needs one, comes from RAG_LLM_API_KEY.")
        model = st.text_input("Model", settings.llm_model or os.environ.get("RAG_LLM_MODEL", ""),
                              key="setting_llm_model",
                              placeholder="e.g. llama3.2", help="A model the endpoint serves.")
        st.caption("Empty: answers are quotes alone. Set: the model writes 2–5 sentences over the quotes, and "
                   "each sentence is shown only if it passes a check against the quotes it cites.")
    url, model = url.strip(), model.strip()
    if not (url or model):
        return None
    if not (url and model):
        st.sidebar.info("Set both the endpoint and the model for a written answer; until then, quotes alone.")
        return None
    writers = st.session_state.setdefault("writers", {})
    if (url, model) not in writers:
        try:
            writers[(url, model)] = ChatWriter.from_settings(settings.with_(llm_base_url=url, llm_model=model))
        except ConfigError as exc:
            st.sidebar.warning(f"No written answer: {escape_markdown(str(exc))}")
            return None
    return writers[(url, model)]


# --- conversations ----------------------------------------------------------------------------
def open_chats(settings: Settings) -> ChatStore | None:
    try:
        return shared().chats(settings)
    except RagError as exc:
        st.warning(f"Conversations and ratings cannot be saved: {escape_markdown(str(exc))}")
        return None


def browser_id() -> str:
    """This browser's id: it owns the conversations made here. Kept in the URL (`?b=`) and the session;
    anything but the 32 hex digits this app makes is replaced by a new id."""
    owner = st.session_state.get("owner") or st.query_params.get("b", "")
    if not BROWSER_ID.fullmatch(owner):
        owner = uuid.uuid4().hex
    st.session_state.owner = owner
    if st.query_params.get("b") != owner:
        st.query_params["b"] = owner
    return owner


def sync_conversation(chats: ChatStore | None, owner: str) -> None:
    """Show the conversation the URL names (`?c=`: after a reload, from a link, or picked in the list)."""
    wanted = st.query_params.get("c")
    if wanted == st.session_state.get("conversation") or chats is None:
        return
    saved = None
    if wanted:
        try:
            saved = chats.load(owner, wanted)
        except RagError as exc:  # the link stays: a reload may open it once the file can be read
            st.warning(f"This conversation cannot be opened now: {escape_markdown(str(exc))}")
            return
        if saved is None:
            st.toast("That conversation is not in this browser's list, so a new one starts.", icon=":material/info:")
            del st.query_params["c"]
    st.session_state.conversation = wanted if saved else None
    st.session_state.turns = [ChatTurn(t.answer_id, t.answer) for t in saved or ()]
    for t in saved or ():
        st.session_state[f"feedback-{t.answer_id}"] = t.rating
        st.session_state[f"reason-{t.answer_id}"] = t.reason


def open_conversation(conversation_id: str | None) -> None:
    if conversation_id:
        st.query_params["c"] = conversation_id
    else:  # a new conversation: it is saved, and gets its id, with its first answer
        st.query_params.pop("c", None)
        st.session_state.update(conversation=None, turns=[])


def listed_conversations(chats: ChatStore) -> tuple[list[ConversationInfo], str]:
    """This browser's saved conversations, newest first, read once a run; or none and why."""
    try:
        return chats.conversations(st.session_state.owner), ""
    except RagError as exc:
        return [], str(exc)


def conversation_list(chats: ChatStore, saved: list[ConversationInfo], error: str) -> None:
    """This browser's saved conversations (`listed_conversations`); the open one can be renamed or deleted."""
    st.header("Conversations", anchor=False)
    owner, current = st.session_state.owner, st.session_state.get("conversation")
    if error:
        st.warning(escape_markdown(error))
        return
    if not saved:
        st.caption("Your conversations are saved here, in this browser's list, as you ask.")
        return
    with st.container(height=260 if len(saved) > 4 else "content", border=False):  # a long list scrolls
        for info in saved:
            st.button(f"{markdown_label(info.title) or 'Conversation'} · {day(info.updated_at)}",
                      key=f"open-{info.id}", on_click=open_conversation, args=(info.id,), width="stretch",
                      type="primary" if info.id == current else "secondary",
                      help=f"{plural(info.turns, 'question')}, started {day(info.created_at)}")
    mine = next((info for info in saved if info.id == current), None)
    if mine is not None:
        with st.expander("Rename or delete this conversation"):
            st.text_input("Title", value=mine.title, key=f"title-{mine.id}", max_chars=MAX_TITLE_CHARS)
            left, right = st.columns(2)
            left.button("Rename", key="rename", width="stretch", on_click=rename_conversation, args=(chats, mine.id))
            right.button("Delete", key="delete", width="stretch", on_click=delete_conversation,
                         args=(chats, mine.id))


def rename_conversation(chats: ChatStore, conversation_id: str) -> None:
    try:
        renamed = chats.rename(st.session_state.owner, conversation_id,
                               st.session_state.get(f"title-{conversation_id}", ""))
    except RagError as exc:
        st.toast(f"Not renamed: {escape_markdown(str(exc))}", icon=":material/error:")
        return
    st.toast("Renamed." if renamed else "Not renamed: the conversation was deleted.", icon=":material/check:")


def delete_conversation(chats: ChatStore, conversation_id: str) -> None:
    try:
        chats.delete(st.session_state.owner, conversation_id)  # already gone is as good as deleted
    except RagError as exc:
        st.toast(f"Not deleted: {escape_markdown(str(exc))}", icon=":material/error:")
        return
    open_conversation(None)
    st.toast("Conversation deleted.", icon=":material/delete:")


def day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%-d %b %Y")


def save_turn(chats: ChatStore | None, turn: ChatTurn) -> None:
    """Save an answered turn in the open conversation (which a first answer creates, with its URL id)."""
    if chats is None:
        return
    first = st.session_state.get("conversation") is None
    conversation = uuid.uuid4().hex if first else st.session_state.conversation
    try:
        saved = chats.append(st.session_state.owner, conversation, turn.id, turn.answer, create=first)
    except RagError as exc:
        st.warning(f"This answer is shown but could not be saved: {escape_markdown(str(exc))}")
        return
    if not saved:  # deleted meanwhile, in another tab: the next answer starts a new conversation
        st.warning("This conversation was deleted in another tab, so this answer is not saved in it; your next "
                   "question starts a new conversation.")
        st.session_state.conversation = None
        st.query_params.pop("c", None)
        return
    st.session_state.conversation = conversation
    st.query_params["c"] = conversation


def conversation_actions(chats: ChatStore | None, turns: list[ChatTurn], names: dict[str, str],
                         listed: list[ConversationInfo]) -> None:
    """New conversation and Export, under the conversation: in reach of a thumb on a phone."""
    if not turns:
        return
    owner, conversation = st.session_state.owner, st.session_state.get("conversation")
    title = next((c.title for c in listed if c.id == conversation), turns[0].answer.question)
    saved = None
    if chats is not None and conversation:
        try:
            saved = chats.load(owner, conversation)
        except RagError as exc:
            st.caption(f"Export holds the page, without dates and ratings: {escape_markdown(str(exc))}")
    if saved is not None and len(saved) != len(turns):  # a turn could not be saved: export what the page shows
        saved = None
    left, right, _ = st.columns([1, 1, 2])
    left.button("New conversation", icon=":material/add_comment:", on_click=open_conversation, args=(None,),
                width="stretch")
    right.download_button("Export", icon=":material/download:",
                          data=conversation_markdown(saved or [t.answer for t in turns], names, title=title),
                          file_name=f"conversation-{datetime.now():%Y-%m-%d}.md", mime="text/markdown",
                          on_click="ignore", width="stretch",
                          help="Markdown: every question with its date, quotes, titles, authors, character "
                               "offsets and your ratings.")


# --- answers --------------------------------------------------------------------------------
def show_quotes(quotes, names: dict[str, str], turn_id: str, heading: str = "") -> None:
    """Quotes grouped by source (title and author once, then each quote with its [n]).

    A source whose title is already the `heading` above it is introduced by its author alone.
    Titles and quotes are escaped HTML (`rag.answer`), so they show exactly as the documents have them.
    Each [n] links to the quote highlighted in its source below (`CITATION_SCRIPT`).
    """
    for group in by_source(quotes):
        first = group[0]
        source = source_html(first.title, first.author) if first.title != heading else (
            text_html(f"by {first.author}", "rag-author") if first.author else "")
        st.html(source + "".join(quote_html(q, names, link=mark_id("p", turn_id, q.n)) for q in group))


def mark_id(kind: str, turn_id: str, n: int) -> str:
    """The id of quote [n]'s highlight: in its passage ("p") or in the whole document ("d")."""
    return f"{kind}-{turn_id}-{n}"


def show_answer(turn: ChatTurn, engine, chats: ChatStore | None, names: dict[str, str]) -> None:
    answer = turn.answer
    if answer.read_differently:
        st.html(text_html(f"Read with the conversation so far: “{answer.resolved_question}”", "rag-resolved"))
    if answer.written is not None:
        show_written(answer.written, turn.id)
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
                    show_quotes(mine, names, turn.id, heading=side.label)
                else:
                    st.info(no_evidence(side, answer.sides))
    else:
        show_quotes(answer.citations, names, turn.id)
    show_sources(turn, engine, names)
    if chats is not None:
        show_feedback(chats, turn)


def show_sources(turn: ChatTurn, engine, names: dict[str, str]) -> None:
    """One expander per cited document: each of its quotes highlighted in its passage, with where it is
    (section, page or paragraph), and the whole document on request."""
    citations = turn.answer.citations
    if citations:
        st.caption("Sources: click a [n], or open a source, to see each quote highlighted in its document.")
    for group in by_source(citations):
        first = group[0]
        # A label is Markdown: a title that Streamlit would redraw there (":material/...:", "->") is left
        # out of it. The title is shown inside, as escaped HTML, either way.
        # A key keeps the expander open across reruns even when elements above it come and go.
        numbers = " ".join(f"\\[{q.n}\\]" for q in group)
        with st.expander(f"{numbers} {markdown_label(first.title) or 'Quoted document'}",
                         key=f"source-{turn.id}-{first.n}"):
            st.html(source_html(first.title, first.author))
            if engine is None:
                st.warning("The index is not open, so the document cannot be shown.")
                continue
            try:
                text = engine.document_text(first.path)
            except RagError as exc:
                st.warning(f"This document is no longer available: {escape_markdown(str(exc))}")
                continue
            for q in group:
                show_source_quote(turn, q, text, names)


def show_source_quote(turn: ChatTurn, q, text: str, names: dict[str, str]) -> None:
    if text[q.start:q.end] != q.text:
        st.warning(f"[{q.n}]: this document has changed since the answer was given: ask again to quote it "
                   "as it is now.")
        return
    where = location(text, q.start, q.title)
    st.html(f'<div class="rag-where" title="{html.escape(q.path)}, characters {q.start:,}–{q.end:,}">'
            f"<strong>[{q.n}]</strong>{' · ' + html.escape(where) if where else ''}</div>"
            + passage_html(text, q.start, q.end, mark_id=mark_id("p", turn.id, q.n)))
    if q.also_in:
        st.caption("Also in: " + "; ".join(escape_markdown(names.get(p, p)) for p in q.also_in))
    if st.toggle(f"View \\[{q.n}\\] in the whole document", key=f"doc-{turn.id}-{q.n}"):
        # Built by rag.viewer: every character of the document is escaped; the script only scrolls.
        st.html(document_html(text, q.start, q.end, mark_id=mark_id("d", turn.id, q.n)),
                unsafe_allow_javascript=True)


def show_feedback(chats: ChatStore, turn: ChatTurn) -> None:
    """👍/👎, and after a 👎 an optional reason; each change is saved and acknowledged."""
    st.feedback("thumbs", key=f"feedback-{turn.id}", on_change=save_feedback, args=(chats, turn))
    if st.session_state.get(f"feedback-{turn.id}") == DOWN:
        st.pills("What went wrong? (optional)", REASONS, key=f"reason-{turn.id}", on_change=save_feedback,
                 args=(chats, turn))


def save_feedback(chats: ChatStore, turn: ChatTurn) -> None:
    rating = st.session_state.get(f"feedback-{turn.id}")
    reason = st.session_state.get(f"reason-{turn.id}") if rating == DOWN else None
    try:
        saved = chats.rate(st.session_state.owner, st.session_state.get("conversation") or "", turn.id, rating,
                           reason)
    except RagError as exc:
        st.warning(f"Your feedback could not be saved. {escape_markdown(str(exc))}")
        return
    if not saved:
        st.warning("Your feedback could not be saved: this answer is not in a saved conversation.")
    elif rating is None:
        st.toast("Rating removed.", icon=":material/undo:")
    elif reason:
        st.toast(f"Thanks: saved as not helpful, because of “{reason}”.", icon=":material/check:")
    else:
        st.toast("Thanks: your rating is saved." + (" You can say what went wrong below it." if rating == DOWN
                                                    else ""), icon=":material/check:")


def ask(question: str, engine, retrieval: Settings, turns: list[ChatTurn]) -> ChatTurn | None:
    """Answer `question` in the context of this session's conversation; errors are shown, not raised."""
    if engine is None:
        st.error("There is no index to answer from yet: wait for the indexing above to finish, or use "
                 "**Re-index** in the side panel.")
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


def show_written(written: Written, turn_id: str) -> None:
    """A saved written answer above its quotes, or the one line saying why there is none."""
    if written.sentences:
        st.html(written_html([t for t, _ in written.sentences], written.model, lambda n: mark_id("p", turn_id, n),
                             dropped=len(written.dropped)))
    elif written.error:
        st.caption(f"No written answer: {escape_markdown(written.error)}. The quotes below stand alone.")
    else:
        st.caption("The written answer could not be checked against the quotes, so only the quotes are shown.")


def write(turn: ChatTurn, engine, writer: Writer | None) -> ChatTurn:
    """Stream `writer`'s answer above the quotes, sentence by sentence as each passes the check; the
    turn then carries it (saved with the conversation). Without a writer, the turn as it is."""
    answer = turn.answer
    if writer is None or answer.abstained:
        return turn
    slot = st.empty()
    kept, dropped, error = [], [], ""
    slot.html(written_html([], writer.model, lambda n: mark_id("p", turn.id, n), done=False))
    try:
        for text, cites, why in engine.write(answer, writer):
            if why is None:
                kept.append((text, cites))
                slot.html(written_html([t for t, _ in kept], writer.model,
                                       lambda n: mark_id("p", turn.id, n), done=False))
            else:
                dropped.append((text, cites, why))
    except RagError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the written answer is optional: the quotes still show
        error = f"unexpected error ({type(exc).__name__}); see the server log"
        LOG.exception("the writer failed")
    slot.empty()  # drawn again, finished, by `show_answer`
    written = Written(writer.model, tuple(kept), tuple(dropped), error)
    return ChatTurn(turn.id, replace(answer, written=written))


# --- the page -------------------------------------------------------------------------------
def settings_from_env() -> Settings:
    """The environment's settings. A writer set by halves (RAG_LLM_BASE_URL without RAG_LLM_MODEL, or the
    reverse) costs the written answer, not the app: the side panel shows the half that is set and asks for
    the other. Anything else that is wrong raises ConfigError."""
    try:
        return Settings.from_env()
    except ConfigError:
        if bool(os.environ.get("RAG_LLM_BASE_URL")) == bool(os.environ.get("RAG_LLM_MODEL")):
            raise
        return Settings.from_env({k: v for k, v in os.environ.items() if k not in ("RAG_LLM_BASE_URL", "RAG_LLM_MODEL")})


def main() -> None:
    st.set_page_config(page_title="Ask the documents", page_icon="📚", layout="wide")
    try:
        configured = settings_from_env()
    except ConfigError as exc:
        st.error(f"The settings are invalid. {escape_markdown(str(exc))}")
        st.stop()
    # The writer is the side panel's (prefilled from RAG_LLM_*), per session; the shared engine has none.
    settings = configured.with_(llm_base_url=None, llm_model=None)
    chats = open_chats(settings)
    owner = browser_id()
    st.session_state.setdefault("turns", [])
    sync_conversation(chats, owner)

    st.title("Ask the documents", anchor=False)
    st.caption("Every answer is made of verbatim quotes, each with its document and exact position. "
               "Click a [n] to see the quote highlighted in its document.")
    st.html(CITATION_SCRIPT, unsafe_allow_javascript=True)
    engine = open_engine(settings)
    listing, retrieval, writer = sidebar(settings, engine, configured)
    show_build(settings, engine)
    names = {d.path: d.title for d in engine.documents()} if engine else {}

    turns: list[ChatTurn] = st.session_state.turns
    question = st.chat_input("Ask a question about the documents", max_chars=settings.max_question_chars,
                             disabled=engine is None)
    intro = st.container()  # always drawn, so that the elements after it keep their place
    if engine is not None and not turns and question is None:
        intro.info(f"Ask anything about the {len(names)} documents listed under **Documents** in the side panel "
                   "(on a phone, open it with » at the top left). To compare two sources, name both: "
                   "“How does *A*'s view differ from *B*'s?”", icon=":material/forum:")
    for turn in turns:
        with st.chat_message("user"):
            st.html(text_html(turn.answer.question, "rag-question"))
        with st.chat_message("assistant"):
            show_answer(turn, engine, chats, names)

    if question is not None and not question.strip():
        st.toast("Type a question first: the box was empty.", icon=":material/edit:")
        question = None
    if question is not None:
        with st.chat_message("user"):
            st.html(text_html(question, "rag-question"))
        with st.chat_message("assistant"):
            turn = ask(question, engine, retrieval, turns)
            if turn is not None:
                turn = write(turn, engine, writer)
                turns.append(turn)
                save_turn(chats, turn)
                show_answer(turn, engine, chats, names)
    listed, error = listed_conversations(chats) if chats is not None else ([], "")
    conversation_actions(chats, turns, names, listed)
    if chats is not None:
        with listing:
            conversation_list(chats, listed, error)
        show_counts(chats)


def show_counts(chats: ChatStore) -> None:
    try:
        counts = chats.counts(st.session_state.owner)
    except RagError as exc:
        st.sidebar.warning(escape_markdown(str(exc)))
        return
    if counts["up"] or counts["down"]:
        st.sidebar.caption(f"Your ratings in this browser: {counts['up']} helpful · {counts['down']} not helpful")


if __name__ == "__main__":  # `streamlit run` runs the page as __main__; tests may import its parts
    main()
