"""Stage 2: split a document into sentences and sentence-aligned chunks, keeping offsets.

Sentences are the unit of quoting, so every span is a pair of offsets into the
document text, never a copy that could drift from it. Works on two kinds of text:

* ordinary text, where a line break ends a sentence or a heading;
* hard-wrapped text (PDF extractions such as the shareholder letters), where one
  sentence runs across line breaks and even blank lines. A document counts as
  hard-wrapped when many of its lines end mid-sentence; then only punctuation,
  or a short line that looks like a heading, ends a sentence.

Non-goals: language-specific sentence models (no downloads), perfect handling of
every abbreviation.

>>> text = "Day 2 is stasis. Followed by\\n\\nirrelevance. And death."
>>> [text[s.start:s.end] for s in split_sentences(text)]
['Day 2 is stasis.', 'Followed by\\n\\nirrelevance.', 'And death.']
"""
from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Sequence
from pathlib import Path

from .records import Chunk, Document, Span

# End of a sentence: terminal punctuation, optional closing quotes/brackets, then white space.
# A match starts only where a run of punctuation starts, and takes the whole run (possessive `++`):
# otherwise a run of n dots with no space after it is tried from each of its n positions, each try
# scanning to its end, and 100 KB of dots costs minutes (n² steps) instead of milliseconds.
_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s)")
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co", "corp",
           "jr", "sr", "u.s", "no", "fig", "approx", "jan", "feb", "mar", "apr", "jun", "jul",
           "aug", "sep", "sept", "oct", "nov", "dec"}
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9#*\-–•]")
_LINE_END_PUNCT = tuple(".!?:;…\"'”’)")
# "1." or "b)" alone at the start of a sentence numbers a list item; it does not end a sentence.
_ENUMERATOR = re.compile(r"\s*(\d{1,3}|[a-zA-Z])")
SHORT_SENTENCE = 60  # a sentence under this many characters continues a run of short ones
_UNIT_MAX = 400  # setups and runs stop growing at this size


def split_sentences(text: str, max_chars: int = 600) -> list[Span]:
    """Return the sentences of `text` as spans, in order, trimmed of white space.

    Sentences longer than `max_chars` are cut at white space so a quote stays readable.
    """
    spans: list[Span] = []
    for seg_start, seg_end in _segments(text):
        start = seg_start
        for m in _END.finditer(text, seg_start, seg_end):
            if _is_abbreviation(text, m.start()) or not _NEXT_STARTS_SENTENCE.match(text, m.end(), seg_end) \
                    or _ENUMERATOR.fullmatch(text, start, m.start()):
                continue
            spans.extend(_trimmed(text, start, m.end(), max_chars))
            start = m.end()
        spans.extend(_trimmed(text, start, seg_end, max_chars))
    return spans


