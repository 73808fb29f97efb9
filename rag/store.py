"""Stage 4: the Chroma store, embedded by default or a Chroma server.

Three collections per index, all in the cosine space:

* `<name>_chunks`: one row per chunk (its text, offsets and sentence spans in metadata);
* `<name>_sentences`: one row per sentence, so quote selection can score sentences
  without running the model again at question time;
* `<name>_docs`: one row per document (title, author, aliases; its vector is the mean
  of its chunks), written last, so it also marks the document as complete.

The chunks collection's metadata (the index identity) records which corpus and model
built the index, so an index is never used silently for another, and a generation number
that every ingest which writes bumps, so that an open engine notices a newer index.
Every Chroma failure surfaces as one of our errors, never as a raw traceback:
`StoreUnavailable` (server), or for the embedded store a read-only folder, a full disk, or
else `IndexCorrupt`. Only a damaged index is ever answered with "delete the folder".
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import IndexBusy, IndexCorrupt, IndexMissing, IndexProblem, RagError, StoreUnavailable
from .records import Chunk, Document, Span

_WRITE_BATCH = 2000  # rows per Chroma write; well under its max batch size
# Chroma's cache of Systems is process-wide: only one Store at a time replaces it (see `_fresh_client`).
_CONNECTING = threading.Lock()
# How a full disk and a read-only index show in errors from the OS, SQLite and Chroma's Rust core,
# which often carry the cause in their text only.
_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_FULL_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")
_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)
_READ_ONLY_TEXTS = ("readonly database", "read-only file system", "permission denied")
_BUSY_TEXTS = ("database is locked",)


@dataclass(frozen=True)
class StoredDoc:
    """What the store holds of one document path."""

    sha: str
    expected_chunks: int
    chunk_ids: frozenset[str]
    sentences: tuple[Span, ...] = ()  # its sentence spans, in order: an unchanged text is not split again


@dataclass(frozen=True)
class DocInfo:
    """A document as the index knows it (for the catalog, side detection and suggestions)."""

    path: str
    title: str
    author: str
    publisher: str
    aliases: tuple[str, ...]
    sha: str
    chunks: int
    vector: np.ndarray  # mean of its chunk vectors, normalised
    title_guessed: bool = False  # the title is the file's first line, not from metadata


def sentence_id(chunk_id: str, i: int) -> str:
    """The id of a chunk's `i`-th sentence in the sentences collection.

    >>> sentence_id("ab12-3", 4), chunk_of_sentence(sentence_id("ab12-3", 4))
    ('ab12-3:4', 'ab12-3')
    """
    return f"{chunk_id}:{i}"


def chunk_of_sentence(sentence: str) -> str:
    """The chunk id inside a sentence id (the inverse of `sentence_id`)."""
    return sentence.rsplit(":", 1)[0]


def doc_id(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SentenceRow:
    chunk_id: str
    path: str
    start: int
    end: int
    vector: np.ndarray


class Store:
    """A Chroma client plus the two collections of one index."""

    def __init__(self, settings: Settings, create: bool = False):
        self.settings = settings
        self.remote = settings.chroma_host is not None
        self.where = (f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}" if self.remote
                      else f"the index folder {settings.index_dir}")
        with self._guard():
            self.client = self._connect(create)
            names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
            chunks_name = f"{settings.collection}_chunks"
            if not create and chunks_name not in names:
                raise IndexMissing(f"nothing is indexed in {self.where} yet: run `rag ingest` first")
            space = {"hnsw": {"space": "cosine"}}
            # embedding_function=None: Chroma must never fall back to its default model (a download).
            self.chunks, self.sentences, self.docs = (
                self.client.get_or_create_collection(f"{settings.collection}_{part}", configuration=space,
                                                     embedding_function=None)
                for part in ("chunks", "sentences", "docs"))

    def _connect(self, create: bool):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.remote:
            return chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                       settings=chroma_settings)
        index_dir = Path(self.settings.index_dir)
        if not create and not (index_dir / "chroma.sqlite3").exists():
            raise IndexMissing(f"nothing is indexed in {self.where} yet: run `rag ingest` first")
        index_dir.mkdir(parents=True, exist_ok=True)
        return _fresh_client(index_dir, chroma_settings)

    @contextlib.contextmanager
    def _guard(self):
        """Turn any Chroma/transport failure into one of our errors with what to do."""
        try:
            yield
        except RagError:
            raise
        except Exception as exc:  # chromadb raises many unrelated types (httpx, sqlite, rust bindings)
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
            if self.remote:
                raise StoreUnavailable(f"cannot reach {self.where} ({detail}): start it with "
                                       f"`chroma run --path DIR --host {self.settings.chroma_host} "
                                       f"--port {self.settings.chroma_port}`, or unset RAG_CHROMA_HOST") from exc
            healthy = index_failure(exc, Path(self.settings.index_dir))
            if healthy is not None:
                raise healthy from exc
            raise IndexCorrupt(f"{self.where} cannot be read ({detail}): delete the folder and run `rag ingest`") from exc

    # --- index identity -------------------------------------------------------------------
    def identity(self) -> dict:
        """The index identity as stored now (read afresh: another process may have changed it)."""
        return {k: v for k, v in self._stored_identity().items() if not k.startswith("hnsw:")}

    def set_identity(self, **values: str) -> None:
        meta = self._stored_identity()
        meta.update(values)
        with self._guard():
            self.chunks.modify(metadata=meta)

    def _stored_identity(self) -> dict:
        with self._guard():
            return dict(self.client.get_collection(self.chunks.name, embedding_function=None).metadata or {})

    # --- writes ---------------------------------------------------------------------------
    def stored_docs(self) -> dict[str, StoredDoc]:
        """Group the stored chunks by document path."""
        with self._guard():
            rows = self.chunks.get(include=["metadatas"])
        by_path: dict[str, dict] = defaultdict(lambda: {"ids": set(), "sha": None, "n": 0, "spans": []})
        for cid, meta in zip(rows["ids"], rows["metadatas"]):
            entry = by_path[meta["path"]]
            entry["ids"].add(cid)
            entry["spans"].extend(json.loads(meta["sentences"]))
            if entry["sha"] not in (None, meta["doc_sha"]):
                entry["sha"] = "mixed"  # two versions interleaved: treat as changed
            else:
                entry["sha"] = meta["doc_sha"]
            entry["n"] = int(meta["n_chunks"])
        return {p: StoredDoc(e["sha"], e["n"], frozenset(e["ids"]), tuple(Span(a, b) for a, b in sorted(e["spans"])))
                for p, e in by_path.items()}

    def delete_paths(self, paths: list[str]) -> None:
        with self._guard():
            for path in paths:
                # The doc row marks a complete document, so it goes first; sentences before chunks
                # because the chunks are what the next run reads back.
                self.docs.delete(where={"path": path})
                self.sentences.delete(where={"path": path})
                self.chunks.delete(where={"path": path})

    def orphan_paths(self, keep: set[str]) -> set[str]:
        """Paths with rows in any collection but not in `keep` (left by an interrupted run)."""
        with self._guard():
            found = set()
            for col in (self.sentences, self.chunks, self.docs):
                found |= {m["path"] for m in col.get(include=["metadatas"])["metadatas"]}
        return found - keep

    def add_doc(self, doc: Document, n_chunks: int, vector: np.ndarray) -> None:
        meta = {"path": doc.path, "title": doc.title, "author": doc.author, "publisher": doc.publisher,
                "aliases": json.dumps(list(doc.aliases)), "sha": doc.sha, "n_chunks": n_chunks,
                "title_guessed": doc.title_guessed}
        with self._guard():
            self.docs.upsert(ids=[doc_id(doc.path)], embeddings=[vector], metadatas=[meta])

    def catalog(self) -> list[DocInfo]:
        """Every complete document of the index, sorted by path."""
        with self._guard():
            res = self.docs.get(include=["metadatas", "embeddings"])
        # A document indexed before titles were marked has no mark: its title is taken as chosen, as it
        # was then (unchanged files are not written again); every file indexed since carries the mark.
        out = [DocInfo(m["path"], m["title"], m["author"], m["publisher"], tuple(json.loads(m["aliases"])),
                       m["sha"], int(m["n_chunks"]), np.asarray(e, dtype=np.float32),
                       bool(m.get("title_guessed", False)))
               for m, e in zip(res["metadatas"], res["embeddings"])]
        return sorted(out, key=lambda d: d.path)

    def add(self, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> None:
        """Write chunks and their sentences (`sentence_vectors` in chunk/sentence order)."""
        n_chunks = defaultdict(int)
        for c in chunks:
            n_chunks[c.path] += 1
        s_ids, s_meta = [], []
        for c in chunks:
            for i, s in enumerate(c.sentences):
                s_ids.append(sentence_id(c.id, i))
                s_meta.append({"chunk_id": c.id, "path": c.path, "start": s.start, "end": s.end})
        c_meta = [{"path": c.path, "title": c.title, "doc_sha": c.doc_sha, "start": c.start, "end": c.end,
                   "n_chunks": n_chunks[c.path],
                   "sentences": json.dumps([[s.start, s.end] for s in c.sentences])} for c in chunks]
        with self._guard():
            for i in range(0, len(s_ids), _WRITE_BATCH):
                self.sentences.upsert(ids=s_ids[i:i + _WRITE_BATCH], embeddings=sentence_vectors[i:i + _WRITE_BATCH],
                                      metadatas=s_meta[i:i + _WRITE_BATCH])
            for i in range(0, len(chunks), _WRITE_BATCH):
                part = chunks[i:i + _WRITE_BATCH]
                self.chunks.upsert(ids=[c.id for c in part], embeddings=chunk_vectors[i:i + _WRITE_BATCH],
                                   documents=[c.text for c in part], metadatas=c_meta[i:i + _WRITE_BATCH])

    # --- reads ----------------------------------------------------------------------------
    def count(self) -> int:
        with self._guard():
            return self.chunks.count()

    def query(self, vector: np.ndarray, n: int, paths: tuple[str, ...] | None = None) -> list[str]:
        """Ids of the `n` chunks nearest to `vector`, best first; only in `paths` if given.

        Ids only: texts and vectors are read later for the few chunks that need them
        (a by-id read costs ~0.1 ms per row, so reading all 20 here was ~3 ms wasted).
        """
        # No count() first: Chroma returns fewer than n_results when it has fewer, and count()
        # scans the table (17 ms at 66k sentences, growing linearly).
        with self._guard():
            res = self.chunks.query(query_embeddings=[vector], n_results=n, where=_where(paths), include=[])
        return list(res["ids"][0])

    def query_sentences(self, vector: np.ndarray, n: int, paths: tuple[str, ...] | None = None) -> list[str]:
        """The chunk id of each of the `n` sentences nearest to `vector`, best first (a chunk repeats
        when several of its sentences are near)."""
        with self._guard():  # ids only: the chunk id is inside the sentence id, no metadata to read
            res = self.sentences.query(query_embeddings=[vector], n_results=n, where=_where(paths), include=[])
        return [chunk_of_sentence(sid) for sid in res["ids"][0]]

    def get(self, ids: list[str]) -> list[Chunk]:
        """Chunks by id (in the order given; unknown ids are skipped)."""
        if not ids:
            return []
        with self._guard():
            res = self.chunks.get(ids=ids, include=["documents", "metadatas"])
        found = {cid: _chunk(cid, doc, meta) for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"])}
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Chunk vectors by id (unknown ids are left out)."""
        if not ids:
            return {}
        with self._guard():
            res = self.chunks.get(ids=ids, include=["embeddings"])
        return {cid: np.asarray(emb, dtype=np.float32) for cid, emb in zip(res["ids"], res["embeddings"])}

    def all_chunks(self, batch: int = 5000):
        """Yield every stored chunk (for rebuilding the keyword index)."""
        with self._guard():
            total = self.chunks.count()
        for offset in range(0, total, batch):
            with self._guard():
                res = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                yield _chunk(cid, doc, meta)

    def all_vectors(self, part: str, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Every id and vector of the "chunks" or "sentences" collection (for an index small enough to
        search exactly in memory, `rag.retrieval.Vectors`)."""
        collection = self.chunks if part == "chunks" else self.sentences
        ids: list[str] = []
        rows: list[np.ndarray] = []
        while True:  # page by what came back: a server may return fewer rows than asked for
            with self._guard():
                res = collection.get(include=["embeddings"], limit=batch, offset=len(ids))
            if not res["ids"]:
                break
            ids += res["ids"]
            rows.append(np.asarray(res["embeddings"], dtype=np.float32))
        return ids, (np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32))

    def sentence_rows(self, chunks: list[Chunk]) -> list[SentenceRow]:
        """The stored sentences of the given chunks, with their vectors.

        Fetched by id (`CHUNK_ID:i`, one per sentence span the chunk records): a primary-key
        lookup, where a metadata filter on `chunk_id` scans hundreds of thousands of rows.
        Only the vectors are read; the spans come from the chunks. A sentence missing from
        the store (an interrupted ingest) is left out.
        """
        spans = {sentence_id(c.id, i): (c, span) for c in chunks for i, span in enumerate(c.sentences)}
        if not spans:
            return []
        with self._guard():
            res = self.sentences.get(ids=list(spans), include=["embeddings"])
        rows = []
        for sid, emb in zip(res["ids"], res["embeddings"]):
            chunk, span = spans[sid]
            rows.append(SentenceRow(chunk.id, chunk.path, span.start, span.end, np.asarray(emb, dtype=np.float32)))
        return rows


def _fresh_client(index_dir: Path, chroma_settings):
    """An embedded Chroma client with a System of its own, which starts from the files as they are now.

    Chroma shares one System per path in a process, and a System keeps the vector index it has
    loaded in memory. After another process's ingest, a shared one answers with rows that were
    replaced (a quote from the wrong file) or fails with "Error finding id", and an ingest in
    this process then fails the same way. Clients made before keep their own System.
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    with _CONNECTING:
        SharedSystemClient.clear_system_cache()
        return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)


