"""A question is scoped to a source only when the source was named deliberately (issue: source hijack).

A file without metadata takes its first line as its title. Such a guessed title must not capture
questions that merely use its words ("What", "Day 2"), and a scoped search that finds nothing to
judge asks the whole corpus. Real files, real model, real embedded Chroma.
"""
from __future__ import annotations

import pytest

from tiny_corpus import DOCS, METADATA, make_settings, verifies, write_corpus
from rag.engine import Engine
from rag.indexing import ingest

HIJACKERS = {
    "what.txt": "What\n\nThe zebra crossing outside the depot is painted white every spring.\n",
    "day-two.txt": "Day 2\n\nOur watches are the cheapest in town, so order one today.\n",
}
HANDBOOK = "Zebra Handbook\n\nContents\n\nChapter One\n\nChapter Two\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder) -> Engine:
    root = tmp_path_factory.mktemp("sources")
    metadata = {"files": {**METADATA["files"], "handbook.md": {"title": "Zebra Handbook", "author": "",
                                                               "publisher": ""}}}
    corpus = write_corpus(root / "corpus", {**DOCS, **HIJACKERS, "handbook.md": HANDBOOK}, metadata)
    settings = make_settings(corpus, root / "index")
    ingest(settings, embedder)
    return Engine.open(settings, embedder)


def test_a_first_line_title_made_of_common_words_does_not_capture_a_question(engine):
    answer = engine.ask("What does Day 2 look like?")
    assert not answer.sides  # searched across the corpus, not inside "What" or "Day 2"
    assert not answer.abstained
    best = answer.citations[0]  # the evidence first: the letter that says it, not a file titled "Day 2"
    assert best.path.endswith("letters/2016.md") and "Day 2 is stasis" in best.text
    assert all(verifies(c.path, c.start, c.end, c.text) for c in answer.citations)


def test_a_name_from_metadata_still_scopes_the_question(engine):
    answer = engine.ask("What does the critic say about obsession?")
    assert [s.label for s in answer.sides] == ["Obsession With Obsession: A Critical Essay"]
    assert answer.citations and all(c.path.endswith("critic.txt") for c in answer.citations)


def test_a_named_source_with_nothing_to_quote_falls_back_to_the_whole_corpus(engine):
    answer = engine.ask("What does the Zebra Handbook say Day 2 looks like?")
    assert not answer.abstained
    assert not answer.sides  # answered from the whole corpus, and says so
    assert any(c.path.endswith("letters/2016.md") for c in answer.citations)
