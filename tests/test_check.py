"""The written-sentence check (`rag.check`) and the writer's sentence splitting, with the real model.

No language model here: these are the check's own rules, on sentences written for the test.
The writer against a real llama.cpp server is in test_writer.py.
"""
from __future__ import annotations

import pytest

from rag.check import SentenceCheck, names, numbers
from rag.engine import Engine
from rag.writer import sentences

QUOTES = {
    1: "In 2021 the company opened 250 new stores and hired 26.5 thousand people in Ohio.",
    2: "Customers said the Zephyr kettle boils water in ninety seconds, twice as fast as its rivals.",
}


@pytest.fixture(scope="module")
def check(built_index, embedder) -> SentenceCheck:
    settings, _ = built_index
    engine = Engine.open(settings, embedder)
    return SentenceCheck(embedder.embed_one, engine.keyword.idf)


def test_numbers_read_words_and_digits_alike():
    assert numbers("twenty-six and a half") == numbers("26.5") == {"26.5"}
    assert numbers("$5") == numbers("5 dollars") == numbers("five dollars")
    assert numbers("1,200 stores in 1997") == {"1200", "1997"}
    assert numbers("5 million") == numbers("5,000,000") != numbers("a million")


def test_names_are_capitalised_words_that_do_not_open_the_sentence():
    assert names("However, Andy Jassy's team said so.") == {"Andy", "Jassy"}


def test_a_name_must_appear_as_written(check):
    """A title-cased phrase is not borne out by the same words in lower case."""
    quotes = {1: "Our kettle boils water fast, and customer obsession guides its design."}
    assert check.why_not("The kettle's design follows Customer Obsession.", [1], quotes).startswith("names")


def test_a_supported_sentence_passes(check):
    assert check.why_not("In 2021 the company opened 250 new stores.", [1], QUOTES) is None
    assert check.why_not("The Zephyr kettle boils water in ninety seconds.", [2], QUOTES) is None


@pytest.mark.parametrize("sentence, cites, why", [
    ("The company opened 250 new stores.", [], "cites no quote"),
    ("The company opened 250 new stores.", [7], "which is not a quote"),
    ("In 2022 the company opened 250 new stores.", [1], "states 2022"),
    ("The company opened 300 new stores in 2021.", [1], "states 300"),
    ("In 2021 the company opened 250 new stores in Texas.", [1], "names 'Texas'"),
    ("In 2021 the company hired a thousand people in Ohio.", [1], "states 1000"),  # the quote says 26.5 thousand
    ("In 2021 the company opened 250 new stores.", [2], "states 2021"),  # the right words, the wrong quote
    ("The moon landing inspired a generation of engineers.", [1], "do not support"),
])
def test_an_unsupported_sentence_is_dropped_with_its_reason(check, sentence, cites, why):
    reason = check.why_not(sentence, cites, QUOTES)
    assert reason is not None and why in reason


def test_sentences_are_cut_as_the_text_streams_with_their_citations():
    pieces = ["The kettle boils water fast [2]. In 20", "21 the company opened stores. [1] It ", "hired people [1][2]."]
    assert list(sentences(pieces)) == [("The kettle boils water fast [2].", (2,)),
                                       ("In 2021 the company opened stores. [1]", (1,)),
                                       ("It hired people [1][2].", (1, 2))]


def test_a_url_the_client_cannot_parse_is_a_config_error():
    from rag.config import Settings
    from rag.errors import ConfigError
    from rag.writer import ChatWriter

    with pytest.raises(ConfigError, match="not a usable URL"):
        ChatWriter.from_settings(Settings(llm_base_url="http://[::1", llm_model="m"))


def test_a_comparison_of_many_sides_shares_the_budget_at_once():
    import time

    import numpy as np

    from rag.engine import _best_fitting
    from rag.evidence import Window

    sides = [[Window(f"{i}.txt", 0, 300, 0, "x" * 300, np.zeros(1), score=0.9 - 0.01 * j) for j in range(5)]
             for i in range(20)]
    began = time.perf_counter()
    picked = _best_fitting(sides, 800)
    assert time.perf_counter() - began < 1.0  # every combination would be 6 ** 20
    assert [w is not None for w in picked] == [True, True] + [False] * 18  # two of 300 characters fit in 800
    assert _best_fitting(sides[:3], 800)[:2] == [sides[0][0], sides[1][0]]


def test_comparison_sides_have_more_room_than_a_fact_but_no_filler():
    import numpy as np

    from rag.config import Settings
    from rag.engine import FILLER, _side_quotes
    from rag.evidence import Window

    def window(path, start, score):
        text = " ".join(f"{path}{start}w{k}" for k in range(100))[:380]  # words no other window has
        return Window(path, start, start + 380, start, text, np.zeros(1), score=score)

    a = [window("a.txt", 0, 0.9), window("a.txt", 400, 0.3), window("a.txt", 800, FILLER / 2)]
    b = [window("b.txt", 0, 0.8), window("b.txt", 400, FILLER)]
    chosen = _side_quotes([a, b], Settings(max_quote_chars=800, max_quotes_per_side=3))
    # 1,400 characters for two sides: three windows of 380, the best of each side first, then the
    # better next one; the one under FILLER is never added, though room would be left without the others.
    assert chosen == [[a[0], a[1]], [b[0]]]
    assert _side_quotes([a[:1] + a[2:], b[:1]], Settings(max_quote_chars=800)) == [[a[0]], [b[0]]]


