"""Follow-ups, comparisons and dated letters on small corpora written here, most in folders without metadata.json.

The texts are our own and unlike `corpus/`: what passes here passes by the question's structure
(a pronoun, two clauses, "the view that …", an author or a year), not by any wording of the
project's documents. Real model, real Chroma, no mocks.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rag.engine import Engine
from rag.records import Answer, Quote, Turn
from tiny_corpus import make_settings, verifies

KETTLE = """\
The Zephyr Kettle

Brightwater Appliances launched the Zephyr kettle in March 2019 after two years of design work.

The design team tested forty handle shapes with people who have arthritis. They chose a wide grip with a soft coating. The spout was redrawn six times to stop drips. A small window on the side shows the water level.

The kettle's packaging is made from recycled cardboard and prints no plastic at all.

The first production run of ten thousand kettles sold out in four days, and the company had to ration stock until the summer.

Reviewers praised its copper base, which boils a litre of water in ninety seconds.

The kettle was recalled in 2021 because a faulty hinge let the lid open while the water was boiling.
"""

TOASTER = """\
The Orbit Toaster

Brightwater Appliances released the Orbit toaster in 2020 as a companion to its kettles.

The toaster browns four slices at once and remembers each household's preferred shade.

Sales were slow at first because the price was twice that of rival toasters.

Its designer, Lena Ortiz, put her view of design plainly: "A toaster should never need a manual."
"""

HOME = """\
Notes on working from home

Working from home makes teams more productive, because nobody loses two hours a day commuting.

People who work remotely can focus for long stretches without being interrupted by meetings they did not need.
"""

OFFICE = """\
Why the office still matters

Remote work weakens collaboration: the ideas that used to come from chance conversations in the hallway no longer happen.

New hires who never meet their colleagues in person take much longer to learn how the team really works.
"""


def letter(year: int, news: str, name: str) -> str:
    return (f"Dear shareholders:\n\nThis was a year of steady progress for Northwind Freight.\n\n{news}\n\n"
            f"We thank our customers and our employees for their trust.\n\nSincerely,\n{name}\n"
            "Chief Executive Officer\n")


LETTERS = {
    "2001.txt": letter(2001, "In 2001 we opened our first depot in Ohio and cut delivery times from nine days to "
                             "three days for most parcels.", "Margaret Holloway"),
    "2005.txt": letter(2005, "In 2005 delivery times fell to a single day in every state we serve, thanks to forty "
                             "new depots.", "Margaret Holloway"),
    "2009.txt": letter(2009, "In 2009 our drivers began same-day delivery, bringing parcels within two hours "
                             "of the order in twelve cities.", "Tobias Reinholt"),
}


def build(tmp_path: Path, docs: dict[str, str], embedder) -> Engine:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    return engine


def quoted(answer) -> str:
    for q in answer.citations:
        assert verifies(q.path, q.start, q.end, q.text)
    return " ".join(q.text for q in answer.citations)


def after_quoting(question: str, path: str, text: str, title: str, *said: str) -> list[Turn]:
    """A conversation whose previous answer, to `question`, quoted the passages `said` of `text` (in order)."""
    quotes = tuple(Quote(n=i + 1, path=path, title=title, author="", text=one, start=text.index(one),
                         end=text.index(one) + len(one), score=0.9) for i, one in enumerate(said))
    return [Turn(question, Answer(question=question, answer="...", abstained=False, kind="fact", citations=quotes,
                                  support=0.9, resolved_question=question))]


@pytest.fixture(scope="module")
def products(tmp_path_factory, embedder) -> Engine:
    return build(tmp_path_factory.mktemp("products"), {"kettle.txt": KETTLE, "toaster.txt": TOASTER}, embedder)


def test_a_follow_up_is_read_with_what_its_pronoun_refers_to(products):
    first = products.ask("When did Brightwater launch the Zephyr kettle?")
    assert "March 2019" in quoted(first)
    follow = products.ask("How long did it take to sell out?", [Turn(first.question, first)])
    assert "Zephyr" in follow.resolved_question and "sell out" in follow.resolved_question
    quoted(follow)
    best = max(follow.citations, key=lambda q: q.score)
    assert "sold out in four days" in best.text  # the new question's answer leads, not the previous one
    assert "sold out" not in first.citations[0].text


def test_a_question_that_names_its_subject_is_not_a_follow_up(products):
    first = products.ask("When did Brightwater launch the Zephyr kettle?")
    alone = products.ask("Why were sales of the Orbit toaster slow at first?", [Turn(first.question, first)])
    assert alone.resolved_question == alone.question
    assert "twice that of rival toasters" in quoted(alone)


def test_a_request_for_examples_from_a_named_source_asks_for_examples_of_the_previous_topic(products):
    """"What examples does the kettle article give?" names a source but no topic: examples of what the
    conversation was about, from that source, not the source's best match for "examples"."""
    first = products.ask("How did the design team make the Zephyr kettle easier to use?")
    follow = products.ask("What examples does the kettle article give?", [Turn(first.question, first)])
    assert "examples" in follow.resolved_question and "design team" in follow.resolved_question
    assert not follow.abstained and {Path(q.path).name for q in follow.citations} == {"kettle.txt"}
    assert "handle shapes" in quoted(follow) or "spout" in quoted(follow)


