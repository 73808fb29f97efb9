"""A conversation as a Markdown file, with every citation intact.

Each answer lists its citations in order: number, title, author, the document path
and character offsets, and the quote. A reader can check any quote with
`Path(path).read_text(encoding="utf-8")[start:end]`. Quotes keep their words and
punctuation; only runs of whitespace become one space, and characters that would
turn into markup (`<`, `*`, `[`...) are backslash-escaped, so a document holding
HTML or markdown stays plain text in any viewer. Every field (question, title, path,
quote) stays on its own line, whatever line breaks a file name holds, and control
characters are written as escapes (`\x1b`), so the file is safe to print in a terminal.

Saved turns (`rag.chats.SavedTurn`) add when the conversation started and when each
question was asked (in UTC, so the file reads the same wherever it is opened), and the
rating each answer was given, with its reason.

Pure functions. Non-goals: other formats, styling.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from .answer import no_evidence
from .chats import UP, SavedTurn
from .records import Answer, Quote

TITLE = "Conversation with the documents"
_MARKUP = re.compile(r"([\\`*_\[\]<>#|~&])")
_LINE_START = re.compile(r"^(\d+)([.)])(\s)|^([-+=])(\s|$)")
# C0 and C1 controls (line breaks included), DEL and lone surrogates: shown as escapes.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def plain(text: str) -> str:
    r"""`text` on one line, safe to place anywhere in markdown, with its words unchanged.

    >>> plain("Day 2 is stasis.\n Followed by irrelevance.")
    'Day 2 is stasis. Followed by irrelevance.'
    >>> plain("# Hi <script>[x](javascript:y)")
    '\\# Hi \\<script\\>\\[x\\](javascript:y)'
    >>> plain("1. first")
    '1\\. first'
    >>> plain("\x1b]0;owned\x07 Day 1")
    '\\x1b\\]0;owned\\x07 Day 1'
    """
    text = _visible(_MARKUP.sub(r"\\\1", " ".join(text.split())))
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}{m[3]}" if m[1] else f"\\{m[4]}{m[5]}", text)


def _visible(text: str) -> str:
    """`text` with each control character or lone surrogate written as its Python escape."""
    return _CONTROL.sub(lambda m: ascii(m[0])[1:-1], text)


def conversation_markdown(turns: Sequence[Answer | SavedTurn], names: Mapping[str, str] | None = None,
                          title: str = TITLE) -> str:
    """The whole conversation, oldest first.

    Args:
        turns: answers, or saved turns (with their times and ratings).
        names: document titles by path, for "also in" lines (paths are shown without it).
    """
    names = names or {}
    parts = [f"# {plain(title)}"]
    if turns and isinstance(turns[0], SavedTurn):
        parts.append(f"Started {_utc(turns[0].created_at):%Y-%m-%d}")
    for i, turn in enumerate(turns, start=1):
        answer = turn.answer if isinstance(turn, SavedTurn) else turn
        parts.append(f"## {i}. {plain(answer.question)}")
        if isinstance(turn, SavedTurn):
            parts.append(f"_Asked {_utc(turn.created_at):%Y-%m-%d %H:%M} UTC_")
        if answer.read_differently:
            parts.append(f"_Understood as: {plain(answer.resolved_question)}_")
        if answer.written is not None and answer.written.sentences:
            parts.append(plain(" ".join(text for text, _ in answer.written.sentences)) +
                         f"\n\n_Written by {plain(answer.written.model)}; each sentence checked against the quotes "
                         "below._")
        if answer.abstained:
            parts.append(_abstention(answer))
        elif answer.kind == "comparison" and answer.sides:
            for side in answer.sides:
                parts.append(f"### {plain(side.label)}")
                mine = [q for q in answer.citations if q.side == side.label]
                parts.extend(_citation(q, names) for q in mine)
                if not mine:
                    parts.append(f"_{plain(no_evidence(side, answer.sides))}_")
        else:
            parts.extend(_citation(q, names) for q in answer.citations)
        if isinstance(turn, SavedTurn) and turn.rating is not None:
            parts.append(_rating(turn.rating, turn.reason))
    return "\n\n".join(parts) + "\n"


def _rating(rating: int, reason: str | None) -> str:
    r"""The line that says how an answer was rated, and why.

    >>> _rating(0, "wrong *quote*")
    'Rated: not helpful — reason: wrong \\*quote\\*'
    """
    text = "Rated: " + ("helpful" if rating == UP else "not helpful")
    return text + f" — reason: {plain(reason)}" if reason else text


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _citation(q: Quote, names: Mapping[str, str]) -> str:
    by = f" — {plain(q.author)}" if q.author else ""
    lines = [f"**[{q.n}]** {plain(q.title)}{by}  ",
             f"{_code(q.path)}, characters {q.start}–{q.end}"]
    if q.also_in:
        lines[-1] += "  "
        lines.append("Also in: " + "; ".join(plain(names.get(p, p)) for p in q.also_in))
    return "\n".join(lines) + f"\n\n> {plain(q.text)}"


def _abstention(answer: Answer) -> str:
    text = ("_No answer: the documents say nothing about " + " or ".join(map(plain, answer.uncovered)) + "._"
            if answer.uncovered else "_No answer: no passage in the documents answers this._")
    if answer.suggestions:
        text += " Closest documents: " + "; ".join(plain(s) for s in answer.suggestions) + "."
    return text


def _code(text: str) -> str:
    r"""An inline code span that holds any text on one line: its fence is longer than any backtick
    run inside, and line breaks show as escapes (a blank line would end the span and the paragraph).

    >>> _code("a\n\n<img src=x>`.txt")
    '``a\\n\\n<img src=x>`.txt``'
    """
    text = _visible(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A space pads the text where it begins or ends with a backtick, or with a space on both
    # sides (a renderer strips one from each side then).
    pad = " " if text[:1] == "`" or text[-1:] == "`" or text[:1] == text[-1:] == " " else ""
    return f"{fence}{pad}{text}{pad}{fence}"
