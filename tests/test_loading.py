"""Loading a corpus folder: metadata, skipped files with warnings, and the errors of an unusable folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiny_corpus import DOCS, write_corpus
from rag.errors import CorpusError
from rag.loading import load_corpus, sha256


def by_name(corpus, folder: Path) -> dict:
    return {Path(d.path).relative_to(folder).as_posix(): d for d in corpus.documents}


def test_metadata_gives_title_author_publisher_and_aliases(corpus):
    docs = by_name(load_corpus(corpus), corpus)
    assert sorted(docs) == sorted(DOCS)
    jassy = docs["jassy.txt"]
    assert (jassy.title, jassy.author, jassy.publisher) == ("Customer Obsession, explained by Andy Jassy",
                                                           "Andy Jassy", "Amazon")
    assert jassy.aliases == ("Jassy", "Andy Jassy")
    # Keys of files in sub-folders are their posix paths relative to the corpus.
    assert docs["letters/1997.md"].title == "1997 Letter to Shareholders"


def test_document_text_is_what_the_citation_contract_reads(corpus):
    for doc in load_corpus(corpus).documents:
        assert doc.text == Path(doc.path).read_text(encoding="utf-8")
        assert doc.sha == sha256(doc.text)


def test_windows_line_endings_keep_offsets_valid_for_the_contract(tmp_path):
    # Offsets are into Document.text, and DESIGN.md checks them against Path.read_text(encoding="utf-8"),
    # which turns "\r\n" into "\n": the two must be the same string or every offset drifts.
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "dos.txt").write_bytes(b"First line.\r\nSecond line.\r\n\r\nThird paragraph.\r\n")
    (doc,) = load_corpus(folder).documents
    assert doc.text == Path(doc.path).read_text(encoding="utf-8")


def test_file_without_metadata_takes_its_first_line_as_title(tmp_path):
    folder = write_corpus(tmp_path / "corpus", {"note.md": "\n# Working backwards\n\nWrite the press release first.\n"},
                          metadata=None)
    (doc,) = load_corpus(folder).documents
    assert (doc.title, doc.author, doc.aliases) == ("Working backwards", "", ())


def test_unreadable_files_are_skipped_with_a_warning_while_others_load(corpus):
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9.".encode("latin-1"))
    (corpus / "binary.md").write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    (corpus / "empty.txt").write_text("  \n\n", encoding="utf-8")
    loaded = load_corpus(corpus)
    assert sorted(by_name(loaded, corpus)) == sorted(DOCS)
    assert len(loaded.warnings) == 3
    for name, why in (("latin1.txt", "UTF-8"), ("binary.md", "binary"), ("empty.txt", "empty")):
        assert any(name in w and why in w for w in loaded.warnings), (name, loaded.warnings)


def test_other_suffixes_are_ignored(corpus):
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4 not text")
    (corpus / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    loaded = load_corpus(corpus)
    assert sorted(by_name(loaded, corpus)) == sorted(DOCS) and loaded.warnings == ()


def test_missing_folder_raises_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


@pytest.mark.parametrize("files", [{}, {"empty.txt": b""}, {"bin.txt": b"\x00\x01\x02"}],
                         ids=["no-files", "only-empty", "only-binary"])
def test_corpus_without_a_readable_document_raises_corpus_error(tmp_path, files):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with pytest.raises(CorpusError, match="no readable"):
        load_corpus(folder)


FIRST_LINE = "1997 Letter to Shareholders of Amazon.com, Inc."


@pytest.mark.parametrize("metadata, titles", [
    ('{"files": {"jassy.txt": {"title": ', {FIRST_LINE}),
    ('["jassy.txt", "critic.txt"]', {FIRST_LINE}),
    # A bad entry may be dropped alone or take the whole file with it; either way, no crash.
    ('{"files": {"letters/1997.md": "1997 letter"}}', {FIRST_LINE}),
    ('{"files": {"letters/1997.md": {"title": "1997 letter", "aliases": null}}}', {FIRST_LINE, "1997 letter"}),
    ('{"files": {"letters/1997.md": {"title": "1997 letter", "aliases": "Bezos"}}}', {FIRST_LINE, "1997 letter"}),
], ids=["truncated", "top-level-list", "entry-not-object", "aliases-null", "aliases-string"])
def test_corrupt_metadata_is_ignored_with_a_warning(corpus, metadata, titles):
    (corpus / "metadata.json").write_text(metadata, encoding="utf-8")
    loaded = load_corpus(corpus)
    docs = by_name(loaded, corpus)
    assert sorted(docs) == sorted(DOCS)
    assert docs["letters/1997.md"].title in titles
    assert all(isinstance(a, str) and len(a) > 1 for d in docs.values() for a in d.aliases)
    assert len(loaded.warnings) == 1 and "metadata.json" in loaded.warnings[0]
