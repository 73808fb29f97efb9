"""Sentence splitting and chunking: known answers, and the offset promises quoting relies on."""
from __future__ import annotations

import re

import pytest

from tiny_corpus import CRITIC, JASSY, LETTER_1997, LETTER_2016, REPO
from rag.chunking import chunk_document, is_hard_wrapped, split_sentences, units
from rag.loading import sha256
from rag.records import Document

# ../shared beside the checkout, as DESIGN.md lays it out; the tests that read it skip without it.
LETTERS = REPO.parent / "shared" / "data" / "external" / "amazon-letters-bezos-1997-2020" / "letters"


def sentences(text: str, **kwargs) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text, **kwargs)]


def make_doc(text: str, path: str = "doc.md") -> Document:
    return Document(path=path, title="T", author="", publisher="", text=text, sha=sha256(text))


# --- split_sentences: known answers ------------------------------------------------------------

def test_ordinary_text_splits_at_terminal_punctuation():
    text = "Customers are divinely discontent. Their expectations never stand still! Why? They go up."
    assert sentences(text) == ["Customers are divinely discontent.", "Their expectations never stand still!",
                               "Why?", "They go up."]


def test_headings_are_sentences_of_their_own():
    text = "# Working backwards\n\nTeams write the press release first. Then they build.\n\nWhy it works\nIt forces clarity."
    assert sentences(text) == ["# Working backwards", "Teams write the press release first.", "Then they build.",
                               "Why it works", "It forces clarity."]


def test_bullet_items_are_sentences_of_their_own():
    text = "Principles:\n- Customer obsession\n- Ownership\n* Invent and simplify"
    assert sentences(text) == ["Principles:", "- Customer obsession", "- Ownership", "* Invent and simplify"]


def test_numbered_list_item_keeps_its_number():
    # The real corpus has "2. Fall in love with beautifully dissatisfied customers" (002_....txt).
    text = "Leadership principles:\n1. Be right, a lot\n2. Fall in love with dissatisfied customers"
    assert sentences(text) == ["Leadership principles:", "1. Be right, a lot",
                               "2. Fall in love with dissatisfied customers"]


@pytest.mark.parametrize("text, expected", [
    ("The letter was signed by Jeffrey P. Bezos. It was mailed in April.",
     ["The letter was signed by Jeffrey P. Bezos.", "It was mailed in April."]),
    ("Use proxies, e.g. surveys, with care. Mr. Smith agreed, i.e. he signed.",
     ["Use proxies, e.g. surveys, with care.", "Mr. Smith agreed, i.e. he signed."]),
    ("Sales in the U.S. rose 3.5 percent in 2016. Margins fell.",
     ["Sales in the U.S. rose 3.5 percent in 2016.", "Margins fell."]),
], ids=["initial", "eg-ie-mr", "us-decimal"])
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text, expected):
    assert sentences(text) == expected


def test_letter_style_text_is_detected_as_hard_wrap():
    assert is_hard_wrapped(LETTER_1997)
    assert not is_hard_wrapped(JASSY + "\n" + CRITIC)


def test_hard_wrap_sentence_runs_across_blank_lines():
    got = sentences(LETTER_1997)
    assert ("This year we learned that a store without walls can still feel small to a customer who cannot "
            "find what\n\nshe came for, so we spent most of our effort on search, reviews and delivery times.") in got
    # The next line starts with a capital ("Wall\n\nStreet.") and still continues the sentence.
    assert ("We will keep making investment decisions with long-term leadership in mind rather than the "
            "reactions of Wall\n\nStreet.") in got
    assert ("We will continue to focus relentlessly on our customers, e.g. by lowering prices before anyone "
            "asks\n\nus to do so.") in got


def test_hard_wrap_short_heading_is_its_own_sentence():
    assert "It's All About the Long Term" in sentences(LETTER_1997)


def test_hard_wrap_markdown_heading_is_its_own_sentence():
    # A "# " line is a heading whatever its length; it must not swallow the "Author:" line below it.
    assert sentences(LETTER_1997)[0] == "# 1997 Letter to Shareholders of Amazon.com, Inc."


def test_page_markers_are_never_part_of_a_sentence():
    got = sentences(LETTER_1997)
    glued = [s for s in got if "[Page" in s and not re.fullmatch(r"\[Page \d+\]", s)]
    assert glued == []
    assert "[Page 1]" in got and "[Page 2]" in got


def test_long_sentence_is_cut_at_white_space_within_max_chars():
    words = [f"w{i:03d}" for i in range(200)]
    text = " ".join(words) + "."
    spans = split_sentences(text, max_chars=100)
    assert len(spans) > 1
    assert all(s.end - s.start <= 100 for s in spans)
    # Cut only between words: the pieces hold every word once, in order.
    assert " ".join(text[s.start:s.end] for s in spans) == text


