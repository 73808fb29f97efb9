"""Stage 1: read a corpus folder into `Document`s.

Reads `.txt` and `.md` files (recursively, sorted) as UTF-8 and takes titles,
authors and publishers from an optional `metadata.json` beside them:
`{"files": {"name.txt": {"title": ..., "author": ..., "publisher": ..., "aliases": [...]}}}`.
A file without metadata gets its first line that reads like a title (or its file name) as title,
and the author its text names: an "Author:" or "By" line at the top, or the name under a
sign-off ("Sincerely,") at the end.

Unreadable, binary, non-UTF-8 or very large files, and unreadable sub-folders, are skipped
with a warning; they never stop the rest of the corpus from loading. So is anything that is not
inside the corpus folder once links are resolved: a link to `/etc/passwd` or to another folder
would otherwise put text in the index, and in quotes, that no one added to the corpus.
Non-goal: PDF extraction (the chat app converts uploads to text before they reach the corpus).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
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
_PAGE_MARKER = re.compile(r"\[?page\s*\d+\]?", re.I)
_BYLINE = re.compile(r"^\s*(?:author|written by|by)\s*[:\-–]?\s+(.{3,60})$", re.I)
_SIGN_OFF = re.compile(r"(?:sincerely|best regards|kind regards|regards|yours(?: truly| sincerely)?|best wishes|"
                       r"respectfully|cheers|with gratitude)[,.!]?", re.I)
# Two to five capitalised words or initials: "Andy Jassy", "Jeffrey P. Bezos", "Mary-Ann O'Neil".
_PERSON_NAME = re.compile(r"[A-Z][\w'’-]*\.?(?:\s+[A-Z][\w'’-]*\.?){1,4}")


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    warnings: tuple[str, ...]  # one line per skipped file


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_corpus(corpus_dir: Path) -> Corpus:
    """Load every readable document of `corpus_dir`.

    Raises:
        CorpusError: the folder is missing, is a file, cannot be read, or holds no readable document.
    """
    corpus_dir = Path(corpus_dir)
    files, skipped = corpus_files(corpus_dir)
    metadata, warnings = _read_metadata(corpus_dir)
    warnings += skipped
    documents = []
    for file in files:
        text, why = read_text(file)
        if text is None:
            warnings.append(f"skipped {file}: {why}")
            continue
        meta = metadata.get(file.relative_to(corpus_dir).as_posix(), {})
        documents.append(Document(
            path=file.as_posix(),
            title=str(meta.get("title") or _guess_title(text, file)),
            title_guessed=not meta.get("title"),
            author=str(meta.get("author") or _guess_author(text)),
            publisher=str(meta.get("publisher") or ""),
            text=text,
            sha=sha256(text),
            aliases=tuple(str(a) for a in meta.get("aliases", ())),
        ))
    if not documents:
        raise CorpusError(f"corpus folder {corpus_dir} has no readable .txt or .md document: add some and run `rag ingest`")
    return Corpus(tuple(documents), tuple(warnings))


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[str]]:
    """The `.txt` and `.md` files of `corpus_dir` (recursively, sorted) that lie inside it once links
    are resolved, and one warning per file or folder skipped.

    Raises:
        CorpusError: the folder is missing, is a file, or cannot be listed.
    """
    corpus_dir = Path(corpus_dir)
    root = _corpus_root(corpus_dir)
    files: list[Path] = []
    warnings: list[str] = []
    pending = [(corpus_dir, (root,))]  # folders to list, each with the resolved folders from the root down to it
    while pending:
        folder, above = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            if len(above) == 1:
                raise _unreadable(corpus_dir, exc.strerror or str(exc)) from None
            warnings.append(f"skipped folder {folder}: cannot read it ({exc.strerror or exc}); give this user "
                            f"read access to it to index its files")
            continue
        for entry in entries:
            path = Path(entry.path)
            real = Path(os.path.realpath(path)) if entry.is_symlink() else above[-1] / entry.name
            kind, why = _kind(path)
            if not real.is_relative_to(root):
                if kind == "folder" or path.suffix.lower() in SUFFIXES:
                    warnings.append(f"skipped {path}: it links outside the corpus folder; copy what it points to "
                                    f"into the corpus to index it")
            elif kind == "folder":
                if real in above:
                    warnings.append(f"skipped {path}: it links to a folder that holds it")
                else:
                    pending.append((path, above + (real,)))
            elif path.suffix.lower() in SUFFIXES:
                if kind == "file":
                    files.append(path)
                else:
                    warnings.append(f"skipped {path}: {why}")
    return sorted(files), sorted(warnings)


def _corpus_root(corpus_dir: Path) -> Path:
    """The resolved corpus folder; raises `CorpusError` when it is missing, a file or out of reach."""
    try:
        mode = corpus_dir.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: pass --corpus DIR or set RAG_CORPUS_DIR"
                          ) from None
    except OSError as exc:
        raise CorpusError(f"cannot reach the corpus folder {corpus_dir} ({exc.strerror or exc}): give this user "
                          f"access to it, or pass --corpus with another folder") from None
    if not stat.S_ISDIR(mode):
        raise CorpusError(f"corpus folder {corpus_dir} is a file, not a folder: pass --corpus with the folder "
                          f"that holds the documents")
    if not os.access(corpus_dir, os.R_OK | os.X_OK):  # listing it needs r, opening its files x
        raise _unreadable(corpus_dir, os.strerror(errno.EACCES))
    return Path(os.path.realpath(corpus_dir))


def _unreadable(corpus_dir: Path, why: str) -> CorpusError:
    return CorpusError(f"cannot read the corpus folder {corpus_dir} ({why}): give this user read access to it, "
                       f"or pass --corpus with another folder")


def _kind(path: Path) -> tuple[str, str]:
    """What `path` points to, links followed: "folder", "file" (regular), "other" or "unreadable",
    with why it cannot be indexed when it is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "unreadable", f"cannot read it ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "folder", ""
    if stat.S_ISREG(mode):
        return "file", ""
    return "other", "it is not a regular file"


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
    except FileNotFoundError:
        return {}, []
    except (OSError, ValueError, AttributeError) as exc:
        return {}, [f"ignored {file}: not valid metadata ({exc}); titles come from the files"]