def test_a_comparison_with_a_person_quoted_inside_another_document_shows_both_sides(products):
    answer = products.ask("How does the kettle article's view of design differ from Ortiz's?")
    assert answer.kind == "comparison" and [s.label for s in answer.sides] == ["The Zephyr Kettle", "Ortiz"]
    kettle, ortiz = ([q for q in answer.citations if q.side == s.label] for s in answer.sides)
    assert kettle and {Path(q.path).name for q in kettle} == {"kettle.txt"}
    assert ortiz and "never need a manual" in " ".join(q.text for q in ortiz)
    quoted(answer)


def test_a_part_asked_beside_one_that_answered_needs_only_the_vouched_threshold(products):
    question = "Why did the lid open, and which grip did the design team choose?"
    sides = products.ask(question).sides
    assert len(sides) == 2 and not any(s.paths for s in sides)
    best = [max(w.score for w in products.candidates(s.query, products.embedder.embed_one(s.query),
                                                     products.settings, None, products.settings.k_chunks))
            for s in sides]
    weak = int(best[1] < best[0])  # the part with the weaker evidence, strong the other
    # A threshold the strong part passes and the weak one, asked alone, would not.
    bar = min(best[1 - weak], best[weak] * 1.9)
    settings = products.settings.with_(min_support=bar)
    assert products.ask(sides[weak].query, settings=settings).abstained
    answer = products.ask(question, settings=settings)
    mine = [q for q in answer.citations if q.side == sides[weak].label]
    assert mine and ("wide grip" if weak else "hinge") in " ".join(q.text for q in mine)
    quoted(answer)


def test_a_comparison_of_two_views_quotes_each_view(tmp_path, embedder):
    engine = build(tmp_path, {"home.txt": HOME, "office.txt": OFFICE}, embedder)
    answer = engine.ask("Contrast the view that working from home makes teams more productive with the view "
                        "that it weakens collaboration.")
    assert answer.kind == "comparison" and len(answer.sides) == 2
    by_side = {s.label: [q for q in answer.citations if q.side == s.label] for s in answer.sides}
    first, second = (by_side[s.label] for s in answer.sides)
    assert first and {Path(q.path).name for q in first} == {"home.txt"}
    assert second and {Path(q.path).name for q in second} == {"office.txt"}
    assert "collaboration" in answer.sides[1].query  # "it" was read as the first view's subject
    quoted(answer)


def test_two_views_named_by_what_they_are_about_are_the_sides_each_searched_with_the_shared_topic(
        tmp_path, embedder):
    engine = build(tmp_path, {"home.txt": HOME, "office.txt": OFFICE}, embedder)
    answer = engine.ask("There are two takes on working from home: one about productivity, one about "
                        "collaboration. What does each say?")
    assert answer.kind == "comparison" and len(answer.sides) == 2
    assert all("working from home" in s.query for s in answer.sides)
    assert {Path(q.path).name for q in answer.citations} == {"home.txt", "office.txt"}


@pytest.mark.parametrize("asked", ["Is working from home good for a team? Compare the two views.",
                                   "Is working from home good for a team? Summarise the differing views."])
def test_follow_ups_to_two_views_ask_both_views_again_turn_after_turn(tmp_path, embedder, asked):
    """Each follow-up of a comparison is a comparison of the same sides, also after a follow-up: only the parts of
    a question that compared nothing are no sides to ask again."""
    engine = build(tmp_path, {"home.txt": HOME, "office.txt": OFFICE}, embedder)
    history = []
    for question in (asked, "Why do they think so?", "Can you give an example?"):
        answer = engine.ask(question, history)
        assert answer.kind == "comparison" and len(answer.sides) == 2, question
        history.append(Turn(question, answer))


def test_two_unnamed_views_of_one_question_come_from_two_documents(tmp_path, embedder):
    """"…? Compare the two views.": no view is stated or named; each side is one document's answer."""
    more = HOME + ("\nTeams that work from home report fewer sick days and finish their projects sooner.\n"
                   "\nWorking from home lets a team hire the best people wherever they live.\n")
    reprint = "Notes on remote work (reprinted)\n\n" + more.split("\n", 2)[2]  # a near-duplicate: the same view
    engine = build(tmp_path, {"home.txt": more, "reprint.txt": reprint, "office.txt": OFFICE, "kettle.txt": KETTLE},
                   embedder)
    answer = engine.ask("Is working from home good for a team? Compare the two views.")
    assert answer.kind == "comparison" and len(answer.sides) == 2
    assert all(s.query == "Is working from home good for a team?" for s in answer.sides)
    first, second = ({Path(q.path).name for q in answer.citations if q.side == s.label} for s in answer.sides)
    assert first and second and not first & second and "office.txt" in first | second
    assert not {"home.txt", "reprint.txt"} <= first | second  # one of the twins speaks for that view
    quoted(answer)


@pytest.fixture(scope="module")
def letters(tmp_path_factory, embedder) -> Engine:
    return build(tmp_path_factory.mktemp("letters"), LETTERS, embedder)


def test_letters_without_metadata_get_their_authors_from_the_sign_off(letters):
    assert {Path(d.path).name: d.author for d in letters.documents()} == {
        "2001.txt": "Margaret Holloway", "2005.txt": "Margaret Holloway", "2009.txt": "Tobias Reinholt"}


