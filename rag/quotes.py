"""Stage 6c: choose the windows to quote, and prove each one verbatim.

The scored windows (`rag.evidence`, `rag.scoring`) are taken best first while they
fit the character budget (whether to answer at all was decided on the best one's
probability); a window overlapping one already taken is skipped, and one that repeats
it (a near-duplicate document) is not shown again but named as "also in". Every quote is
checked against its file on disk: `text[start:end] == quote`, else it is dropped and
never shown.
"""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import VerificationError
from .evidence import Window

SHARED_RUN = 0.5  # windows of two documents sharing a run this long (of the shorter) are one passage
SHARED_QUOTE = 8  # ... or this many runs of five words, a quarter of the shorter's: a sentence that both quote
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def select(windows: list[Window], max_quotes: int, budget: int, near_duplicate: float,
           first: Sequence[Window] = ()) -> list[Window]:
    """The best windows within `budget` characters, best first, near-duplicates folded into `also_in`.

    The first window considered is always kept (windows are capped in length when they are cut). `first`:
    windows considered before the others, in their order (the best and a follow-up's continuation of the
    previous quote, or that continuation alone where the two would pass `budget` together; or the best and the
    window after it that turns its point; the conclusion drawn right after a continuation, asked how it ended; and
    the sentences that give the figure, or the reason, asked for).
    """
    taken_first = {id(w) for w in first}  # by identity: a window's features are an array
    ranked = list(first) + sorted((w for w in windows if id(w) not in taken_first),
                                  key=lambda w: (-w.score, w.path, w.start))
    chosen: list[tuple[Window, tuple[set, set]]] = []  # with each one's words and five-word runs
    used = 0
    for cand in ranked:
        if len(chosen) >= max_quotes:
            break
        if any(q.path == cand.path and q.start < cand.end and cand.start < q.end for q, _ in chosen):
            continue
        mine = _words_and_runs(cand.text)
        twin = next((i for i, (_, theirs) in enumerate(chosen) if _same_passage(mine, theirs, near_duplicate)), None)
        if twin is not None:
            q, theirs = chosen[twin]
            if cand.path != q.path and cand.path not in q.also_in:
                chosen[twin] = (replace(q, also_in=q.also_in + (cand.path,)), theirs)
            continue
        length = cand.end - cand.start
        if chosen and used + length > budget:
            continue
        chosen.append((cand, mine))
        used += length
    return [q for q, _ in chosen]


def repeats(window: Window, others: Iterable[Window], near_duplicate: float) -> bool:
    """Whether `window` quotes a passage one of `others` quotes (in its document or a near-duplicate)."""
    mine = _words_and_runs(window.text)
    return any(_same_passage(mine, _words_and_runs(o.text), near_duplicate) for o in others)


def _words_and_runs(text: str) -> tuple[set[str], set[tuple[str, ...]]]:
    words = re.findall(r"\w+", text.translate(_PLAIN).lower())
    return set(words), {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def _same_passage(a: tuple[set, set], b: tuple[set, set], near_duplicate: float) -> bool:
    """Two windows quote one passage when the smaller word set is (nearly) inside the other, or when
    they share SHARED_RUN of the shorter one's runs of five words (the same passage in a
    near-duplicate document, with different sentences around it) or SHARED_QUOTE of them, a quarter of the
    shorter's (the same sentence quoted by two documents, not a phrase one of them borrows)."""
    (wa, ra), (wb, rb) = a, b
    if wa and wb and len(wa & wb) / min(len(wa), len(wb)) >= near_duplicate:
        return True
    shared, shorter = len(ra & rb), min(len(ra), len(rb))
    return bool(ra and rb) and (shared >= SHARED_RUN * shorter or (shared >= SHARED_QUOTE and shared >= shorter / 4))


class DocumentTexts:
    """Reads documents from disk for verification, re-reading a file only when it changes; the
    `keep` most recently read stay in memory (every retrieved document is read, not only the quoted)."""

    def __init__(self, keep: int = 256) -> None:
        self._cache: OrderedDict[str, tuple[tuple[int, int], str]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()  # the app's sessions share one engine

    def get(self, path: str) -> str:
        try:
            st = os.stat(path)
            key = (st.st_mtime_ns, st.st_size)
            with self._lock:
                cached = self._cache.get(path)
            if cached is None or cached[0] != key:
                cached = (key, Path(path).read_text(encoding="utf-8"))
            with self._lock:
                self._cache[path] = cached
                self._cache.move_to_end(path)
                while len(self._cache) > self._keep:
                    self._cache.popitem(last=False)
            return cached[1]
        except (OSError, UnicodeDecodeError):
            with self._lock:
                self._cache.pop(path, None)
            return ""  # a vanished or unreadable file verifies nothing


def verify(path: str, start: int, end: int, quote: str, texts: DocumentTexts) -> None:
    """Raise VerificationError unless the file at `path` holds `quote` exactly at [start:end]."""
    if not quote.strip() or texts.get(path)[start:end] != quote:
        raise VerificationError(f"{path}[{start}:{end}] no longer matches the index: run `rag ingest`")


def verified(windows: Iterable[Window], texts: DocumentTexts) -> list[tuple[Window, str]]:
    """The windows whose text still matches their document, with that text."""
    out = []
    for c in windows:
        # Against the text that was indexed, not the file itself: a file edited since then
        # would otherwise "verify" whatever now sits at the old offsets.
        quote = c.text
        try:
            verify(c.path, c.start, c.end, quote, texts)
        except VerificationError:
            continue
        out.append((c, quote))
    return out
