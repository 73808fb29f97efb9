"""Stage 5: find the chunks that may answer a question.

Three rankings are fused with reciprocal-rank fusion: dense search over chunks,
dense search over single sentences (a one-sentence answer inside a long chunk
is found even when the chunk as a whole is about something else), and keyword
search (BM25). Then maximal marginal relevance (MMR) picks a diverse
few, so near-duplicate documents do not crowd out the others. A search can be
limited to some documents (one side of a comparison, or a named source).

An index of up to `EXACT_CHUNKS` chunks is searched exactly, from its vectors held in memory
(`Vectors`): Chroma's HNSW graph of a collection under its sync threshold is rebuilt at every
open, and not always the same way, so the same question could miss its third-nearest sentence in
one process and not in the next (a flipped answer in one of thirty questions, between two runs).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .config import Settings
from .keyword import KeywordIndex
from .records import Chunk, Hit
from .store import Store, chunk_of_sentence

_RRF_K = 60  # the usual reciprocal-rank-fusion constant
# A search scoped to documents holding at most this many chunks ranks them exactly in numpy:
# Chroma's filtered vector search walks much of the graph when few rows pass the filter
# (1.3 s for one document of 5,000, against ~20 ms to fetch its rows and rank them here).
EXACT_SCOPE = 1000
# A chunk this close to one already chosen repeats it (the same passage in a near-duplicate document, cut at
# other boundaries: 0.89-0.94 in corpus/'s two versions of one article, where distinct chunks reach 0.88): it is
# kept, and does not take the place of a chunk that says something else.
TWIN = 0.9
# The keyword search's best this many chunks are always candidates (chosen, not fitted: against the one best where
# it led the next by twice the score, +8 -3 on the 82 visible sets, ClapNQ +0.6 points of hits, -0.7 of abstention).
KEYWORD_KEPT = 2
EXACT_CHUNKS = 2000  # an index this small is searched exactly in memory (its vectors: ~20 MB)


class Vectors:
    """Every chunk and sentence vector of a small index, for exact and repeatable dense search."""

    def __init__(self, chunk_ids: list[str], chunks: np.ndarray, sentence_chunks: list[str], sentences: np.ndarray):
        """`chunks`: one row per chunk id; `sentences`: one row per sentence, `sentence_chunks` its chunk's id."""
        self.chunk_ids, self.chunks = chunk_ids, chunks
        self.sentence_chunks, self.sentences = sentence_chunks, sentences
        self._row = {cid: i for i, cid in enumerate(chunk_ids)}

    @classmethod
    def load(cls, store: Store) -> "Vectors":
        chunk_ids, chunks = store.all_vectors("chunks")
        sentence_ids, sentences = store.all_vectors("sentences")
        return cls(chunk_ids, chunks, [chunk_of_sentence(s) for s in sentence_ids], sentences)

    def search(self, vector: np.ndarray, n_chunks: int, n_sentences: int, allowed: set[str] | None
               ) -> tuple[list[str], list[str]]:
        """The `n_chunks` nearest chunk ids, and the chunk ids of the `n_sentences` nearest sentences
        (a chunk repeats), best first, ties in stored order; only `allowed` chunks if given."""
        return (_nearest(self.chunks, self.chunk_ids, vector, n_chunks, allowed),
                _nearest(self.sentences, self.sentence_chunks, vector, n_sentences, allowed))

    def vector(self, chunk_id: str) -> np.ndarray | None:
        i = self._row.get(chunk_id)
        return None if i is None else self.chunks[i]


def _nearest(matrix: np.ndarray, ids: list[str], vector: np.ndarray, n: int, allowed: set[str] | None) -> list[str]:
    if not len(ids):
        return []
    sims = matrix @ vector
    if allowed is not None:
        sims = np.where([cid in allowed for cid in ids], sims, -np.inf)
    order = np.argsort(-sims, kind="stable")[:n]
    return [ids[i] for i in order if sims[i] > -np.inf]


@dataclass(frozen=True)
class Candidate:
    id: str
    vector: np.ndarray
    fused: float


