"""rag.uploads: what an uploaded file becomes in the corpus, and what is refused."""
from __future__ import annotations

import pytest

from pdfs import pdf_with_text, pdf_without_text
from rag.errors import CorpusError
from rag.loading import load_corpus
from rag.uploads import MAX_UPLOAD_BYTES, save_upload


def test_text_upload_is_written_into_the_uploads_folder_and_loads(tmp_path):
    saved = save_upload("notes.md", b"# Notes\r\n\r\nBees make honey.\r\n", tmp_path)
    assert saved.added and saved.path == tmp_path / "uploads" / "notes.md"
    assert saved.path.read_bytes() == b"# Notes\n\nBees make honey.\n"  # \r\n -> \n, so offsets match read_text()
    (doc,) = load_corpus(tmp_path).documents
    assert doc.path.endswith("uploads/notes.md") and doc.title == "Notes"


def test_unsafe_names_stay_inside_the_folder(tmp_path):
    saved = save_upload("../../../etc/cron.d/evil job.txt", b"text", tmp_path / "corpus")
    assert saved.path == tmp_path / "corpus" / "uploads" / "evil-job.txt"
    assert not (tmp_path / "etc").exists()


def test_same_content_is_not_added_twice_but_same_name_with_new_content_is(tmp_path):
    first = save_upload("a.txt", b"Same words.", tmp_path)
    again = save_upload("b.txt", b"Same words.", tmp_path)
    assert again == type(again)(first.path, added=False)
    other = save_upload("a.txt", b"Other words.", tmp_path)
    assert other.added and other.path.name == "a-2.txt"
    assert first.path.read_text() == "Same words."


def test_pdf_text_is_extracted_into_a_txt_file(tmp_path):
    saved = save_upload("Report (2024).PDF", pdf_with_text(["Quarterly revenue grew", "Costs fell"]), tmp_path)
    assert saved.path.name == "Report-2024.txt"
    assert saved.path.read_text(encoding="utf-8") == "Quarterly revenue grew\nCosts fell"


@pytest.mark.parametrize("name, data, why", [
    ("scan.pdf", pdf_without_text(), "no text layer"),
    ("broken.pdf", b"%PDF-1.4 garbage", "cannot be read as a PDF"),
    ("latin1.txt", "café".encode("latin-1"), "not UTF-8"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "looks binary"),
    ("empty.md", b"  \n ", "empty"),
    ("slides.pptx", b"PK\x03\x04", "only .txt, .md, .pdf"),
])
def test_unreadable_uploads_are_refused_with_what_to_do(tmp_path, name, data, why):
    with pytest.raises(CorpusError, match=why):
        save_upload(name, data, tmp_path)
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_size_limit(tmp_path):
    with pytest.raises(CorpusError, match="the limit is"):
        save_upload("big.txt", b"a" * 11, tmp_path, max_bytes=10)
    assert save_upload("ok.txt", b"a" * 10, tmp_path, max_bytes=10).added
    assert MAX_UPLOAD_BYTES == 10 * 2**20  # matches server.maxUploadSize in .streamlit/config.toml
