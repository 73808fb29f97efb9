"""Keyword side of retrieval: a BM25 index over chunks, persisted and updated incrementally.

The index is a sparse term-frequency matrix (one row per chunk, with the path of
its document) saved beside the Chroma files as `keyword.npz` + `keyword.json`.
Knowing each row's document and offset, it also answers "which chunks are in these
documents" for a scoped search without asking Chroma (a metadata scan of the
whole collection, 26 ms at 100k chunks), and "which chunk comes next" for a window
that runs on past its chunk's end. Ingestion adds and removes rows;
questions only read it, so nothing is rebuilt per question or per start. Its
`fingerprint` (a hash of the chunk ids) must equal the one recorded in the store,
else it is rebuilt from the store's chunks once and saved again.

>>> tokenize("Customers' obsessions, Day-2!")
['customer', 'obsession', 'day', '2']
"""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

from .errors import IndexCorrupt
from .records import Chunk

_K1, _B = 1.2, 0.75  # the usual BM25 constants
_INFLECTIONS = frozenset({"", "e", "s", "es", "ed", "d", "ing", "er", "ers"})  # what `_variants` lets differ
_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset("""a an and are as at be been but by did do does for from had has have he her his how i if in
into is it its me my no not of on or our she so than that the their them then there these they this those to
us was we were what when where which who whom why will with would you your about also can could should may
might just more most some such only own same too very s t don any all each other what's""".split())


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, with a light plural/possessive strip."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in STOPWORDS:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


def fingerprint(ids) -> str:
    return hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()


