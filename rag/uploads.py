"""Adding documents to the corpus from uploads: `.txt`, `.md` and `.pdf`.

`save_upload` checks the size limit, makes the file name safe, extracts the text
of a PDF (with pypdf), refuses text the corpus already holds (same sha256) and
writes the result as UTF-8 into `<corpus>/uploads/`, where the next ingest picks
it up. A PDF becomes a `.txt` file, so every quote stays checkable against a file
on disk. Line endings become `\\n`.

Every refusal is a `CorpusError` that says what to do. Non-goals: OCR of scanned
PDFs, other formats, and indexing itself (the caller runs the ingest).
"""
from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .loading import SUFFIXES as TEXT_SUFFIXES
from .loading import read_text, sha256

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: thousands of pages of text; larger files are refused
ACCEPTED = (".txt", ".md", ".pdf")
UPLOAD_FOLDER = "uploads"  # inside the corpus folder, so uploads are easy to find and remove
_NAME_MAX = 80  # characters of the file stem kept
_MIN_PDF_TEXT = 20  # fewer non-blank characters than this: the PDF has no usable text layer


@dataclass(frozen=True)
class Saved:
    path: Path  # the corpus file holding the text: the new file, or the one that already had it
    added: bool  # False when the corpus already held exactly this text


def safe_name(name: str) -> str:
    """A file name with no folders, no odd characters and a lower-case suffix.

    >>> safe_name("../../etc/passwd.txt")
    'passwd.txt'
    >>> safe_name("C:\\\\Users\\\\me\\\\Q3 report (final).PDF")
    'Q3-report-final.pdf'
    >>> safe_name(".hidden.md")
    'hidden.md'
    >>> safe_name("....md")
    'upload.md'
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w.-]+", "-", stem).strip(".-_")[:_NAME_MAX].strip(".-_") or "upload"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    return f"{stem}.{suffix}" if suffix else stem


def extract_text(name: str, data: bytes) -> str:
    """The text of an uploaded file (`name` decides the format), with `\\n` line endings.

    Raises:
        CorpusError: wrong type, not UTF-8, binary, empty, or a PDF without a text layer.
    """
    suffix = Path(safe_name(name)).suffix
    if suffix not in ACCEPTED:
        raise CorpusError(f"{name}: only {', '.join(ACCEPTED)} files can be added; convert it to one of them")
    text = _pdf_text(name, data) if suffix == ".pdf" else _plain_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{name} is empty: upload a file with text in it")
    return text


def save_upload(name: str, data: bytes, corpus_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Saved:
    """Write an uploaded file's text into `<corpus_dir>/uploads/`, unless the corpus already holds it.

    Raises:
        CorpusError: too large, unreadable (see `extract_text`), or the folder cannot be written.
    """
    if len(data) > max_bytes:
        raise CorpusError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB: "
                          f"split it into smaller files")
    text = extract_text(name, data)
    digest = sha256(text)
    existing = _existing_with_sha(Path(corpus_dir), digest)
    if existing is not None:
        return Saved(existing, added=False)
    folder = Path(corpus_dir) / UPLOAD_FOLDER
    stem, kind = Path(safe_name(name)).stem, Path(safe_name(name)).suffix
    suffix = ".md" if kind == ".md" else ".txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_path(folder, stem, suffix)
        partial = target.with_name(target.name + ".part")  # not .txt/.md: an ingest never reads half a file
        partial.write_text(text, encoding="utf-8", newline="")
        os.replace(partial, target)
    except OSError as exc:
        raise CorpusError(f"cannot write {name} into {folder} ({exc.strerror or exc}): "
                          f"check that the corpus folder is writable") from exc
    return Saved(target, added=True)


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise CorpusError(f"{name} looks binary, not text: upload a .txt, .md or .pdf file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name} is not UTF-8 text (byte {exc.start}): save it as UTF-8 and upload it again"
                          ) from None


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader  # imported here: only uploads of PDFs need it

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name} is password-protected: upload an unprotected copy")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except CorpusError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files (PdfReadError, KeyError, ValueError...)
        raise CorpusError(f"{name} cannot be read as a PDF ({type(exc).__name__}): "
                          f"export it again or upload its text as .txt") from exc
    text = "\n\n".join(p for p in pages if p).replace("\x00", "")
    if len("".join(text.split())) < _MIN_PDF_TEXT:
        raise CorpusError(f"{name} has no text layer (is it a scanned image?): run it through OCR, "
                          f"for example `ocrmypdf`, or upload its text as .txt")
    return text


def _existing_with_sha(corpus_dir: Path, digest: str) -> Path | None:
    """A corpus document whose text has this sha256 (the loader's own hash), if any."""
    if not corpus_dir.is_dir():
        return None
    for file in sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file()):
        text, _ = read_text(file)
        if text is not None and sha256(text) == digest:
            return file
    return None


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem+suffix`, or `stem-2`, `stem-3`... when that name is taken by other text."""
    target = folder / f"{stem}{suffix}"
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target
