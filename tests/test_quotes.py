"""Quote scoring and selection (pure): headings are not quoted, a quote never runs on into one,
and a question the text asks hands its score to its reply."""
from __future__ import annotations

import numpy as np
import pytest

from rag.quotes import QUESTION_PENALTY, REPLY_MARGIN, Candidate, score_sentences, select
from rag.records import Chunk, Hit, Span
from rag.store import SentenceRow

TEXT = ("Bezos's customer obsession is really about Bezos's obsession.\n"
        "The Customer as A Mirror\n"
        "Bezos doesn't love customers. He loves being right about what customers want.")


def candidate(sentence: str, score: float, next_sentence: str | None = None) -> Candidate:
    start = TEXT.index(sentence)
    next_end = TEXT.index(next_sentence) + len(next_sentence) if next_sentence else None
    return Candidate("critic.txt", start, start + len(sentence), score, next_end, chunk_start=0, chunk_text=TEXT)


def test_the_best_quote_does_not_run_on_into_a_heading():
    first = candidate("Bezos's customer obsession is really about Bezos's obsession.", 1.0, "The Customer as A Mirror")
    [quote] = select([first], max_quotes=3, budget=600, near_duplicate=0.8)
    assert TEXT[quote.start:quote.end] == "Bezos's customer obsession is really about Bezos's obsession."


def test_the_best_quote_runs_on_into_a_sentence():
    first = candidate("Bezos doesn't love customers.", 1.0, "He loves being right about what customers want.")
    [quote] = select([first], max_quotes=3, budget=600, near_duplicate=0.8)
    assert TEXT[quote.start:quote.end] == "Bezos doesn't love customers. He loves being right about what customers want."


def test_a_heading_is_quoted_only_when_nothing_else_was_found():
    heading = candidate("The Customer as A Mirror", 2.0)
    claim = candidate("He loves being right about what customers want.", 1.0)
    assert [TEXT[q.start:q.end] for q in select([heading, claim], 3, 600, 0.8)] == [
        "He loves being right about what customers want."]
    assert [TEXT[q.start:q.end] for q in select([heading], 3, 600, 0.8)] == ["The Customer as A Mirror"]


INTERVIEW = ("Some people ask: may we watch competitors? "
             "You have to be aware of what competitors are doing. "
             "That was a question from the floor.")


def scored(relevance: dict[str, float]) -> dict[str, float]:
    """Score INTERVIEW's three sentences with given cosines to the question; text -> score."""
    sentences = ["Some people ask: may we watch competitors?",
                 "You have to be aware of what competitors are doing.", "That was a question from the floor."]
    chunk = Chunk(id="c", path="jassy.txt", title="", doc_sha="", start=0, end=len(INTERVIEW), text=INTERVIEW,
                  sentences=tuple(Span(INTERVIEW.index(s), INTERVIEW.index(s) + len(s)) for s in sentences))
    question = np.array([1.0, 0.0], dtype=np.float32)
    rows = [SentenceRow("c", "jassy.txt", span.start, span.end,
                        np.array([relevance[s], (1 - relevance[s] ** 2) ** 0.5], dtype=np.float32))
            for s, span in zip(sentences, chunk.sentences)]
    # The question's only keyword ("zebra") is in no sentence: scores are the cosines, less penalties.
    return {c.indexed_text: c.score for c in score_sentences("zebra", question, [Hit(chunk, 1.0)], rows)}


def test_a_question_in_the_text_hands_its_score_to_a_relevant_reply():
    asked, reply = "Some people ask: may we watch competitors?", "You have to be aware of what competitors are doing."
    scores = scored({asked: 0.9, reply: 0.85, "That was a question from the floor.": 0.2})
    assert scores[asked] == pytest.approx(0.9 - QUESTION_PENALTY)
    assert scores[reply] == pytest.approx(0.9)  # the question's score, not its own 0.85


def test_an_irrelevant_reply_keeps_its_own_score():
    asked, reply = "Some people ask: may we watch competitors?", "You have to be aware of what competitors are doing."
    scores = scored({asked: 0.9, reply: 0.9 - REPLY_MARGIN - 0.05, "That was a question from the floor.": 0.2})
    assert scores[reply] == pytest.approx(0.9 - REPLY_MARGIN - 0.05)
