"""Hardening (issue 13): what links, permissions, hostile text, hostile PDFs and concurrent
uploads do to loading, chunking, uploads and ingestion.

Nothing is mocked: real files, links and permissions in temporary folders, real threads, the
real PDF reader in its child process, and the bundled model for the ingests. Root ignores file
permissions, so when the suite runs as root the permission checks run in a forked child that
has become `nobody`.
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from rag.chunking import chunk_document, split_sentences
from rag.cli import main as rag_main
from rag.errors import CorpusError
from rag.indexing import ingest
from rag.loading import load_corpus, sha256
from rag.records import Document
from rag.uploads import UPLOAD_FOLDER, save_upload
from tiny_corpus import make_settings, write_corpus

T = TypeVar("T")
NOBODY = 65534  # the unprivileged user and group of Debian and most Linux systems
SECRET = "The vault code is 4417 and nobody put this file in the corpus."


def names(loaded) -> list[str]:
    return [Path(d.path).name for d in loaded.documents]


# --- helpers: permissions that hold, a time limit that interrupts, a compressed PDF ---------------

def unprivileged(fn: Callable[[], T]) -> T:
    """`fn()` where file permissions hold: here, or, for root (whom `chmod` does not stop), in a
    forked child that has become `nobody`. Skips the test when privileges cannot be dropped."""
    if os.geteuid() != 0:
        return fn()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            except OSError as exc:
                outcome = ("skip", f"running as root and cannot become nobody to enforce file permissions ({exc})")
            else:
                try:
                    outcome = ("returned", fn())
                except BaseException as exc:  # sent back whole, so the test sees what the library raised
                    outcome = ("raised", exc)
            with os.fdopen(write, "wb") as pipe:
                pickle.dump(outcome, pipe)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        sent = pipe.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(sent)
    if kind == "skip":
        pytest.skip(value)
    if kind == "raised":
        raise value
    return value


def locked_folder(where: Path) -> Path:
    """A folder no one but root may open: where a permission test checks that permissions hold."""
    folder = where / "locked-probe"
    folder.mkdir()
    folder.chmod(0)
    return folder


def permissions_hold(probe: Path) -> bool:
    try:
        os.listdir(probe)
    except PermissionError:
        return True
    return False


PERMISSIONS_IGNORED = "this file system does not enforce permissions: chmod 0 leaves a folder readable"


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder `nobody` may enter (`tmp_path` lies in a folder only its owner can open)."""
    folder = Path(tempfile.mkdtemp(prefix="rag-permissions-"))
    folder.chmod(0o755)
    yield folder
    for sub in [folder, *folder.rglob("*")]:
        if sub.is_dir() and not sub.is_symlink():
            sub.chmod(0o755)
    shutil.rmtree(folder)


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail when the block runs longer than `seconds`: SIGALRM interrupts even a regex search, so a
    quadratic split fails here instead of running for hours."""
    def overtime(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def compressed_pdf(content: bytes) -> bytes:
    """A one-page PDF whose page draws `content` (PDF text operators), Flate-compressed as real PDFs are:
    repetitive text shrinks ~300 times, so a small upload can hold megabytes of text."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


# --- 1. links and permissions ---------------------------------------------------------------------