def retrieve(text: str, vector: np.ndarray, store: Store, keyword: KeywordIndex, settings: Settings,
             paths: tuple[str, ...] | None = None, k: int | None = None, exact: Vectors | None = None) -> list[Hit]:
    """The best `k` chunks for `text` (whose embedding is `vector`), fused and diversified, with the near
    copies of them met on the way (`mmr`: up to `k` more) and the keyword search's best (`KEYWORD_KEPT`).

    The searches return ids; vectors are read for the fused candidates (MMR needs them) and
    texts only for the chunks chosen, so a question costs few by-id reads at any scale.
    `exact`: the index's vectors, when it is small enough to hold them (`EXACT_CHUNKS`).
    """
    k = k or settings.k_chunks
    allowed = keyword.chunk_ids(paths) if paths is not None else None
    chunks: dict[str, Chunk] = {}  # chunks already read, by id
    vectors: dict[str, np.ndarray] = {}
    if exact is not None:
        dense, by_sentence = exact.search(vector, settings.k_dense, settings.k_sentences, allowed)
    elif allowed is not None and len(allowed) <= EXACT_SCOPE:
        dense, by_sentence, chunks, vectors = _exact_search(vector, store, sorted(allowed), settings)
        dense = dense[:settings.k_dense]
    elif allowed is not None and 2 * len(allowed) >= len(keyword.ids):
        # Most of the corpus (one side of a comparison: every document but the other side's): nearest
        # rows unfiltered, filtered here. Chroma's filter on thousands of paths took 0.2 s a query at
        # 10k chunks, 2 s at 100k.
        dense = _mostly(partial(store.query, vector), settings.k_dense, allowed, paths)
        by_sentence = _mostly(partial(store.query_sentences, vector), settings.k_sentences, allowed, paths)
    else:
        dense = store.query(vector, settings.k_dense, paths)
        by_sentence = store.query_sentences(vector, settings.k_sentences, paths)
    by_sentence = list(dict.fromkeys(by_sentence))
    lexical = keyword.search(text, settings.k_keyword, allowed)
    fused: dict[str, float] = {}
    for ranking in (dense, [cid for cid, _ in lexical], by_sentence):
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (_RRF_K + rank)
    if exact is not None:
        vectors.update((cid, v) for cid in fused if (v := exact.vector(cid)) is not None)
    vectors.update(store.vectors([cid for cid in fused if cid not in vectors]))
    candidates = [Candidate(cid, vectors[cid], score) for cid, score in fused.items() if cid in vectors]
    chosen = mmr(candidates, k, settings.mmr_lambda)
    # The keyword search's best chunks are candidates whatever fusion made of them: those that best match the
    # question's words, which the dense searches may rank low. Fusion, by rank only, drops a chunk that two searches
    # rank second and the third misses ("Executives carry around empty chairs in meetings") for chunks that all three
    # rank middling.
    keyword_best = {cid for cid, _ in lexical[:KEYWORD_KEPT]} - {c.id for c in chosen}
    chosen += [c for c in candidates if c.id in keyword_best]
    chunks.update((c.id, c) for c in store.get([c.id for c in chosen if c.id not in chunks]))
    return [Hit(chunks[c.id], c.fused, float(c.vector @ vector)) for c in chosen if c.id in chunks]


def _mostly(search, n: int, allowed: set[str], paths: tuple[str, ...]) -> list[str]:
    """The first `n` results of `search` (chunk ids, best first) that are `allowed`, where most rows are:
    twice as many rows unfiltered, then four, eight times as many while too few pass; past that,
    Chroma's filter on `paths`. The same rows as the filtered search, in the same order."""
    for factor in (2, 4, 8):
        found = search(factor * n)
        kept = [cid for cid in found if cid in allowed]
        if len(kept) >= n or len(found) < factor * n:  # enough, or every row seen
            return kept[:n]
    return search(n, paths)


def _exact_search(vector: np.ndarray, store: Store, ids: list[str], settings: Settings
                  ) -> tuple[list[str], list[str], dict[str, Chunk], dict[str, np.ndarray]]:
    """Every chunk id of `ids`, best first, and the chunk ids of the nearest sentences, computed
    exactly from their vectors; with the chunks and vectors read on the way."""
    chunks = {c.id: c for c in store.get(ids)}
    vectors = store.vectors(list(chunks))
    ids = [cid for cid in chunks if cid in vectors]
    if not ids:
        return [], [], chunks, vectors
    order = np.argsort(-(np.stack([vectors[cid] for cid in ids]) @ vector), kind="stable")
    dense = [ids[i] for i in order]
    rows = store.sentence_rows([chunks[cid] for cid in ids])
    if not rows:
        return dense, [], chunks, vectors
    best = np.argsort(-(np.stack([r.vector for r in rows]) @ vector), kind="stable")[:settings.k_sentences]
    return dense, list(dict.fromkeys(rows[i].chunk_id for i in best)), chunks, vectors


def mmr(candidates: list[Candidate], k: int, lam: float) -> list[Candidate]:
    """Greedy maximal marginal relevance over fused scores (scaled to 0..1) and chunk cosine: `k` chunks that
    say different things, and the `TWIN`s of chosen ones met on the way (`k` at most, then no more are taken)."""
    if not candidates:
        return []
    fused = np.array([c.fused for c in candidates])
    # Min-max scaling: RRF scores are nearly flat (1/61 vs 1/80), which would let diversity win.
    spread = fused.max() - fused.min()
    relevance = (fused - fused.min()) / spread if spread > 0 else np.ones(len(candidates))
    vectors = np.stack([c.vector for c in candidates])
    chosen: list[int] = []
    twins = 0  # chosen chunks that all but repeat one chosen before them
    while len(chosen) - twins < k:
        if chosen:
            redundancy = (vectors @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        score = lam * relevance - (1 - lam) * redundancy
        score[chosen] = -np.inf
        if twins >= k:
            score[redundancy >= TWIN] = -np.inf
        if not np.isfinite(score).any():
            break
        chosen.append(int(np.argmax(score)))
        twins += bool(redundancy[chosen[-1]] >= TWIN)
    return [candidates[i] for i in chosen]