def _guess_title(text: str, file: Path) -> str:
    """The first line with words, without a byte-order mark or markdown `#` marks around it; a page
    marker or a salutation ("Dear shareholders:") is not a title, and then the file name is.

    >>> _guess_title("\\ufeff## Working backwards ##\\nText.", Path("a.md"))
    'Working backwards'
    >>> _guess_title("[Page 1]\\nDear shareholders:\\nText.", Path("2021_letter.txt"))
    '2021 letter'
    """
    for line in text.splitlines():
        # Cut to length before the closing `##` is looked for: the regex then never scans a long line.
        line = re.sub(r"\s+#+\s*$", "", re.sub(r"^[\ufeff#\s]+", "", line)[:_TITLE_MAX]).strip()
        if _PAGE_MARKER.fullmatch(line):
            continue
        if line:
            return line if not line.endswith(":") else re.sub(r"[_-]+", " ", file.stem)
    return file.stem


def _guess_author(text: str) -> str:
    """The author a text names: an "Author: …" or "By …" line among its first lines, else the
    name on the line after its first sign-off ("Sincerely,"); '' when it names none.

    >>> _guess_author("# Title\\n\\nAuthor: Jeffrey P. Bezos\\n\\nText.")
    'Jeffrey P. Bezos'
    >>> _guess_author("Text.\\nSincerely,\\nAndy Jassy\\nChief Executive Officer\\nP.S. Sincerely,\\nJeff")
    'Andy Jassy'
    """
    lines = text.splitlines()
    for line in lines[:20]:
        if (m := _BYLINE.match(line)) and _PERSON_NAME.fullmatch(m.group(1).strip()):
            return m.group(1).strip()
    for i, line in enumerate(lines):
        if _SIGN_OFF.fullmatch(line.strip()):
            name = next((n.strip() for n in lines[i + 1:i + 4] if n.strip()), "")
            if _PERSON_NAME.fullmatch(name):
                return name
    return ""