def test_a_link_to_a_file_outside_the_corpus_is_skipped_with_a_warning(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Customers are divinely discontent.\n"}, metadata=None)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (corpus / "p.txt").symlink_to(outside / "secret.txt")
    (corpus / "passwd.md").symlink_to("/etc/passwd")
    (corpus / "a-link.txt").symlink_to(corpus / "a.txt")  # inside the corpus: indexed like the file
    loaded = load_corpus(corpus)
    assert names(loaded) == ["a-link.txt", "a.txt"]
    assert not any("vault" in d.text or "root:" in d.text for d in loaded.documents)
    for link in ("p.txt", "passwd.md"):
        assert any(f"{link}: it links outside the corpus folder" in w for w in loaded.warnings), loaded.warnings


def test_a_link_to_a_folder_is_followed_only_while_it_stays_inside_the_corpus(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"sub/b.md": "Day 2 is stasis.\n"}, metadata=None)
    outside = write_corpus(tmp_path / "outside", {"secret.txt": SECRET}, metadata=None)
    (corpus / "alias").symlink_to(corpus / "sub")  # inside: followed
    (corpus / "ext").symlink_to(outside)  # outside: skipped
    (corpus / "sub" / "up").symlink_to(corpus)  # back up to the corpus: skipped, never followed forever
    loaded = load_corpus(corpus)
    assert [Path(d.path).relative_to(corpus).as_posix() for d in loaded.documents] == ["alias/b.md", "sub/b.md"]
    assert any("ext: it links outside the corpus folder" in w for w in loaded.warnings), loaded.warnings
    assert any("sub/up: it links to a folder that holds it" in w for w in loaded.warnings), loaded.warnings


def test_an_unreadable_sub_folder_is_skipped_with_a_warning(open_tmp):
    corpus = write_corpus(open_tmp / "corpus", {"a.txt": "Readable text.\n", "locked/b.txt": "Locked text.\n"},
                          metadata=None)
    (corpus / "locked").chmod(0)
    probe = locked_folder(open_tmp)

    def load():
        return permissions_hold(probe), load_corpus(corpus)

    enforced, loaded = unprivileged(load)
    if not enforced:
        pytest.skip(PERMISSIONS_IGNORED)
    assert names(loaded) == ["a.txt"]
    (warning,) = loaded.warnings
    assert "skipped folder" in warning and "locked" in warning and "Permission denied" in warning


