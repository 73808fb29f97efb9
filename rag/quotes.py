"""Stage 6: choose the sentences to quote, and prove each one verbatim.

Each sentence inside the retrieved chunks is scored by its cosine similarity to
the question (its vector was stored at indexing time) plus a bonus for sharing
the question's keywords; a question in the text hands its score on to the
sentence that replies to it. The best few are kept within a character budget; a
sentence that repeats one already kept (a near-duplicate document) is not shown
again but named as "also in". Every quote is checked against its file on disk:
`text[start:end] == quote`, else it is dropped and never shown.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import VerificationError
from .keyword import tokenize
from .records import Hit
from .store import SentenceRow

# Weight of keyword overlap next to cosine similarity (0..1 each). Measured with `rag eval`
# (README, "Quality"): 0.4-0.5 pass dev 12/12 and letters 16/17, 0.6 loses a question of each;
# ClapNQ hits at 50% abstention stay within 92-93% over 0.25-0.5.
LEXICAL_WEIGHT = 0.45
QUESTION_PENALTY = 0.15  # a sentence that is itself a question rarely answers one
REPLY_MARGIN = 0.1  # ...but the sentence after it, when nearly as relevant, takes its score (see score_sentences)
HEADING_PENALTY = 0.15  # nor does a heading: a short line with no closing punctuation
_HEADING_MAX = 60
SCORE_MARGIN = 0.6  # keep only quotes within this of the best one: no padding with weak evidence
SHORT_QUOTE = 60  # a quote shorter than this takes the next sentence along (see _with_context)
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Candidate:
    path: str
    start: int
    end: int
    score: float
    next_end: int | None  # end of the following sentence in the same chunk, if any
    also_in: tuple[str, ...] = field(default=())
    chunk_start: int = 0  # the indexed chunk holding this sentence (and the next one):
    chunk_text: str = ""  # what the file said at indexing time, to verify the quote against

    @property
    def indexed_text(self) -> str:
        return self.chunk_text[self.start - self.chunk_start:self.end - self.chunk_start]


def score_sentences(question: str, vector: np.ndarray, hits: list[Hit], rows: list[SentenceRow]) -> list[Candidate]:
    """Score every sentence of the hits' chunks; best first."""
    chunks = {h.chunk.id: h.chunk for h in hits}
    rows = sorted((r for r in rows if r.chunk_id in chunks), key=lambda r: (r.path, r.start))
    if not rows:
        return []
    terms = set(tokenize(question))
    sem = np.stack([r.vector for r in rows]) @ vector
    scores, asks = [], []
    for r, s in zip(rows, sem):
        chunk = chunks[r.chunk_id]
        text = chunk.text[r.start - chunk.start:r.end - chunk.start]
        lexical = len(terms & set(tokenize(text))) / len(terms) if terms else 0.0
        asks.append(text.rstrip("\"'”’) ").endswith("?"))
        scores.append(float(s) + LEXICAL_WEIGHT * lexical - (QUESTION_PENALTY if asks[-1] else 0.0)
                      - (HEADING_PENALTY if is_heading(text) else 0.0))
    # A text that asks the user's question ("am I being customer obsessed if I think about what
    # competitors have offered?") answers it next. That reply takes the question's score when it
    # is nearly as relevant itself; a reply that is not ("That's a question I just got") stays put.
    for i in range(1, len(rows)):
        if asks[i - 1] and rows[i].chunk_id == rows[i - 1].chunk_id:
            asked = scores[i - 1] + QUESTION_PENALTY
            if scores[i] >= asked - REPLY_MARGIN:
                scores[i] = max(scores[i], asked)
    out = []
    for i, r in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) and rows[i + 1].chunk_id == r.chunk_id else None
        chunk = chunks[r.chunk_id]
        out.append(Candidate(r.path, r.start, r.end, scores[i], nxt.end if nxt else None, chunk_start=chunk.start, chunk_text=chunk.text))
    out.sort(key=lambda c: -c.score)
    return out


def is_heading(text: str) -> bool:
    """A short line with no closing punctuation: a title or section heading, not a statement.

    >>> is_heading("The Customer as A Mirror"), is_heading("Day 2 is stasis.")
    (True, False)
    """
    text = text.strip()
    return len(text) < _HEADING_MAX and not text.rstrip("\"'”’) ").endswith((".", "!", "?", "…", ":"))