def test_a_comparison_without_metadata_finds_its_sides_by_author(letters):
    answer = letters.ask("How did Holloway describe delivery times, and what does Reinholt say about them?")
    assert answer.kind == "comparison"
    files = [{Path(p).name for p in side.paths} for side in answer.sides]
    assert files == [{"2001.txt", "2005.txt"}, {"2009.txt"}]
    for side, names in zip(answer.sides, files):
        mine = [q for q in answer.citations if q.side == side.label]
        assert mine and {Path(q.path).name for q in mine} <= names
    assert "two hours" in quoted(answer)


def test_a_comparison_without_metadata_finds_its_sides_by_year(letters):
    answer = letters.ask("How fast was delivery in the 2001 letter compared with 2009?")
    assert answer.kind == "comparison"
    assert [[Path(p).name for p in side.paths] for side in answer.sides] == [["2001.txt"], ["2009.txt"]]
    text = quoted(answer)
    assert "three days" in text and "two hours" in text
    relative = letters.ask("How long did delivery take in 2001, and how long did it take four years later?")
    assert [[Path(p).name for p in side.paths] for side in relative.sides] == [["2001.txt"], ["2005.txt"]]
    assert "single day" in quoted(relative)


def test_two_years_of_one_authors_letters_are_the_sides_not_the_author(letters):
    """"… change between her 2001 and 2005 letters?": Holloway wrote both, so the years are the sides; the
    cut names leave a whole question ("between her and" is no query)."""
    answer = letters.ask("How did Holloway's delivery times change between her 2001 and 2005 letters?")
    assert answer.kind == "comparison"
    assert [[Path(p).name for p in side.paths] for side in answer.sides] == [["2001.txt"], ["2005.txt"]]
    assert all("between" not in side.query and " and?" not in side.query for side in answer.sides)
    text = quoted(answer)
    assert "three days" in text and "single day" in text


def test_a_follow_up_with_a_word_that_points_back_is_asked_with_the_previous_question(letters):
    """"And what was the figure in the letter four years later?": "the figure" is what the previous question asked
    for, so the 2005 letter is searched for it; a letter named as a document is where the answer must come from."""
    first = letters.ask("According to the 2001 letter, how long did most parcels take to arrive?")
    assert "three days" in quoted(first)
    follow = letters.ask("And what was the figure in the letter four years later?", [Turn(first.question, first)])
    assert "2005" in follow.resolved_question and "parcels" in follow.resolved_question
    assert not follow.abstained and {Path(q.path).name for q in follow.citations} == {"2005.txt"}
    assert "single day" in quoted(follow)


def test_a_year_aimed_at_is_no_document_to_search(tmp_path, embedder):
    """"The goals set for 2004" are set in a letter written before 2004: "for 2004" names a time aimed at, so the
    whole collection is searched (the year stays in the question), not the 2004 letter alone."""
    engine = build(tmp_path, {
        "2003.txt": letter(2003, "For 2004 we set ourselves the goal of opening twelve new depots in Texas.",
                           "Margaret Holloway"),
        "2004.txt": letter(2004, "In 2004 our drivers covered more miles than in any year before, and fuel costs "
                                 "rose by a third.", "Margaret Holloway")}, embedder)
    answer = engine.ask("How many new depots did Northwind aim to open for 2004?")
    assert not answer.sides and not answer.abstained
    assert "twelve new depots" in quoted(answer)
    assert [Path(p).name for p in engine.ask("What did the 2004 letter say about fuel?").sides[0].paths] == ["2004.txt"]


def test_a_follow_up_about_an_events_year_also_searches_the_letter_that_told_the_story(tmp_path, embedder):
    """"And in 2007, …?" names a year, but the event may be told in a later letter, the one the
    conversation was quoting: both are searched, and the better evidence answers."""
    engine = build(tmp_path, {
        "2007.txt": letter(2007, "In 2007 we painted our trucks green and added a night shift at every depot.",
                           "Margaret Holloway"),
        "2010.txt": letter(2010, "Our electric vans began as a small pilot in Ohio, built to carry parcels quietly "
                                 "through city streets.\n\nWe also opened a training school for drivers. It teaches "
                                 "safe loading. Its first class graduated in the spring.\n\nThe electric van fleet "
                                 "reached three hundred vans on the road in 2007, and a thousand by 2010.",
                           "Tobias Reinholt"),
    }, embedder)
    first = engine.ask("What were Northwind's electric vans?")
    assert Path(first.citations[0].path).name == "2010.txt"
    second = engine.ask("And in 2007, how many of them were on the road?",
                        [Turn("What were Northwind's electric vans?", first)])
    assert "three hundred" in quoted(second)


def test_a_dated_collection_does_not_answer_for_a_year_after_its_last_document(tmp_path, embedder):
    """Letters up to 2009 can only look ahead to 2011: what happened then is not in them, what was planned is."""
    engine = build(tmp_path, {
        "2008.txt": letter(2008, "In 2008 we opened twelve new depots across the Midwest.", "Margaret Holloway"),
        "2009.txt": letter(2009, "In 2009 we opened eight depots. We plan to open ten more depots in 2011, all of "
                                 "them in Texas.", "Tobias Reinholt"),
    }, embedder)
    happened = engine.ask("How many depots had Northwind opened in Texas by the end of 2011?")
    assert happened.abstained and happened.uncovered == ("2011",)
    planned = engine.ask("How many depots did Northwind plan to open in Texas in 2011?")
    assert not planned.abstained and "ten more depots" in quoted(planned)


