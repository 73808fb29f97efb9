"""The source viewer: a document, or the passage around a quote, as safe HTML with the quote marked.

This is the one place where corpus text becomes HTML. Every character of the
document goes through `html.escape`; the only markup added is a scrolling box and
one `<mark>` around the quoted span, so a document holding `<script>` or
`[x](javascript:...)` shows those characters literally. The id of the mark is
checked, never taken from the corpus.

Pure functions over strings. Non-goals: styling beyond a readable box, and any
rendering of the document's own markdown (it is shown exactly as written).
"""
from __future__ import annotations

import html
import json
import re

from .chunking import is_hard_wrapped
from .evidence import is_heading, normalized

CONTEXT_CHARS = 400  # at most this many characters of the paragraph on each side of a quote
DOCUMENT_HEIGHT_PX = 420  # height of the whole-document box; it scrolls
_MARK_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_PAGE_MARKER = re.compile(r"^\s*\[Page (\d+)\]\s*$", re.M)
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_LIST_ITEM = re.compile(r"^\s*([-*•–]|\d+[.)])\s")
_FIELD = re.compile(r"^\s*\w+:\s")  # a "Field: value" line of a file header
_BOX_STYLE = ("position: relative; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; "
              "padding: 0.75rem 1rem; border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem;")


def location(text: str, start: int, title: str = "") -> str:
    r"""Where `text[start:]` is, in the words a reader finds it by: its section and its page or paragraph.

    The section is the nearest heading before the span (not the document's title or a "Field: value"
    line; a short list item is a paragraph, not a heading). Text with `[Page N]` markers gives the page; other text gives the
    paragraph (a non-empty line that is not a heading) as "¶ 3 of 40". Hard-wrapped text without
    page markers has no reliable paragraphs, so it gives the section alone.

    >>> doc = "My Title\nIntro line.\nFirst Steps\nOne.\nTwo.\nThree."
    >>> location(doc, doc.index("Two"), title="My Title")
    'First Steps · ¶ 3 of 4'
    >>> location("[Page 1]\nA.\n[Page 2]\nB.", 17)
    'page 2'
    """
    section = ""
    paragraphs, mine = 0, 0
    skip = {normalized(title)} if title else set()
    for m in _LINE.finditer(text):
        line = m.group()
        if _PAGE_MARKER.match(line):
            continue
        if is_heading(line) and not _LIST_ITEM.match(line):
            if m.start() <= start and normalized(line) not in skip and not _FIELD.match(line):
                section = line.strip().lstrip("#").strip()
            continue
        paragraphs += 1
        if m.start() <= start:
            mine = paragraphs
    pages = [p for p in _PAGE_MARKER.finditer(text) if p.start() <= start]
    if pages:
        where = f"page {pages[-1].group(1)}"
    elif _PAGE_MARKER.search(text) or is_hard_wrapped(text) or not mine:
        where = ""
    else:
        where = f"¶ {mine} of {paragraphs}"
    return " · ".join(part for part in (section, where) if part)


def passage_bounds(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[int, int]:
    """The paragraph holding `text[start:end]`, cut at a word boundary about `chars` from either end.

    >>> text = "Intro.\\nAlpha beta. Day 2 is stasis. Gamma delta.\\nOutro."
    >>> a, b = passage_bounds(text, 19, 35)
    >>> text[a:b]
    'Alpha beta. Day 2 is stasis. Gamma delta.'
    >>> a, b = passage_bounds(text, 19, 35, chars=8)
    >>> text[a:b]
    'beta. Day 2 is stasis. Gamma'
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is outside a text of {len(text)} characters")
    lo = max(0, start - chars)
    newline = text.rfind("\n", lo, start)
    if newline >= 0:
        lo = newline + 1
    elif lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else start
    hi = min(len(text), end + chars)
    newline = text.find("\n", end, hi)
    if newline >= 0:
        hi = newline
    elif hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else end
    return lo, hi


def passage_html(text: str, start: int, end: int, mark_id: str) -> str:
    """The passage around `text[start:end]`, escaped, with the span in a `<mark>`.

    >>> passage_html("A <b>. Quote & more.", 7, 14, "m1")  # doctest: +ELLIPSIS
    '<div class="rag-passage" style="...">A &lt;b&gt;. <mark id="m1">Quote &amp;</mark> more.</div>'
    """
    lo, hi = passage_bounds(text, start, end)
    before = "… " if lo > 0 else ""
    after = " …" if hi < len(text) else ""
    body = before + _marked(text, start, end, lo, hi, mark_id) + after
    return f'<div class="rag-passage" style="{_BOX_STYLE}">{body}</div>'


def document_html(text: str, start: int, end: int, mark_id: str, height: int = DOCUMENT_HEIGHT_PX) -> str:
    """The whole document, escaped, in a scrolling box that opens scrolled to the marked span.

    The trailing script only moves the box's own scroll position (never the page),
    so opening a document does not make the chat jump.
    """
    body = _marked(text, start, end, 0, len(text), mark_id)
    script = ("<script>(() => { const m = document.getElementById(%s); if (!m) return;"
              " const box = m.closest('.rag-document');"
              " box.scrollTop = Math.max(0, m.offsetTop - box.clientHeight / 3); })();</script>" % json.dumps(mark_id))
    return (f'<div class="rag-document" style="{_BOX_STYLE} max-height: {int(height)}px; overflow-y: auto;">'
            f"{body}</div>{script}")


def _marked(text: str, start: int, end: int, lo: int, hi: int, mark_id: str) -> str:
    if not _MARK_ID.match(mark_id):
        raise ValueError(f"mark id {mark_id!r} must be a letter then letters, digits, '-' or '_'")
    if not lo <= start <= end <= hi <= len(text):
        raise ValueError(f"span {start}:{end} is outside {lo}:{hi} of a text of {len(text)} characters")
    return (html.escape(text[lo:start]) + f'<mark id="{mark_id}">' + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:hi]))

