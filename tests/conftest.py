"""Shared fixtures. Nothing is mocked: the real bundled model, real Chroma in temporary folders.

* `embedder`: the bundled all-MiniLM-L6-v2, one per session (sentence-transformers loads on the first `embed`).
* `corpus` / `settings` / `built_index`: the tiny corpus of `tiny_corpus.py` in tmp_path.
* `corpus_index`: a real index over a copy of the project's `corpus/`, built once per session.

The tiny corpus and its helpers live in `tiny_corpus.py` and are re-exported here
(`from conftest import write_corpus` keeps working).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag import Settings
from tiny_corpus import (CRITIC, DOCS, JASSY, LETTER_1997, LETTER_2016, METADATA, REPO,  # noqa: F401 (re-exported)
                         make_settings, verifies, write_corpus)

ROOT = REPO


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    from rag.embedding import Embedder

    return Embedder()


# --- the tiny corpus ------------------------------------------------------------------------------

@pytest.fixture
def corpus(tmp_path) -> Path:
    """A fresh copy of the four-document tiny corpus (tests may edit or delete its files)."""
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(corpus, tmp_path) -> Settings:
    return make_settings(corpus, tmp_path / "index")


@pytest.fixture(scope="module")
def built_index(tmp_path_factory, embedder):
    """One tiny corpus + index per module, for tests that only read: (settings, ingest report)."""
    from rag.indexing import ingest

    root = tmp_path_factory.mktemp("built")
    settings = make_settings(write_corpus(root / "corpus"), root / "index")
    report = ingest(settings, embedder)
    yield settings, report
    shutil.rmtree(root, ignore_errors=True)


# --- the project's own corpus ---------------------------------------------------------------------

@dataclass(frozen=True)
class BuiltIndex:
    corpus_dir: Path
    index_dir: Path

    def env(self, feedback_db: Path) -> dict[str, str]:
        """The environment that points the app (or the CLI) at this index."""
        return {"RAG_CORPUS_DIR": str(self.corpus_dir), "RAG_INDEX_DIR": str(self.index_dir),
                "RAG_FEEDBACK_DB": str(feedback_db)}


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder) -> BuiltIndex:
    """`corpus/` copied to a temporary folder and indexed with the real model and an embedded Chroma."""
    from rag.indexing import ingest

    root = tmp_path_factory.mktemp("corpus-index")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    ingest(settings, embedder)
    return BuiltIndex(corpus, settings.index_dir)
