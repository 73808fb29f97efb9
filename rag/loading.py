"""Stage 1: read a corpus folder into `Document`s.

Reads `.txt` and `.md` files (recursively, sorted) as UTF-8 and takes titles,
authors and publishers from an optional `metadata.json` beside them:
`{"files": {"name.txt": {"title": ..., "author": ..., "publisher": ..., "aliases": [...]}}}`.
A file without metadata gets its first non-empty line (or file name) as title.

Unreadable, binary, non-UTF-8 or very large files are skipped with a warning;
they never stop the rest of the corpus from loading. Non-goal: PDF extraction (the chat
app converts uploads to text before they reach the corpus).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .records import Document

SUFFIXES = (".txt", ".md")
METADATA_FILE = "metadata.json"
# A text file has no NUL bytes; a binary one almost always does in its first block.
_BINARY_PROBE = 8192
# Larger files are skipped, unread: 10 MB of text is ~100k sentences, which takes many minutes
# to embed on a laptop CPU and is almost always a dump or a log, not a document. It equals
# the upload limit (rag.uploads.MAX_UPLOAD_BYTES), so an accepted text upload is indexed.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_TITLE_MAX = 120


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    warnings: tuple[str, ...]  # one line per skipped file


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_corpus(corpus_dir: Path) -> Corpus:
    """Load every readable document of `corpus_dir`.

    Raises:
        CorpusError: the folder is missing, or it holds no readable document.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: pass --corpus DIR or set RAG_CORPUS_DIR")
    metadata, warnings = _read_metadata(corpus_dir)
    documents = []
    for file in sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()):
        text, why = read_text(file)
        if text is None:
            warnings.append(f"skipped {file}: {why}")
            continue
        meta = metadata.get(file.relative_to(corpus_dir).as_posix(), {})
        documents.append(Document(
            path=file.as_posix(),
            title=str(meta.get("title") or _guess_title(text, file)),
            author=str(meta.get("author") or ""),
            publisher=str(meta.get("publisher") or ""),
            text=text,
            sha=sha256(text),
            aliases=tuple(str(a) for a in meta.get("aliases", ())),
        ))
    if not documents:
        raise CorpusError(f"corpus folder {corpus_dir} has no readable .txt or .md document: add some and run `rag ingest`")
    return Corpus(tuple(documents), tuple(warnings))


def read_text(file: Path) -> tuple[str | None, str]:
    """Return (text, "") for a readable UTF-8 text file, else (None, why)."""
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return None, (f"it is {size / 2**20:.1f} MB; the limit is {MAX_DOCUMENT_BYTES / 2**20:.0f} MB: "
                          f"split it into smaller files")
        data = file.read_bytes()
    except OSError as exc:
        return None, f"cannot read it ({exc.strerror or exc})"
    if b"\x00" in data[:_BINARY_PROBE]:
        return None, "it looks binary"
    try:
        # Newlines as `Path.read_text` gives them: offsets are checked against that text (DESIGN.md).
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        return None, f"it is not UTF-8 (byte {exc.start}); convert it with `iconv -t UTF-8`"
    if not text.strip():
        return None, "it is empty"
    return text, ""


def _read_metadata(corpus_dir: Path) -> tuple[dict[str, dict], list[str]]:
    file = corpus_dir / METADATA_FILE
    if not file.exists():
        return {}, []
    try:
        files = json.loads(file.read_text(encoding="utf-8")).get("files", {})
        if not isinstance(files, dict):
            raise ValueError("'files' is not an object")
        for name, meta in files.items():
            if not isinstance(meta, dict):
                raise ValueError(f"the entry of {name!r} is not an object")
            if not isinstance(meta.get("aliases", []), list):
                raise ValueError(f"the aliases of {name!r} are not a list")
        return files, []
    except (OSError, ValueError, AttributeError) as exc:
        return {}, [f"ignored {file}: not valid metadata ({exc}); titles come from the files"]


def _guess_title(text: str, file: Path) -> str:
    for line in text.splitlines():
        line = re.sub(r"^[#\s]+", "", line).strip()
        if line:
            return line[:_TITLE_MAX]
    return file.stem
