"""Check a written sentence against the verified quotes it cites, before it is shown (#12).

A sentence is kept only when all three hold:

(a) it cites at least one quote, and every number it cites is a quote of the answer;
(b) every number (years, amounts, percentages; "26.5" and "twenty-six and a half", "$5" and
    "5 dollars" read alike) and every proper name in it appears in the quotes it cites;
(c) the quotes support it: the idf-weighted share of its content words found in them
    (`coverage`) and the best cosine between it and one of them (`similarity`), with the
    bundled model, combined by a logistic model fitted by `bench/check_set.py` on ClapNQ
    (human answers against their own passage, against another question's passage, and with a
    number or name changed).

Pure functions over strings, plus the embedder and the keyword index's idf; no LLM.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
import numpy as np

from .keyword import STOPWORDS, tokenize

# Fitted by `bench/check_set.py fit` (logistic regression on ClapNQ-built pairs; see README "The check").
WEIGHTS = {"bias": -4.78, "coverage": 5.67, "similarity": 2.55}
_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                      "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, *_SCALES, "half", "quarter", "and", "a"])
_NUMBER_WORDS = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))*\b", re.I)
_MAX_NUMBER_WORDS = 12  # a longer run of number words is a model repeating itself, not a number
_SCALE_RUN = rf"(?:{'|'.join(_SCALES)})(?:[\s-]+(?:{'|'.join(_SCALES)}))*"
_DIGITS = re.compile(rf"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:[\s-]+({_SCALE_RUN})\b)?", re.I)
_TOKEN = re.compile(r"[\w’'-]+|[^\w\s]")
# Words that open sentences or name no one, capitalised or not.
_NOT_NAMES = STOPWORDS | {"however", "yes", "no", "also", "according", "although", "because", "while", "after",
                          "before", "since", "during", "today", "in", "on", "at", "as", "if", "when"}


def numbers(text: str) -> set[str]:
    """The numbers a text states, normalised: digits without separators, words as digits.

    >>> sorted(numbers("It grew 26.5% to $1,200 in 2021, twenty-six and a half times."))
    ['1200', '2021', '26.5']
    >>> numbers("five dollars") == numbers("$5")
    True
    >>> numbers("$1.2 billion") == numbers("1,200,000,000"), numbers("5 million") == numbers("a million")
    (True, False)
    >>> sorted(numbers("5 hundred thousand, $2 trillion"))
    ['2000000000000', '500000']
    """
    found = set()
    for m in _DIGITS.finditer(text):
        scales = re.split(r"[\s-]+", (m.group(2) or "").lower())
        value = float(m.group(1).replace(",", "")) * math.prod(_SCALES[w] for w in scales if w)
        found.add(_plain(f"{value:.6f}") if m.group(2) else _plain(m.group(1).replace(",", "")))
    text = _DIGITS.sub(" ", text)  # "5 million" is 5000000; its "million" is not "a million" again
    for m in _NUMBER_WORDS.finditer(text):
        value = _words_value(m.group(0))
        if value is not None:
            found.add(_plain(str(value)))
    return found


def _plain(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _words_value(phrase: str) -> float | None:
    """"twenty-six and a half" -> 26.5; None for words that state no number ("a", "and")."""
    total, current, seen = 0.0, 0.0, False
    for word in re.split(r"[\s-]+", phrase.lower())[:_MAX_NUMBER_WORDS]:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        elif word in ("half", "quarter") and seen:
            current += 0.5 if word == "half" else 0.25
        else:
            continue
        seen = True
    value = total + current
    return (int(value) if value == int(value) else value) if seen else None


def _bare(word: str) -> str:
    return re.sub(r"(’s|'s|’|')$", "", word)


def names(text: str) -> set[str]:
    """Proper names a sentence states: capitalised words that do not open it, without a possessive 's.

    >>> sorted(names("In 1997, Jeff Bezos wrote to Amazon's shareholders."))
    ['Amazon', 'Bezos', 'Jeff']
    >>> sorted(names("- Customers love Bezos’ Kindle."))
    ['Bezos', 'Kindle']
    """
    tokens = _TOKEN.findall(text)
    out = set()
    for i, tok in enumerate(tokens):
        # The first word opens a sentence even after list or markdown marks ("- Customers …", "**Day 2**").
        opens = all(not t[:1].isalnum() for t in tokens[:i]) or tokens[i - 1] in {".", "!", "?", ":", "“", '"', "("}
        if tok[:1].isupper() and not opens and tok.lower() not in _NOT_NAMES and tok != "I":
            out.add(_bare(tok))
    return out


class SentenceCheck:
    """Checks sentences against quotes with the bundled model and a corpus's idf."""

    def __init__(self, embed: Callable[[str], np.ndarray], idf: Callable[[list[str]], tuple]):
        """`embed(text)`: a unit vector (`Embedder.embed_one`); `idf(terms)`: (idf list, known list)
        (`KeywordIndex.idf`)."""
        self.embed = embed
        self.idf = idf
        self._vectors: dict[str, np.ndarray] = {}  # an answer's quotes, embedded once for all its sentences

    def _vector(self, text: str) -> np.ndarray:
        if text not in self._vectors:
            self._vectors[text] = self.embed(text)
        return self._vectors[text]

    def features(self, sentence: str, quotes: Sequence[str]) -> tuple[float, float]:
        """(coverage, similarity) of `sentence` against `quotes`."""
        terms = list(dict.fromkeys(tokenize(sentence)))
        present = {t for q in quotes for t in tokenize(q)}
        weights, _ = self.idf(terms) if terms else ([], [])
        total = sum(weights)
        coverage = sum(w for t, w in zip(terms, weights) if t in present) / total if total else 0.0
        vector = self.embed(sentence)
        similarity = max((float(vector @ self._vector(q)) for q in quotes), default=0.0)
        return coverage, similarity

    def why_not(self, sentence: str, cites: Sequence[int], quotes: Mapping[int, str]) -> str | None:
        """Why `sentence` may not be shown, or None when it passes (a), (b) and (c)."""
        if not cites:
            return "cites no quote"
        missing = [n for n in cites if n not in quotes]
        if missing:
            return f"cites [{missing[0]}], which is not a quote of this answer"
        cited = [quotes[n] for n in cites]
        stated = numbers(" ".join(cited))
        if unstated := sorted(numbers(sentence) - stated):
            return f"states {unstated[0]}, which its quotes do not"
        # Case counts: a name is found as written ("Obsession" in a title-cased sentence is not "obsession").
        words = {_bare(w) for q in cited for w in re.findall(r"[\w’'-]+", q)}
        if unnamed := sorted(n for n in names(sentence) if n not in words):
            return f"names {unnamed[0]!r}, which its quotes do not"
        coverage, similarity = self.features(sentence, cited)
        if support(coverage, similarity) < 0.5:
            return f"its quotes do not support it (words {coverage:.0%}, similarity {similarity:.2f})"
        return None


def support(coverage: float, similarity: float) -> float:
    """The fitted probability that quotes with these features support a sentence."""
    z = WEIGHTS["bias"] + WEIGHTS["coverage"] * coverage + WEIGHTS["similarity"] * similarity
    return 1.0 / (1.0 + math.exp(-z))
