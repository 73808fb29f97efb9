"""Question understanding: comparison sides from the catalog, named sources, follow-ups."""
from __future__ import annotations

import json

import pytest

from tiny_corpus import REPO
from rag.query import SourceRef, Sources, interpret, named_sides
from rag.records import Answer, Side, Turn

JASSY, CRITIC = "003_0a520789b9504a2d.txt", "004_2c06855ad959a8de.txt"
FOURWEEK = ("000_7443b40fbb8ff58e.txt", "001_5c8f3704e5a90245.txt")


@pytest.fixture(scope="module")
def corpus_refs() -> Sources:
    """The catalog of the project's real corpus, from corpus/metadata.json."""
    files = json.loads((REPO / "corpus" / "metadata.json").read_text(encoding="utf-8"))["files"]
    return Sources([SourceRef(name, m["title"], m.get("author", ""), m.get("publisher", ""), tuple(m.get("aliases", ())))
            for name, m in sorted(files.items())])


@pytest.fixture
def letter_refs() -> Sources:
    """Shareholder letters: one author for all, told apart by the years in their titles."""
    return Sources([SourceRef(f"letters/{year}.md", f"{year} Amazon Shareholder Letter", "Jeffrey P. Bezos",
                              "Amazon.com", ()) for year in (1997, 2005, 2016)])


def paths(sides) -> list[tuple[str, ...]]:
    return [s.paths for s in sides]


def test_comparison_sides_come_from_the_catalog(corpus_refs):
    q = interpret("How does Jassy's explanation differ from the critic's view?", [], corpus_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [(JASSY,), (CRITIC,)]


def test_comparison_sides_follow_the_order_of_the_question(corpus_refs):
    q = interpret("How does the critic's view differ from Jassy's explanation?", [], corpus_refs)
    assert paths(q.sides) == [(CRITIC,), (JASSY,)]


def test_a_name_shared_by_near_duplicates_makes_one_side(corpus_refs):
    q = interpret("Compare the FourWeekMBA article with the critical essay.", [], corpus_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [FOURWEEK, (CRITIC,)]


def test_years_in_titles_name_the_sides(letter_refs):
    q = interpret("What changed between the 1997 vs 2016 letter?", [], letter_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [("letters/1997.md",), ("letters/2016.md",)]


def test_a_name_shared_by_every_document_names_no_side(letter_refs):
    assert named_sides("What did Jeffrey P. Bezos write about proxies?", letter_refs) == []
    q = interpret("How does Jeffrey P. Bezos compare the 1997 and 2005 letters?", [], letter_refs)
    assert paths(q.sides) == [("letters/1997.md",), ("letters/2005.md",)]


def test_one_named_source_scopes_a_fact_question(corpus_refs):
    q = interpret("What does Jassy say about press releases?", [], corpus_refs)
    assert q.kind == "fact"
    assert paths(q.sides) == [(JASSY,)]


def test_unnamed_question_is_a_fact_over_everything(corpus_refs):
    q = interpret("What does Day 2 look like?", [], corpus_refs)
    assert (q.kind, q.sides, q.text) == ("fact", (), "What does Day 2 look like?")


def test_follow_up_is_resolved_with_the_previous_question(corpus_refs):
    history = [Turn("What is working backwards?")]
    q = interpret("And what did the critic say about that?", history, corpus_refs)
    assert q.follow_up
    assert "working backwards" in q.text and "critic" in q.text
    assert paths(q.sides) == [(CRITIC,)]


def test_standalone_question_is_not_changed_by_the_conversation(corpus_refs):
    history = [Turn("What is working backwards?")]
    question = "Who writes a press release before building a product at Amazon?"
    q = interpret(question, history, corpus_refs)
    assert not q.follow_up and q.text == question


def test_follow_up_of_a_comparison_keeps_its_sides(corpus_refs):
    sides = (Side("Jassy", (JASSY,)), Side("Critic", (CRITIC,)))
    previous = Answer(question="How does Jassy differ from the critic?", answer="...", abstained=False,
                      kind="comparison", citations=(), support=0.9, sides=sides,
                      resolved_question="How does Jassy differ from the critic?")
    q = interpret("And what about their view of prices?", [Turn(previous.question, previous)], corpus_refs)
    assert q.kind == "comparison"
    assert [(s.label, s.paths) for s in q.sides] == [(s.label, s.paths) for s in sides]
    assert "Jassy" in q.text and "prices" in q.text
    assert all(s.query.startswith("How does Jassy differ from the critic? ") for s in q.sides)  # with its topic


def test_a_comparison_with_no_topic_searches_each_side_with_its_title(corpus_refs):
    # "How does the critic's view differ from Jassy's?" leaves "How does the view differ from ?" once the
    # names are cut: nothing to search for. Each side's title states its position instead.
    q = interpret("How does the critic's view differ from Jassy's?", [], corpus_refs)
    titles = {r.path: r.title for r in corpus_refs.refs}
    assert q.kind == "comparison"
    assert [s.query for s in q.sides] == [titles[CRITIC], titles[JASSY]]
    topical = interpret("How does the critic's view of warehouse work differ from Jassy's?", [], corpus_refs)
    assert all("warehouse work" in s.query for s in topical.sides)