def index_failure(exc: BaseException, index_dir: Path) -> IndexProblem | None:
    """What to do when reading or writing the index at `index_dir` failed with `exc` although the
    index may be whole: the folder is read-only, the disk is full, or an ingest holds the database.
    None when none of these explains the failure.
    """
    chain = _chain(exc)
    texts = " ".join(str(e).lower() for e in chain)
    codes = {getattr(e, "errno", None) for e in chain}
    if codes & set(_FULL_ERRNOS) or any(t in texts for t in _FULL_TEXTS):
        return IndexProblem(f"the disk is full ({index_dir}): free space and run `rag ingest`")
    if (not _writable(index_dir) or codes & set(_READ_ONLY_ERRNOS)
            or any(t in texts for t in _READ_ONLY_TEXTS)):
        return IndexProblem(f"the index folder is read-only ({index_dir}): give this user write access to it "
                            "(Chroma writes to its index even to answer), or pass --index with a writable folder")
    if any(t in texts for t in _BUSY_TEXTS):
        return IndexBusy(f"an ingest is writing the index at {index_dir}: try again when it finishes")
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or during."""
    out: list[BaseException] = []
    while exc is not None and exc not in out:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def _writable(index_dir: Path) -> bool:
    """The folder (or, when missing, the folder that would hold it) and its database may be written."""
    folder = next((p for p in (index_dir, *index_dir.absolute().parents) if p.exists()), index_dir)
    database = index_dir / "chroma.sqlite3"
    return os.access(folder, os.W_OK | os.X_OK) and (not database.exists() or os.access(database, os.W_OK))


def _where(paths: tuple[str, ...] | None) -> dict | None:
    """Chroma's filter for rows of the given documents (None: every row)."""
    if paths is None:
        return None
    return {"path": paths[0]} if len(paths) == 1 else {"path": {"$in": list(paths)}}


def _chunk(cid: str, text: str, meta: dict) -> Chunk:
    spans = tuple(Span(int(s), int(e)) for s, e in json.loads(meta["sentences"]))
    return Chunk(id=cid, path=meta["path"], title=meta["title"], doc_sha=meta["doc_sha"],
                 start=int(meta["start"]), end=int(meta["end"]), text=text, sentences=spans)
