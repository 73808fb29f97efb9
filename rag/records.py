"""Typed, frozen records that pass between the pipeline stages.

Source path, title and character offsets travel unbroken from loading to the
citation: a `Quote` can always be checked with
`Path(quote.path).read_text(encoding="utf-8")[quote.start:quote.end] == quote.text`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Document:
    path: str  # as given (relative to the working directory when the corpus is)
    title: str
    author: str
    publisher: str
    text: str
    sha: str  # sha256 of `text`; keys the embedding work
    aliases: tuple[str, ...] = ()  # other names a question may use ("the critic", "Jassy")
    title_guessed: bool = False  # the title is the file's first line or name, not from metadata


@dataclass(frozen=True)
class Span:
    """A sentence: the unit of quoting."""

    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: document sha + offsets, so unchanged text keeps its id
    path: str
    title: str
    doc_sha: str
    start: int
    end: int
    text: str  # == document.text[start:end]
    sentences: tuple[Span, ...]  # absolute offsets of the sentences inside the chunk


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score."""

    chunk: Chunk
    score: float  # fused relevance, higher is better
    similarity: float = 0.0  # cosine of the chunk's vector and the question's


@dataclass(frozen=True)
class Quote:
    n: int  # citation number shown as [n]
    path: str
    title: str
    author: str
    text: str  # verbatim document.text[start:end]
    start: int
    end: int
    score: float
    side: str | None = None  # for comparisons: which side this quote supports
    also_in: tuple[str, ...] = ()  # paths of near-duplicate documents holding the same passage

    def to_json(self) -> dict:
        return {"n": self.n, "path": self.path, "title": self.title, "author": self.author,
                "quote": self.text, "start": self.start, "end": self.end,
                "score": round(self.score, 4), "side": self.side, "also_in": list(self.also_in)}

    @classmethod
    def from_json(cls, d: dict) -> "Quote":
        """The quote `to_json` wrote (its score as rounded there)."""
        return cls(n=d["n"], path=d["path"], title=d["title"], author=d["author"], text=d["quote"],
                   start=d["start"], end=d["end"], score=float(d["score"]), side=d.get("side"),
                   also_in=tuple(d.get("also_in", ())))


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a label and the documents it refers to."""

    label: str
    paths: tuple[str, ...]
    query: str = ""  # what to search for on this side: the question without the sources' names

    @classmethod
    def from_json(cls, d: dict) -> "Side":
        """The side `Answer.to_json` wrote (its `dataclasses.asdict`)."""
        return cls(label=d["label"], paths=tuple(d["paths"]), query=d.get("query", ""))


@dataclass(frozen=True)
class Written:
    """A written answer after the check: the sentences shown and those dropped, with why."""

    model: str
    sentences: tuple[tuple[str, tuple[int, ...]], ...]  # (text, cited quote numbers)
    dropped: tuple[tuple[str, tuple[int, ...], str], ...]  # (text, cites, why)
    error: str = ""  # the writer failed (one line): the quotes stand alone

    def to_json(self) -> dict:
        return {"model": self.model,
                "sentences": [{"text": t, "cites": list(c)} for t, c in self.sentences],
                "dropped": [{"text": t, "cites": list(c), "why": w} for t, c, w in self.dropped],
                **({"error": self.error} if self.error else {})}

    @classmethod
    def from_json(cls, d: dict) -> "Written":
        return cls(d["model"], tuple((s["text"], tuple(s["cites"])) for s in d["sentences"]),
                   tuple((s["text"], tuple(s["cites"]), s["why"]) for s in d["dropped"]), d.get("error", ""))


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # markdown with [n] markers
    abstained: bool
    kind: str  # "fact" or "comparison"
    citations: tuple[Quote, ...]
    support: float  # probability that the best window answers; abstention below Settings.min_support
    timings_ms: dict[str, float] = field(default_factory=dict)
    sides: tuple[Side, ...] = ()
    resolved_question: str = ""  # the question after follow-up resolution
    suggestions: tuple[str, ...] = ()  # on abstention: titles the corpus does cover
    uncovered: tuple[str, ...] = ()  # on abstention: what the question asks about that no passage holds (a year, or `evidence.AMOUNT`)
    written: Written | None = None  # the checked written answer, when a writer is configured (rag.writer)

    @property
    def read_differently(self) -> bool:
        """Whether the question was read as more than its own words (a follow-up's referent, a year): not only
        with the capitals of the names it typed in lower case."""
        return bool(self.resolved_question) and self.resolved_question.lower() != self.question.lower()

    def to_json(self, id: str | None = None) -> dict:
        out = {"id": id, "question": self.question, "answer": self.answer,
               "abstained": self.abstained, "kind": self.kind,
               "citations": [q.to_json() for q in self.citations],
               "support": round(self.support, 4),
               "sides": [asdict(s) for s in self.sides],
               "resolved_question": self.resolved_question,
               "suggestions": list(self.suggestions),
               "uncovered": list(self.uncovered),
               "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()}}
        if self.written is not None:
            out["written"] = self.written.to_json()
        if id is None:
            del out["id"]
        return out

    @classmethod
    def from_json(cls, d: dict) -> "Answer":
        """The answer `to_json` wrote, with tuples restored and numbers as rounded there; "id" is ignored.

        Fields with a default may be missing (JSON written before they existed).
        Raises KeyError or TypeError on a dict that `to_json` did not write.
        """
        return cls(question=d["question"], answer=d["answer"], abstained=d["abstained"], kind=d["kind"],
                   citations=tuple(Quote.from_json(q) for q in d["citations"]), support=float(d["support"]),
                   timings_ms={k: float(v) for k, v in d.get("timings_ms", {}).items()},
                   sides=tuple(Side.from_json(s) for s in d.get("sides", ())),
                   resolved_question=d.get("resolved_question", ""),
                   suggestions=tuple(d.get("suggestions", ())), uncovered=tuple(d.get("uncovered", ())),
                   written=Written.from_json(d["written"]) if d.get("written") else None)


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, used to resolve follow-ups."""

    question: str
    answer: Answer | None = None