LIGHTHOUSE = """\
The Harrow Point Lighthouse

The Harrow Point lighthouse was built in 1871 by the county council on a ridge of black rock.

Martha Quill became its keeper in 1884, after her father fell ill. She trimmed the wick every four hours and logged each passing ship. Her logbooks are kept in the county archive.

During the great storm of 1890 the lamp nearly failed when salt spray cracked the lantern glass. Martha Quill patched the glass with canvas and kept the lamp burning until dawn. A schooner that had lost its mast drifted toward the rocks. She rowed out alone in the lighthouse dinghy and towed the crew's lifeboat into the harbour.

Martha Quill retired in 1921 and the council gave her a cottage on the harbour road. Schoolchildren still visit the cottage, where a plaque remembers her.

The lighthouse was automated in 1962 and now houses a small museum about the coast.
"""


def test_a_follow_up_also_quotes_what_the_text_says_right_after_the_previous_quote(tmp_path, embedder):
    """"What did she do then?" asks what comes next: the sentence after the previous answer's quote is
    quoted, though its words match the question less than other passages about her do."""
    engine = build(tmp_path, {"lighthouse.txt": LIGHTHOUSE}, embedder)
    path = next(d.path for d in engine.documents())
    history = after_quoting("How did Martha Quill keep the lamp burning in the great storm?", path, LIGHTHOUSE,
                            "The Harrow Point Lighthouse",
                            "Martha Quill patched the glass with canvas and kept the lamp burning until dawn.")
    answer = engine.ask("What did she do then?", history)
    assert "drifted toward the rocks" in quoted(answer)


def test_what_comes_next_follows_the_previous_answers_quotes_that_ran_on(tmp_path, embedder):
    """The previous answer quoted two passages in a row; what comes next is what follows the second."""
    engine = build(tmp_path, {"lighthouse.txt": LIGHTHOUSE}, embedder)
    path = next(d.path for d in engine.documents())
    history = after_quoting("What happened to the lamp in the great storm?", path, LIGHTHOUSE,
                            "The Harrow Point Lighthouse",
                            "Martha Quill patched the glass with canvas and kept the lamp burning until dawn.",
                            "A schooner that had lost its mast drifted toward the rocks.")
    answer = engine.ask("So how did it end?", history)
    assert "towed the crew's lifeboat" in quoted(answer)



def test_a_follow_up_quotes_a_shown_passage_again_only_where_it_answers_best():
    """The previous answer's quote is left out of a follow-up's evidence unless it answers the new question
    better than any passage not yet shown ("Who was against it?" when that quote named the opponents)."""
    import numpy as np

    from rag.engine import _unshown
    from rag.evidence import Window

    def window(start, score):
        return Window("a.txt", start, start + 100, start, "x" * 100, np.zeros(1), score=score)

    shown = [("a.txt", 0, 100)]
    again, fresh, other = window(0, 0.8), window(200, 0.6), window(400, 0.1)
    assert _unshown([again, fresh, other], shown, bar=0.4) == [fresh, other, again]
    assert _unshown([window(0, 0.5), fresh, other], shown, bar=0.4) == [fresh, other]  # a new passage answers better
    assert _unshown([again, other], shown, bar=0.4) == [again, other]  # nothing new answers: all may be shown


FERRY_ESSAY = """\
Harbor Ferries and their critics

Criticism of the ferry company is easy to find, and the company answers every critic with its punctuality figures.

The ferries leave the north pier every twenty minutes. The timetable is printed on yellow boards at each pier. Tourists like the upper deck in summer. The café on board sells tea and sandwiches.

The company was founded by two brothers who had worked on fishing boats. They bought their first ferry from a bankrupt operator. The second ferry came from a shipyard in the south. Today the fleet has nine boats.

The cheap fares that commuters enjoy are paid for by deckhands who work double shifts.

The company also delays maintenance on its older boats to keep the timetable.
"""

FERRY_REPORT = """\
Harbor Ferries annual report

Harbor Ferries carried four million passengers this year on nine routes.

Fares stayed at two dollars because the city pays part of each ticket.
"""


def test_a_source_named_by_its_role_is_searched_for_the_topic_not_for_its_name(tmp_path, embedder):
    """"What does the critic say about X?": the essay is the critic's (metadata), and its passage that uses
    the word "criticism" is not the answer; the one about X is, and comes first."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "metadata.json").write_text(
        '{"files": {"essay.txt": {"title": "Harbor Ferries and their critics", "author": "Mara Voss", '
        '"aliases": ["critic"]}}}', encoding="utf-8")
    engine = build(tmp_path, {"essay.txt": FERRY_ESSAY, "report.txt": FERRY_REPORT}, embedder)
    answer = engine.ask("What does the critic say about boat maintenance?")
    assert answer.citations and {Path(q.path).name for q in answer.citations} == {"essay.txt"}
    assert "delays maintenance" in answer.citations[0].text
    quoted(answer)


GAZETTE_FARES = """\
Ferry fares rose again this spring. A return ticket to the island now costs more than a cinema seat, and
commuters have started a petition. The harbour board says fuel prices leave it no choice.

