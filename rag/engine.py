"""The question-answering engine: one object that the CLI, the chat app and tests share.

`Engine.open(settings)` loads the model and opens the index once; `ask()` then
answers a question (with the conversation so far) through the pipeline stages:
interpret -> retrieve -> score sentences -> select -> verify -> compose.

An engine answers from one complete generation of the index at a time. Before each
question it checks whether an ingest (in another process, or in this one) began since,
and then follows the index to its newest generation, or says that an ingest is running.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import answer as compose
from .chunking import split_sentences
from .config import Settings
from .embedding import Embedder
from .check import SentenceCheck
from .errors import ConfigError, IndexBusy, IndexCorrupt, IndexMismatch, IndexProblem, QuestionError, RagError
from .evidence import (AMOUNT, DATE, FEATURES, NAME, NUMBER_OF, SHARE, Question, Window, sets_up, turns,
                       after_the_documents, announced_items, asks_amount, asks_count, asks_outcome, asks_person,
                       asks_place, asks_reason, asks_share, asks_year, concludes, expected_type, has_amount,
                       has_count, has_place, has_share, has_type, is_lead_label, is_non_content, is_title, last_dated,
                       last_year, names_someone, question_terms, section_headings, states_reason, windows, years)
from .indexing import (IngestReport, Progress, Stamp, _load_keyword, check_identity, ingest, ingest_running,
                       ingest_stamp, load_cased, load_repeated, version)
from .keyword import STOPWORDS, KeywordIndex, tokenize
from .query import Query, SourceRef, Sources, compares, interpret
from .quotes import DocumentTexts, repeats, select, verified
from .records import Answer, Chunk, Hit, Quote, Side, Span, Turn, Written
from .retrieval import EXACT_CHUNKS, Vectors, retrieve
from .scoring import LogisticScorer, Scorer
from .store import DocInfo, Store
from .writer import ChatWriter, Writer, checked

_YEAR_MISS = FEATURES.index("year_miss")
_TYPE_HIT, _TYPE_MISS = FEATURES.index("type_hit"), FEATURES.index("type_miss")
_IDF_COVER = FEATURES.index("idf_cover")
_SUGGESTIONS = 3  # closest document titles offered when the bot abstains
_SIDE_OPTIONS = 5  # a comparison side's best windows among which the budget is shared
_SIDES_SEARCHED = 4  # comparisons with more sides share the budget greedily
# A follow-up also searches the documents the previous answer quoted, a comparison's named
# sides search only their own, a question that attributes its topic to a source ("what did the
# critic say …") searches that source, and a part of a question is asked beside one that has answered:
# the conversation, or the question, vouches that they speak to the topic, while the threshold
# was calibrated on searches of a whole corpus. Such a search answers above this share of the
# threshold. Chosen on the 198 questions of the visible and held sets (bench/quality.py): 0.3 and 0.35
# pass the most of them (+2 against 0.5: answers in the named source scored 0.15-0.18); 0.4 and 0.42 +1;
# 0.28 and below keep wrong passages in a named letter instead of searching all (-1, -2 at 0.2).
VOUCHED_SUPPORT_SHARE = 0.35
_NAME_STEM = 5  # a name's word is written where a word starts with its first five letters ("Japanese": "Japan")
# A comparison has more room than a fact (`_side_quotes`), but does not fill it with windows the scorer
# gives under this chance of answering: they would not inform. A round figure, not fitted.
FILLER = 0.01
# A sentence that opens on a pronoun or a definite noun goes on about what the one before named ("It paid $4
# million for it.", "We paid …", "The price was …"); "Orders over $35 …", "In February, …" move on
_REFERS_BACK = re.compile(r"^\W*(?:it|its|they|their|this|these|those|he|she|his|her|we|our|the)\b", re.I)


def _written(phrase: str, text: str) -> bool:
    """Whether `text` writes `phrase` as whole words, in the same case."""
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def _leading_up(found: list[Window], best: Window) -> Window | None:
    """The window that starts closest before `best` and ends inside it (the best-scored of those): the sentence
    that leads up to its opening one, quoted with it."""
    before = [w for w in found if w.path == best.path and w.start < best.start < w.end <= best.end]
    return max(before, key=lambda w: (w.start, w.score), default=None)


@functools.lru_cache(maxsize=8)  # the documents a conversation is about, read again by its next questions
def _sentences(text: str) -> list[Span]:
    """The sentence spans of a whole document (`split_sentences`)."""
    return split_sentences(text)


def _overlaps(window: Window, spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(path == window.path and start < window.end and window.start < end for path, start, end in spans)


# A year stated this many characters before a window may frame it: "For 2010, we have 452 detailed goals. … In the
# 452 goals, the terms net income … are not used once." answers for 2010. About two paragraphs; chosen, not fitted.
_YEAR_FRAME = 1000
# A "why" question's reason is looked for this many sentences after its best window (chosen, not fitted).
_REASON_REACH = 4
_FIGURES = frozenset({"duration", "date", "number", "amount"})  # answer types a sentence beside the best may give


def _unshown(found: list[Window], shown: Sequence[tuple[str, int, int]], bar: float) -> list[Window]:
    """The windows a follow-up may quote, given the `shown` spans of the previous answer that it holds back
    (`Query.held`: its best quote of each side): those that repeat none, and the best that does where it answers
    the new question better than any of them ("Who was against it?" when the previous quote named the
    opponents); every window when no fresh one reaches `bar`."""
    fresh = [w for w in found if not _overlaps(w, shown)]
    if max((w.score for w in fresh), default=0.0) < bar:
        return found
    again = max((w for w in found if _overlaps(w, shown)), key=lambda w: w.score, default=None)
    return fresh + [again] if again is not None and again.score > max(w.score for w in fresh) else fresh


def _best_fitting(options: list[list[Window]], budget: int) -> list[Window | None]:
    """One window (or none) per side: the highest total score whose windows fit `budget` together
    and do not overlap. A side with any window that fits gets one before another side gets a better one.

    Every combination is tried for up to `_SIDES_SEARCHED` sides (6 ** 4 at most); beyond that, each
    side in turn takes its best window that still fits.
    """
    if len(options) > _SIDES_SEARCHED:
        picked: list[Window | None] = []
        for side in options:
            fits = (w for w in side if sum(p.end - p.start for p in picked if p) + w.end - w.start <= budget
                    and not any(p and _overlaps(w, [(p.path, p.start, p.end)]) for p in picked))
            picked.append(next(fits, None))
        return picked
    best: tuple[tuple[int, float], list] = ((-1, 0.0), [None] * len(options))
    for combo in itertools.product(*[[*o, None] for o in options]):
        picked = [w for w in combo if w is not None]
        if sum(w.end - w.start for w in picked) > budget or any(
                _overlaps(a, [(b.path, b.start, b.end)]) for i, a in enumerate(picked) for b in picked[i + 1:]):
            continue
        value = (len(picked), sum(w.score for w in picked))
        if value > best[0]:
            best = (value, list(combo))
    return best[1]


def _gives_figure(question: str) -> Callable[[str], bool] | None:
    """What a passage must state to give the figure `question` asks for: a count of what it counts, a sum of money
    or a share; None when it asks for none of these."""
    if asks_count(question):
        return functools.partial(has_count, question=question)
    return has_amount if asks_amount(question) else has_share if asks_share(question) else None


def _dated_where_answered(found: list[Window], threshold: float) -> bool:
    """Whether a window the scorer answers from (at `threshold` or above), or the one right after it, states a
    date; true when none reaches the threshold (the answer abstains for that, and says so). "In what year did
    Amazon first put reviews on its book pages?" is not answered by a passage on reviews that names no year
    beside a weaker one on 1997."""
    answering = [w for w in found if w.score >= threshold]
    if not answering:
        return True
    ends = {(w.path, w.end) for w in answering}
    after = [w for w in found if any((w.path, w.start - gap) in ends for gap in (0, 1, 2))]
    return any(has_type(w.text, "date") for w in answering + after)


def _going_on(side: list[Window], first: Window, gives: Callable[[str], bool] | None) -> Window | None:
    """The side's best window besides `first` (none overlapping it), when it starts right where `first` ends
    (nothing but blanks between them in the text `first` was cut from); else the best that starts there and
    turns or carries on what `first` said (`turns`) or, where `first` does not, `gives` the figure the side asks for
    (`_gives_figure`); else None."""
    rest = [w for w in side if w is not first and not _overlaps(w, [(first.path, first.start, first.end)])]
    if not rest:
        return None
    best = min(rest, key=lambda w: (-w.score, w.path, w.start))
    if _follows(best, first):
        return best
    # ... or, whatever its score, the best one that turns what `first` said ("Ask growers what they want." then
    # "But listening is not enough."): the side's view is there; or that gives the figure asked for, where `first`
    # gives none ("It's why we made the Pledge." then "Over 300 firms have joined it.")
    return max((w for w in rest if _follows(w, first) and (turns(w.text) or _adds(w, first, gives))),
               key=lambda w: w.score, default=None)


def _follows(window: Window, first: Window) -> bool:
    """Whether `window` starts right where `first` ends (nothing but blanks between them in the text `first` was
    cut from)."""
    offset = first.chunk_start
    return (window.path == first.path and first.end <= window.start <= offset + len(first.chunk_text)
            and not first.chunk_text[first.end - offset:window.start - offset].strip())


def _adds(window: Window, first: Window, gives: Callable[[str], bool] | None) -> bool:
    """Whether `window` gives the figure asked for (`gives`) that `first` does not."""
    return bool(gives and gives(window.text) and not gives(first.text))


def _best(found: list[Window], kind: str | None, near: float) -> Window:
    """The best window, as `select` ranks them; for a question that asks for a figure (`_FIGURES`: a span of time, a
    date, a number, a sum) that the best window does not give, the best that gives one, scored `near` an answer or
    above ("How long does the ferry take?": "The crossing takes forty minutes.", not a passage on how ferries are
    taken care of)."""
    def rank(w: Window) -> tuple:
        return -w.score, w.path, w.start

    best = min(found, key=rank)
    if kind in _FIGURES and best.features[_TYPE_MISS]:
        return min((w for w in found if w.features[_TYPE_HIT] and w.score >= near), key=rank, default=best)
    return best


def _side_quotes(options: list[list[Window]], s: Settings, one_answer: bool = False,
                 figures: Sequence[Callable[[str], bool] | None] = (), first_bar: float = 0.0) -> list[list[Window]]:
    """The windows each side of a comparison quotes, from its candidates best first.

    The sides share a fact's budget and three quarters of it again for each side beyond the first (1,400
    characters for two, where a fact has 800: measured against 1,200 and 1,600, the most that keeps the mean
    quoted characters of every question set under a fact's budget), or only a fact's budget when they are
    `one_answer`: parts of one question about one source ("What is X in the 1997 letter, and how does it plan
    Y?"), or two things asked that compare nothing and name no source ("When …, and where …?"): the
    best combination of one window per side that fits (a long best window may leave another side a shorter
    one), then the next best windows of any side while room is left, none the scorer gives under `FILLER`,
    none that overlaps or repeats a window already chosen.
    A side's next best window that goes on where its first stops comes before the other sides' windows:
    the side's answer continues there ("Amazon did the opposite." ends one window, the next says what it did).
    So does, whatever the scorer gives it, a window that starts there and turns or carries on what the first said
    ("But …", "It's …"), or that gives the figure the side asks for where the first does not (`figures`: one test
    per side, `_gives_figure`; "It's part of why we made the Pledge." then "Over 300 firms have joined it.").
    A side's first window scores `first_bar` or more: a side with none that fits beside the others' has no quote,
    unless its best window is another side's first: then the window that starts right where that one ends is its
    answer, whatever the scorer gives it ("…, and how big is it?": "They're small: 11 inches square …"), and the
    two trade places where this side asks for a figure (`figures`) that only the shared window gives.
    """
    budget = s.max_quote_chars if one_answer else s.max_quote_chars * (1 + 3 * len(options)) // 4
    figures = list(figures) or [None] * len(options)
    firsts = _best_fitting([[w for w in o[:_SIDE_OPTIONS] if w.score >= first_bar] for o in options], budget)
    used = sum(w.end - w.start for w in firsts if w is not None)
    for i, side in enumerate(options):
        # "What will the antenna cost, and how big is it?": where this side's best window, one it could quote, is
        # quoted for another side, what the text says right after it ("They're small: 11 inches square …") is this
        # side's answer
        if firsts[i] is not None or not side or side[0].score < first_bar:
            continue
        j = next((k for k, f in enumerate(firsts) if f is not None and _overlaps(side[0], [(f.path, f.start, f.end)])),
                 None)
        taken = [(f.path, f.start, f.end) for f in firsts if f is not None]
        after = None if j is None else max((w for w in side if _follows(w, firsts[j]) and not _overlaps(w, taken)),
                                           key=lambda w: (w.score, w.start - w.end), default=None)
        if after is None or used + after.end - after.start > budget:
            continue
        firsts[i], used = after, used + after.end - after.start
        shared, gives, wants = firsts[j], figures[i], figures[j]
        if gives and gives(shared.text) and not gives(after.text) and not (wants and wants(shared.text)):
            firsts[i], firsts[j] = shared, after  # the sum this side asks for is there, and the other asks none
    chosen = [[w] if w is not None else [] for w in firsts]
    going_on = [_going_on(side, first, gives) if first is not None else None
                for side, first, gives in zip(options, firsts, figures, strict=True)]

    def goes_on(w: Window, i: int) -> bool:  # says what the side's first window leaves unsaid
        return w is going_on[i] and (turns(w.text) or _adds(w, chosen[i][0], figures[i]))

    pool = sorted(((w, i) for i, side in enumerate(options) if chosen[i] for w in side
                   if (w.score >= FILLER or goes_on(w, i)) and w is not chosen[i][0]),
                  key=lambda wi: (wi[0] is not going_on[wi[1]], -wi[0].score, wi[1]))
    for w, i in pool:
        every = [p for picked in chosen for p in picked]
        if (len(chosen[i]) >= s.max_quotes_per_side or used + (w.end - w.start) > budget
                or _overlaps(w, [(p.path, p.start, p.end) for p in every]) or repeats(w, every, s.near_duplicate)):
            continue
        chosen[i].append(w)
        used += w.end - w.start
    return chosen


def check_question(question: object, settings: Settings) -> str:
    """The question without surrounding blanks; QuestionError when it is not a string, empty,
    too long (blanks around it do not count) or not valid Unicode.

    Cheap, so callers (the CLI) run it before the model loads.
    """
    if not isinstance(question, str):
        raise QuestionError(f"the question must be a string, got {type(question).__name__}: put it in quotes")
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty: type a question about the documents")
    if len(text) > settings.max_question_chars:
        raise QuestionError(f"the question has {len(text):,} characters; the limit is "
                            f"{settings.max_question_chars:,}: shorten it to the question itself")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: invalid UTF-8 bytes on the command line, or "\ud800" in JSON
        raise QuestionError("the question holds a character that is not valid Unicode (invalid UTF-8 bytes or a "
                            "lone surrogate): retype it as UTF-8 text") from None
    return text


@dataclass(frozen=True)
class IndexView:
    """One complete generation of the index, opened: what an engine answers from."""

    store: Store
    keyword: KeywordIndex
    catalog: tuple[DocInfo, ...]
    repeated: frozenset[str]  # boilerplate sentences (rag.evidence): never quoted
    cased: dict[str, str]  # the names the documents write with a capital (rag.query.cased_words)
    version: tuple[str, int]  # (index id, generation): `rag.indexing.version`
    stamp: Stamp  # the ingest lock's stamp before it was opened: another stamp means an ingest began since


def open_view(settings: Settings, model: str, store: Store | None = None) -> IndexView:
    """Open the index's newest complete generation (through `store` when given, else a new one).

    Raises:
        IndexBusy: an ingest is writing the index now.
        IndexMissing, IndexMismatch, IndexCorrupt, IndexProblem, StoreUnavailable: see their messages.
    """
    stamp = ingest_stamp(settings)  # first: an ingest that begins after this changes it
    store = store or Store(settings)
    identity = store.identity()
    check_identity(identity, settings, model)
    if identity.get("complete") != "1":
        raise _unfinished(settings, store)
    keyword = _load_keyword(settings, store)
    if keyword.fingerprint != identity.get("fingerprint"):
        raise IndexCorrupt(f"{store.where} is inconsistent: run `rag ingest` again")
    catalog = tuple(store.catalog())
    _check_paths(catalog, store)
    folder = Path(settings.index_dir)
    return IndexView(store, keyword, catalog, frozenset(load_repeated(folder)), load_cased(folder), version(identity),
                     stamp)


def _unfinished(settings: Settings, store: Store) -> IndexProblem:
    """Why the index is marked unfinished: an ingest is writing it now, or the last one stopped half-way."""
    if ingest_running(settings):
        return IndexBusy(f"an ingest is writing {store.where} right now: try again when it finishes")
    if store.remote:
        return IndexCorrupt(f"the last `rag ingest` into {store.where} did not finish, or one is running on another "
                            "machine: wait for it, or run `rag ingest` again")
    return IndexCorrupt(f"the last `rag ingest` into {store.where} did not finish: run `rag ingest` again")


def _check_paths(catalog: tuple[DocInfo, ...], store: Store) -> None:
    """Refuse an index whose documents cannot be opened from here: one written before paths were
    stored absolute holds them relative to the folder it was built in, and from anywhere else
    every quote would fail verification (an abstention on every question)."""
    lost = next((d.path for d in catalog if not Path(d.path).is_absolute() and not Path(d.path).exists()), None)
    if lost is not None:
        raise IndexMismatch(f"{store.where} holds document paths relative to the folder it was built in (an index "
                            f"of an older version), and {lost!r} is not found from here: run `rag ingest` to update it")


class Engine:
    """Answers questions from one index. Build it with `Engine.open`; share it between sessions and threads."""

    def __init__(self, settings: Settings, embedder: Embedder, view: IndexView, scorer: Scorer | None = None,
                 writer: Writer | None = None):
        """`writer`: writes a short answer over the quotes (`rag.writer`); by default the endpoint that
        `settings` names, if any."""
        self.embedder = embedder
        if writer is None and settings.writes:
            writer = ChatWriter.from_settings(settings)
        self.writer = writer
        self.scorer = scorer or LogisticScorer.load()
        if tuple(self.scorer.features) != FEATURES:
            raise ConfigError(f"the scorer expects features {self.scorer.features}, not {FEATURES}")
        self.settings = self.resolved(settings)
        self.texts = DocumentTexts()
        self._reloading = threading.Lock()
        self._take(view)

    def _take(self, view: IndexView) -> None:
        """Answer from `view` from now on: its store, keyword index and catalog, and what derives from them.

        A question running meanwhile may read some of these from the view before. That is harmless:
        a chunk id names its content (path, text hash, offsets), so no id of either generation
        names another text, and every quote is verified against its document before it is shown.
        """
        exact = Vectors.load(view.store) if len(view.keyword.ids) <= EXACT_CHUNKS else None  # before any swap
        catalog = list(view.catalog)
        by_path = {d.path: d for d in catalog}
        sources = Sources([SourceRef(d.path, d.title, d.author, d.publisher, d.aliases, d.title_guessed)
                           for d in catalog], view.keyword.documents_with, view.cased)
        # A document's length, estimated from its chunk count: windows know where they sit in it.
        lengths = {d.path: d.chunks * self.settings.chunk_chars for d in catalog}
        path_order = np.argsort(np.argsort([d.path for d in catalog], kind="stable"))
        doc_vectors = (np.stack([d.vector for d in catalog]) if catalog
                       else np.zeros((0, self.embedder.dim), dtype=np.float32))
        self.store, self.keyword, self.repeated = view.store, view.keyword, view.repeated
        self._exact = exact
        self.catalog, self._by_path, self._sources = catalog, by_path, sources
        self._titles = {d.path: d.title for d in catalog}
        self._last_dated = last_dated(self._titles.values())
        self._lengths = lengths
        self._suggest = (catalog, path_order, doc_vectors)  # one reference: a question reads one generation
        self.version, self._stamp = view.version, view.stamp

    @property
    def generation(self) -> int:
        """The index generation this engine answers from (each ingest that writes adds one)."""
        return self.version[1]

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, scorer: Scorer | None = None,
             writer: Writer | None = None) -> "Engine":
        """Open an existing index. Raises IndexMissing / IndexMismatch / IndexCorrupt / IndexBusy /
        IndexProblem / StoreUnavailable. Any number of engines may open one index, in one process or many."""
        embedder = embedder or Embedder(batch_size=settings.embed_batch)
        return cls(settings, embedder, open_view(settings, embedder.fingerprint), scorer, writer)

    def refresh(self) -> None:
        """Answer from the index's newest complete generation from now on.

        An ingest in another process, or in this one, may have written the index since this
        engine opened it. For an embedded index, when no ingest began since, this costs one
        stat; a Chroma server's identity is read each time (no lock file tells of its ingests).

        Raises:
            IndexBusy: an ingest is writing the index now.
            IndexCorrupt: the last ingest did not finish.
        """
        if not self.store.remote and ingest_stamp(self.settings) == self._stamp:
            return
        with self._reloading:
            stamp = ingest_stamp(self.settings)
            if not self.store.remote and stamp == self._stamp:
                return  # another thread followed it meanwhile
            # A new embedded Store reads the files as they are now (the folder may even have been rebuilt).
            store = self.store if self.store.remote else Store(self.settings)
            identity = store.identity()
            if identity.get("complete") != "1":
                raise _unfinished(self.settings, store)
            if version(identity) == self.version:
                if not ingest_running(self.settings):  # an ingest that has only taken its lock may still write
                    self._stamp = stamp
                return
            self._take(open_view(self.settings, self.embedder.fingerprint, store))

    @classmethod
    def build(cls, settings: Settings, embedder: Embedder | None = None,
              progress: Progress | None = None) -> tuple["Engine", IngestReport]:
        """Ingest the corpus (incrementally), then open the index."""
        embedder = embedder or Embedder(batch_size=settings.embed_batch)
        report = ingest(settings, embedder, progress)
        return cls.open(settings, embedder), report

    # --- answering ------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = (), settings: Settings | None = None) -> Answer:
        """Answer `question` with verified verbatim quotes, or abstain.

        Args:
            history: earlier turns of this conversation, oldest first (for follow-ups).
            settings: per-call retrieval settings (the app's sidebar); defaults to the engine's.
        """
        s = self.resolved(settings) if settings else self.settings
        began = time.perf_counter()
        question = check_question(question, s)
        self.refresh()
        query = interpret(question, history, self._sources)
        vector = self.embedder.embed_one(query.text)
        t_embed = time.perf_counter()
        uncovered: tuple[str, ...] = ()
        if query.kind == "comparison":
            quotes, support = self._compare(query, vector, s)
        else:
            quotes, support, uncovered, query = self._fact(query, vector, s)
        t_retrieve = time.perf_counter()
        abstained = not quotes
        if abstained:
            suggestions = self._closest_titles(vector)
            text = compose.abstention(suggestions, compose.abstention_scope(query.kind, query.sides),
                                      uncovered=uncovered)
        else:
            suggestions = ()
            text = (compose.compose_comparison(query.sides, quotes, self._titles) if query.kind == "comparison"
                    else compose.compose_fact(quotes, self._titles))
        done = time.perf_counter()
        timings = {"embed": (t_embed - began) * 1e3, "retrieve": (t_retrieve - t_embed) * 1e3,
                   "compose": (done - t_retrieve) * 1e3, "total": (done - began) * 1e3}
        return Answer(question=question, answer=text, abstained=abstained, kind=query.kind,
                      citations=tuple(quotes), support=support, timings_ms=timings, sides=query.sides,
                      resolved_question=query.text, suggestions=suggestions, uncovered=uncovered)

    def quotes(self, question: str, history: Sequence[Turn] = ()) -> tuple[Quote, ...]:
        """The verified quotes that answer `question`, without composing an answer (none: abstained).
        The seam for `rag.langchain`'s retriever."""
        return self.ask(question, history).citations

    def write(self, answer: Answer, writer: Writer | None = None) -> Iterator[tuple[str, tuple[int, ...], str | None]]:
        """`writer`'s sentences (by default the engine's) over `answer`'s quotes as they stream: (text,
        cited numbers, why it was dropped, or None when it passed the check). Nothing without a writer or
        for an abstention.

        Raises:
            WriterError: the endpoint is down, slow, unknown or returned nothing usable (one line).
        """
        writer = self.writer if writer is None else writer
        if writer is None:
            return iter(())
        return checked(writer, answer, SentenceCheck(self.embedder.embed_one, self.keyword.idf))

    def with_written(self, answer: Answer) -> Answer:
        """`answer` with its checked written answer (`Answer.written`) when a writer is configured; a
        writer that fails leaves the quotes as they are, with its one-line reason in `written.error`."""
        if self.writer is None or answer.abstained:
            return answer
        kept, dropped = [], []
        try:
            for text, cites, why in self.write(answer):
                if why is None:
                    kept.append((text, cites))
                else:
                    dropped.append((text, cites, why))
        except RagError as exc:
            return replace(answer, written=Written(self.writer.model, tuple(kept), tuple(dropped), str(exc)))
        return replace(answer, written=Written(self.writer.model, tuple(kept), tuple(dropped)))

    def resolved(self, settings: Settings) -> Settings:
        """`settings` with the scorer's calibrated threshold where no abstention threshold was set."""
        return settings if settings.min_support is not None else settings.with_(min_support=self.scorer.threshold)

    def question(self, text: str, asked: str | None = None) -> Question:
        """What the evidence features need to know about a question (its terms' idf, the type it expects: that of
        `asked`, the whole question, where `text` is its topic)."""
        terms = question_terms(text)
        idf, known = self.keyword.idf(terms)
        return Question(text, tuple(terms), tuple(idf), tuple(known), expected_type(asked or text),
                        frozenset(years(text)), self.keyword.mean_length)

    def candidates(self, text: str, vector, s: Settings, paths: tuple[str, ...] | None, k: int,
                   topic: str | None = None, after: tuple[str, int] | None = None,
                   asked: str | None = None) -> list[Window]:
        """Retrieve, cut into windows and score them: the evidence a question may be answered with.

        `topic`: the question without the names of the sources it is scoped to. Retrieval keeps
        the names (they often are the subject), but the evidence need not repeat them.
        `after`: (path, offset) where the previous answer's quote ended: the chunk that holds what follows is a
        candidate too (a follow-up often asks what the text says next, in words the search does not find).
        `asked`: the whole question, where `topic` may have lost the verb that says what it asks for ("what features
        did the post say he promised" → "what features he promised"): the type it expects is read there. A
        follow-up gives none: its reading, joined with the earlier question, says what it asks ("And the figure
        four years later?: how long did parcels take?").
        """
        hits = retrieve(text, vector, self.store, self.keyword, s, paths, k, self._exact)
        if after and hits and (paths is None or after[0] in paths):
            hits += self._next_chunk(*after, vector, {h.chunk.id for h in hits}, max(h.similarity for h in hits))
        chunks = {h.chunk.id: h.chunk for h in hits}
        following = self._following(list(chunks.values()))
        more = [n for _, n in following.values() if n.id not in chunks]  # a chunk follows only one other
        rows = self.store.sentence_rows(list(chunks.values()) + more)
        return windows(self.question(topic or text, asked), vector, hits, rows, self._titles, self._lengths,
                       self.repeated, self.scorer.probabilities,
                       {cid: (joined, n.id) for cid, (joined, n) in following.items()},
                       # headings as the file reads now: a file changed since indexing fails verification anyway
                       lambda path: section_headings(self.texts.get(path), self._titles.get(path, "")))

    def _next_chunk(self, path: str, offset: int, vector, retrieved: set[str], best: float) -> list[Hit]:
        """The chunk of `path` that holds what the text says from `offset` on (its first character that is not
        space: the next chunk when `offset` ends one), as a hit after the retrieved ones, unless it is one of them.
        Its similarity counts at most as the best retrieved one's: the gaps to the best (`chunk_gap`) of the other
        windows stay as retrieval left them."""
        rest = self.texts.get(path)[offset:]
        cid = self.keyword.chunk_at(path, offset + len(rest) - len(rest.lstrip()))
        if cid is None or cid in retrieved:
            return []
        vectors = self.store.vectors([cid])
        return [Hit(chunk, 0.0, min(float(vectors[cid] @ vector), best)) for chunk in self.store.get([cid])
                if cid in vectors]

    def _following(self, chunks: list[Chunk]) -> dict[str, tuple[str, Chunk]]:
        """For each chunk, the document's text from its start through the chunk after it, and that chunk:
        where a window may run on. Only where the file still holds both chunks as indexed (the text
        between them is read from the file)."""
        after = {c.id: self.keyword.following(c.id) for c in chunks}
        nexts = {c.id: c for c in chunks}
        nexts.update((n.id, n) for n in self.store.get([n for n in dict.fromkeys(after.values())
                                                        if n and n not in nexts]))
        out = {}
        for c in chunks:
            n = nexts.get(after[c.id] or "")
            if n is None:
                continue
            doc = self.texts.get(c.path)
            if doc[c.start:c.end] == c.text and doc[n.start:n.end] == n.text:
                out[c.id] = (doc[c.start:n.end], n)
        return out

    def _evidence(self, text: str, vector, s: Settings, paths: tuple[str, ...] | None, k: int,
                  max_quotes: int, budget: int, topic: str | None = None,
                  shown: Sequence[tuple[str, int, int]] = (), asked: str = "",
                  held: Sequence[tuple[str, int, int]] = (), names: Sequence[str] = ()):
        """(verified quotes, support, uncovered): uncovered names the years the question asks about
        that no candidate window (nor its document's title) holds, `AMOUNT` when it asks for a sum of
        money that no candidate about what it names states (`_anchored`), `NUMBER_OF` what a "how many" question
        counts when no such candidate gives a number that counts things (`has_count`), `SHARE` when it asks for a
        percentage or share that none gives (`has_share`), "the city" (town, country …) when it asks in which one
        and none names a place (`has_place`), `DATE` when it asks in
        what year (or on what date) and no such candidate gives a date, or the `names` it asks about that the
        documents searched never write (`_unnamed`); then nothing is quoted.

        `shown`: spans the previous answer quoted (what the text says after them may answer); `held`: those of
        them quoted again only where they answer best (`_unshown`).
        `asked`: the follow-up's own question (`Query.asked`), where what it asks for is read.
        """
        own = asked or text
        found = self.candidates(text, vector, s, paths, k, topic, self._shown_end(shown) if shown else None,
                                None if asked or shown else text)
        found = _unshown(found, held, s.min_support)
        support = max((w.score for w in found), default=0.0)
        named_years = years(text)
        if named_years and all(w.features[_YEAR_MISS] and not self._framed(w, named_years) for w in found):
            return [], support, tuple(sorted(named_years))
        if later := after_the_documents(text, self._last_dated):
            return [], support, later
        if found and (unnamed := self._unnamed(names, paths)):
            return [], support, unnamed
        money, counted, year, part = asks_amount(own), asks_count(own), asks_year(own), asks_share(own)
        place, who = asks_place(own), asks_person(own)
        if found and (money or counted or year or part or place or who):
            # Unscoped (a named source's fallback), the names of the whole question anchor the figure.
            anchor = text if paths is None else topic or text
            about = self._anchored(found, anchor, follow_up=bool(shown)) if money or counted or part or year else []
            if money and not any(has_amount(t) for t in about):
                return [], support, (AMOUNT,)
            if counted and not any(has_count(t, own) for t in about):
                return [], support, (NUMBER_OF + counted,)
            if part and not any(has_share(t) for t in about):
                return [], support, (SHARE,)
            if who or place:
                # Some name is in almost every passage: only windows scoring at least the vouched share of the
                # threshold can give the one asked for.
                lower = set(re.findall(r"\b[a-z]+\b", "\n".join(w.text for w in found)))
                named = self._anchored([w for w in found if w.score >= s.min_support * VOUCHED_SUPPORT_SHARE],
                                       anchor, follow_up=bool(shown))
                if place and not any(has_place(t, own, lower) for t in named):
                    return [], support, ("the " + place,)
                if who and not any(names_someone(t, own, lower) for t in named):
                    return [], support, (NAME,)
            if year and not (any(has_type(t, "date") for t in about) and _dated_where_answered(found, s.min_support)):
                return [], support, (DATE,)
        if support < s.min_support:
            # A follow-up whose answer is what the text says right after the previous quote ("How long did it
            # last?" after a quote on a startup): the next window, when its first sentence states the kind of
            # figure asked for (a name or a list is too common to vouch for anything).
            kind = expected_type(own) if shown else None
            after = self._continuation(found, shown, None) if kind in _FIGURES else None
            said = split_sentences(after.text)[:1] if after else []
            if not said or not has_type(after.text[said[0].start:said[0].end], kind, own):
                return [], support, ()
            return verified([after], self.texts), support, ()
        expects = expected_type(own)
        near = s.min_support * VOUCHED_SUPPORT_SHARE
        first = [_best(found, expects, near)]
        # A follow-up goes on from the previous answer's quote; "What became of the mill?" from the best window:
        # what the text says next is how it ended. Any other question's best window is quoted with the window
        # after it, room allowing, where that one turns or carries on its point ("But listening is not enough.",
        # "It's pride dressed up as care.").
        span = [(first[0].path, first[0].start, first[0].end)]
        before = shown or (span if asks_outcome(text) else ())
        if before and (after := self._continuation(found, before, first[0])) is not None:
            # both when they fit; else what the text says next (the follow-up asks about what was shown)
            first = first + [after] if (first[0].end - first[0].start) + (after.end - after.start) <= budget \
                else [after]
            # asked how it ended, the conclusion the text draws right after ("So we decided to have those customer
            # reviews." after the debate it settles)
            then = self._next_sentence(found, after.path, after.end, None) if asks_outcome(own) else None
            if then and concludes(then.text) and sum(w.end - w.start for w in first) + then.end - then.start <= budget:
                first = first + [then]
        elif (not before and (after := self._continuation(found, span, first[0])) is not None
              and (turns(after.text) or sets_up(first[0].text, self.texts.get(after.path)[first[0].end:after.start]))
              and (first[0].end - first[0].start) + (after.end - after.start) <= budget):
            first = first + [after]  # "It's pride dressed up as care."; "Amazon did the opposite." and what it did
        if expects in _FIGURES and (figure := self._figure_after(found, expects, own, near, first, held)):
            first = first[:1] + [figure] + first[1:]  # the figure asked for before a point carried on
        if asks_reason(own) and concludes(first[0].text) and (reason := _leading_up(found, first[0])):
            first = [reason] + first[1:]  # "So, of course, the mill had to close": why is said before
        elif asks_reason(own) and (reason := self._reason_after(found, first, near, budget, held)):
            first = first + [reason]  # "We asked staff back to the office. … We've become convinced that …"
        if expects == "list":  # "What are the three questions …?": the items the best window announces
            first = first + self._items(first[0])
        return verified(select(found, max_quotes, budget, s.near_duplicate, first), self.texts), support, ()

    def _framed(self, window: Window, named: set[str]) -> bool:
        """Whether the last year stated just before `window` in its document (`_YEAR_FRAME`) is one of the `named`
        ("In 2009 we … For 2010, we have 452 goals. …": the window is about 2010, not 2009)."""
        return last_year(self.texts.get(window.path)[max(0, window.start - _YEAR_FRAME):window.start]) in named

    def _figure_after(self, found: list[Window], kind: str, question: str, near: float,
                      taken: Sequence[Window], held: Sequence[tuple[str, int, int]]) -> Window | None:
        """The sentence that gives the figure asked for (`kind`: a span of time, a date, a number, a sum), one or two
        after the window scored `near` or above that says most of what the question asks about (its words' idf
        share), where that window gives none: "How long had the mill run when Ann wrote her first report?" after "In
        her first report, Ann …" is answered by "Remember, this was 1890. The mill had opened three years before."
        The second sentence is quoted with the one between, unless `taken` (the windows to be quoted) holds that one.
        None where neither gives it, or where it is quoted already or in the previous answer (`held`)."""
        vouched = [w for w in found if w.score >= near]
        if not vouched:
            return None
        gives = _gives_figure(question) or functools.partial(has_type, kind=kind, question=question)
        top = max(vouched, key=lambda w: (w.features[_IDF_COVER], w.score))
        if gives(top.text):
            return None
        spans = [(w.path, w.start, w.end) for w in taken] + list(held)
        then = self._next_sentence(found, top.path, top.end, top)
        if then is not None and not gives(then.text):
            after = self._next_sentence(found, top.path, then.end, top)
            if after is None or not gives(after.text):
                return None
            then = after if _overlaps(then, spans) else replace(after, start=then.start)
        return None if then is None or _overlaps(then, spans) else then

    def _reason_after(self, found: list[Window], taken: Sequence[Window], near: float, budget: int,
                      held: Sequence[tuple[str, int, int]]) -> Window | None:
        """The reason a "why" question asks for, where the windows `taken` to be quoted give none (`states_reason`)
        and no other window of the best window's document is one the scorer finds `near` an answer (another
        document's is not weighed: it is another matter, "We are happy to have them on our teams …"): the sentences
        after the best window (and the windows quoted right after it) through the first of the next `_REASON_REACH`
        that gives one, as a window. The best window often says what was done and the text says why a few sentences
        on: "We asked staff back three days a week. … But we don't think it's the best long-term approach. We've
        become convinced that inventing is easier together." None where no sentence in reach gives one, where the run
        overlaps a quote taken or the previous answer's (`held`), or where it does not fit the `budget` with them."""
        spans = [(w.path, w.start, w.end) for w in taken] + list(held)
        if any(states_reason(w.text) for w in taken) or any(w.score >= near and w.path == taken[0].path
                                                             and not _overlaps(w, spans) for w in found):
            return None
        best, end = taken[0], taken[0].end
        for w in sorted(taken[1:], key=lambda w: w.start):
            if w.path == best.path and w.start >= end and not self.texts.get(w.path)[end:w.start].strip():
                end = w.end
        room = budget - sum(w.end - w.start for w in taken)
        start = None
        for _ in range(_REASON_REACH):
            then = self._next_sentence(found, best.path, end, best)
            if then is None or _overlaps(then, spans):
                return None
            start = then.start if start is None else start
            if then.end - start > room:
                return None
            if states_reason(then.text):
                return replace(then, start=start)  # with the sentences that lead to it
            end = then.end
        return None

    def _items(self, window: Window) -> list[Window]:
        """The items after `window` of the list it announces and starts (`announced_items`), as windows of its
        document (scored as it is), where the file still says what the window quotes; none that is non-content."""
        doc = self.texts.get(window.path)
        if doc[window.start:window.end] != window.text:
            return []
        return [replace(window, start=a, end=b, chunk_start=0, chunk_text=doc)
                for a, b in announced_items(doc, window.start, window.end)
                if not is_non_content(doc[a:b], self.repeated)]  # a list of links is no evidence

    def _anchored(self, found: list[Window], text: str, follow_up: bool = False) -> list[str]:
        """What the candidates say about the rarest name the question asks about (capitalised words after its
        first word, the corpus using at least one of them): the windows of documents whose title or author
        holds it, and in windows that hold it the sentence that names it, each on its own, with the one before and the
        one after where they share another word of the question, and the one after where it goes on about the same
        thing (`_REFERS_BACK`); and so on from each one kept for a shared word ("Kuiper will be affordable. We built
        low-cost terminals. We expect to make each for less than $400.": the third tells what the second's cost is).
        A figure or date must be stated there ("How much did Amazon pay for One Medical?" is not answered by a
        passage on tuition that gives a sum, nor by "orders over $35" in a passage that names One Medical two
        sentences earlier). A name of several words that no window nor catalog entry writes whole (in any case) is
        looked for by its rarest word that a window writes. Every window's text when the question names nothing, or
        no window holds the name.
        A `follow_up`'s referent in parentheses ("… by the time he wrote that (We launched the Pledge with Ann …)?")
        is context: a name the question itself asks about comes first. A name typed in lower case ("how many prime
        members …") is one the candidates write only capitalised, after a word in lower case ("the Prime
        membership"; not in a heading's "Revenue Grew"), and so is a run of capitalised words they write
        ("one medical"), unless they also write it in lower case (a table's "Free Cash Flow")."""
        q = self.question(text)
        weight = {t: w for t, w, k in zip(q.terms, q.idf, q.known) if k}
        written = "\n".join(w.text for w in found)
        capitalised = set(re.findall(r"(?<![\w’'-])[a-z]+ ([A-Z][a-z]+)\b", written)) - {
            w.capitalize() for w in re.findall(r"\b[a-z]+\b", written)}
        phrases = set()  # runs of capitalised words ("One Medical"), less a sentence's first word ("The Blue Heron")
        for run in re.findall(r"(?<![\w’'-])[A-Z][a-z]+(?: [A-Z][a-z]+)+\b", written):
            words = run.split()
            while words and words[0].lower() in STOPWORDS:
                words = words[1:]
            # a run they also write in lower case is a heading's common noun ("Free Cash Flow"), no name
            if len(words) > 1 and not _written(" ".join(words).lower(), written):
                phrases.add(" ".join(words))
        rarity = []
        for asked in (re.sub(r"\([^()]*\)", "", text), text) if follow_up else (text,):
            names = [re.sub(r"[’']s$", "", n) for n in re.findall(r"(?<=\s)[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*", asked)]
            names += [w.capitalize() for w in re.findall(r"\b[a-z]+\b", asked) if w.capitalize() in capitalised]
            names += [p for p in phrases if _written(p.lower(), asked)]
            rarity = [(max((weight.get(t, 0.0) for t in tokenize(n)), default=0.0), n) for n in names]
            if rarity := [(r, n) for r, n in rarity if r > 0]:
                break
        if not rarity:
            return [w.text for w in found]
        name = " ".join(max(rarity)[1].split())
        others = set(weight) - set(tokenize(name))
        whole = name.lower()
        if " " in name and not any(whole in " ".join(w.text.split()).lower() for w in found) and not any(
                whole in f"{d.title} {d.author}".lower() for d in self.catalog):
            # a name that no candidate nor catalog entry writes whole ("Kestrel Prime" where they say "the Prime
            # plan"): its rarest word that a candidate writes as a word, unless another is as rare
            ranked = sorted(((max((weight.get(t, 0.0) for t in tokenize(word)), default=0.0), word)
                             for word in name.split() if any(_written(word, w.text) for w in found)), reverse=True)
            if ranked and (len(ranked) == 1 or ranked[0][0] > ranked[1][0]):
                name = ranked[0][1]
        about = {d.path for d in self.catalog if name in d.title or name in d.author}
        held = [w.text for w in found if w.path in about]
        # A sentence beside the one that names it tells of the same thing when it shares another of the
        # question's words, or (the one after) refers back to it ("It paid $4 million for the mill"); not when it
        # moves on ("Orders over $35 ship free")
        for w in found:
            if w.path not in about:
                said = [" ".join(w.text[span.start:span.end].split()) for span in split_sentences(w.text)]
                naming = [i for i, one in enumerate(said) if name in one]
                near, told = set(naming), list(naming)
                while told:  # a sentence sharing a word tells of the thing too: its neighbours are read alike
                    i = told.pop()
                    for j in (i - 1, i + 1):
                        if 0 <= j < len(said) and j not in near and others & set(tokenize(said[j])):
                            near.add(j)
                            told.append(j)
                near |= {i + 1 for i in naming if i + 1 < len(said) and _REFERS_BACK.match(said[i + 1])}
                held += [said[i] for i in sorted(near)]
        return held or [w.text for w in found]

    def _shown_end(self, shown: Sequence[tuple[str, int, int]]) -> tuple[str, int]:
        """(path, offset) where the previous answer's best quote (`shown[0]`) ends, run on through any other quote
        of it that follows without a gap: what the text says next starts there. Not through one that turns the
        point of the quote before it (`turns`): quoted for that point, it is still what a follow-up may ask about."""
        path, _, end = shown[0]
        text = self.texts.get(path)
        while more := next((e for p, b, e in shown if p == path and end <= b < e and not text[end:b].strip()
                            and not turns(text[b:e])), None):
            end = more  # the previous answer went on there
        return path, end

    def _continuation(self, found: list[Window], shown: Sequence[tuple[str, int, int]], best: Window | None
                      ) -> Window | None:
        """The best window that starts with the sentence right after the previous answer's best quote
        (`shown[0]`, run on through any other quote of it that follows without a gap, as `_shown_end` says) and does
        not overlap `best`: a follow-up often asks what the text says next ("So what kind of company did he say they
        wanted to be?", "How did it end?")."""
        path, end = self._shown_end(shown)
        text = self.texts.get(path)
        nxt = min((w.start for w in found if w.path == path and w.start >= end), default=None)
        if nxt is None or text[end:nxt].strip():
            return self._next_sentence(found, path, end, best)
        after = [w for w in found if w.path == path and w.start == nxt
                 and not (best and _overlaps(w, [(best.path, best.start, best.end)]))]
        return max(after, key=lambda w: w.score, default=None)

    def _next_sentence(self, found: list[Window], path: str, end: int, best: Window | None) -> Window | None:
        """The sentence of `path` right after `end`, as a window of its document scored as the best window found
        there, where no window found starts with it (windows start in the retrieved chunks, and the next sentence
        may open a chunk that was not retrieved). None when it is non-content or a heading, when no window of
        `path` was found, or when the file no longer says what that window quotes."""
        like = max((w for w in found if w.path == path), key=lambda w: w.score, default=None)
        text = self.texts.get(path)
        if like is None or text[like.start:like.end] != like.text:
            return None
        spans = _sentences(text)  # the whole document's: a hard-wrapped one is told from its own lines
        at = bisect.bisect_left(spans, end, key=lambda span: span.start)
        if at == len(spans) or text[end:spans[at].start].strip():
            return None
        start, stop = spans[at].start, spans[at].end
        said = text[start:stop]
        # a heading that closes with a period, on a line of its own ("Future: Land Does Not Obey Moore's Law.")
        own_line = text[start - 1:start] in ("", "\n") and text[stop:stop + 1] in ("", "\n")
        window = replace(like, start=start, end=stop, chunk_start=0, chunk_text=text)
        if (is_non_content(said, self.repeated) or is_lead_label(said) or (own_line and is_title(said.rstrip(".")))
                or (best and _overlaps(window, [(best.path, best.start, best.end)]))):
            return None
        return window

    def _fact(self, query: Query, vector, s: Settings):
        """(quotes, support, uncovered, the query as answered: unscoped when it fell back to the corpus).

        One named source scopes the search. A title stays in the query: it often is the subject ("what
        happened to Toby in The Office"), and cutting it cost 13 points of ClapNQ hits. A source named by
        its author or role (`Query.attributed`) is not what the question is about: the question less its
        name is embedded ("in the critic's view" drew the search to "Criticism of …"); a publisher's name
        may be what it asks about ("the guy behind FourWeekMBA"), and the whole question is searched too.
        A follow-up also searches the previous answer's documents (at the vouched threshold) and
        answers from them unless the whole corpus, or the year it names, holds better evidence (an event
        "in 2011" may be told in a later letter). A follow-up kept in the
        source that the conversation named, or a question that names its source by author, role, year
        or description (`Query.attributed`), searches that source at the vouched threshold, then the
        whole corpus ("the goals for 2010" are in the 2009 letter), for the same topic: the question less
        the source's name, which the rest of the corpus need not hold. A source named as a document ("In his 2022
        letter, …": `Query.as_document`) is searched at the vouched threshold too, and only there. A source named
        by a year that only dates what is asked, answering below the full threshold, gives way to the whole
        corpus's answer when it answers outright and a quote of it at the full threshold states the year.
        """
        paths = query.sides[0].paths if query.sides else None
        topic = query.sides[0].query if query.sides else None
        presumed = bool(query.prefer) or query.attributed or query.as_document
        vouched = s.with_(min_support=s.min_support * VOUCHED_SUPPORT_SHARE) if presumed else s
        kept = paths is not None and presumed
        whole = vector
        if query.attributed and topic and topic != query.text:
            # Named by author or role ("in the critic's view"), the source is not what the question is
            # about: its name would draw the search to passages that use the word ("criticism").
            vector = self.embedder.embed_one(topic)
        found, support, uncovered = self._evidence(query.text, vector, vouched if kept else s, paths, s.k_chunks,
                                                   s.max_quotes, s.max_quote_chars, topic, query.shown, query.asked,
                                                   query.held, query.names)
        # ... unless the name cut is a publisher's, and the publisher is what it asks about ("the guy behind
        # FourWeekMBA"): the whole question's evidence when it scores better and its best passage names it.
        cut = self._publisher_cut(query.text, topic or "", paths) if vector is not whole else []
        if cut:
            named = self._evidence(query.text, whole, vouched if kept else s, paths, s.k_chunks, s.max_quotes,
                                   s.max_quote_chars, topic, query.shown, query.asked, query.held, query.names)
            best = max(named[0], key=lambda quote: quote[0].score)[1] if named[0] else ""
            if named[1] > support and any(re.search(rf"\b{re.escape(n)}\b", best) for n in cut):
                found, support, uncovered = named
        if query.prefer and (paths is None or paths != tuple(query.prefer)):
            near = self._evidence(query.text, vector, vouched, query.prefer, s.k_chunks, s.max_quotes,
                                  s.max_quote_chars, shown=query.shown, asked=query.asked, held=query.held,
                                  names=query.names)
            if near[0] and (not found or near[1] >= support):
                return self._number(near[0], None), near[1], near[2], replace(query, sides=())
        named_years = years(query.text)
        if kept and found and support < s.min_support and not query.as_document and named_years:
            # A year that dates what is asked ("what did EC2 lack when it went live in 2006?"), that year's
            # report answering only as presumed: a passage elsewhere that states the year and answers outright
            # (a later report looking back).
            wide = self._evidence(query.text, whole, s, None, s.k_chunks, s.max_quotes, s.max_quote_chars,
                                  shown=query.shown, asked=query.asked, held=query.held, names=query.names)
            if any(years(said) & named_years for w, said in wide[0] if w.score >= s.min_support):
                (found, support, uncovered), query = wide, replace(query, sides=())
        if paths is not None and not found and (support == 0.0 or kept) and not query.as_document:
            # No candidate at all in the named source (a probability is never 0), or none in the source
            # presumed to answer: the whole corpus. Not for a source named as a document ("the 2012 letter"):
            # another letter's passage would answer a question that was not asked.
            found, support, uncovered = self._evidence(query.text, vector, s, None, s.k_chunks, s.max_quotes,
                                                       s.max_quote_chars, topic, query.shown, query.asked,
                                                       query.held, query.names)
            query = replace(query, sides=())
        return self._number(found, None), support, uncovered, query

    def _publisher_cut(self, asked: str, searched: str, paths: tuple[str, ...] | None) -> list[str]:
        """The capitalised words of the publisher of `paths` that `asked` writes and `searched` (what was left of it
        once its source's name was cut) does not, in the order asked: the name may be what it asks about ("the guy
        behind FourWeekMBA"). Not a stop word ("The"), nor a word most documents write ("Amazon"): it tells none
        apart."""
        publishers = {w for p in paths or () if (doc := self._by_path.get(p))
                      for w in re.findall(r"[\w-]+", doc.publisher)}
        left = set(re.findall(r"\b[A-Z][\w-]+", searched))
        cut = [w for w in dict.fromkeys(re.findall(r"\b[A-Z][\w-]+", asked)) if w in publishers and w not in left]
        return [w for w in cut if w.lower() not in STOPWORDS and not self._sources.common(w)]

    def _compare(self, query: Query, vector, s: Settings):
        """Each side searched with its own query: a side that names sources in them only, any other side
        in the documents that no side names (or all). No passage is quoted for two sides. A side that named its
        source by a publisher and finds nothing near an answer is searched with the name too (`_publisher_cut`); a
        named side that finds nothing near an answer beside one that does, with the other side's query (`_lean`).

        The sides share the quote budget (`_side_quotes`). A follow-up's side quotes a passage the previous
        answer showed only where it answers that side best (`_unshown`), as a fact does.
        """
        searched, figures = [], []
        near = s.min_support * VOUCHED_SUPPORT_SHARE
        # A side that names no source searches every document but those the other sides named: "the
        # critic's view versus Bezos's" looks for Bezos's words outside the critic's essay.
        named = {p for side in query.sides for p in side.paths}
        others = (tuple(p for p in self._by_path if p not in named) or None) if named else None
        for i, side in enumerate(query.sides):
            text = side.query or query.text
            side_vector = vector if text == query.text else self.embedder.embed_one(text)
            # Two views of one question, neither named ("Compare the explanations given."): the second is the best
            # of the other documents, not the first's best document nor a near-duplicate of it (one whose windows
            # among the first's candidates repeat its top passages): the same view.
            taken = [] if side.paths else [f for f, o in zip(searched, query.sides[:i])
                                           if f and not o.paths and o.query == side.query]
            paths = side.paths or others
            if taken:
                firsts = {f[0].path for f in taken}
                shown = [w for f in taken for w in f[:_SIDE_OPTIONS] if w.path in firsts]
                twins = {w.path for f in taken for w in f
                         if w.path not in firsts and repeats(w, shown, s.near_duplicate)}
                paths = tuple(p for p in self._by_path if p not in firsts | twins)
            found = self._side_search(text, s, paths, query.held, side_vector)
            top = max((w.score for w in found), default=0.0)
            cut = self._publisher_cut(query.text, text, side.paths) if side.paths and top < near else []
            if cut and all(re.search(rf"\b{re.escape(n)}\b", side.label) for n in cut):
                # A part that named its source by a publisher (its label), and found nothing near an answer without
                # the name, may ask about it ("What qualification does the FourWeekMBA creator have, and …?"):
                # searched with the name too, kept as _fact keeps it (better, and its best passage names it).
                with_name = f"{text.rstrip(' ?.!')} ({' '.join(cut)})?"
                alt = self._side_search(with_name, s, paths, query.held)
                best = max(alt, key=lambda w: w.score, default=None)
                if best and best.score > top and any(re.search(rf"\b{re.escape(n)}\b", best.text) for n in cut):
                    found = alt
            searched.append(found)
            figures.append(_gives_figure(text))
        searched = self._lean(query, searched, s, near)
        supports = [found[0].score if found else 0.0 for found in searched]
        # A named side shows its best evidence, whatever its score (unless no side is near an answer,
        # below): the question chose its documents, and it says "no evidence" only when its search found
        # nothing there. Any other side must pass the threshold, like a fact; once another side reaches
        # the vouched share of it, the question has vouched for its topic, and that share is enough (the
        # second part of "What was X, and why was it dropped?"; two views set against each other vouch for
        # each other, so both are quoted at scores a fact would abstain on). When no side reaches it,
        # nothing any side found is near an answer (an off-topic comparison of two named documents): abstain.
        # Where every side names the same source, the name tells no side apart: each side's first passage must
        # then be near an answer (`_side_quotes`' first_bar below).
        options = []
        for i, (side, found) in enumerate(zip(query.sides, searched)):
            vouched = any(v >= near for j, v in enumerate(supports) if j != i)
            bar = near if vouched else s.min_support
            options.append(found if found and (side.paths or found[0].score >= bar) else [])
        if all(v < near for v in supports):
            options = [[] for _ in options]  # nothing on any side is near an answer: say so
        one_source = len({side.paths for side in query.sides}) == 1 and bool(query.sides[0].paths)
        # Two things asked in one question that names no source and compares nothing ("When did the flood come,
        # and where did the looms go?") are one answer: a fact's budget. Not a follow-up, which may ask a
        # comparison's sides again in words of its own ("And what do they say about the rebuilding?").
        one_answer = (not query.follow_up and not compares(query.text)
                      and not any(side.paths for side in query.sides))
        # Parts of one question ("Why did Cosmo fail, and how long did it last?", "How does the newer chip compare to
        # it?" of one letter): a part whose only windows near an answer are the other part's passage is left to that
        # passage (and to what the text says after it, where that part's candidates go on there: `_going_on`), not
        # given a passage far from an answer that the source happens to hold.
        parts = one_source or one_answer
        chosen = _side_quotes(options, s, parts, figures, near if parts else 0.0)
        quotes: list[Quote] = []
        for side, picked in zip(query.sides, chosen):
            quotes.extend(self._number(verified(picked, self.texts), side, start=len(quotes) + 1))
        return quotes, max(supports, default=0.0)

    def _lean(self, query: Query, searched: list[list[Window]], s: Settings, near: float) -> list[list[Window]]:
        """`searched` with a named side that found nothing near an answer, beside one other side that did and that
        searched other documents, searched again with the other side's query before its own: its words may leave out
        what both ask about ("How often did the 2002 letter say stock turned over, and what turnover did the 2005
        letter report?": turnover of stock). Kept where it finds a passage near an answer."""
        answered = [i for i, found in enumerate(searched) if found and found[0].score >= near]
        if len(answered) != 1 or len(searched) != 2:
            return searched
        other = query.sides[answered[0]]
        leaned = list(searched)
        for i, side in enumerate(query.sides):
            top = searched[i][0].score if searched[i] else 0.0
            # a side's own query, without the other part (a side that has none is asked the whole question), in
            # documents the other side did not search (where its passage would win again)
            if (i == answered[0] or not side.paths or not side.query or not other.query or top >= near
                    or set(side.paths) & set(other.paths)):
                continue
            alt = self._side_search(f"{other.query.rstrip(' ?.!')}; {side.query}", s, side.paths, query.held)
            if alt and alt[0].score >= near:
                leaned[i] = alt
        return leaned

    def _side_search(self, text: str, s: Settings, paths: tuple[str, ...] | None,
                     held: Sequence[tuple[str, int, int]], vector=None) -> list[Window]:
        """A comparison side's candidates for `text` in `paths`, less the previous answer's `held` quotes that do not
        answer best (`_unshown`), best first. `vector`: `text`'s embedding, when the caller has it."""
        vector = self.embedder.embed_one(text) if vector is None else vector
        found = _unshown(self.candidates(text, vector, s, paths, s.k_chunks), held, s.min_support)
        return sorted(found, key=lambda w: (-w.score, w.path, w.start))

    def _unnamed(self, names: Sequence[str], paths: tuple[str, ...] | None) -> tuple[str, ...]:
        """The `names` a question asks about (`Query.names`) that the documents searched (`paths`; None: all)
        never write: a word of the name (its first letters, `_NAME_STEM`: "Japan" for "Japanese") that neither
        their text nor their titles hold, digits aside ("July 29": "29th" is written). "In the 2013 letter, how
        many tablets sold in Japan?", the 2013 letter never naming Japan: its passages answer about something
        else. A name of stop words only ("The May") has no word to miss."""
        searched = set(paths) if paths is not None else set(self._titles)
        titles = tokenize(" ".join(self._titles.get(p, "") for p in searched))
        return tuple(name for name in names if not all(
            any(w.startswith(t[:_NAME_STEM]) for w in titles) or searched & self.keyword.documents_starting(
                t[:_NAME_STEM]) for t in tokenize(name) if t.isalpha()))

    def _closest_titles(self, vector) -> tuple[str, ...]:
        """On abstention: the titles of the documents whose mean chunk vector is nearest the question.

        Computed from the catalog in memory, so it is exact and the same on every store.
        """
        catalog, path_order, doc_vectors = self._suggest
        similarity = np.round(doc_vectors @ vector, 6)
        titles: dict[str, None] = {}
        for i in np.lexsort((path_order, -similarity)):  # best first; ties by path
            titles.setdefault(catalog[i].title)
            if len(titles) == _SUGGESTIONS:
                break
        return tuple(titles)

    def _number(self, found, side: Side | None, start: int = 1) -> list[Quote]:
        """Number quotes best first: sources ordered by their best quote, and the best quote first in its source,
        then its others by score, except that a quote going on right where the one before it ends (what the text says
        next) comes right after it."""
        found = sorted(found, key=lambda cq: -cq[0].score)
        order = list(dict.fromkeys(c.path for c, _ in found))
        ranked = []
        for path in order:
            text = self.texts.get(path)  # verified just before; a quote the file no longer holds goes on from nothing
            rest = [cq for cq in found if cq[0].path == path]
            while rest:
                last = ranked[-1][0] if ranked and ranked[-1][0].path == path else None
                at = next((i for i, (c, said) in enumerate(rest) if last and last.end <= c.start
                           and text[c.start:c.end] == said and not text[last.end:c.start].strip()), 0)
                ranked.append(rest.pop(at))
        found = ranked
        out = []
        for n, (c, text) in enumerate(found, start=start):
            doc = self._by_path.get(c.path)
            out.append(Quote(n=n, path=c.path, title=doc.title if doc else Path(c.path).name,
                             author=doc.author if doc else "", text=text, start=c.start, end=c.end,
                             score=c.score, side=side.label if side else None, also_in=c.also_in))
        return out

    # --- what the UI shows about the index ---------------------------------------------------
    def documents(self) -> list[DocInfo]:
        return list(self.catalog)

    def document_text(self, path: str) -> str:
        """The current text of an indexed document (for the source viewer)."""
        if path not in self._by_path:
            raise QuestionError(f"{path} is not a document of this index")
        return self.texts.get(path)
