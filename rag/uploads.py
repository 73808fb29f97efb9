"""Adding documents to the corpus from uploads: `.txt`, `.md` and `.pdf`.

`save_upload` checks the size limit, makes the file name safe, extracts the text
of a PDF (with pypdf), refuses text the corpus already holds (same sha256) and
writes the result as UTF-8 into `<corpus>/uploads/`, where the next ingest picks
it up. A PDF becomes a `.txt` file, so every quote stays checkable against a file
on disk. Line endings become `\\n`.

A PDF is read in a child process that is killed after `PDF_SECONDS`: pypdf is pure
Python, a 48 KB PDF can hold 13 MB of text, and its parser cannot be stopped from
inside. Extraction also stops as soon as the text passes the size limit. Saves hold
an exclusive lock on the uploads folder (threads and processes alike), so that
concurrent uploads never share a name and each caller is told where its own text is.

Every refusal is a `CorpusError` that says what to do. Non-goals: OCR of scanned
PDFs, other formats, and indexing itself (the caller runs the ingest).
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .loading import corpus_files, read_text, sha256

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: thousands of pages of text; larger files are refused
ACCEPTED = (".txt", ".md", ".pdf")
UPLOAD_FOLDER = "uploads"  # inside the corpus folder, so uploads are easy to find and remove
_NAME_MAX = 80  # characters of the file stem kept
_MIN_PDF_TEXT = 20  # fewer non-blank characters than this: the PDF has no usable text layer
# Time a PDF's text extraction may take. Measured on a slow 2-core machine, pypdf reads 100,000
# text operators (1.9 MB of text) in ~13 s; a hostile 48 KB PDF would take minutes.
PDF_SECONDS = 60.0
_REFUSED = 3  # exit status of the extraction process when it refuses a PDF; its stderr says why
_PACKAGE_PARENT = Path(__file__).resolve().parents[1]  # where `python -m rag.uploads` finds this package


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


def extract_text(name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES,
                 max_seconds: float = PDF_SECONDS) -> str:
    """The text of an uploaded file (`name` decides the format), with `\\n` line endings.

    Raises:
        CorpusError: wrong type, not UTF-8, binary, empty, a PDF without a text layer, text over
            `max_bytes` (as UTF-8), or a PDF whose text takes over `max_seconds` to extract.
    """
    suffix = Path(safe_name(name)).suffix
    if suffix not in ACCEPTED:
        raise CorpusError(f"{name}: only {', '.join(ACCEPTED)} files can be added; convert it to one of them")
    text = _pdf_text(name, data, max_bytes, max_seconds) if suffix == ".pdf" else _plain_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{name} is empty: upload a file with text in it")
    if len(text.encode("utf-8")) > max_bytes:  # the loader skips larger files: never accept what it would drop
        raise CorpusError(f"{name} {_too_much_text(max_bytes)}")
    return text


def save_upload(name: str, data: bytes, corpus_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES,
                max_seconds: float = PDF_SECONDS) -> Saved:
    """Write an uploaded file's text into `<corpus_dir>/uploads/`, unless the corpus already holds it.

    Safe to call from many threads or processes at once: each caller gets the path that holds
    its own text, and a text saved by two callers at once is kept once.

    Raises:
        CorpusError: too large, unreadable (see `extract_text`), or the folder cannot be written.
    """
    if len(data) > max_bytes:
        raise CorpusError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB: "
                          f"split it into smaller files")
    text = extract_text(name, data, max_bytes, max_seconds)  # before the lock: a PDF may take seconds
    folder = Path(corpus_dir) / UPLOAD_FOLDER
    stem, kind = Path(safe_name(name)).stem, Path(safe_name(name)).suffix
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if folder.is_symlink() or not folder.resolve().is_relative_to(Path(corpus_dir).resolve()):
            raise CorpusError(f"{folder} is a link out of the corpus folder: make it a plain folder to add uploads")
        with _locked(folder):
            existing = _existing_with_sha(Path(corpus_dir), sha256(text))
            if existing is not None:
                return Saved(existing, added=False)
            target = _free_path(folder, stem, ".md" if kind == ".md" else ".txt")
            partial = target.with_name(target.name + ".part")  # not .txt/.md: an ingest never reads half a file
            partial.unlink(missing_ok=True)  # a leftover, or a link planted there: never written through
            with open(partial, "x", encoding="utf-8", newline="") as out:  # created here, not followed
                out.write(text)
            os.replace(partial, target)
    except OSError as exc:
        raise CorpusError(f"cannot write {name} into {folder} ({exc.strerror or exc}): "
                          f"check that the corpus folder is writable") from exc
    return Saved(target, added=True)


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on `folder` for one save.

    `flock` on a descriptor of its own excludes other threads of this process as well as other
    processes, and a lock on the folder itself leaves no lock file behind.
    """
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise CorpusError(f"{name} looks binary, not text: upload a .txt, .md or .pdf file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name} is not UTF-8 text (byte {exc.start}): save it as UTF-8 and upload it again"
                          ) from None