Mara Quill founded the Harbor Gazette in 2004 | She earned a master's degree in maritime law at Dalhousie | Write to her at the Gazette office
"""

GAZETTE_BRIDGE = """\
The bridge to the island will close for repairs in May. Drivers will be sent to the ferry, which will add
two crossings an hour. The repairs are expected to last six weeks.
"""


def test_a_publisher_that_is_what_the_question_asks_about_is_searched_for_by_name(tmp_path, embedder):
    """"The woman behind the Harbor Gazette": the publisher is no one's view here but the topic. Its name,
    cut as an attribution would be, left "What did the woman behind study?"; the passage that names it
    answers."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "metadata.json").write_text(
        '{"files": {"fares.txt": {"title": "Fares rise again", "publisher": "Harbor Gazette"}, '
        '"bridge.txt": {"title": "Bridge repairs", "publisher": "Harbor Gazette"}, '
        '"report.txt": {"title": "Island transport report", "publisher": "Island Council"}}}', encoding="utf-8")
    engine = build(tmp_path, {"fares.txt": GAZETTE_FARES, "bridge.txt": GAZETTE_BRIDGE,
                              "report.txt": FERRY_REPORT}, embedder)
    answer = engine.ask("What did the woman behind the Harbor Gazette study?")
    assert "maritime law" in quoted(answer)
    answer = engine.ask("What does the Harbor Gazette say about the bridge?")  # a view: searched for the topic
    assert "closes" in quoted(answer) or "close for repairs" in quoted(answer)
    # a question in two parts of that source: each part is searched with the name too when it finds nothing without
    answer = engine.ask("What qualification does the Harbor Gazette founder hold, and what did it focus on?")
    assert answer.kind == "comparison" and "maritime law at Dalhousie" in quoted(answer)
    assert any("master's degree" in q.text for q in answer.citations if q.side == answer.sides[0].label)
    # a publisher's name that most documents write tells none apart: not what a question asks about ("Island")
    paths = [str(tmp_path / "corpus" / name) for name in ("fares.txt", "report.txt")]
    assert engine._publisher_cut("What did the Harbor Gazette founder study?", "What did it study?", (paths[0],)) \
        == ["Gazette"]  # "Harbor" is in the ferry report too
    assert engine._publisher_cut("What did the Island Council say?", "What did it say?", (paths[1],)) == ["Council"]


KESTREL_REPORT = """\
Kestrel Group annual report 2019

Kestrel Air revenue grew 11% in 2019, from $90 million to $100 million, as two new routes opened.

Our buses carried more riders than ever, and the new night routes were full most weekends.

Advertising revenue grew 24% in 2019, from $25 million to $31 million.

The board thanks every employee for a strong year.

We expanded advertising across our stations and trains this year. Brands can now reach commuters on every
platform screen, and local shops bought most of the new slots.
"""


def test_what_about_asks_the_previous_question_of_the_new_thing_in_place_of_its_name(tmp_path, embedder):
    """"And what about advertising?" after "How much did Kestrel Air revenue grow in 2019?" asks how much
    advertising revenue grew: the figure, not the passage that talks most about advertising."""
    engine = build(tmp_path, {"report.txt": KESTREL_REPORT}, embedder)
    first = "How much did Kestrel Air revenue grow in 2019?"
    answer = engine.ask("And what about advertising?", [Turn(first, engine.ask(first))])
    assert answer.resolved_question == "How much did advertising revenue grow in 2019?"
    assert "Advertising revenue grew 24%" in quoted(answer).split("Kestrel Air")[0]  # first, or before the held quote


def test_a_comparison_of_named_sources_on_a_topic_neither_touches_abstains(tmp_path, embedder):
    engine = build(tmp_path, {"kettle.txt": KETTLE, "toaster.txt": TOASTER}, embedder)
    answer = engine.ask("How do the Zephyr Kettle and the Orbit Toaster differ on the rules of chess openings?")
    assert answer.kind == "comparison" and len(answer.sides) == 2
    assert answer.abstained and not answer.citations


FERRY = """\
The Bay Ferries

In the 1950s the town ran a ferry line, the Gull Line, which promised crossings to the island every twenty minutes. Its boats were painted bright yellow, with brass bells at the bow. Children loved to ride on the upper deck. But the fuel bills were far higher than the fares, and the line folded after two winters. The harbour board later sold its boats to a fishing cooperative.

A bridge to the island opened in 1974 and carries most of the traffic today. Tolls on the bridge paid for a new school.

Island crossings by ferry still run in summer, when a private boat takes visitors across every hour. Its captain promises a crossing in twenty minutes in calm weather. The island ferry service sells tickets at the pier.

The old ferry pier is now a fish market. On Saturdays the market sells crab, and a band plays on the ferry steps.
"""


def test_what_became_of_something_quotes_what_the_text_says_after_naming_it(tmp_path, embedder):
    """The passage that names the thing is not how it ended: the text goes on to say that, and it is quoted."""
    engine = build(tmp_path, {"ferry.txt": FERRY}, embedder)
    answer = engine.ask("What became of the ferry service that promised island crossings every twenty minutes?")
    assert "folded after two winters" in quoted(answer)