@pytest.mark.parametrize("text", [JASSY, CRITIC, LETTER_1997, LETTER_2016, "no punctuation at all"],
                         ids=["jassy", "critic", "letter1997", "letter2016", "bare"])
def test_spans_are_trimmed_ordered_and_disjoint(text):
    spans = split_sentences(text)
    assert spans
    for s in spans:
        piece = text[s.start:s.end]
        assert piece and piece == piece.strip()
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_blank_text_has_no_sentences():
    assert split_sentences("") == [] and split_sentences("\n\n  \n") == [] and split_sentences("--- * ---") == []


# --- chunk_document -------------------------------------------------------------------------------

@pytest.fixture
def long_doc() -> Document:
    return make_doc("\n\n".join([JASSY, CRITIC, LETTER_1997, LETTER_2016]))


def test_chunk_text_is_the_document_text_at_its_offsets(long_doc):
    chunks = chunk_document(long_doc, chunk_chars=300)
    assert len(chunks) > 3
    for c in chunks:
        assert c.text == long_doc.text[c.start:c.end]
        assert (c.path, c.doc_sha) == (long_doc.path, long_doc.sha)


def test_chunk_starts_and_ends_on_its_sentences(long_doc):
    for c in chunk_document(long_doc, chunk_chars=300):
        assert c.sentences[0].start == c.start and c.sentences[-1].end == c.end
        assert all(c.start <= s.start < s.end <= c.end for s in c.sentences)


def test_chunks_do_not_overlap_and_cover_every_sentence_once(long_doc):
    chunks = chunk_document(long_doc, chunk_chars=300)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
    assert [s for c in chunks for s in c.sentences] == split_sentences(long_doc.text)


def test_chunk_size_stays_within_chunk_chars(long_doc):
    for c in chunk_document(long_doc, chunk_chars=300):
        spans = [(s.start, s.end) for s in c.sentences]
        assert c.end - c.start <= 300 or len(units(long_doc.text, spans)) == 1


def test_a_run_of_short_sentences_is_never_cut_by_a_chunk_boundary():
    run = "Rain fell. Then hail. Then snow came down. Then the river froze."
    doc = make_doc("A long opening sentence that fills most of the first chunk on its own here. " + run
                   + " A closing sentence that stands in a paragraph of its own.")
    chunks = chunk_document(doc, chunk_chars=100)
    assert any(run in c.text for c in chunks)


def test_a_question_and_its_answer_share_a_chunk():
    doc = make_doc("Some opening words that take up room in the chunk. What happened next? "
                   "The whole valley flooded within an hour of the storm.")
    chunks = chunk_document(doc, chunk_chars=60)
    assert any("next? The whole valley" in c.text for c in chunks)


def test_chunk_sentences_respect_max_sentence_chars():
    doc = make_doc("Intro. " + " ".join(["word"] * 400) + ". Outro.")
    chunks = chunk_document(doc, chunk_chars=800, max_sentence_chars=200)
    assert max(s.end - s.start for c in chunks for s in c.sentences) <= 200


def test_chunk_ids_are_stable_and_unique(long_doc):
    first = [c.id for c in chunk_document(long_doc, chunk_chars=300)]
    again = [c.id for c in chunk_document(make_doc(long_doc.text), chunk_chars=300)]
    assert first == again
    assert len(set(first)) == len(first)
    edited = make_doc(long_doc.text + "\n\nOne more sentence.")
    assert not set(first) & {c.id for c in chunk_document(edited, chunk_chars=300)}  # new text, new ids


# --- a real hard-wrapped letter (third-party text, read in place, never copied) ------------------

@pytest.fixture(scope="module")
def letter_2016() -> str:
    path = LETTERS / "2016.md"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path.read_text(encoding="utf-8")


def test_real_letter_day_2_is_stasis_is_one_sentence(letter_2016):
    assert "Day 2 is stasis." in [s.lstrip("“\"") for s in sentences(letter_2016)]


def test_real_letter_chunks_and_spans_match_the_text(letter_2016):
    doc = make_doc(letter_2016, "2016.md")
    chunks = chunk_document(doc)
    assert len(chunks) > 10
    for c in chunks:
        assert c.text == letter_2016[c.start:c.end]
        for s in c.sentences:
            piece = letter_2016[s.start:s.end]
            assert piece == piece.strip() and c.text[s.start - c.start:s.end - c.start] == piece
    got = sentences(letter_2016)
    assert "I’ve been reminding people that it’s Day 1 for a\n\ncouple of decades." in got
    assert "True Customer Obsession" in got and "Resist Proxies" in got
