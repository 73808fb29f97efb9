"""Evidence windows, non-content detection, answer types and quote selection: pure, known answers.

The texts are made up for these tests; none is a development question or its document.
"""
from __future__ import annotations

import numpy as np
import pytest

from rag.evidence import (FEATURES, Question, Window, expected_type, has_type, is_non_content,
                          repeated_sentences, sentence_key, windows)
from rag.quotes import DocumentTexts, select
from rag.retrieval import _mostly
from rag.records import Chunk, Hit, Span
from rag.store import SentenceRow


def spans_of(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for s in sentences:
        start = text.index(s, at)
        out.append((start, start + len(s)))
        at = start + len(s)
    return out


def cut(text: str, sentences: list[str], relevance: list[float], repeated=frozenset(),
        question: str = "zebra") -> list[str]:
    """Every window's text of a one-chunk document, with the given sentence cosines."""
    spans = spans_of(text, sentences)
    chunk = Chunk("c", "doc.txt", "", "", 0, len(text), text, tuple(Span(a, b) for a, b in spans))
    rows = [SentenceRow("c", "doc.txt", a, b, np.array([r, (1 - r * r) ** 0.5], np.float32))
            for (a, b), r in zip(spans, relevance)]
    q = Question(question, ("zebra",), (1.0,), (False,), expected_type(question), frozenset())
    found = windows(q, np.array([1.0, 0.0], np.float32), [Hit(chunk, 1.0, 0.5)], rows, {}, {"doc.txt": len(text)},
                    repeated)
    assert all(len(w.features) == len(FEATURES) for w in found)
    return [w.text for w in found]


def test_a_window_asks_when_it_ends_on_a_question_or_matches_best_where_the_text_asks():
    """The `asks` feature marks a window that leaves a question of the text unanswered, or that matches the
    question best where the text asks it (a restated question, "Jeff, what does Day 2 look like?"); not one
    whose answer matches best ("Why? Because …")."""
    def asks(text: str, sentences: list[str], relevance: list[float]) -> dict[str, float]:
        spans = spans_of(text, sentences)
        chunk = Chunk("c", "doc.txt", "", "", 0, len(text), text, tuple(Span(a, b) for a, b in spans))
        rows = [SentenceRow("c", "doc.txt", a, b, np.array([r, (1 - r * r) ** 0.5], np.float32))
                for (a, b), r in zip(spans, relevance)]
        q = Question("zebra", ("zebra",), (1.0,), (False,), None, frozenset())
        found = windows(q, np.array([1.0, 0.0], np.float32), [Hit(chunk, 1.0, 0.5)], rows, {}, {"doc.txt": len(text)})
        return {w.text: w.features[FEATURES.index("asks")] for w in found}

    answered = ["Why did the mill close?", "Because the river froze."]
    assert set(asks(" ".join(answered), answered, [0.3, 0.8]).values()) == {0.0}
    assert set(asks(" ".join(answered), answered, [0.8, 0.3]).values()) == {1.0}  # the question matches best
    first = "The mill on the river closed in May, after a long winter in which the wheel froze twice."
    left = first + " Why did it close?"
    assert asks(left, [first, "Why did it close?"], [0.8, 0.3]) == {first: 0.0, left: 1.0, "Why did it close?": 1.0}


def test_a_question_in_the_text_is_quoted_with_its_answer_or_not_at_all():
    lunch = "Lunch was served at noon today, as usual, in the big hall next to the old storeroom."
    text = f"Should a shop copy its rivals? No, it should watch its buyers instead. {lunch}"
    found = cut(text, ["Should a shop copy its rivals?", "No, it should watch its buyers instead.", lunch],
                [0.9, 0.5, 0.1])
    assert "Should a shop copy its rivals?" not in found
    assert "Should a shop copy its rivals? No, it should watch its buyers instead." in found
    assert not any(w.rstrip().endswith("?") for w in found)


def test_an_announcing_sentence_comes_with_what_it_announces():
    text = "The rule has two parts: Ship weekly and listen to every complaint that customers bother to send us."
    found = cut(text, ["The rule has two parts:", "Ship weekly and listen to every complaint that customers "
                       "bother to send us."], [0.9, 0.6])
    assert found == [text]
    # a sentence that says there are a few things announces them as well as a colon does
    said = ["Kestrel opened its mill in 1890 on the west bank of the river.",
            "There are several things that the weavers of the river valley love about Kestrel.",
            "It pays every Friday, it closes for the harvest fair, and it lets them buy cloth at cost."]
    found = cut(" ".join(said), said, [0.2, 0.9, 0.4])
    assert " ".join(said[1:]) in found and not any(w.endswith("love about Kestrel.") for w in found)
    # a count stated as a fact may end a window
    said[1] = "There were three mills on the west bank of the river in the year the railway came to town."
    assert said[1] in cut(" ".join(said), said, [0.2, 0.9, 0.4])


def test_a_run_of_short_sentences_is_not_cut_in_the_middle():
    text = ("Winter is cold. Then comes mud. Then the floods. Then the long quiet.\n"
            "After that the farmers plant their fields again, working from dawn until dusk for weeks on end.")
    run = "Winter is cold. Then comes mud. Then the floods. Then the long quiet."
    found = cut(text, ["Winter is cold.", "Then comes mud.", "Then the floods.", "Then the long quiet.",
                       "After that the farmers plant their fields again, working from dawn until dusk for weeks "
                       "on end."], [0.9, 0.5, 0.5, 0.5, 0.3])
    assert run in found
    assert not any(w.startswith("Winter") and w != run and not w.startswith(run) for w in found)


def test_windows_hold_one_to_three_units_within_the_size_cap():
    sentences = [f"Sentence number {w} talks about a different thing at considerable length here." for w in
                 ("one", "two", "three", "four", "five")]
    text = " ".join(sentences)
    found = cut(text, sentences, [0.5] * 5)
    assert sentences[0] in found and " ".join(sentences[:3]) in found
    assert " ".join(sentences[:4]) not in found
    assert all(len(w) <= 450 or w in sentences for w in found)


def test_a_window_may_run_on_into_the_next_chunk_but_starts_in_its_own():
    # The sentence that matches the question ends one chunk; the answer opens the next.
    text = ("Our zebra counts are often misread. "
            "Last spring the herd numbered 412 animals, twice the count of the year before. "
            "The rangers walk the fence line every morning.")
    spans = spans_of(text, ["Our zebra counts are often misread.",
                            "Last spring the herd numbered 412 animals, twice the count of the year before.",
                            "The rangers walk the fence line every morning."])
    first = Chunk("c1", "doc.txt", "", "", 0, spans[0][1], text[:spans[0][1]], (Span(*spans[0]),))
    second = Chunk("c2", "doc.txt", "", "", spans[1][0], len(text), text[spans[1][0]:],
                   tuple(Span(a, b) for a, b in spans[1:]))
    rows = [SentenceRow(cid, "doc.txt", a, b, np.array([r, (1 - r * r) ** 0.5], np.float32))
            for cid, (a, b), r in zip(("c1", "c2", "c2"), spans, (0.9, 0.3, 0.1))]
    q = Question("How many zebras?", ("zebra",), (1.0,), (False,), "number", frozenset())
    found = windows(q, np.array([1.0, 0.0], np.float32), [Hit(first, 1.0, 0.5)], rows, {},
                    {"doc.txt": len(text)}, following={"c1": (text, "c2")})
    assert {w.text for w in found} == {text[:spans[0][1]], text[:spans[1][1]], text}
    assert all(w.text == text[w.start:w.end] and w.start == 0 for w in found)
    alone = windows(q, np.array([1.0, 0.0], np.float32), [Hit(first, 1.0, 0.5)], rows, {}, {"doc.txt": len(text)})
    assert [w.text for w in alone] == [text[:spans[0][1]]]


def test_non_content_never_enters_a_window():
    text = ("Author: Pat Writer\nSource: https://example.org/files/report-2019.pdf\n"
            "Prices fell by a third over the year.\n[Page 2]\nYours truly,\nPat Writer")
    found = cut(text, ["Author: Pat Writer", "Source: https://example.org/files/report-2019.pdf",
                       "Prices fell by a third over the year.", "[Page 2]", "Yours truly,", "Pat Writer"],
                [0.9, 0.9, 0.5, 0.9, 0.9, 0.9])
    assert found == ["Prices fell by a third over the year."]


def test_a_label_that_leads_a_list_of_links_is_no_part_of_a_window():
    # "Read next:" says nothing itself; a sentence that leads what follows with a claim of its own stays, and so
    # does a label that leads a quote ("Ann Lee said:").
    text = ("The herd grew to 412 zebras by spring.\nRead next:\nWhy Zebras Have Stripes In The Wild\n"
            "That growth is at the core of the reserve's plan:\nHow Rangers Count Zebras From The Air\n"
            "Ann Lee said:\nWe will move the zebras north in May.")
    found = cut(text, ["The herd grew to 412 zebras by spring.", "Read next:", "Why Zebras Have Stripes In The Wild",
                       "That growth is at the core of the reserve's plan:", "How Rangers Count Zebras From The Air",
                       "Ann Lee said:", "We will move the zebras north in May."],
                [0.9, 0.9, 0.9, 0.5, 0.9, 0.5, 0.5])
    assert "Read next:" not in "".join(found)
    assert "That growth is at the core of the reserve's plan:" in found
    assert "Ann Lee said:\nWe will move the zebras north in May." in found


def test_an_item_of_a_list_of_links_is_no_part_of_a_window_though_a_lower_case_word_keeps_it_from_a_title():
    text = ("The herd grew to 412 zebras by spring.\n- Why Zebras Have Stripes In The Wild\n"
            "- Zebra Case Study: Why from Grass to Water Herds Move At Dawn\n- How Rangers Count Zebras From The Air\n"
            "- Zebras need water every day.\n- They drink at dawn.")
    found = cut(text, ["The herd grew to 412 zebras by spring.", "- Why Zebras Have Stripes In The Wild",
                       "- Zebra Case Study: Why from Grass to Water Herds Move At Dawn",
                       "- How Rangers Count Zebras From The Air", "- Zebras need water every day.",
                       "- They drink at dawn."], [0.5, 0.9, 0.9, 0.9, 0.5, 0.5])
    assert not any("Case Study" in w for w in found)
    assert "- Zebras need water every day.\n- They drink at dawn." in found  # a list of statements stays
    # an item that states something, between short items that are no titles, stays
    mixed = "Zebra priorities\n- Fast zebra checks\n- Zebra prices fell by a third over the year after the rangers cut their costs\n- Free zebra care"
    assert "- Zebra prices fell by a third over the year after the rangers cut their costs" in cut(
        mixed, ["Zebra priorities", "- Fast zebra checks", "- Zebra prices fell by a third over the year after the rangers cut their costs",
                "- Free zebra care"], [0.5, 0.5, 0.9, 0.5])


def test_sentences_repeated_across_many_documents_are_boilerplate():
    sign_off = "Chief Executive Officer, Example Corp."
    docs = [[f"Letter {i} says something else entirely.", sign_off] for i in range(4)]
    repeated = repeated_sentences(docs)
    assert repeated == {sentence_key(sign_off)}
    assert is_non_content(sign_off, repeated) and not is_non_content(sign_off)
    # Two documents sharing a passage are a near-duplicate pair, not boilerplate.
    assert repeated_sentences([["Same words here."], ["Same words here."]]) == set()


@pytest.mark.parametrize("question, kind", [
    ("How long did the drought last?", "duration"), ("How many wells were dug?", "number"),
    ("What percentage of farms failed?", "number"), ("In what year did the rain return?", "date"),
    ("When did the rain return?", "date"), ("Who dug the first well?", "name"), ("Where was it dug?", "name"),
    ("Why did the wells run dry?", None), ("What is a well?", None), ("What crops did the farmers sow?", "list"),
    ("Which tools do well diggers carry?", "list"), ("What are the main causes of drought?", "list"),
    ("Besides rain, what else fills a well?", "list"), ("What does Maria's son do?", None),
    ("What did the farmers sow?", None), ("How much of their time do diggers spend on wells?", "share"),
    ("How much did the new well cost?", "amount"), ("Which drilling company did the farmers hire?", "name"),
    ("What was the name of the first digger?", "name")])
def test_the_expected_answer_type_is_read_from_the_question(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize("text, kind, expected", [
    ("The drought lasted three summers.", "duration", False), ("The drought lasted three years.", "duration", True),
    ("It ran for 18 months.", "duration", True), ("Forty wells were dug.", "number", True),
    ("Many wells were dug.", "number", False), ("The rain came back in 1923.", "date", True),
    ("The rain came back in spring.", "date", False), ("The first well was dug by Maria Lopez.", "name", True),
    ("the first well was dug by a farmer.", "name", False),
    ("They sowed barley, beans, and a little rye.", "list", True), ("They sowed barley and beans.", "list", False),
    ("Diggers carry a spade, a rope, or a lamp.", "list", True), ("After the rain, the wells filled and the farmers sowed.", "list", False),
    ("They dug wells, ponds, cisterns and ditches.", "list", True), ("Wet, cold, grey days.", "list", False),
    ("As Maria wrote in 1923, deep wells pay.", "number", False), ("By 1923, 1500 wells were dug.", "number", True),
    ("In 1923, 1500 diggers worked.", "number", True)])
def test_a_window_has_the_expected_answer_type(text, kind, expected):
    assert has_type(text, kind) is expected


def test_a_list_answers_a_question_that_sets_one_item_aside_only_if_it_holds_that_item():
    """"Besides rain, what else …" asks for the list that rain belongs to, not any list near the question's words."""
    question = "Apart from rainwater, what were the wells' sources?"
    assert expected_type(question) == "list"
    assert expected_type("What sets deep wells apart from ponds?") is None  # no item set aside
    assert has_type("Wells fill from rainwater, springs, and the river.", "list", question)
    assert not has_type("There were deep wells, shallow wells, and dry ones.", "list", question)


def window(path: str, start: int, end: int, score: float, text: str) -> Window:
    return Window(path, start, end, start, text, (), score)


def test_selection_puts_the_best_window_first_and_skips_overlaps():
    best = window("a.txt", 100, 160, 0.9, "x" * 60)
    overlapping = window("a.txt", 120, 200, 0.8, "y" * 80)
    other = window("b.txt", 0, 50, 0.6, "z" * 50)
    third = window("c.txt", 0, 40, 0.05, "w" * 40)
    fourth = window("d.txt", 0, 40, 0.04, "v" * 40)
    chosen = select([fourth, third, other, overlapping, best], max_quotes=3, budget=600, near_duplicate=0.9)
    assert chosen == [best, other, third]


def test_selection_keeps_the_budget_and_folds_near_duplicates():
    text = "The committee voted to close the old mill in the spring. Nobody objected."
    first = window("a.txt", 0, len(text), 0.9, text)
    twin = window("b.txt", 0, 56, 0.85, text[:56])  # the same passage, cut shorter, in a copy
    long = window("c.txt", 0, 500, 0.8, "word " * 100)
    [chosen] = select([first, twin, long], max_quotes=3, budget=300, near_duplicate=0.9)
    assert chosen.also_in == ("b.txt",) and chosen.start == 0 and chosen.path == "a.txt"


def test_a_sentence_two_documents_quote_is_shown_once():
    """Two articles quoting one long sentence, each with a sentence of its own around it, quote one passage."""
    said = "Ann Lee told the board that nobody had ever asked the mill for blue thread, and it sold out anyway."
    first = window("a.txt", 0, 300, 0.9, said + " The looms ran all night in the long sheds by the weir, and the "
                   "dyers came in from the hills at dawn to mix the indigo for the morning batches.")
    second = window("b.txt", 0, 300, 0.8, "In short, the mill kept inventing on its own, long before its rivals "
                    "learned to spin cotton as fine or to sell it in the city markets across the sea. " + said)
    other = window("c.txt", 0, 60, 0.7, "The river froze early that year and the wheel stopped turning.")
    chosen = select([first, second, other], max_quotes=3, budget=800, near_duplicate=0.9)
    assert [w.path for w in chosen] == ["a.txt", "c.txt"] and chosen[0].also_in == ("b.txt",)


def test_document_texts_follow_the_file_and_keep_only_the_most_recent(tmp_path):
    files = [tmp_path / f"{i}.txt" for i in range(3)]
    for i, f in enumerate(files):
        f.write_text(f"text {i}", encoding="utf-8")
    texts = DocumentTexts(keep=2)
    assert [texts.get(str(f)) for f in files] == ["text 0", "text 1", "text 2"]
    assert list(texts._cache) == [str(files[1]), str(files[2])]  # the oldest read is dropped
    files[2].write_text("changed, and longer", encoding="utf-8")
    assert texts.get(str(files[2])) == "changed, and longer"
    files[1].unlink()
    assert texts.get(str(files[1])) == "" and str(files[1]) not in texts._cache


def test_a_scope_of_most_rows_fetches_more_until_enough_pass_then_asks_the_filter():
    rows = [f"r{i}" for i in range(100)]
    rare = {"r50", "r70", "r90", "r99"}  # the rows of the scope ("p"): far down the unfiltered ranking
    calls = []

    def search(n, where=None):  # nearest rows first, as the store answers; `where` filters to the scope
        calls.append((n, where))
        return [r for r in rows if where is None or r in rare][:n]

    assert _mostly(search, 2, rare, ("p",)) == ["r50", "r70"] and [n for n, _ in calls] == [4, 8, 16, 2]
    assert calls[-1][1] == ("p",)  # past 8x, the store's own filter
    calls.clear()
    assert _mostly(search, 3, set(rows[1:]), ("p",)) == ["r1", "r2", "r3"] and calls == [(6, None)]