def test_a_two_part_follow_up_quotes_the_previous_passage_again_where_it_answers_both_parts(products):
    """Each part of "How many …, and how long …?" is answered by the passage the previous answer quoted:
    shown once, it is quoted again, not passed over for passages that answer neither part."""
    path = next(d.path for d in products.documents() if d.path.endswith("kettle.txt"))
    history = after_quoting("How did the Zephyr kettle's first production run sell?", path, KETTLE, "The Zephyr Kettle",
                            "The first production run of ten thousand kettles sold out in four days")
    answer = products.ask("How many kettles did that run hold, and how long did they take to sell out?", history)
    assert answer.kind == "comparison"
    assert "ten thousand kettles sold out in four days" in quoted(answer)


def test_a_follow_up_after_a_two_part_question_is_asked_of_what_that_question_was_about(products):
    """A two-part question is answered part by part, but its parts are no sides of a comparison: "it" in the next
    question is the kettle both parts asked about, not a question to put to each part again."""
    history = []
    for question in ("What is the Zephyr kettle?", "When did it launch, and how did its first run sell?"):
        history.append(Turn(question, products.ask(question, history)))
    assert history[-1].answer.kind == "comparison"  # answered part by part
    answer = products.ask("Why was it recalled?", history)
    assert answer.kind == "fact" and "Zephyr" in answer.resolved_question
    assert "faulty hinge" in quoted(answer)


def test_what_the_text_says_next_is_quoted_even_when_it_and_the_best_passage_do_not_fit_together(tmp_path, embedder):
    """The sentence after the previous quote is long: with the best passage it would pass the quote budget, so
    it is quoted on its own rather than dropped."""
    long_next = ("A schooner that had lost its mast drifted toward the rocks, and she rowed out alone in the "
                 "lighthouse dinghy through waves that broke over the harbour wall, reached the schooner's crew "
                 "as their lifeboat began to fill, threw them the dinghy's line, and towed the lifeboat back "
                 "against the tide for more than an hour, while the townspeople who had gathered on the quay "
                 "with lanterns watched her disappear between the swells and reappear each time a little "
                 "closer, until at last the lifeboat grounded on the shingle below the harbour road and every "
                 "one of the nine sailors, soaked and shaking, climbed out alive onto the beach where a crowd "
                 "was waiting with blankets, dry clothes, hot tea and a doctor from the town.")
    old_next = ("A schooner that had lost its mast drifted toward the rocks. She rowed out alone in the lighthouse "
                "dinghy and towed the crew's lifeboat into the harbour.")
    later = ("In 1931 the council bought a motor lifeboat for the harbour, and its volunteer crew trained every "
             "Sunday morning off the quay, learning to launch it in under four minutes in any weather, so that "
             "no keeper would ever again have to row out alone to save a crew.")
    text = LIGHTHOUSE.replace(old_next, long_next).replace(
        "She trimmed the wick every four hours and logged each passing ship.",
        "She trimmed the wick every four hours, polished the great lens each morning, and logged each passing "
        "ship with its flag, its course and the state of the sea.") + "\n" + later + "\n"
    engine = build(tmp_path, {"lighthouse.txt": text}, embedder)
    path = next(d.path for d in engine.documents())
    history = after_quoting("How did Martha Quill keep the lamp burning in the great storm?", path, text,
                            "The Harrow Point Lighthouse",
                            "Martha Quill patched the glass with canvas and kept the lamp burning until dawn.")
    answer = engine.ask("How did she save the crew?", history)
    assert "nine sailors" in quoted(answer)


DELIVERY = """\
Notes on Delivery

Speed pleased our customers, but speed alone does not make a business. Many of us remember Quickbasket, a courier firm that promised groceries at your door within the hour. Their drivers brought me more than groceries, too. I loved the service. Every order lost money, and after eighteen months Harold Fenn sold the vans. A promise you cannot keep does customers no good.
"""


def test_a_follow_up_that_matches_nothing_well_is_answered_by_what_comes_next_when_it_holds_what_is_asked(
        tmp_path, embedder):
    """"How long did it last?" after a quote on a firm: no passage scores as an answer, but the sentence right
    after the quote states a duration, so it is quoted. "Who ran it?" abstains: a name is too common to vouch
    for the sentence that holds one."""
    engine = build(tmp_path, {"delivery.txt": DELIVERY}, embedder)
    path = next(d.path for d in engine.documents())
    history = after_quoting("Which company that went under does the author bring up?", path, DELIVERY,
                            "Notes on Delivery",
                            "Many of us remember Quickbasket, a courier firm that promised groceries at your door "
                            "within the hour. Their drivers brought me more than groceries, too. I loved the service.")
    lasted = engine.ask("How long did it last?", history)
    assert not lasted.abstained and "after eighteen months" in quoted(lasted)
    assert lasted.support < engine.settings.min_support
    ran = engine.ask("Who ran it?", history)
    assert ran.abstained, [q.text for q in ran.citations]


def test_a_pronoun_for_what_the_previous_question_asked_to_identify_is_read_as_what_its_quote_named(
        tmp_path, embedder):
    """"Which tool …?" answered by "one tool: the hoe": the next "it" is the hoe, not "the tool" (which the
    text never calls it again), and the question is answered from what the text says of the hoe."""
    text = ("Notes on Gardening\n\nEvery gardener starts with one tool: the hoe. A spade comes later, when the "
            "beds are dug.\n\nThe hoe is cheap, but its blade wears out within two seasons on stony soil.\n")
    engine = build(tmp_path, {"garden.txt": text}, embedder)
    path = next(d.path for d in engine.documents())
    history = after_quoting("Which tool does every gardener start with?", path, text, "Notes on Gardening",
                            "Every gardener starts with one tool: the hoe.")
    answer = engine.ask("How long does it last?", history)
    assert "the hoe" in answer.resolved_question
    assert "within two seasons" in quoted(answer)


