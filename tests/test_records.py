"""rag.records: `from_json` reads back exactly what `to_json` wrote, tuples and all."""
from __future__ import annotations

import json

import pytest

from rag.records import Answer, Quote, Side

QUOTE = Quote(n=2, path="corpus/a.txt", title="Day 1", author="Jeff Bezos", text="Day 2 is stasis.", start=10,
              end=26, score=0.123456789, side="A", also_in=("corpus/b.txt", "corpus/c.txt"))
ANSWER = Answer(question="Compare A and B", answer="> Day 2 is stasis. [2]", abstained=False, kind="comparison",
                citations=(QUOTE,), support=0.987654321, timings_ms={"retrieve": 12.3456, "quote": 1.0},
                sides=(Side("A", ("corpus/a.txt",), query="stasis"), Side("B", ("corpus/b.txt", "corpus/c.txt"))),
                resolved_question="Compare A and B on Day 2", suggestions=("Day 1",), uncovered=("1999",))


def test_answer_round_trips_through_json_text():
    back = Answer.from_json(json.loads(json.dumps(ANSWER.to_json(id="a1"))))
    assert back.to_json() == ANSWER.to_json()
    assert back == Answer.from_json(back.to_json())  # rounded once, stable after that
    assert (back.support, back.timings_ms, back.citations[0].score) == (0.9877, {"retrieve": 12.35, "quote": 1.0},
                                                                         0.1235)
    assert back.sides == ANSWER.sides and back.citations[0].also_in == QUOTE.also_in
    assert (back.suggestions, back.uncovered) == (("Day 1",), ("1999",))


def test_unrounded_fields_come_back_equal():
    plain = Answer(question="Q?", answer="", abstained=True, kind="fact", citations=(), support=0.5)
    assert Answer.from_json(json.loads(json.dumps(plain.to_json()))) == plain
    quote = Quote(n=1, path="a.txt", title="A", author="", text="x", start=0, end=1, score=0.5)
    assert Quote.from_json(quote.to_json()) == quote
    side = Side("A", ("a.txt",))
    assert Side.from_json(json.loads(json.dumps(ANSWER.to_json()))["sides"][1]) == ANSWER.sides[1]
    assert Side.from_json({"label": "A", "paths": ["a.txt"]}) == side


def test_fields_added_later_default_when_missing():
    old = {k: v for k, v in ANSWER.to_json().items()
           if k not in ("sides", "resolved_question", "suggestions", "uncovered", "timings_ms")}
    back = Answer.from_json(old)
    assert (back.sides, back.resolved_question, back.suggestions, back.uncovered, back.timings_ms) == (
        (), "", (), (), {})


def test_a_dict_to_json_did_not_write_is_an_error():
    with pytest.raises(KeyError):
        Answer.from_json({"question": "Q?"})