def select(candidates: list[Candidate], max_quotes: int, budget: int, near_duplicate: float) -> list[Candidate]:
    """Pick the best quotes within `budget` characters, folding near-duplicates into `also_in`.

    The first quote is always kept (sentences are capped in length at chunking time).
    """
    # A heading states no claim: quote one only when nothing else was found.
    candidates = [c for c in candidates if not is_heading(c.indexed_text)] or candidates
    chosen: list[Candidate] = []
    folded: list[Candidate] = []  # near-duplicates shown as "also in": never quoted again as context
    used = 0
    best = candidates[0].score if candidates else 0.0
    for cand in candidates:
        if len(chosen) >= max_quotes or cand.score < best - SCORE_MARGIN:
            break
        words = _words(cand.indexed_text)
        twin = next((i for i, q in enumerate(chosen) if _jaccard(words, _words(q.indexed_text)) >= near_duplicate),
                    None)
        if twin is not None:
            folded.append(cand)
            if cand.path != chosen[twin].path and cand.path not in chosen[twin].also_in:
                chosen[twin] = replace(chosen[twin], also_in=chosen[twin].also_in + (cand.path,))
            continue
        if any(q.path == cand.path and q.start < cand.end and cand.start < q.end for q in chosen):
            continue
        length = cand.end - cand.start
        if chosen and used + length > budget:
            continue
        chosen.append(cand)
        used += length
    return _with_context(chosen, used, budget, folded)


def _with_context(chosen: list[Candidate], used: int, budget: int,
                  folded: list[Candidate] = ()) -> list[Candidate]:
    """Let the best quote, and any very short one, run on into the next sentence.

    An answer often continues in the sentence after the one that matches the question
    best ("...dissatisfied. Even when they don't yet know it, customers want something
    better"), and a five-word quote says little alone. Only within the budget, and never
    into a sentence that is already quoted.
    """
    out = []
    for i, c in enumerate(chosen):
        # Never run on into a heading: "...Bezos's obsession. The Customer as A Mirror" reads as one quote.
        follows = c.chunk_text[c.end - c.chunk_start:c.next_end - c.chunk_start] if c.next_end else ""
        extra = (c.next_end - c.end) if follows and not is_heading(follows) else 0
        wanted = i == 0 or c.end - c.start < SHORT_QUOTE
        taken = any(q.path == c.path and c.end <= q.start < c.end + extra for q in [*chosen, *folded])
        if wanted and extra and not taken and used + extra <= budget:
            c = replace(c, end=c.next_end)
            used += extra
        out.append(c)
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.translate(_PLAIN).lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class DocumentTexts:
    """Reads documents from disk for verification, re-reading a file only when it changes."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple[int, int], str]] = {}

    def get(self, path: str) -> str:
        try:
            st = os.stat(path)
            key = (st.st_mtime_ns, st.st_size)
            cached = self._cache.get(path)
            if cached is None or cached[0] != key:
                self._cache[path] = (key, Path(path).read_text(encoding="utf-8"))
            return self._cache[path][1]
        except (OSError, UnicodeDecodeError):
            return ""  # a vanished or unreadable file verifies nothing


def verify(path: str, start: int, end: int, quote: str, texts: DocumentTexts) -> None:
    """Raise VerificationError unless the file at `path` holds `quote` exactly at [start:end]."""
    if not quote.strip() or texts.get(path)[start:end] != quote:
        raise VerificationError(f"{path}[{start}:{end}] no longer matches the index: run `rag ingest`")


def verified(candidates: Iterable[Candidate], texts: DocumentTexts) -> list[tuple[Candidate, str]]:
    """The candidates whose text still matches their document, with that text."""
    out = []
    for c in candidates:
        # Against the text that was indexed, not the file itself: a file edited since then
        # would otherwise "verify" whatever now sits at the old offsets.
        quote = c.indexed_text
        try:
            verify(c.path, c.start, c.end, quote, texts)
        except VerificationError:
            continue
        out.append((c, quote))
    return out