def test_a_follow_up_holds_back_only_the_previous_answers_best_quote_of_each_side():
    """The previous answer's best quote (of each side, for a comparison) is what it answered with; its other
    quotes were evidence beside that answer and may answer the next question."""
    from rag.query import Sources, interpret

    def answer(kind, *quotes):
        cited = tuple(Quote(n=i + 1, path="a.txt", title="A", author="", text="x" * 10, start=start, end=start + 10,
                            score=0.9, side=side) for i, (start, side) in enumerate(quotes))
        return Answer(question="q", answer="...", abstained=False, kind=kind, citations=cited, support=0.9)

    fact = [Turn("Why did the mill close?", answer("fact", (0, None), (100, None), (200, None)))]
    assert interpret("And when did it reopen?", fact, Sources([])).held == (("a.txt", 0, 10),)
    both = [Turn("How do Ann and Bo see the mill?", answer("comparison", (0, "Ann"), (100, "Ann"), (200, "Bo"),
                                                            (300, "Bo")))]
    assert interpret("And what do they say about the river?", both, Sources([])).held == (
        ("a.txt", 0, 10), ("a.txt", 200, 210))


def test_what_a_quote_named_as_the_asked_for_thing_is_no_pronoun_nor_the_questions_own_name():
    """"Which company …?" answered by "Kestrel is the company I founded": "it" is not read as "I"."""
    from rag.query import Sources, resolve

    text = "Kestrel is the company I founded in 1990."
    previous = after_quoting("Which company did Ann found?", "a.txt", text, "A", text)[0]
    assert "(I)" not in resolve("How big did it grow?", previous, Sources([]))
    text = "The company Amazon bought in 2009 was Zappos."
    previous = after_quoting("Which company did Amazon buy in 2009?", "a.txt", text, "A", text)[0]
    assert "(Amazon)" not in resolve("What did it sell?", previous, Sources([]))


def test_his_refers_to_the_author_the_previous_question_names_not_to_a_rarer_capitalised_word():
    """"What Latin word does Ann Lee use …?": "her" is Ann Lee, not "Latin"."""
    from rag.query import SourceRef, Sources, resolve

    sources = Sources([SourceRef("lee.txt", "Notes on frost", "Ann Lee", "", ()),
                       SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ())])
    text = "What the old growers called pruina, a white frost."
    previous = after_quoting("What Latin word does Ann Lee use for the white frost?", "lee.txt", text, "N", text)[0]
    resolved = resolve("What did her neighbour ask her while she was pruning?", previous, sources)
    assert "Ann Lee" in resolved and "Latin" not in resolved
    previous = after_quoting("What did Tom Reed tell Ann Lee about the frost?", "lee.txt", text, "N", text)[0]
    assert "Tom Reed" in resolve("Why was he worried?", previous, sources)  # the subject, though no author


def test_he_is_a_name_typed_in_lower_case_that_the_quotes_go_on_to_call_he():
    """"when was the flood that reed warned the mill about" names Reed in lower case, and not as the one who
    says something; the quote calls him "He". So "he" in the next question is Reed, not the quote's author.
    A name the quotes call "it" is no "he", though "her" follows it ("sold her wool")."""
    from rag.query import SourceRef, Sources, resolve

    sources = Sources([SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ())])
    text = "Tom Reed warned the owners of Kestrel Mills about the flood of 1903. He told them to raise the sheds."
    previous = after_quoting("when was the flood that reed warned the mill about", "sim.txt", text, "Y", text)[0]
    previous = Turn(previous.question, replace(previous.answer, citations=tuple(
        replace(q, author="Bo Sim") for q in previous.answer.citations)))
    assert "Reed" in resolve("and what did he tell them to build?", previous, sources)
    text = "Reed Mills sold her wool to the owners in 1903. It told them to raise the sheds."
    previous = after_quoting("when did reed mills sell wool", "sim.txt", text, "Y", text)[0]
    previous = Turn(previous.question, replace(previous.answer, citations=tuple(
        replace(q, author="Bo Sim") for q in previous.answer.citations)))
    assert "Reed" not in resolve("and what did he tell them to build?", previous, sources)


def test_a_follow_up_kept_in_the_authors_document_is_searched_without_the_name_its_pronoun_was_read_as():
    """"What drew her to the mill?" after a question on Ann Lee's notes: her notes are searched for it as asked,
    not for "What drew Ann Lee to the mill?" (her notes say "what drew me"), nor with her name cut."""
    from rag.query import Side, SourceRef, Sources, interpret

    sources = Sources([SourceRef("lee.txt", "Notes on frost", "Ann Lee", "", ()),
                       SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ())])
    text = "Frost comes early on the hill."
    previous = after_quoting("How does Ann Lee describe the frost?", "lee.txt", text, "Notes on frost", text)[0]
    named = Side("Notes on frost", ("lee.txt",), "How does she describe the frost?")  # the side it was asked of
    previous = Turn(previous.question, replace(previous.answer, sides=(named,)))
    q = interpret("What drew her to the mill?", [previous], sources)
    assert [(s.paths, s.query) for s in q.sides] == [(("lee.txt",), "What drew her to the mill?")]
    dated = Sources([SourceRef("lee1990.txt", "1990 notes", "Ann Lee", "", ()),
                     SourceRef("lee1995.txt", "1995 notes", "Ann Lee", "", ())])  # she wrote two
    previous = Turn(previous.question, replace(previous.answer, sides=(Side("1990 notes", ("lee1990.txt",), "x"),)))
    q = interpret("What drew her to the mill?", [previous], dated)
    assert [(s.paths, s.query) for s in q.sides] == [(("lee1990.txt",), "What drew her to the mill?")]