def test_comparison_sides_take_the_next_best_window_of_any_side_and_no_repeat():
    import numpy as np

    from rag.config import Settings
    from rag.engine import _side_quotes
    from rag.evidence import Window

    def window(path, start, score, words=None):
        text = " ".join(words or (f"{path}{start}w{k}" for k in range(100)))[:380]
        return Window(path, start, start + 380, start, text, np.zeros(1), score=score)

    shared = [f"shared{k}" for k in range(100)]
    a = [window("a.txt", 0, 0.9, shared), window("a-copy.txt", 0, 0.6, shared), window("a.txt", 400, 0.2)]
    b = [window("b.txt", 0, 0.8), window("b.txt", 400, 0.3)]
    chosen = _side_quotes([a, b], Settings(max_quote_chars=800, max_quotes_per_side=3))
    # Room for one more window after each side's best: b's next (0.3) before a's (0.2), and never the copy
    # of a's best in the near-duplicate document (0.6).
    assert chosen == [[a[0]], [b[0], b[1]]]


def test_a_side_whose_next_best_window_goes_on_after_its_first_takes_it_before_the_other_sides():
    import numpy as np

    from rag.config import Settings
    from rag.engine import _side_quotes
    from rag.evidence import Window

    import itertools

    def words(letters):  # distinct four-letter words, each followed by a blank: word k starts at 5 * k
        return "".join("".join(w) + " " for w in itertools.islice(itertools.product(letters, repeat=4), 600))

    document = {"a.txt": words("abcde"), "b.txt": words("fghij")}

    def window(path, start, score):  # 379 characters of its document (76 words), which it was cut from
        return Window(path, start, start + 379, 0, document[path], np.zeros(1), score=score)

    a = [window("a.txt", 0, 0.5), window("a.txt", 380, 0.05), window("a.txt", 2000, 0.02)]
    b = [window("b.txt", 0, 0.9), window("b.txt", 1000, 0.3)]
    chosen = _side_quotes([a, b], Settings(max_quote_chars=800, max_quotes_per_side=3))
    # Room for one more window: a's answer goes on right after its first window (its next best), so that one,
    # not b's better-scored second window.
    assert chosen == [[a[0], a[1]], [b[0]]]
    # When the side's next best window is elsewhere, scores decide as before.
    a[2] = window("a.txt", 2000, 0.06)
    assert _side_quotes([a, b], Settings(max_quote_chars=800, max_quotes_per_side=3)) == [[a[0]], [b[0], b[1]]]


def test_a_side_quotes_the_window_that_turns_its_first_one_whatever_its_score():
    import numpy as np

    from rag.config import Settings
    from rag.engine import FILLER, _side_quotes
    from rag.evidence import Window

    other = "Harvest came late in the valley this year. Rain kept the combines out of the fields for weeks. "
    prices = "Grain prices held steady through the spring. Buyers in town paid what they paid a year ago. "
    catalogs = "Seed catalogs arrive each winter. Most growers order from the one their parents used. "

    def sides(turn: str):
        said = ("Ask growers what seed they want and plant it. No farm lasts without listening to growers. "
                f"{turn} is not enough. The best seed is one no grower thought to ask for. ")
        document = {"a.txt": said + catalogs, "b.txt": other + prices}

        def window(path, start, end, score):
            return Window(path, start, end, 0, document[path], np.zeros(1), score=score)

        at = said.index(turn)
        a = [window("a.txt", 0, at - 1, 0.6), window("a.txt", len(said), len(said) + len(catalogs) - 1, 0.3),
             window("a.txt", at, len(said) - 1, FILLER / 2)]
        b = [window("b.txt", 0, len(other) - 1, 0.7), window("b.txt", len(other), len(other) + len(prices) - 1, 0.2)]
        return a, b, _side_quotes([a, b], Settings(max_quote_chars=800, max_quotes_per_side=2))

    a, b, chosen = sides("But listening")
    # a's first window stops where its point turns ("But listening is not enough."): that window comes next,
    # though the scorer gives it less than filler, before a's better window elsewhere
    assert chosen == [[a[0], a[2]], [b[0], b[1]]]
    # A window that follows without turning is filler like any other, even where it is the side's only other one.
    a, b, chosen = sides("Listening")
    assert chosen == [[a[0], a[1]], [b[0], b[1]]]
    follower_only = [a[0], a[2]]
    assert _side_quotes([follower_only, b], Settings(max_quote_chars=800, max_quotes_per_side=2)) == [
        [a[0]], [b[0], b[1]]]


def test_a_side_quotes_the_window_after_its_first_that_gives_the_figure_it_asks_for_whatever_its_score():
    import numpy as np

    from rag.config import Settings
    from rag.engine import FILLER, _side_quotes
    from rag.evidence import Window, has_amount

    said = "The Kestrel fund is a big part of why the mill still runs. It now holds $30 million for new looms. "
    catalogs = "Seed catalogs arrive each winter. Most growers order from the one their parents used. "
    other = "The Quill fund paid $12 million for the dye house in 1990. Its trustees meet twice a year. "
    document = {"a.txt": said + catalogs, "b.txt": other}

    def window(path, start, end, score):
        return Window(path, start, end, 0, document[path], np.zeros(1), score=score)

    at = said.index("It now")
    a = [window("a.txt", 0, at - 1, 0.6), window("a.txt", len(said), len(said) + len(catalogs) - 1, 0.3),
         window("a.txt", at, len(said) - 1, FILLER / 2)]
    b = [window("b.txt", 0, len(other) - 1, 0.7)]
    settings = Settings(max_quote_chars=800, max_quotes_per_side=2)
    # a asks for a sum its first window does not give: the next sentence gives one, so it comes next, though the
    # scorer gives it less than filler; a side that asks for no figure gets its better window elsewhere
    assert _side_quotes([a, b], settings, figures=[has_amount, None]) == [[a[0], a[2]], [b[0]]]
    assert _side_quotes([a, b], settings) == [[a[0], a[1]], [b[0]]]