class KeywordIndex:
    """BM25 over chunk texts; rows are addressed by chunk id."""

    def __init__(self, ids: list[str] | None = None, matrix: sparse.csr_matrix | None = None,
                 vocab: dict[str, int] | None = None, paths: list[str] | None = None,
                 starts: list[int] | None = None):
        self.ids = list(ids or [])
        self.paths = list(paths or [])  # the document of each row
        self.starts = list(starts or [])  # where each row's chunk starts in its document
        self.vocab = dict(vocab or {})
        self.matrix = matrix if matrix is not None else sparse.csr_matrix((0, 0), dtype=np.float32)
        self._prepare()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ids)

    def update(self, add: list[Chunk], remove: set[str]) -> None:
        """Remove rows by chunk id, then add one row per chunk (a chunk already present is replaced)."""
        replaced = remove | {c.id for c in add}
        keep = [i for i, cid in enumerate(self.ids) if cid not in replaced]
        rows, cols, vals = [], [], []
        for r, chunk in enumerate(add):
            for term, tf in Counter(tokenize(chunk.text)).items():
                rows.append(r)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                vals.append(tf)
        width = len(self.vocab)
        old = self.matrix[keep] if keep else sparse.csr_matrix((0, self.matrix.shape[1]), dtype=np.float32)
        old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], width))
        new = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(add), width))
        self.ids = [self.ids[i] for i in keep] + [c.id for c in add]
        self.paths = [self.paths[i] for i in keep] + [c.path for c in add]
        self.starts = [self.starts[i] for i in keep] + [c.start for c in add]
        self.matrix = sparse.vstack([old, new], format="csr", dtype=np.float32)
        self._prepare()

    def _prepare(self) -> None:
        n = self.matrix.shape[0]
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        self._rows_of: dict[str, list[int]] = {}
        for i, path in enumerate(self.paths):
            self._rows_of.setdefault(path, []).append(i)
        self._next: dict[str, str] = {}  # chunk id -> the id of the chunk after it in its document
        for rows in self._rows_of.values():
            ordered = sorted(rows, key=self.starts.__getitem__)
            self._next.update((self.ids[a], self.ids[b]) for a, b in zip(ordered, ordered[1:]))
        self._words = sorted(self.vocab)  # for `_variants`
        self._csc = self.matrix.tocsc()
        lengths = np.asarray(self.matrix.sum(axis=1)).ravel()
        self._mean_length = float(lengths.mean()) if n else 1.0
        self._norm = _K1 * (1 - _B + _B * lengths / max(lengths.mean(), 1.0)) if n else lengths
        df = np.diff(self._csc.indptr)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def idf(self, terms: list[str]) -> tuple[list[float], list[bool]]:
        """Each term's idf, and whether the corpus uses it or another inflection of it (`_variants`: "protecting"
        is known where the text says "protect", with the lowest idf of those words); a term it never uses gets
        the largest idf. Only whether a term is known is read this way: matching stays exact (stems in BM25
        and coverage were measured twice, and lost)."""
        n = len(self.ids)
        rare = float(np.log(1 + (n + 0.5) / 0.5))
        idf, known = [], []
        for t in terms:
            cols = [self.vocab[t]] if t in self.vocab else [self.vocab[w] for w in self._variants(t)]
            idf.append(float(min(self._idf[c] for c in cols)) if cols else rare)
            known.append(bool(cols))
        return idf, known

    def _variants(self, term: str) -> list[str]:
        """The words of the vocabulary that are `term` with another inflection: a common start of four letters
        or more, each word ending there or in one of `_INFLECTIONS` ("keeping" and "keep", "offer" and
        "offering", "protected" and "protecting"; not "press" and "pressure", "plan" and "planet")."""
        head, found = term[:4], []
        i = bisect.bisect_left(self._words, head) if len(head) == 4 else len(self._words)
        while i < len(self._words) and self._words[i].startswith(head):
            word = self._words[i]
            stem = os.path.commonprefix([term, word])
            if term[len(stem):] in _INFLECTIONS and word[len(stem):] in _INFLECTIONS:  # stem: 4 letters or more
                found.append(word)
            i += 1
        return found

    @property
    def mean_length(self) -> float:
        """Mean number of terms in a chunk."""
        return self._mean_length

    def documents_with(self, terms: list[str]) -> dict[str, int]:
        """For each document, how many of its chunks hold every one of `terms` (none: {})."""
        if not terms or any(t not in self.vocab for t in terms):
            return {}
        rows: set[int] | None = None
        for t in dict.fromkeys(terms):
            col = self.vocab[t]
            found = set(self._csc.indices[self._csc.indptr[col]:self._csc.indptr[col + 1]].tolist())
            rows = found if rows is None else rows & found
        return dict(Counter(self.paths[r] for r in rows or ()))

    def documents_starting(self, head: str) -> set[str]:
        """The documents with a word that starts with `head` ("japan": "japan", "japanese")."""
        i = bisect.bisect_left(self._words, head)
        found: set[str] = set()
        while i < len(self._words) and self._words[i].startswith(head):
            found.update(self.documents_with([self._words[i]]))
            i += 1
        return found

    def chunk_ids(self, paths: tuple[str, ...]) -> set[str]:
        """Ids of the chunks of the given documents."""
        return {self.ids[i] for path in paths for i in self._rows_of.get(path, ())}

    def chunk_at(self, path: str, offset: int) -> str | None:
        """The id of the last chunk of `path` that starts at or before `offset` (None when it has none)."""
        rows = [i for i in self._rows_of.get(path, ()) if self.starts[i] <= offset]
        return self.ids[max(rows, key=self.starts.__getitem__)] if rows else None

    def following(self, chunk_id: str) -> str | None:
        """The id of the chunk that comes after this one in its document (None for the last one)."""
        return self._next.get(chunk_id)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top `k` (chunk id, BM25 score) pairs with a positive score, best first; only `allowed` ids if given."""
        cols = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not cols or not self.ids:
            return []
        sub = self._csc[:, cols].tocoo()
        tf = sub.data
        contrib = self._idf[np.asarray(cols)[sub.col]] * tf * (_K1 + 1) / (tf + self._norm[sub.row])
        scores = np.bincount(sub.row, weights=contrib, minlength=len(self.ids))
        if allowed is not None:
            keep = np.zeros(len(self.ids), dtype=bool)
            keep[[self._row[cid] for cid in allowed if cid in self._row]] = True
            scores[~keep] = 0.0
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]  # the k best unordered, in linear time; then sort those
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties in index order
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # --- persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write atomically: a reader sees the old or the new index, never half of one."""
        folder.mkdir(parents=True, exist_ok=True)
        m = self.matrix
        tmp_npz, tmp_json = folder / "keyword.tmp.npz", folder / "keyword.tmp.json"
        np.savez(tmp_npz, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.asarray(m.shape))
        # Paths once each, rows by number: a path per row would repeat it hundreds of times.
        names = list(dict.fromkeys(self.paths))
        code = {p: i for i, p in enumerate(names)}
        tmp_json.write_text(json.dumps({"ids": self.ids, "paths": names, "doc": [code[p] for p in self.paths],
                                        "starts": self.starts,
                                        "vocab": self.vocab, "fingerprint": self.fingerprint}), encoding="utf-8")
        tmp_npz.replace(folder / "keyword.npz")
        tmp_json.replace(folder / "keyword.json")

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        """The saved index, or None when there is none; IndexCorrupt when it cannot be read."""
        npz, meta = folder / "keyword.npz", folder / "keyword.json"
        if not npz.exists() or not meta.exists():
            return None
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            with np.load(npz, allow_pickle=False) as z:
                matrix = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            index = cls(info["ids"], matrix, info["vocab"], [info["paths"][i] for i in info["doc"]], info["starts"])
            # The two files are replaced one after the other: a matrix from one save with the ids
            # of another would score rows under the wrong chunk ids.
            consistent = (index.fingerprint == info.get("fingerprint")
                          and matrix.shape == (len(index.ids), len(index.vocab))
                          and len(index.paths) == len(index.starts) == len(index.ids))
        # A damaged .npz is a damaged zip file (BadZipFile, EOFError), not only a ValueError.
        # An index saved before rows knew their document and offset lacks "paths" or "starts"
        # (KeyError): rebuilt once.
        except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexCorrupt(f"keyword index in {folder} cannot be read ({exc}); run `rag ingest` to rebuild it") from None
        if not consistent:
            raise IndexCorrupt(f"keyword index in {folder} is inconsistent; run `rag ingest` to rebuild it")
        return index
