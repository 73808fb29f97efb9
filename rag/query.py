"""Understand a question before retrieval: follow-ups, comparisons and named sources.

Pure functions over strings and the document catalog; no model, no store.

* **Follow-ups.** A question that leans on the conversation ("and what did the
  critic say about that?") is resolved by adding the previous question's words, so
  retrieval sees the topic; the question shown to the user stays as typed.
* **Named sources.** Titles, authors (or last names), publishers, aliases from the
  corpus metadata ("the critic", "Jassy") and years are matched in the question.
  One named source scopes a fact question to its documents.
* **Comparisons.** Comparison wording plus two or more named sources make a
  comparison with one side per source, in the order they are named.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .keyword import tokenize
from .records import Side, Turn

_COMPARISON = re.compile(
    r"\b(compare[sd]?|comparison|comparing|differ(s|ent|ence|ences)?|versus|vs\.?|contrast|"
    r"in common|similar(ity|ities)?|agree|disagree|alike)\b", re.I)
_LEADS_ON = re.compile(r"^\s*(and|but|also|so|what about|how about|then)\b", re.I)
_POINTS_BACK = re.compile(r"\b(that|this|it|its|they|them|their|those|these|he|she|him|her|his|there)\b", re.I)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_WORDS = re.compile(r"\w+")
# Words that ask for a comparison or a stance but name no topic ("How does A's view differ from B's?").
_STANCE_WORDS = {"view", "differ", "different", "difference", "compare", "compared", "comparison", "contrast",
                 "opinion", "position", "perspective", "stance", "take", "think", "say", "said", "see", "approach",
                 "versus", "vs", "agree", "disagree", "similar", "alike", "common", "between", "way", "describe"}
# Generic words that, alone, must not name a source ("the article", "Amazon").
_GENERIC = {"amazon", "article", "post", "letter", "essay", "the", "customer", "obsession", "business", "other",
            "part", "jeff", "bezos"}


@dataclass(frozen=True)
class SourceRef:
    """What the catalog says about one document, enough to recognise it in a question."""

    path: str
    title: str
    author: str
    publisher: str
    aliases: tuple[str, ...]
    title_guessed: bool = False  # the title is a file's first line, which nobody chose as a name


class Sources:
    """The catalog's names, indexed by their first word, built once per index.

    Finding the sources a question names then costs a lookup per word of the question,
    not a check per document: with 5,000 documents the per-document loop was a sixth
    of the answer time (bench/out/report.md, scale).
    """

    def __init__(self, refs: Sequence[SourceRef], spread: Callable[[list[str]], dict[str, int]] | None = None):
        """`spread(terms)`: how many chunks of each document hold all of `terms` (the keyword index's
        `documents_with`); without it, every name with a content word is deliberate."""
        self.refs = list(refs)
        self.spread = spread
        # Names that the corpus's metadata gives (titles, authors, aliases): chosen by whoever built it.
        self.chosen = {name for ref in self.refs for name, _ in _name_keys(ref)
                       if not (ref.title_guessed and name == ref.title.lower())}
        self._deliberate: dict[tuple[str, frozenset[str]], bool] = {}
        self.paths = frozenset(r.path for r in self.refs)
        self.by_first_word: dict[str, list[tuple[str, str]]] = defaultdict(list)  # word -> [(name, path)]
        for ref in self.refs:
            for name, first_word in _name_keys(ref):
                self.by_first_word[first_word].append((name, ref.path))

    def deliberate(self, name: str, paths: frozenset[str]) -> bool:
        """Whether `name`, found in a question, names its documents rather than a topic.

        A year names the letters of that year. Any other name needs a content word (a first
        line "What" names nothing). A name from metadata was chosen as one. A title guessed from
        a file's first line was not, so its words must occur together in the named documents
        more often than in all the others: a file whose first line is "Day 2" does not own the
        phrase that the rest of the corpus discusses, so a question about Day 2 is not scoped to it.
        """
        key = (name, paths)
        if key not in self._deliberate:
            terms = tokenize(name)
            if _YEAR.fullmatch(name):
                self._deliberate[key] = True
            elif not terms or self.spread is None or name in self.chosen:
                self._deliberate[key] = bool(terms)
            else:
                counts = self.spread(terms)
                inside = sum(n for path, n in counts.items() if path in paths)
                self._deliberate[key] = sum(counts.values()) - inside < inside
        return self._deliberate[key]

    def candidates(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """(name, path) of every name whose first word is in `words` (plurals allowed)."""
        found = []
        for word in words:
            found += self.by_first_word.get(word, ())
            if word.endswith("s"):
                found += self.by_first_word.get(word[:-1], ())
        return found


@dataclass(frozen=True)
class Query:
    text: str  # what retrieval searches for (the question, plus context for a follow-up)
    kind: str  # "fact" or "comparison"
    sides: tuple[Side, ...]  # comparison: 2+ sides; fact: () or one side that scopes the search
    follow_up: bool


def interpret(question: str, history: Sequence[Turn], sources: Sources) -> Query:
    """Turn a question (and the conversation so far) into a retrieval `Query`.

    >>> sources = Sources([SourceRef("a.txt", "Jassy on customers", "Andy Jassy", "Amazon", ()),
    ...                    SourceRef("b.txt", "An essay", "", "", ("critic",))])
    >>> q = interpret("How does Jassy's view differ from the critic's?", [], sources)
    >>> q.kind, [s.paths for s in q.sides]
    ('comparison', [('a.txt',), ('b.txt',)])
    """
    follow_up = bool(history) and is_follow_up(question)
    text = question
    if follow_up:
        previous = history[-1]
        earlier = previous.answer.resolved_question if previous.answer and previous.answer.resolved_question \
            else previous.question
        text = f"{earlier} {question}"
    sides = named_sides(question, sources)
    if len(sides) < 1 and follow_up and history[-1].answer is not None and history[-1].answer.kind == "comparison":
        sides = history[-1].answer.sides  # "and what do they say about X?" keeps the comparison's sides
    if len(sides) >= 2 and (_COMPARISON.search(question) or " and " in question.lower() or follow_up):
        if follow_up:  # the side queries carry the earlier question's topic too
            sides = [replace(s, query=f"{text[:len(text) - len(question)]}{s.query or question}") for s in sides]
        return Query(text, "comparison", tuple(sides), follow_up)
    return Query(text, "fact", tuple(sides[:1]) if len(sides) == 1 else (), follow_up)


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous one.

    It starts like a continuation ("and ...", "what about ..."), or is very short, or points
    back with a pronoun while naming nothing itself: "his first letter" in "What did Bezos
    promise in his first letter?" refers to Bezos, named in the same question.

    >>> is_follow_up("And what did the critic say about that?"), is_follow_up("Why?")
    (True, True)
    >>> is_follow_up("What did Bezos promise in his first letter?")
    False
    """
    words = _WORDS.findall(question)
    names_something = any(w[:1].isupper() for w in words[1:]) or bool(re.search(r"\d", question))
    return bool(_LEADS_ON.match(question)) or len(words) <= 3 or (
        bool(_POINTS_BACK.search(question)) and not names_something)