def test_a_corpus_path_that_is_a_file_is_reported_as_a_file(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("Not a folder.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="is a file, not a folder"):
        load_corpus(file)


@pytest.mark.parametrize("mode", [0o000, 0o444, 0o111], ids=["none", "read-no-search", "search-no-read"])
def test_a_corpus_folder_without_read_permission_is_one_line_without_a_traceback(open_tmp, mode):
    corpus = write_corpus(open_tmp / "corpus", {"a.txt": "Readable text.\n"}, metadata=None)
    corpus.chmod(mode)
    probe = locked_folder(open_tmp)

    def ingest_from_the_cli():
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = rag_main(["ingest", "--corpus", str(corpus), "--index", str(open_tmp / "index")])
        return permissions_hold(probe), status, err.getvalue()

    enforced, status, stderr = unprivileged(ingest_from_the_cli)
    if not enforced:
        pytest.skip(PERMISSIONS_IGNORED)
    assert status == 1 and "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("rag: error: cannot read the corpus folder") and "Permission denied" in line


# --- 2. guessed titles ----------------------------------------------------------------------------

def test_a_guessed_title_drops_the_byte_order_mark_and_markdown_marks(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.md": "\ufeff# Working backwards\n\nWrite the press release.\n",
                                                "b.md": "\ufeff\n\n## Day 1 ##\n\nIt is always Day 1.\n"},
                          metadata=None)
    docs = load_corpus(corpus).documents
    assert [d.title for d in docs] == ["Working backwards", "Day 1"]
    assert all(d.text == Path(d.path).read_text(encoding="utf-8") for d in docs)  # the text keeps its BOM


# --- 3. sentence splitting in linear time ---------------------------------------------------------

MEGABYTE = 1_000_000


@pytest.mark.parametrize("unit", [".", "?!?!...", "a.b.c.", "Stop" + "!" * 20_000 + "stop. Next one. ",
                                  "Wait" + "?" * 5_000 + "\")x And then? ", "…" * 3_000 + ".)\"'x "],
                         ids=["dots", "mixed-runs", "a.b.c.", "long-runs-between-words", "runs-and-closers",
                              "ellipses-and-closers"])
def test_punctuation_runs_split_in_linear_time_with_verbatim_offsets(unit):
    text = unit * (MEGABYTE // len(unit))
    doc = Document(path="runs.txt", title="Runs", author="", publisher="", text=text, sha=sha256(text))
    with within(10):  # ~0.2 s here; the quadratic split took 130 s for 100 KB of dots
        spans = split_sentences(text)
        chunks = chunk_document(doc)
    for span in spans:
        piece = text[span.start:span.end]
        assert 0 <= span.start < span.end <= len(text) and piece == piece.strip()
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert [s for c in chunks for s in c.sentences] == spans
    assert all(c.text == text[c.start:c.end] for c in chunks)


def test_punctuation_runs_end_sentences_where_they_did_before():
    text = "Wait... What?! Yes!!! Really?!?! \"Go.\" Done."
    assert [text[s.start:s.end] for s in split_sentences(text)] == [
        "Wait...", "What?!", "Yes!!!", "Really?!?!", "\"Go.\"", "Done."]


# --- 4 and 7. ingesting: nothing re-split when nothing changed; progress inside one large file ---

def many_sentences(n: int) -> str:
    """`n` short sentences: many passages to embed, each cheap, so the test stays quick."""
    return "".join(f"Hive {i} made honey.{' ' if i % 9 else chr(10) * 2}" for i in range(n))


@pytest.fixture(scope="module")
def large_index(tmp_path_factory, embedder):
    """One large file ingested with its progress recorded: (settings, report, [(fraction, message)])."""
    root = tmp_path_factory.mktemp("large")
    settings = make_settings(write_corpus(root / "corpus", {"large.txt": many_sentences(300)}, metadata=None),
                             root / "index")
    progress: list[tuple[float, str]] = []
    report = ingest(settings, embedder, lambda fraction, message: progress.append((fraction, message)))
    return settings, report, progress


def test_one_large_file_reports_progress_while_it_is_embedded(large_index):
    _, report, progress = large_index
    assert report.documents == 1 and report.sentences_embedded == 300
    embedding = [(f, m) for f, m in progress if m.startswith("embedded")]
    passages = report.sentences_embedded + report.chunks_embedded
    assert len(embedding) == -(-passages // 64), progress  # every 64 passages (5% is fewer), not only at the end
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    assert embedding[0][0] < 0.3 and embedding[-1][0] == pytest.approx(0.95)
    assert embedding[-1][1] == f"embedded {passages:,} of {passages:,} passages"
    assert progress[0][1] == "splitting 1 document into passages"


def test_an_unchanged_corpus_is_not_split_again(large_index, embedder):
    settings, first, _ = large_index
    assert first.split == 1
    again = ingest(settings, embedder)
    assert (again.unchanged, again.split, again.chunks_embedded, again.sentences_embedded) == (1, 0, 0, 0)
    assert again.chunks == first.chunks
    (Path(settings.corpus_dir) / "new.txt").write_text("A new file arrives. It is split alone.\n", encoding="utf-8")
    (Path(settings.corpus_dir) / "large.txt").touch()  # a newer timestamp is not a change: the hash decides
    added = ingest(settings, embedder)
    assert (added.added, added.unchanged, added.split) == (1, 1, 1)


# --- 5. PDFs whose text expands -------------------------------------------------------------------

def test_a_pdf_is_refused_as_soon_as_its_text_passes_the_limit(tmp_path):
    line = b"(" + b"Day two is stasis, followed by irrelevance. " * 21 + b") Tj 0 -14 Td "
    data = compressed_pdf(b"BT /F1 12 Tf 72 720 Td " + line * 2000 + b" ET")  # ~2 MB of text
    assert len(data) < 20_000
    began = time.monotonic()
    with pytest.raises(CorpusError, match="more than 1 MB of text.*split it"):
        save_upload("expanding.pdf", data, tmp_path, max_bytes=2**20)
    assert time.monotonic() - began < 30
    assert not (tmp_path / UPLOAD_FOLDER).exists() or not any((tmp_path / UPLOAD_FOLDER).iterdir())


def test_a_pdf_whose_text_takes_too_long_to_read_is_refused_in_bounded_time(tmp_path):
    # The case: a ~40 KB PDF holding 12.9 MB of text in 680,000 text operators took minutes.
    data = compressed_pdf(b"BT /F1 12 Tf 72 720 Td " + b"(Day two is stasis. ) Tj " * 680_000 + b" ET")
    assert len(data) < 50_000
    began = time.monotonic()
    with pytest.raises(CorpusError, match="took more than 3 s to read, so it was not added: upload its text as .txt"):
        save_upload("bomb.pdf", data, tmp_path, max_seconds=3)
    assert time.monotonic() - began < 3 + 10  # the reader is killed at the limit
    assert not (tmp_path / UPLOAD_FOLDER).exists() or not any((tmp_path / UPLOAD_FOLDER).iterdir())


# --- 6. concurrent uploads ------------------------------------------------------------------------

def upload_at_once(corpus: Path, texts: list[str]) -> list:
    """Each text uploaded as "notes.txt" by its own thread, all released at once: [(text, Saved or error)]."""
    barrier = threading.Barrier(len(texts), timeout=60)

    def upload(text: str):
        barrier.wait()
        try:
            return text, save_upload("notes.txt", text.encode(), corpus)
        except CorpusError as exc:
            return text, exc

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(upload, t) for t in texts]]


def saved_texts(corpus: Path) -> list[str]:
    return sorted(p.read_text(encoding="utf-8") for p in (corpus / UPLOAD_FOLDER).iterdir() if p.suffix == ".txt")


def test_twenty_concurrent_uploads_of_one_name_each_keep_their_own_text(tmp_path):
    corpus = tmp_path / "corpus"
    every = []
    for round_ in range(5):
        texts = [f"Round {round_}, upload {i}: the bees of hive {i} made honey." for i in range(20)]
        results = upload_at_once(corpus, texts)
        errors = [result for _, result in results if isinstance(result, CorpusError)]
        assert not errors, errors
        for text, saved in results:
            assert saved.added and saved.path.read_text(encoding="utf-8") == text  # told where its own text is
        assert len({saved.path for _, saved in results}) == 20
        every += texts
    assert saved_texts(corpus) == sorted(every)  # every text in exactly one file, nothing lost
    assert not [p for p in (corpus / UPLOAD_FOLDER).iterdir() if p.suffix not in (".txt",)]  # no partial file left


def test_the_same_text_uploaded_at_once_by_many_is_kept_once(tmp_path):
    corpus = tmp_path / "corpus"
    texts = [f"Shared text {i % 4}: the lighthouse keeper trims the wick." for i in range(20)]
    results = upload_at_once(corpus, texts)
    assert not [r for _, r in results if isinstance(r, CorpusError)]
    assert saved_texts(corpus) == sorted(set(texts))
    for text in set(texts):
        mine = [saved for t, saved in results if t == text]
        assert len({s.path for s in mine}) == 1 and mine[0].path.read_text(encoding="utf-8") == text
        assert sum(s.added for s in mine) == 1  # one was told "added", the others where it already is


def test_an_upload_never_writes_through_a_link_out_of_the_corpus(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / UPLOAD_FOLDER).symlink_to(outside, target_is_directory=True)
    with pytest.raises(CorpusError, match="link out of the corpus"):
        save_upload("notes.txt", b"Quarterly notes on the zebra audit.", corpus)
    assert not list(outside.iterdir())
    # A link planted where the upload writes its partial file is replaced, never written through.
    (corpus / UPLOAD_FOLDER).unlink()
    (corpus / UPLOAD_FOLDER).mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (corpus / UPLOAD_FOLDER / "notes.txt.part").symlink_to(victim)
    saved = save_upload("notes.txt", b"Quarterly notes on the zebra audit.", corpus)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert saved.path.read_text(encoding="utf-8") == "Quarterly notes on the zebra audit." and not saved.path.is_symlink()