def is_hard_wrapped(text: str) -> bool:
    """True when many lines end mid-sentence and the next line continues in lower case."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 8:
        return False
    continued = sum(1 for a, b in zip(lines, lines[1:])
                    if not a.endswith(_LINE_END_PUNCT) and b[0].islower())
    return continued / (len(lines) - 1) > 0.15


def _segments(text: str) -> list[tuple[int, int]]:
    """Cut the text where line breaks end sentences (see module docstring).

    A line followed by one that starts in lower case always continues; otherwise ordinary
    text breaks at every line end, while hard-wrapped text breaks only after a short line
    (a heading) or around a `[Page N]` marker.
    """
    line_spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    if not line_spans:
        return []
    wrapped = is_hard_wrapped(text)
    typical = statistics.median(e - s for s, e in line_spans)
    segments, seg_start = [], line_spans[0][0]
    for (s, e), nxt in zip(line_spans, line_spans[1:] + [None]):
        if nxt is None:
            segments.append((seg_start, e))
            break
        line, following = text[s:e].strip(), text[nxt[0]:nxt[1]].lstrip()
        # A page marker is never part of a sentence, even when the text after it continues one.
        page_marker = line.startswith("[Page") or following.startswith("[Page")
        if following[:1].islower() and not page_marker:
            continue
        heading = line.startswith("#") or (len(line) < 0.4 * typical and not line.endswith((",", "-")))
        if not wrapped or heading or page_marker:
            segments.append((seg_start, e))
            seg_start = nxt[0]
    return segments


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12):dot])
    if not word:
        return False
    w = word.group(1).lower().rstrip(".")
    # A single capital letter before the dot is an initial ("Jeffrey P. Bezos").
    return w in _ABBREV or (len(w) == 1 and text[dot - 1].isupper())


def _trimmed(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start or not any(ch.isalnum() for ch in text[start:end]):
        return []
    out = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.extend(_trimmed(text, start, cut, max_chars))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    out.append(Span(start, end))
    return out


def units(text: str, spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Group sentence indexes into units (see `rag.evidence`: a setup with its answer, a run of short
    sentences of one paragraph); spans are offsets into `text`.

    >>> t = "Why? Because. It is.\\nA long sentence that goes on and on and on well past sixty characters."
    >>> spans = [(0, 4), (5, 13), (14, 20), (21, len(t))]
    >>> units(t, spans)
    [[0, 1, 2], [3]]
    """
    out: list[list[int]] = []
    for i, (start, end) in enumerate(spans):
        if out:
            last = out[-1]
            first_start, prev_end = spans[last[0]][0], spans[last[-1]][1]
            prev = text[spans[last[-1]][0]:prev_end].rstrip("\"'”’)] ")
            setup = prev.endswith(("?", ":"))
            same_paragraph = "\n" not in text[prev_end:start]
            run = (same_paragraph and end - start < SHORT_SENTENCE
                   and all(spans[j][1] - spans[j][0] < SHORT_SENTENCE for j in last))
            if (setup or run) and end - first_start <= _UNIT_MAX:
                last.append(i)
                continue
        out.append([i])
    return out


def chunk_document(doc: Document, chunk_chars: int = 800, max_sentence_chars: int = 600) -> list[Chunk]:
    """Group consecutive sentences into chunks of about `chunk_chars` characters.

    Chunks never split a sentence, nor a unit (`units`): a question and its answer, or a run of
    short sentences, stay in one chunk, so a quote window that starts in the chunk can hold
    them whole. Chunks do not overlap; `chunk.text == doc.text[start:end]`.
    """
    sentences = split_sentences(doc.text, max_sentence_chars)
    spans = [(s.start, s.end) for s in sentences]
    chunks: list[Chunk] = []
    group: list[Span] = []
    for unit in units(doc.text, spans) + [None]:
        if group and (unit is None or sentences[unit[-1]].end - group[0].start > chunk_chars):
            start, end = group[0].start, group[-1].end
            chunks.append(Chunk(id=chunk_id(doc.path, doc.sha, start, end), path=doc.path, title=doc.title,
                                doc_sha=doc.sha, start=start, end=end, text=doc.text[start:end],
                                sentences=tuple(group)))
            group = []
        if unit is not None:
            group.extend(sentences[i] for i in unit)
    return chunks


def chunking_fingerprint(chunk_chars: int, max_sentence_chars: int) -> str:
    """A key that changes whenever `chunk_document` could cut a text differently: its settings or this code.

    The index records it, so an ingest may keep the stored chunks of an unchanged text without
    splitting that text again. Hashing this module's source, not a version number, means no one
    has to remember to bump anything.
    """
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return f"{code}:{chunk_chars}:{max_sentence_chars}"


def chunk_id(path: str, doc_sha: str, start: int, end: int) -> str:
    """Stable id: the same text at the same place keeps its id across runs."""
    return hashlib.sha1(f"{path}\0{doc_sha}\0{start}\0{end}".encode()).hexdigest()[:24]
