"""Stage 5: find the chunks that may answer a question.

Three rankings are fused with reciprocal-rank fusion: dense search over chunks,
dense search over single sentences (a one-sentence answer inside a long chunk
is found even when the chunk as a whole is about something else), and keyword
search (BM25). Then then maximal marginal relevance (MMR) picks a diverse
few, so near-duplicate documents do not crowd out the others. A search can be
limited to some documents (one side of a comparison, or a named source).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Settings
from .keyword import KeywordIndex
from .records import Chunk, Hit
from .store import Store

_RRF_K = 60  # the usual reciprocal-rank-fusion constant
# A search scoped to documents holding at most this many chunks ranks them exactly in numpy:
# Chroma's filtered vector search walks much of the graph when few rows pass the filter
# (1.3 s for one document of 5,000, against ~20 ms to fetch its rows and rank them here).
EXACT_SCOPE = 1000


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    vector: np.ndarray
    fused: float
    dense: float


def retrieve(text: str, vector: np.ndarray, store: Store, keyword: KeywordIndex, settings: Settings,
             paths: tuple[str, ...] | None = None, k: int | None = None) -> list[Hit]:
    """The best `k` chunks for `text` (whose embedding is `vector`), fused and diversified."""
    k = k or settings.k_chunks
    allowed = store.chunk_ids(paths) if paths is not None else None
    fetched: dict[str, tuple[Chunk, np.ndarray]] = {}  # chunks already read, by id
    if allowed is not None and len(allowed) <= EXACT_SCOPE:
        ranked, by_sentence = _exact_search(vector, store, sorted(allowed), settings)
        fetched = {chunk.id: (chunk, vec) for chunk, _, vec in ranked}
        dense = ranked[:settings.k_dense]
    else:
        dense = store.query(vector, settings.k_dense, paths)
        by_sentence = store.query_sentences(vector, settings.k_sentences, paths)
    lexical = keyword.search(text, settings.k_keyword, allowed)
    fused: dict[str, float] = {}
    for ranking in ([chunk.id for chunk, _, _ in dense], [cid for cid, _ in lexical], by_sentence):
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (_RRF_K + rank)
    known = {chunk.id: (chunk, vec) for chunk, _, vec in dense}
    missing = [cid for cid in fused if cid not in known]
    fetched.update({chunk.id: (chunk, vec) for chunk, vec in store.get([c for c in missing if c not in fetched])})
    known.update({cid: fetched[cid] for cid in missing if cid in fetched})
    candidates = [Candidate(chunk, vec, fused[cid], float(vec @ vector))
                  for cid, (chunk, vec) in known.items()]
    return [Hit(c.chunk, c.fused, c.dense) for c in mmr(candidates, k, settings.mmr_lambda)]


def _exact_search(vector: np.ndarray, store: Store, ids: list[str], settings: Settings
                  ) -> tuple[list[tuple[Chunk, float, np.ndarray]], list[str]]:
    """Every chunk of `ids`, best first (chunk, cosine, vector), and the chunk ids of the nearest sentences:
    computed exactly from their vectors."""
    chunks = store.get(ids)
    if not chunks:
        return [], []
    similarity = np.stack([vec for _, vec in chunks]) @ vector
    order = np.argsort(-similarity, kind="stable")
    dense = [(chunks[i][0], float(similarity[i]), chunks[i][1]) for i in order]
    rows = store.sentence_rows([chunk for chunk, _ in chunks])
    if not rows:
        return dense, []
    best = np.argsort(-(np.stack([r.vector for r in rows]) @ vector), kind="stable")[:settings.k_sentences]
    return dense, list(dict.fromkeys(rows[i].chunk_id for i in best))


def mmr(candidates: list[Candidate], k: int, lam: float) -> list[Candidate]:
    """Greedy maximal marginal relevance over fused scores (scaled to 0..1) and chunk cosine."""
    if not candidates:
        return []
    fused = np.array([c.fused for c in candidates])
    # Min-max scaling: RRF scores are nearly flat (1/61 vs 1/80), which would let diversity win.
    spread = fused.max() - fused.min()
    relevance = (fused - fused.min()) / spread if spread > 0 else np.ones(len(candidates))
    vectors = np.stack([c.vector for c in candidates])
    chosen: list[int] = []
    while len(chosen) < min(k, len(candidates)):
        if chosen:
            redundancy = (vectors @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        score = lam * relevance - (1 - lam) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [candidates[i] for i in chosen]
