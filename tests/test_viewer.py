"""rag.viewer: the only HTML made from corpus text escapes all of it and marks exactly the span."""
from __future__ import annotations

import re

import pytest

from rag.viewer import document_html, passage_bounds, passage_html

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
