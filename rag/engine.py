"""The question-answering engine: one object that the CLI, the chat app and tests share.

`Engine.open(settings)` loads the model and opens the index once; `ask()` then
answers a question (with the conversation so far) through the pipeline stages:
interpret -> retrieve -> score sentences -> select -> verify -> compose.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import answer as compose
from .config import Settings
from .embedding import Embedder
from .errors import IndexCorrupt, QuestionError
from .indexing import IngestReport, Progress, _load_keyword, check_identity, ingest
from .keyword import KeywordIndex
from .query import Query, SourceRef, Sources, interpret
from .quotes import DocumentTexts, score_sentences, select, verified
from .records import Answer, Quote, Side, Turn
from .retrieval import retrieve
from .store import DocInfo, Store

_SUGGESTIONS = 3  # closest document titles offered when the bot abstains
_MIN_SIDE_BUDGET = 400  # quoted characters a comparison side may use at least


def check_question(question: str, settings: Settings) -> str:
    """The question without surrounding blanks; QuestionError when it is empty or too long.

    Cheap, so callers (the CLI) run it before the model loads.
    """
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty: type a question about the documents")
    if len(question) > settings.max_question_chars:
        raise QuestionError(f"the question has {len(question):,} characters; the limit is "
                            f"{settings.max_question_chars:,}: shorten it to the question itself")
    return question.strip()


class Engine:
    """Answers questions from one index. Build it with `Engine.open`; share it between sessions."""

    def __init__(self, settings: Settings, embedder: Embedder, store: Store, keyword: KeywordIndex):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.keyword = keyword
        self.catalog: list[DocInfo] = store.catalog()
        self._by_path = {d.path: d for d in self.catalog}
        self._sources = Sources([SourceRef(d.path, d.title, d.author, d.publisher, d.aliases) for d in self.catalog])
        self._titles = {d.path: d.title for d in self.catalog}
        self._doc_vectors = (np.stack([d.vector for d in self.catalog]) if self.catalog
                             else np.zeros((0, embedder.dim), dtype=np.float32))
        self.texts = DocumentTexts()

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "Engine":
        """Open an existing index. Raises IndexMissing / IndexMismatch / IndexCorrupt / StoreUnavailable."""
        embedder = embedder or Embedder(batch_size=settings.embed_batch)
        store = Store(settings)
        identity = store.identity()
        check_identity(identity, settings, embedder.fingerprint)
        if identity.get("complete") != "1":
            raise IndexCorrupt(f"the last `rag ingest` into {store.where} did not finish: run `rag ingest` again")
        keyword = _load_keyword(settings, store)
        if keyword.fingerprint != identity.get("fingerprint"):
            raise IndexCorrupt(f"{store.where} is inconsistent: run `rag ingest` again")
        return cls(settings, embedder, store, keyword)

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
        s = settings or self.settings
        began = time.perf_counter()
        question = check_question(question, s)
        query = interpret(question, history, self._sources)
        vector = self.embedder.embed_one(query.text)
        t_embed = time.perf_counter()
        if query.kind == "comparison":
            quotes, support = self._compare(query, vector, s)
        else:
            quotes, support = self._fact(query, vector, s)
        t_retrieve = time.perf_counter()
        abstained = not quotes
        if abstained:
            suggestions = self._closest_titles(vector)
            text = compose.abstention(suggestions, compose.abstention_scope(query.kind, query.sides))
        else:
            suggestions = ()
            text = (compose.compose_comparison(query.sides, quotes, self._titles) if query.kind == "comparison"
                    else compose.compose_fact(quotes, self._titles))
        done = time.perf_counter()
        timings = {"embed": (t_embed - began) * 1e3, "retrieve": (t_retrieve - t_embed) * 1e3,
                   "compose": (done - t_retrieve) * 1e3, "total": (done - began) * 1e3}
        return Answer(question=question, answer=text, abstained=abstained, kind=query.kind,
                      citations=tuple(quotes), support=support, timings_ms=timings, sides=query.sides,
                      resolved_question=query.text, suggestions=suggestions)

    def _evidence(self, text: str, vector, s: Settings, paths: tuple[str, ...] | None, k: int,
                  max_quotes: int, budget: int):
        hits = retrieve(text, vector, self.store, self.keyword, s, paths, k)
        rows = self.store.sentence_rows([h.chunk for h in hits])
        candidates = score_sentences(text, vector, hits, rows)
        support = candidates[0].score if candidates else 0.0
        if support < s.min_support:
            return [], support
        chosen = select(candidates, max_quotes, budget, s.near_duplicate)
        return verified(chosen, self.texts), support

    def _fact(self, query: Query, vector, s: Settings):
        # One named source scopes the search. Its name stays in the query: it often is the
        # subject ("what happened to Toby in The Office"), and cutting it cost 13 points of
        # ClapNQ hits.
        paths = query.sides[0].paths if query.sides else None
        found, support = self._evidence(query.text, vector, s, paths, s.k_chunks, s.max_quotes, s.max_quote_chars)
        return self._number(found, None), support

    def _compare(self, query: Query, vector, s: Settings):
        # Each side needs room for a real sentence or two, even when the question names many.
        budget = max(s.max_quote_chars // len(query.sides), _MIN_SIDE_BUDGET)
        per_side = max(2, s.k_chunks // len(query.sides))
        quotes: list[Quote] = []
        supports = []
        for side in query.sides:
            text = side.query or query.text
            side_vector = vector if text == query.text else self.embedder.embed_one(text)
            found, support = self._evidence(text, side_vector, s, side.paths, per_side,
                                            s.max_quotes_per_side, budget)
            quotes.extend(self._number(found, side, start=len(quotes) + 1))
            supports.append(support)
        return quotes, max(supports, default=0.0)

    def _closest_titles(self, vector) -> tuple[str, ...]:
        """On abstention: the titles of the documents whose mean chunk vector is nearest the question.

        Computed from the catalog in memory, so it is exact and the same on every store.
        """
        similarity = np.round(self._doc_vectors @ vector, 6)
        ranked = sorted(range(len(self.catalog)), key=lambda i: (-similarity[i], self.catalog[i].path))
        return tuple(dict.fromkeys(self.catalog[i].title for i in ranked))[:_SUGGESTIONS]

    def _number(self, found, side: Side | None, start: int = 1) -> list[Quote]:
        """Number quotes in reading order: by source (best first), then by position."""
        order = list(dict.fromkeys(c.path for c, _ in found))
        found = sorted(found, key=lambda cq: (order.index(cq[0].path), cq[0].start))
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
