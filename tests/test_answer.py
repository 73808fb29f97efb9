"""Composing the answer a person reads: inert corpus text, [n] markers, sides, abstention."""
from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from rag.answer import abstention, compose_comparison, compose_fact, escape_markdown, no_evidence
from rag.records import Quote, Side

_md = MarkdownIt("commonmark")  # CommonMark with raw HTML on
_md.validateLink = lambda url: True  # and no URL filter: as permissive as the laxest chat UI
render = _md.render


def quote(n: int, path: str, text: str, start: int = 0, side: str | None = None, also_in=()) -> Quote:
    return Quote(n=n, path=path, title=f"Title of {path}", author="", text=text, start=start,
                 end=start + len(text), score=0.8, side=side, also_in=tuple(also_in))


@pytest.mark.parametrize("text, forbidden", [
    ("# x", "<h1"),
    ("<script>alert(1)</script>", "<script"),
    ("[x](javascript:y)", "<a "),
    ("**bold** and `code`", "<strong"),
    ("> a quote inside a quote", "<blockquote"),
    ("![img](http://e.x/i.png)", "<img"),
], ids=["heading", "script", "js-link", "emphasis", "blockquote", "image"])
def test_escaped_corpus_text_renders_inert(text, forbidden):
    assert forbidden in render(text)  # the raw text really is active markdown
    assert forbidden not in render(escape_markdown(text))


def test_escaped_text_keeps_its_words_on_one_line():
    assert escape_markdown("Day 2\n\nis   stasis") == "Day 2 is stasis"


def test_fact_answer_groups_quotes_by_source_with_markers():
    quotes = [quote(1, "a.txt", "First from a.", 0), quote(2, "b.txt", "Only from b.", 0),
              quote(3, "a.txt", "Second from a.", 50)]
    md = compose_fact(quotes, {})
    for q in quotes:
        assert f"[{q.n}]" in md and escape_markdown(q.text) in md
    assert md.count("Title of a") == 1 and md.count("Title of b") == 1  # one heading per source
    assert md.index("First from a") < md.index("Second from a") < md.index("Only from b")


def test_near_duplicate_names_the_other_document():
    md = compose_fact([quote(1, "a.txt", "Shared passage.", also_in=["b.txt"])], {"b.txt": "The Copy"})
    assert md.count("Shared passage") == 1
    assert "also in" in md and "The Copy" in md


def test_comparison_has_one_section_per_side_in_order():
    sides = (Side("Jassy", ("j.txt",)), Side("Critic", ("c.txt",)))
    quotes = [quote(1, "j.txt", "Work backwards.", side="Jassy"), quote(2, "c.txt", "It is a slogan.", side="Critic")]
    md = compose_comparison(sides, quotes, {})
    assert md.index("Jassy") < md.index("Work backwards") < md.index("Critic") < md.index("It is a slogan")


def test_comparison_with_an_empty_side_says_no_passage():
    sides = (Side("Jassy", ("j.txt",)), Side("Critic", ("c.txt",)))
    md = compose_comparison(sides, [quote(1, "j.txt", "Work backwards.", side="Jassy")], {})
    critic = md[md.index("Critic"):]
    assert "No passage in Critic" in critic
    assert "No passage in Jassy" not in md
    assert no_evidence(sides[1]).startswith("No passage in Critic")


def test_abstention_says_so_and_offers_suggestions():
    text = abstention(["Working *Backwards*", "Day 1"])
    assert "no passage" in text.lower()
    assert "Working \\*Backwards\\*" in text and "Day 1" in text  # titles are escaped too
    assert "closest" not in abstention([])


def test_abstention_scoped_to_a_named_source_names_it():
    text = abstention(["Day 1"], scope="The *critic's* essay")
    assert text.startswith("I found no passage in **The \\*critic's\\* essay** that answers this")
