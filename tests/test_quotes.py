"""Quote selection (pure): headings are not quoted, and a quote never runs on into one."""
from __future__ import annotations

from rag.quotes import Candidate, select

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
