"""Stage 7: turn verified quotes into the answer a person reads.

Pure functions. Quotes are grouped by source (ordered by their best score) and,
within a source, by position in the document; each carries its `[n]` marker.
A comparison gets one group per side, and says so when a side has no evidence.
Corpus text is escaped before it enters markdown, so a document's `# heading`,
`<script>` or `[link](javascript:...)` shows as plain text.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from .evidence import AMOUNT, DATE, NAME, NUMBER_OF, SHARE
from .records import Answer, Quote, Side

# Markdown's specials, and Streamlit's: "$" opens LaTeX, ":" opens colours (":red[...]") and
# emoji shortcodes (":smile:"), and starts a bare link ("http://...").
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&$:])")


# What Streamlit redraws in Markdown even when escaped: Material icons and typographic arrows and dashes.
_REDRAWN = re.compile(r":material/|<-|->|--")


def markdown_label(text: str) -> str | None:
    r"""`text` escaped for a Streamlit label (Markdown only), or None where Streamlit would still redraw it.

    >>> markdown_label("Day 1: a memo"), markdown_label("Day 1 -> Day 2")
    ('Day 1\\: a memo', None)
    """
    return None if _REDRAWN.search(text) else escape_markdown(text)


def escape_markdown(text: str) -> str:
    r"""Make `text` render literally in markdown, on one line.

    >>> escape_markdown("# Hi <b>[x](javascript:y)</b>")
    '\\# Hi \\<b\\>\\[x\\]\\(javascript\\:y\\)\\</b\\>'
    >>> escape_markdown("$5 :red[x]")
    '\\$5 \\:red\\[x\\]'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def source_line(q: Quote) -> str:
    by = f" — {escape_markdown(q.author)}" if q.author else ""
    return f"**{escape_markdown(q.title)}**{by}"


def quote_line(q: Quote, names: dict[str, str]) -> str:
    also = ""
    if q.also_in:
        also = " _(also in: " + "; ".join(escape_markdown(names.get(p, p)) for p in q.also_in) + ")_"
    return f"> {escape_markdown(q.text)} [{q.n}]{also}"


# Full-contrast body text (the page's own colour), set apart by a rule, not by fading.
_QUOTE_STYLE = ("margin:0 0 0.75rem 0;padding:0.15rem 0 0.15rem 0.9rem;border-left:3px solid #8a8f98;"
                "white-space:pre-wrap;color:inherit;font-style:normal")


def quote_html(q: Quote, names: dict[str, str], link: str = "") -> str:
    """A quote for the page, as HTML with every character escaped; its `[n]` links to `#link` if given.

    Markdown would reshape a quote: Streamlit reads `$...$` as LaTeX, `:material/...:` as an
    icon and `->` as an arrow, even when escaped. As escaped HTML the reader sees exactly
    `text[start:end]`.

    >>> quote_html(Quote(1, "a.txt", "A", "", "$5 :red[x] -> <b>", 0, 17, 0.9), {}).split('">', 1)[1]
    '$5 :red[x] -&gt; &lt;b&gt; <span class="rag-n">[1]</span></blockquote>'
    >>> quote_html(Quote(2, "a.txt", "A", "", "Hi.", 0, 3, 0.9), {}, link="s-1").split('">', 1)[1]
    'Hi. <a class="rag-n" href="#s-1" title="Show [2] in its document">[2]</a></blockquote>'
    """
    also = ""
    if q.also_in:
        also = " <em>(also in: " + "; ".join(html.escape(names.get(p, p)) for p in q.also_in) + ")</em>"
    marker = (f'<a class="rag-n" href="#{html.escape(link)}" title="Show [{q.n}] in its document">[{q.n}]</a>'
              if link else f'<span class="rag-n">[{q.n}]</span>')
    return f'<blockquote class="rag-quote" style="{_QUOTE_STYLE}">{html.escape(q.text)} {marker}{also}</blockquote>'


