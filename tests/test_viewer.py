"""rag.viewer: the only HTML made from corpus text escapes all of it and marks exactly the span."""
from __future__ import annotations

import re

import pytest

from rag.viewer import document_html, location, passage_bounds, passage_html

TEXT = 'First line.\n# Title <script>alert("x")</script> then the quote & more. [a](javascript:b)\nLast line.'


def test_document_is_escaped_and_only_the_span_is_marked():
    start = TEXT.index("the quote")
    out = document_html(TEXT, start, start + len("the quote & more."), mark_id="d-1")
    body, script = out.split("<script>(() =>")
    assert set(re.findall(r"</?(\w+)", body)) == {"div", "mark"}
    assert '<mark id="d-1">the quote &amp; more.</mark>' in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body and "Last line." in body
    assert script.count('"d-1"') == 1 and "scrollTop" in script


def test_passage_is_the_paragraph_around_the_quote():
    start = TEXT.index("then")
    lo, hi = passage_bounds(TEXT, start, start + 4)
    assert TEXT[lo:hi] == TEXT.splitlines()[1]
    assert passage_html(TEXT, start, start + 4, "p-1").count("<mark") == 1


@pytest.mark.parametrize("mark_id", ['x" onmouseover="alert(1)', "1abc", ""])
def test_mark_ids_cannot_carry_markup(mark_id):
    with pytest.raises(ValueError):
        passage_html(TEXT, 0, 5, mark_id)


# --- location: where a quote is, in a reader's terms ----------------------------------------------

def test_location_names_the_section_and_the_paragraph():
    text = "A Field Guide\nAuthor: Ann Smith\nOpening words here.\nTides\nHigh tide comes twice a day.\nLow tide follows."
    assert location(text, text.index("Low tide"), title="A Field Guide") == "Tides · ¶ 3 of 3"
    assert location(text, text.index("Opening"), title="A Field Guide") == "¶ 1 of 3"  # no section yet


def test_location_skips_list_items_as_sections():
    text = "Contents\n- Tides\n- Winds\nThe sea rises.\n"
    assert location(text, text.index("The sea")) == "Contents · ¶ 3 of 3"


def test_location_gives_the_page_of_a_letter_with_page_markers():
    text = "# 2016 Letter\n\n[Page 1]\n\nDay 2 is stasis.\n\n[Page 2]\n\nTrue Customer Obsession\n\nThere are many ways."
    assert location(text, text.index("Day 2"), title="2016 Letter") == "page 1"
    assert location(text, text.index("There are"), title="2016 Letter") == "True Customer Obsession · page 2"