def _pdf_text(name: str, data: bytes, max_bytes: int, max_seconds: float) -> str:
    """The text of a PDF, extracted by `python -m rag.uploads` in a process killed after `max_seconds`."""
    try:
        done = subprocess.run([sys.executable, "-m", "rag.uploads", str(max_bytes)], input=data,
                              capture_output=True, timeout=max_seconds, cwd=_PACKAGE_PARENT)
    except subprocess.TimeoutExpired:
        raise CorpusError(f"{name} took more than {max_seconds:.0f} s to read, so it was not added: upload its text "
                          f"as .txt, or split the PDF into smaller ones") from None
    except OSError as exc:
        raise CorpusError(f"{name}: the PDF reader cannot start ({exc.strerror or exc}): upload its text as .txt"
                          ) from None
    if done.returncode == _REFUSED:  # the reason is its last line (pypdf logs warnings before it)
        raise CorpusError(f"{name} {done.stderr.decode('utf-8', 'replace').strip().splitlines()[-1]}")
    if done.returncode != 0:  # killed (out of memory) or crashed: its stderr is a traceback, not a message
        raise CorpusError(f"{name} cannot be read as a PDF (the reader stopped with status {done.returncode}): "
                          f"export it again or upload its text as .txt")
    text = done.stdout.decode("utf-8")
    if len("".join(text.split())) < _MIN_PDF_TEXT:
        raise CorpusError(f"{name} has no text layer (is it a scanned image?): run it through OCR, "
                          f"for example `ocrmypdf`, or upload its text as .txt")
    return text


class _TooMuchText(Exception):
    """Raised from inside pypdf's extraction to stop it at the size limit."""


def _extract_pdf(data: bytes, max_bytes: int) -> str:
    """The text of a PDF's pages; stops as soon as it passes `max_bytes` characters.

    Raises:
        CorpusError: its message completes a sentence that starts with the file's name.
    """
    from pypdf import PdfReader  # imported here: only uploads of PDFs need it

    seen = 0

    def count(text: str, *_) -> None:  # pypdf hands each run of text to this as it extracts it
        nonlocal seen
        seen += len(text)
        if seen > max_bytes:  # a character takes at least one byte of UTF-8
            raise _TooMuchText

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError("is password-protected: upload an unprotected copy")
        pages = [(page.extract_text(visitor_text=count) or "").strip() for page in reader.pages]
    except _TooMuchText:
        raise CorpusError(_too_much_text(max_bytes)) from None
    except CorpusError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files (PdfReadError, KeyError, ValueError...)
        raise CorpusError(f"cannot be read as a PDF ({type(exc).__name__}): "
                          f"export it again or upload its text as .txt") from exc
    return "\n\n".join(p for p in pages if p).replace("\x00", "")


def _too_much_text(max_bytes: int) -> str:
    return (f"holds more than {max_bytes / 2**20:.0f} MB of text, the most a document may hold: "
            f"split it into smaller files")


def _extraction_process(max_bytes: int) -> int:
    """`python -m rag.uploads MAX_BYTES`: a PDF on stdin, its text on stdout (UTF-8), or the
    reason for refusing it on stderr with exit status `_REFUSED`."""
    try:
        text = _extract_pdf(sys.stdin.buffer.read(), max_bytes)
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return _REFUSED
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))  # a lone surrogate from a broken font map: "?"
    return 0


def _existing_with_sha(corpus_dir: Path, digest: str) -> Path | None:
    """A corpus document whose text has this sha256 (the loader's own hash), if any."""
    if not corpus_dir.is_dir():
        return None
    for file in corpus_files(corpus_dir)[0]:  # the loader's files: never one a link leads out of the corpus to
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


if __name__ == "__main__":
    sys.exit(_extraction_process(int(sys.argv[1])))