def written_html(sentences: Sequence[str], model: str, link: Callable[[int], str], done: bool = True,
                 dropped: int = 0) -> str:
    """A written answer for the page: its checked sentences as escaped HTML, each `[n]` a link to
    `#link(n)`, and a label naming the model and the check.

    >>> written_html(["Day 2 is <stasis> [1]."], "m", lambda n: f"p-{n}").split("<p>")[1].split("</p>")[0]
    'Day 2 is &lt;stasis&gt; <a class="rag-n" href="#p-1" title="Show [1] in its document">[1]</a>.'
    """
    def linked(sentence: str) -> str:
        return re.sub(r"\[(\d{1,3})\]", lambda m: f'<a class="rag-n" href="#{html.escape(link(int(m.group(1))))}" '
                      f'title="Show [{m.group(1)}] in its document">[{m.group(1)}]</a>', html.escape(sentence))

    note = (f"Written by {html.escape(model)}; each sentence was checked against the quotes it cites, shown below"
            + (f" ({dropped} that failed the check not shown)" if dropped else "") + "." if done
            else f"{html.escape(model)} is writing; each sentence is shown once it passes the check…")
    return (f'<div class="rag-written"><p>{" ".join(linked(s) for s in sentences)}</p>'
            f'<div class="rag-written-label" style="color:#4a4f57;font-size:0.8rem">{note}</div></div>')


def source_html(title: str, author: str = "", detail: str = "") -> str:
    """A source's title (bold) and author, and an optional detail line, as escaped HTML.

    >>> source_html("Day 2 -> $5", "A. Writer")
    '<div class="rag-source"><strong>Day 2 -&gt; $5</strong> — A. Writer</div>'
    """
    by = f" — {html.escape(author)}" if author else ""
    more = f'<br><span style="color:#4a4f57;font-size:0.875rem">{html.escape(detail)}</span>' if detail else ""
    return f'<div class="rag-source"><strong>{html.escape(title)}</strong>{by}{more}</div>'


def text_html(text: str, css_class: str) -> str:
    """Text the page must show exactly as typed or written (a question), as escaped HTML.

    >>> text_html("$x$ -> :smile:", "rag-question")
    '<div class="rag-question" style="white-space:pre-wrap">$x$ -&gt; :smile:</div>'
    """
    return f'<div class="{css_class}" style="white-space:pre-wrap">{html.escape(text)}</div>'


def by_source(quotes: Sequence[Quote]) -> list[list[Quote]]:
    """The quotes grouped by document, in order of each document's first quote; each group in the given order.

    >>> [[q.n for q in g] for g in by_source([Quote(n, p, "", "", "x", 0, 1, 0.5) for n, p in
    ...                                         ((1, "a"), (2, "b"), (3, "a"))])]
    [[1, 3], [2]]
    """
    groups: dict[str, list[Quote]] = {}
    for q in quotes:
        groups.setdefault(q.path, []).append(q)
    return list(groups.values())


def compose_fact(quotes: Sequence[Quote], names: dict[str, str]) -> str:
    """Markdown for a fact answer: quotes grouped by source (best first, as numbered), each with its [n]."""
    return "\n\n".join("\n\n".join([source_line(group[0])] + [quote_line(q, names) for q in group])
                        for group in by_source(quotes))


def compose_comparison(sides: Sequence[Side], quotes: Sequence[Quote], names: dict[str, str]) -> str:
    """Markdown for a comparison: one section per side, in the order the question named them."""
    sections = []
    for side in sides:
        mine = [q for q in quotes if q.side == side.label]
        head = f"### {escape_markdown(side.label)}"
        body = compose_fact(mine, names) if mine else f"_{no_evidence(side, sides)}_"
        sections.append(f"{head}\n\n{body}")
    return "\n\n".join(sections)


def no_evidence(side: Side, sides: Sequence[Side] = ()) -> str:
    """What a side with no quote says, among the question's `sides`.

    >>> parts = Side("Why did the ferry fail?", ("a.txt",)), Side("How long did it run?", ("a.txt",))
    >>> no_evidence(parts[1], parts)
    'No passage addresses this part of the question apart from those quoted for the rest of it.'
    >>> views = Side("Ann", ("a.txt",)), Side("Critic", ("c.txt",))
    >>> no_evidence(views[1], views)
    'No passage in Critic addresses this question.'
    >>> no_evidence(Side("Bo's view", ()), (Side("Ann", ("a.txt",)), Side("Bo's view", ())))
    'No passage addresses this part of the question.'
    """
    if len(sides) > 1 and len({s.paths for s in sides}) == 1:  # parts of one question searched in the same
        # documents: the passages quoted for another part may answer this one too ("Why did it fail, and how long
        # did it run?")
        return "No passage addresses this part of the question apart from those quoted for the rest of it."
    if not side.paths:  # a part of the question, searched in every document
        return "No passage addresses this part of the question."
    return f"No passage in {side.label} addresses this question."