def test_a_side_asking_how_many_quotes_the_sentence_that_gives_the_count(tmp_path, embedder):
    """"How many carriers had signed the pledge by 2004, and how many by 2006?": the 2006 letter's best passage on
    the pledge gives no count, the long sentence after it does ("over 300 firms"), so that one is quoted too. The
    second part, "how many by …", counts what the first part counts."""
    engine = build(tmp_path, {
        "2004.txt": letter(2004, "Nineteen carriers had signed our Green Haul pledge by the end of 2004, each "
                                 "promising to run clean trucks by 2030.", "Margaret Holloway"),
        "2006.txt": letter(2006, "The Green Haul pledge is a big part of why we started our clean freight work a few "
                                 "years ago (a pledge to run clean trucks by 2030, ten years ahead of the national "
                                 "plan). We are making steady progress on this effort (we have moved every depot in "
                                 "Ohio and Texas to solar panels by 2005, two years ahead of our original target of "
                                 "2007, we have ordered four hundred electric vans to carry parcels through city "
                                 "streets, and have over 300 firms who have joined us in the pledge). But we have a "
                                 "different challenge than most freight companies given the size and spread of our "
                                 "routes (including hauling millions of parcels per year).", "Tobias Reinholt")},
        embedder)
    answer = engine.ask("How many carriers had signed the Green Haul pledge by Holloway's last letter, and how many "
                        "by Reinholt's first letter?")
    assert [Path(p).name for s in answer.sides for p in s.paths] == ["2004.txt", "2006.txt"]
    assert "Nineteen carriers" in quoted(answer) and "over 300 firms" in quoted(answer)


MILL_DEBATE = """\
The Kestrel mill opened on the river in 1990. In its first year, the big debate was whether to sell cloth straight to \
shops. The weavers' guild was against it because some shops might undercut its members. The owners feared a strike \
over it. But the shops wanted cheaper cloth, and selling straight to them would give it. So the owners decided to \
sell straight to shops.
In its second year, the big debate was over wages for the night shift. The owners raised them twice that year, and \
the weavers voted to end the debate. In its third year, the big debate was whether to build a second weaving shed; \
the owners ended it by building one. Every debate at the mill since its first year has ended with a vote.
The mill still sells to shops today. Its cloth is found in every town on the coast.
"""


def test_asked_how_it_ended_the_conclusion_after_what_goes_on_is_quoted(tmp_path, embedder):
    """"What did they end up deciding?" after the debate was quoted: the text goes on for three sentences, then
    draws its conclusion ("So the owners decided …"), which answers."""
    engine = build(tmp_path, {"mill.txt": MILL_DEBATE}, embedder)
    said = "In its first year, the big debate was whether to sell cloth straight to shops."
    history = after_quoting("What was the big debate at the Kestrel mill in its first year?",
                            str(tmp_path / "corpus" / "mill.txt"), MILL_DEBATE, "mill", said)
    answer = engine.ask("What did they end up deciding?", history)
    assert "So the owners decided to sell straight to shops." in quoted(answer)



NORTHWIND_2002 = """Northwind Freight, letter for 2002

We turn our warehouse stock over nineteen times in a year, so shelves never hold last season's goods.

Our drivers covered more miles than ever before, and every depot stayed open through the winter storms.
"""

NORTHWIND_2005 = """Northwind Freight, letter for 2005

Drivers now carry tablets that plan each route around the morning's traffic, and the vans are quieter than before.

We keep two hundred thousand kinds of goods in our own depots, ready to ship, while still turning that stock more than \
fourteen times per year.

The new depot in Texas opened in May, and its roof carries the largest solar array in the state.

The full figures for the year are in the tables at the end of this letter.
"""


def test_a_side_whose_words_leave_out_what_both_parts_ask_about_is_searched_with_the_other_parts_question(
        tmp_path, embedder):
    """"…, and what turnover did the 2005 letter report?" says "turnover", not of what: on its own words no passage
    of the 2005 letter is near an answer, and the side would show its weak candidates, the letter's pointer to its
    tables among them. Searched with the first part's question before its own, it finds the passage on stock."""
    engine = build(tmp_path, {"2002.txt": NORTHWIND_2002, "2005.txt": NORTHWIND_2005}, embedder)
    answer = engine.ask("How many times a year was Northwind turning over its warehouse stock according to the 2002 "
                        "letter, and what turnover did the 2005 letter report?")
    assert [Path(p).name for s in answer.sides for p in s.paths] == ["2002.txt", "2005.txt"]
    said = quoted(answer)
    assert "nineteen times" in said and "fourteen times per year" in said and "full figures" not in said
