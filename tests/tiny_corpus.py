"""A tiny corpus written for the tests, and helpers to build settings and check citations.

Four short documents: an ordinary article (Jassy), a critical essay, a hard-wrapped
shareholder letter in the style of the PDF extractions under ../shared/data/external
(sentences run across blank lines, `[Page N]` markers, short headings) and a short
letter that says "Day 2 is stasis.". The letters' wording is our own: the real letters
are third-party text and never enter the repository.
"""
from __future__ import annotations

import json
from pathlib import Path

from rag.config import Settings

REPO = Path(__file__).resolve().parents[1]

JASSY = """\
Customer Obsession, explained by Andy Jassy

Andy Jassy says that customer obsession starts with listening to customers and then inventing on their behalf.

Teams at Amazon write a press release before they build anything. This practice is called working backwards from the customer. The press release describes the finished product in plain words, so everyone can judge whether customers would want it.

Jassy explains that customers are never satisfied for long. Their expectations rise every year, and yesterday's delight becomes today's baseline.
"""

CRITIC = """\
Obsession With Obsession: A Critical Essay

The critic argues that customer obsession is mostly a story told to employees and investors.

In this view the slogan hides relentless pressure on warehouse workers and on the sellers who use the marketplace. Low prices for shoppers are paid for with long shifts, injuries and thin margins.

The essay concludes that the customer is a convenient alibi for the company's own ambition to dominate every market it enters.
"""

# Hard-wrapped like the PDF extractions: every line of a paragraph is its own "paragraph",
# so sentences run across "\n\n"; headings are short lines; pages are marked.
LETTER_1997 = """\
# 1997 Letter to Shareholders of Amazon.com, Inc.

Author: Jeffrey P. Bezos

[Page 1]

This year we learned that a store without walls can still feel small to a customer who cannot find what

she came for, so we spent most of our effort on search, reviews and delivery times. We believe the measure

of our success will be the value we create for shareholders over the long term, and that this value will

follow from how well we serve customers today. A customer who finds the book she wanted, at a fair price

and on time, tells her friends; a customer who does not tells even more of them, and we hear about it

from both.

It's All About the Long Term

We will keep making investment decisions with long-term leadership in mind rather than the reactions of Wall

Street. We will continue to focus relentlessly on our customers, e.g. by lowering prices before anyone asks

us to do so. Some of these bets will not pay off, and we will say so plainly when they do not, because

[Page 2]

owners deserve to know how their money is spent. We will work hard to spend wisely and to keep a lean

culture. Every dollar we save on overhead is a dollar we can return to customers as lower prices and faster

shipping.
"""

LETTER_2016 = """\
2016 Letter to Shareholders

Jeff, what does Day 2 look like? Day 2 is stasis. It is followed by irrelevance and then by a slow, painful decline. That is why it is always Day 1.

To fend off Day 2, resist proxies: good process serves you so you can serve customers, but the process can become the thing.
"""

DOCS = {"jassy.txt": JASSY, "critic.txt": CRITIC, "letters/1997.md": LETTER_1997, "letters/2016.md": LETTER_2016}

METADATA = {"files": {
    "jassy.txt": {"title": "Customer Obsession, explained by Andy Jassy", "author": "Andy Jassy",
                  "publisher": "Amazon", "aliases": ["Jassy", "Andy Jassy"]},
    "critic.txt": {"title": "Obsession With Obsession: A Critical Essay", "author": "unnamed critic",
                   "publisher": "critical essay", "aliases": ["critic", "the critic", "critical essay"]},
    "letters/1997.md": {"title": "1997 Letter to Shareholders", "author": "Jeffrey P. Bezos",
                        "publisher": "Amazon.com"},
    "letters/2016.md": {"title": "2016 Letter to Shareholders", "author": "Jeffrey P. Bezos",
                        "publisher": "Amazon.com"},
}}


def write_corpus(folder: Path, docs: dict[str, str] = DOCS, metadata: dict | None = METADATA) -> Path:
    """Write `docs` (name -> text) and their metadata.json into `folder`; return it."""
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if metadata is not None:
        (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return folder


def make_settings(corpus_dir: Path, index_dir: Path, **changes) -> Settings:
    """Settings for a test corpus and index; `changes` override any other default."""
    return Settings(corpus_dir=Path(corpus_dir), index_dir=Path(index_dir), **changes)


def verifies(citation_path: str, start: int, end: int, quote: str) -> bool:
    """The DESIGN.md contract for one citation."""
    return Path(citation_path).read_text(encoding="utf-8")[start:end] == quote