def abstention_scope(kind: str, sides: Sequence[Side]) -> str | None:
    """The one source a fact question named (its search was limited to it), if any."""
    return sides[0].label if kind == "fact" and sides else None


def abstention(suggestions: Sequence[str], scope: str | None = None, plain: bool = False,
               uncovered: Sequence[str] = ()) -> str:
    """Say that nothing answers the question (in `scope`, the one source it named, if any).

    `uncovered`: what the question asks about that no passage holds ("2024"), said first.
    Markdown with corpus text escaped, or `plain` text for a terminal.

    >>> abstention([], uncovered=["2024"], plain=True)
    "The documents say nothing about 2024, so I won't answer with another year's passage."
    >>> abstention([], uncovered=["a price or amount of money"], plain=True)
    "The documents say nothing about a price or amount of money, so I won't answer with another figure."
    >>> abstention([], uncovered=["the number of stores"], plain=True)
    "The documents say nothing about the number of stores, so I won't answer with another figure."
    >>> abstention([], uncovered=["a percentage or share"], plain=True)
    "The documents say nothing about a percentage or share, so I won't answer with another figure."
    >>> abstention([], uncovered=["a date or year"], plain=True)
    "The documents say nothing about a date or year, so I won't answer with a passage that gives none."
    >>> abstention([], scope="Mill notes", uncovered=["Japan"], plain=True)
    "Mill notes says nothing about Japan, so I won't answer with a passage about something else."
    """
    show = (lambda t: t) if plain else (lambda t: f"**{escape_markdown(t)}**")
    where = show(scope) if scope else "the documents"
    if uncovered:
        instead = ("another year's passage" if all(re.fullmatch(r"\d{4}", u) for u in uncovered)
                   else "another figure" if any(u in (AMOUNT, SHARE) or u.startswith(NUMBER_OF) for u in uncovered)
                   else "a passage that gives none" if any(u in (DATE, NAME) or u.startswith("the ") for u in uncovered)
                   else "a passage about something else")  # a name the question asks about
        text = (f"{'The documents' if not scope else show(scope)} say{'s' if scope else ''} nothing about "
                f"{' or '.join(map(show, uncovered))}, so I won't answer with {instead}.")
    else:
        text = f"I found no passage in {where} that answers this, so I won't guess."
    if suggestions:
        text += " The closest documents are: " + "; ".join(show(s) for s in suggestions) + "."
    return text


# Where `str.splitlines` breaks a line. A field of a plain answer holds none of them, so a title, author or
# path with a line break cannot start a line of its own (one that reads like a citation).
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    r"""`text` with its line breaks shown as escapes.

    >>> _one_line("Day 1\n[2] Fake, /etc/passwd[0:9]")
    'Day 1\\n[2] Fake, /etc/passwd[0:9]'
    """
    return _LINE_BREAKS.sub(lambda m: ascii(m[0])[1:-1], text)


def compose_plain(answer: Answer) -> str:
    """The answer for a terminal: no markdown escapes, one quote a paragraph.

    Titles, authors, paths and side names are shown on one line, their line breaks escaped: only
    this function starts a line, so every line that reads like a citation is one.
    """
    if answer.abstained:
        return _one_line(abstention(answer.suggestions, abstention_scope(answer.kind, answer.sides), plain=True,
                                    uncovered=answer.uncovered))
    lines = []
    if answer.written is not None and answer.written.sentences:
        lines.append(_one_line(" ".join(text for text, _ in answer.written.sentences)))
        lines.append(f"  (written by {_one_line(answer.written.model)}; each sentence checked against the quotes "
                     "below)")
    elif answer.written is not None:
        lines.append("  (the written answer could not be checked against the quotes, so only the quotes are shown)")
    groups = [(s, [q for q in answer.citations if q.side == s.label]) for s in answer.sides] \
        if answer.kind == "comparison" else [(None, list(answer.citations))]
    for side, quotes in groups:
        if side is not None:
            lines.append(f"== {_one_line(side.label)} ==")
            if not quotes:
                lines.append(f"  {_one_line(no_evidence(side, answer.sides))}")
        for q in quotes:
            by = f" — {_one_line(q.author)}" if q.author else ""
            also = f" (also in: {', '.join(map(_one_line, q.also_in))})" if q.also_in else ""
            lines.append(f"[{q.n}] {_one_line(q.title)}{by}, {_one_line(q.path)}[{q.start}:{q.end}]{also}")
            lines.append(f"    {' '.join(q.text.split())}")
    return "\n".join(lines)