def named_sides(question: str, sources: Sources) -> list[Side]:
    """Sources named in the question, grouped by the name used, in order of first mention.

    A name shared by every document (the one author of all the letters) names no side.
    """
    lowered = question.lower()
    mentions: dict[str, tuple[int, set[str]]] = {}
    for name, path in sources.candidates(sorted(set(_WORDS.findall(lowered)))):
        pos = _find(lowered, name)
        if pos >= 0:
            first, paths = mentions.get(name, (pos, set()))
            mentions[name] = (min(first, pos), paths | {path})
    everything = sources.paths
    # The longest name wins where names overlap ("critical essay" over "essay"), and two names
    # for the same documents ("Jassy", "Andy Jassy") make one side.
    sides: list[tuple[int, str, frozenset[str]]] = []
    taken: list[tuple[int, int]] = []
    for name, (pos, paths) in sorted(mentions.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        span = (pos, pos + len(name))
        if paths == everything or any(a < span[1] and span[0] < b for a, b in taken):
            continue
        if not sources.deliberate(name, frozenset(paths)):
            continue
        if any(p == frozenset(paths) for _, _, p in sides):
            continue
        taken.append(span)
        sides.append((pos, name, frozenset(paths)))
    ordered = sorted(sides)
    # Each side searches only its own documents, so naming any source in the query adds nothing
    # but a free match on the name (a side would always "find" evidence): all names are cut.
    bare = _without(question, [(pos, pos + len(name)) for pos, name, _ in ordered])
    sides = []
    for pos, name, paths in ordered:
        # With no topic left ("How does the critic's view differ from Jassy's?"), the question is about
        # each source's position as a whole, which its title states: search each side with that.
        topic = bare if set(tokenize(bare)) - _STANCE_WORDS else ". ".join(_titles(paths, sources.refs))
        sides.append(Side(label=_label(question[pos:pos + len(name)], paths, sources.refs),
                          paths=tuple(sorted(paths)), query=topic))
    return sides


def _titles(paths: frozenset[str], refs: Sequence[SourceRef]) -> list[str]:
    return sorted({r.title for r in refs if r.path in paths})


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans (and a possessive after them) cut out."""
    for start, end in sorted(spans, reverse=True):
        end += len(m.group(0)) if (m := re.match(r"'s|’s", text[end:])) else 0
        text = text[:start] + text[end:]
    return " ".join(text.split())


@functools.lru_cache(maxsize=None)
def _name_keys(src: SourceRef) -> tuple[tuple[str, str], ...]:
    """(lower-cased name, its first word) for each name of a source; computed once per source."""
    keys = []
    for name in _names(src):
        lowered = name.lower()
        first = _WORDS.findall(lowered)
        if first:
            keys.append((lowered, first[0]))
    return tuple(keys)


def _names(src: SourceRef) -> list[str]:
    names = list(src.aliases) + [src.title, src.author, src.publisher]
    if src.author:
        last = src.author.split()[-1]
        if len(last) > 3:
            names.append(last)
    names += _YEAR.findall(src.title) and [m.group(0) for m in _YEAR.finditer(src.title)]
    return [n for n in names if n and n.lower() not in _GENERIC and len(n) > 2]


def _find(text: str, name: str) -> int:
    """Position of `name` as whole words in `text` (possessives allowed), or -1."""
    m = re.search(rf"(?<!\w){re.escape(name)}(?:'s|’s|s)?(?!\w)", text)
    return m.start() if m else -1


def _label(name: str, paths: frozenset[str], sources: Sequence[SourceRef]) -> str:
    titles = _titles(paths, sources)
    if len(titles) == 1:
        return titles[0]
    return name  # as the question spelled it: "FourWeekMBA", "1997"
