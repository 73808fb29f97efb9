"""Question understanding: comparison sides from the catalog, named sources, follow-ups."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tiny_corpus import REPO
from rag.query import SourceRef, Sources, _thing, _without, interpret, is_follow_up, named_sides, resolve, split, unresolved
from rag.records import Answer, Quote, Side, Turn

JASSY, CRITIC = "003_0a520789b9504a2d.txt", "004_2c06855ad959a8de.txt"
FOURWEEK = ("000_7443b40fbb8ff58e.txt", "001_5c8f3704e5a90245.txt")


@pytest.fixture(scope="module")
def corpus_refs() -> Sources:
    """The catalog of the project's real corpus, from corpus/metadata.json."""
    files = json.loads((REPO / "corpus" / "metadata.json").read_text(encoding="utf-8"))["files"]
    return Sources([SourceRef(name, m["title"], m.get("author", ""), m.get("publisher", ""), tuple(m.get("aliases", ())))
            for name, m in sorted(files.items())])


@pytest.fixture
def letter_refs() -> Sources:
    """Shareholder letters: one author for all, told apart by the years in their titles."""
    return Sources([SourceRef(f"letters/{year}.md", f"{year} Amazon Shareholder Letter", "Jeffrey P. Bezos",
                              "Amazon.com", ()) for year in (1997, 2005, 2016)])


def paths(sides) -> list[tuple[str, ...]]:
    return [s.paths for s in sides]


def test_comparison_sides_come_from_the_catalog(corpus_refs):
    q = interpret("How does Jassy's explanation differ from the critic's view?", [], corpus_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [(JASSY,), (CRITIC,)]


def test_comparison_sides_follow_the_order_of_the_question(corpus_refs):
    q = interpret("How does the critic's view differ from Jassy's explanation?", [], corpus_refs)
    assert paths(q.sides) == [(CRITIC,), (JASSY,)]


def test_a_name_shared_by_near_duplicates_makes_one_side(corpus_refs):
    q = interpret("Compare the FourWeekMBA article with the critical essay.", [], corpus_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [FOURWEEK, (CRITIC,)]


def test_years_in_titles_name_the_sides(letter_refs):
    q = interpret("What changed between the 1997 vs 2016 letter?", [], letter_refs)
    assert q.kind == "comparison"
    assert paths(q.sides) == [("letters/1997.md",), ("letters/2016.md",)]


def test_a_name_shared_by_every_document_names_no_side(letter_refs):
    assert named_sides("What did Jeffrey P. Bezos write about proxies?", letter_refs) == []
    q = interpret("How does Jeffrey P. Bezos compare the 1997 and 2005 letters?", [], letter_refs)
    assert paths(q.sides) == [("letters/1997.md",), ("letters/2005.md",)]


def test_one_named_source_scopes_a_fact_question(corpus_refs):
    q = interpret("What does Jassy say about press releases?", [], corpus_refs)
    assert q.kind == "fact"
    assert paths(q.sides) == [(JASSY,)]


def test_unnamed_question_is_a_fact_over_everything(corpus_refs):
    q = interpret("What does Day 2 look like?", [], corpus_refs)
    assert (q.kind, q.sides, q.text) == ("fact", (), "What does Day 2 look like?")


def test_a_follow_up_is_read_with_its_referent_not_with_the_previous_question(corpus_refs):
    history = [Turn("What is working backwards?")]
    q = interpret("And what did the critic say about that?", history, corpus_refs)
    assert q.follow_up
    assert q.text == "And what did the critic say about working backwards?"
    assert paths(q.sides) == [(CRITIC,)]


@pytest.mark.parametrize("question", [
    "Who writes a press release before building a product at Amazon?",
    "What did Jassy promise in his first interview?",  # "his" refers to Jassy, named before it
    "Why is it wise to plant beans before the frost?",  # an "it" that stands for a clause
])
def test_standalone_question_is_not_changed_by_the_conversation(corpus_refs, question):
    q = interpret(question, [Turn("What is working backwards?")], corpus_refs)
    assert not q.follow_up and q.text == question


@pytest.mark.parametrize("question, previous, resolved", [
    ("How fast did it spread?", "When did the town open the Riverside Library?", "How fast did Riverside Library spread?"),
    ("What advice does he give his readers?", "What does Marguerite say Tolstoy taught him?",
     "What advice does Marguerite give Marguerite’s readers?"),
    ("Why did they merge?", "Which three regional banks failed in 1991?",
     "Why did three regional banks failed in 1991 merge?"),
    ("Why?", "What is working backwards?", "Why: What is working backwards?"),
    ("Why are they printed first?", "What does Jassy say about shipping labels?",
     "Why are shipping labels printed first?"),
    ("What about 2005?", "What did the mayor promise the town in 1998?", "What did the mayor promise the town in 2005?"),
    ("And in 2005?", "What did the mayor promise the town in 1998?", "What did the mayor promise the town in 2005?"),
    # Two pronouns rarely stand for one thing: "they" is who acted, "it" what they acted on.
    ("Where did they open it?", "When did Northwind start same-day delivery?",
     "Where did Northwind open same-day delivery?"),
    ("Who opposed it?", "Why did Ann Lee ban plastic bags?", "Who opposed plastic bags?"),
    # After "does"/"did" the subject ends where its verb starts.
    ("How can a team avoid it?", "What does Stage 3 feel like?", "How can a team avoid Stage 3?"),
    ("Why?", "How does the harbour's tide differ from the river's?", "Why: How does the harbour's tide differ from the river's?"),
    ("When did it open?", "How does the harbour's tide differ from the river's?", "When did the harbour's tide open?"),
    # "it" after "which/what <noun> …": the thing asked for, with what the question says of it.
    ("What did it find?", "In her last report as chair, what study does Ann Lee cite about the mill's wage rise?",
     "What did the study about the mill's wage rise find?"),
    ("Why did it close?", "Which mill does Ann Lee name when she talks about thread?", "Why did the mill close?"),
    ("Who owns it?", "What does the mill do?", "Who owns the mill?"),  # "does" is no part of a noun
    ("How did it end?", "What happened to the old mill?", "How did the old mill end?"),  # the wh-word acted
])
def test_a_pronoun_is_replaced_by_what_it_refers_to(corpus_refs, question, previous, resolved):
    q = interpret(question, [Turn(previous)], corpus_refs)
    assert q.follow_up and q.text == resolved


def _answered(question: str, quote: str) -> Turn:
    return Turn(question, Answer(question, "", False, "fact", (Quote(1, "a.txt", "A", "Ann Lee", quote, 0, len(quote),
                                                                     0.9),), 0.9))


@pytest.mark.parametrize("question, resolved", [
    # a determiner whose noun ends the question points back, as "that" alone does
    ("What does the author call that tactic?",
     "What does the author call that tactic (The mill sells below cost to win the town.)?"),
    # "that" alone, the object of what the text calls or says: what was said, not a name of the question
    ("What does the author call that?", "What does the author call that (The mill sells below cost to win the town.)?"),
    # "then" ending a clause: the time of what was quoted
    ("What was the town like back then?", "What was the town like back then (The mill sells below cost to win the town.)?"),
])
def test_a_demonstrative_or_then_that_ends_a_question_refers_to_the_previous_quote(question, resolved):
    q = interpret(question, [_answered("What does the mill do?", "The mill sells below cost to win the town. It works.")],
                  Sources([]))
    assert q.follow_up and q.text == resolved


def test_that_same_document_refers_to_the_document_the_earlier_question_named():
    q = interpret("In that same report, what does she say ends the dispute?",
                  [_answered("In her 2016 report, what does Ann Lee say the mill's second day looks like?", "Stasis.")],
                  Sources([]))
    assert q.text.startswith("In that same report (her 2016 report), what does")
    # the report, not the letter the question also names; of two reports, neither
    letter = _answered("What did Ann Lee say in her 2016 report and in her 2020 letter?", "Stasis.")
    assert interpret("In that same report, what ends the dispute?", [letter], Sources([])).text.startswith(
        "In that same report (her 2016 report)")
    two = _answered("What did Ann Lee say in her 2016 report and in her 2020 report?", "Stasis.")
    assert not re.search(r"2016|2020", interpret("In that same report, what ends the dispute?", [two],
                                                 Sources([])).text)


def test_a_person_pronoun_refers_to_the_earlier_questions_speaker_when_its_name_is_everywhere():
    everywhere = Sources([SourceRef(f"{n}.txt", f"Mills {n}", "Ann Lee", "", ()) for n in "abc"],
                         spread=lambda terms: {"a.txt": 1, "b.txt": 1, "c.txt": 1})
    q = interpret("What does he say the town should do?",
                  [_answered("What does Tolstoy expect the harvest to be?", "A poor harvest is coming.")], everywhere)
    assert q.text == "What does Tolstoy say the town should do?"  # not the quote's author, Ann Lee


def test_a_person_pronoun_refers_to_the_speaker_before_a_rare_name_that_is_no_person():
    sources = Sources([SourceRef(f"{n}.txt", f"Mills {n}", "Ann Lee", "", ()) for n in "abc"],
                      spread=lambda terms: {"a.txt": 1, "b.txt": 1, "c.txt": 1} if terms == ["tolstoy"] else {})
    earlier = _answered("What did Tolstoy call the best way to keep a mill's Harvest Fair spirit?", "Rest often.")
    q = interpret("Where was he born?", [earlier], sources)
    assert q.text == "Where was Tolstoy born?"  # not "Harvest Fair", a rare name that only tells mills apart
    other = _answered("What did Tolstoy write to Chekhov in 1890?", "A long letter.")
    # a person, not a noun's; a reply is to what the previous question asked about
    assert interpret("How did he reply?", [other], sources).text == \
        "How did Chekhov reply: What did Tolstoy write to Chekhov in 1890?"
    numbered = _answered("How does Tolstoy describe Mill 2 in his diary?", "A slow decline.")
    assert interpret("How fast does he say it comes?", [numbered], sources).text == \
        "How fast does Tolstoy say Mill 2 comes?"  # a name with a digit is no one's


def test_a_person_pronoun_is_not_the_author_of_the_document_the_same_question_names():
    everywhere = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "", ("the diary",)),
                          SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())],
                         spread=lambda terms: {"a.txt": 1, "b.txt": 1})
    earlier = _answered("how does the diary describe the way tolstoy talks about harvests?",
                        "Watch Tolstoy: he talks about harvests the way a miller talks about rain.")
    q = interpret("and what does the diary compare him to?", [earlier], everywhere)
    assert q.text == "and what does the diary compare Tolstoy to?"  # not the diary's author, Ann Lee


def test_he_after_who_wrote_a_source_is_its_author_not_the_source():
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee (mill owner)", "", ()),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())])
    wrote = Turn("Who wrote the Mill Notes?", Answer("Who wrote the Mill Notes?", "", False, "fact", (
        Quote(1, "a.txt", "Mill Notes", "Ann Lee (mill owner)", "Ann runs the mill.", 0, 18, 0.9),), 0.9))
    assert interpret("What did she study?", [wrote], sources).text == "What did Ann Lee (Mill Notes) study?"
    assert interpret("What did her mill make?", [wrote], sources).text == "What did Ann Lee’s (Mill Notes) mill make?"
    assert interpret("What is her view of wool?", [wrote], sources).text == \
        "What is Ann Lee’s (Mill Notes) view of wool?"
    # who did something else, by the source's account, is no author ("Who was Tom Reed?" names the person asked about)
    for earlier in ("Who was Tom Reed?", "Who taught Tom Reed to weave, according to the Mill Notes?"):
        named = Turn(earlier, replace(wrote.answer, question=earlier))
        assert "Ann Lee" not in interpret("What did he study?", [named], sources).text


def test_a_name_written_as_a_plural_is_cut_whole_from_the_search():
    sources = Sources([SourceRef("a.txt", "Harvest Log", "Ann Lee", "", ("mill note",)),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())])
    q = interpret("What do the mill notes say about frost?", [], sources)
    assert [s.query for s in q.sides] == ["What do they say about frost?"]  # not "What do the s say …"


def test_a_question_then_compare_a_person_with_a_source_makes_two_sides_each_asked_the_question():
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "", ("the critic",)),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())])
    q = interpret("was the mill built for trade or for the town? compare tolstoy's account with the critic's", [],
                  sources)
    person, critic = q.sides
    assert q.kind == "comparison"
    assert (person.label, person.paths) == ("Tolstoy's account", ())  # quoted inside the documents: all searched
    assert "tolstoy" in person.query and "mill built for trade" in person.query
    assert critic.paths == ("a.txt",) and "mill built for trade" in critic.query and "critic" not in critic.query



def test_a_side_whose_account_is_of_something_of_its_own_is_searched_for_that():
    """"Contrast the insider's answer with the critic's account of how the mill paid its weavers": the critic's side
    asks how the mill paid its weavers, the insider's the question; an account "of it" asks the question again."""
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "", ("the critic",)),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())])
    q = interpret("Was the mill built for trade? Contrast the insider's answer with the critic's account of how the "
                  "mill paid its weavers.", [], sources)
    insider, critic = q.sides
    assert (insider.label, insider.paths) == ("The insider's answer", ()) and "built for trade" in insider.query
    assert critic.paths == ("a.txt",) and "paid its weavers" in critic.query and "trade" not in critic.query
    q = interpret("Was the mill built for trade? Contrast Tolstoy's view with the critic's view of it.", [], sources)
    assert all("built for trade" in side.query for side in q.sides)


@pytest.mark.parametrize("question", ["How long does the author expect those interests to last?",
                                      "What does the author call that whole defense?"])
def test_a_plural_or_whole_demonstrative_before_a_noun_points_back(question):
    q = interpret(question, [_answered("What does the mill do?", "The mill sells below cost to win the town.")],
                  Sources([]))
    assert q.follow_up


@pytest.mark.parametrize("question", ["Why did the mill buy those looms from Leeds?",
                                      "Then what did the mill sell?"])
def test_a_demonstrative_or_then_inside_a_question_with_its_own_subject_is_no_follow_up(question):
    q = interpret(question, [_answered("What does the mill do?", "It sells.")], Sources([]))
    assert q.text == question


def test_a_follow_up_searches_the_previous_answers_documents_first_without_its_quotes(corpus_refs):
    quote = Quote(n=1, path=CRITIC, title="Critic", author="", text="x", start=10, end=40, score=0.9)
    previous = Answer(question="What does the critic say about prices?", answer="...", abstained=False, kind="fact",
                      citations=(quote,), support=0.9, resolved_question="What does the critic say about prices?")
    q = interpret("Who pays for them?", [Turn(previous.question, previous)], corpus_refs)
    assert q.prefer == (CRITIC,) and q.shown == ((CRITIC, 10, 40),)


def test_a_follow_up_that_names_nothing_stays_in_the_source_the_previous_question_named(letter_refs):
    scope = Side("2005", ("letters/2005.md",), "what did the company promise?")
    quote = Quote(n=1, path="letters/2005.md", title="2005", author="", text="x", start=5, end=9, score=0.9)
    previous = Answer(question="In the 2005 letter, what did the company promise?", answer="...", abstained=False,
                      kind="fact", citations=(quote,), support=0.9, sides=(scope,),
                      resolved_question="In the 2005 letter, what did the company promise?")
    follow = interpret("How quickly did it happen?", [Turn(previous.question, previous)], letter_refs)
    assert follow.kind == "fact" and paths(follow.sides) == [("letters/2005.md",)]
    assert follow.sides[0].query == follow.text
    moved = interpret("And what did the 2016 letter say?", [Turn(previous.question, previous)], letter_refs)
    assert paths(moved.sides) == [("letters/2016.md",)]  # a follow-up that names a source goes there
    # "he" is read as the author of several letters; the conversation still keeps to the one it named.
    two_authors = Sources([*letter_refs.refs, SourceRef("letters/2022.md", "2022 Amazon Shareholder Letter",
                                                        "Andrew R. Jassy", "Amazon.com", ())])
    asked = replace(previous, question="In the 2005 letter, what did Bezos promise?",
                    resolved_question="In the 2005 letter, what did Bezos promise?")
    person = interpret("Why did he promise it?", [Turn(asked.question, asked)], two_authors)
    assert "Bezos" in person.text and paths(person.sides) == [("letters/2005.md",)]


def test_follow_up_of_a_comparison_keeps_its_sides(corpus_refs):
    sides = (Side("Jassy", (JASSY,)), Side("Critic", (CRITIC,)))
    previous = Answer(question="How does Jassy differ from the critic?", answer="...", abstained=False,
                      kind="comparison", citations=(), support=0.9, sides=sides,
                      resolved_question="How does Jassy differ from the critic?")
    q = interpret("And what about their view of prices?", [Turn(previous.question, previous)], corpus_refs)
    assert q.kind == "comparison"
    assert [(s.label, s.paths) for s in q.sides] == [(s.label, s.paths) for s in sides]
    assert all(s.query == "And what about their view of prices?" for s in q.sides)  # its own topic only
    asked = replace(previous, sides=(replace(sides[0], query="How does the view of prices"),
                                     replace(sides[1], query="How does the view of delivery")))
    q = interpret("Why do they think so?", [Turn(asked.question, asked)], corpus_refs)
    assert [s.query for s in q.sides] == ["Why do they think so (the view of prices)?",
                                          "Why do they think so (the view of delivery)?"]  # each side's own topic
    more = interpret("Can you give an example?", [Turn(asked.question, asked)], corpus_refs)  # no topic at all
    assert more.kind == "comparison" and [s.paths for s in more.sides] == [s.paths for s in sides]
    assert more.sides[1].query == "Can you give an example (the view of delivery)?"


def test_a_comparison_keeps_its_topic_on_each_side(corpus_refs):
    topical = interpret("How does the critic's view of warehouse work differ from Jassy's?", [], corpus_refs)
    assert paths(topical.sides) == [(CRITIC,), (JASSY,)]
    assert all("warehouse work" in s.query for s in topical.sides)


def test_two_clauses_make_two_sides_each_with_its_own_topic(corpus_refs):
    q = interpret("What does the critic say about warehouse workers, and how does Jassy describe working "
                  "backwards?", [], corpus_refs)
    assert q.kind == "comparison" and paths(q.sides) == [(CRITIC,), (JASSY,)]
    assert "warehouse workers" in q.sides[0].query and "working backwards" in q.sides[1].query


def test_a_comparison_of_two_views_searches_every_document_for_each_view(corpus_refs):
    q = interpret("Contrast the view that customers are never satisfied with the claim that they are easily "
                  "pleased.", [], corpus_refs)
    assert q.kind == "comparison" and paths(q.sides) == [(), ()]
    assert q.sides[0].query == "customers are never satisfied"
    assert q.sides[1].query.startswith("customers are easily pleased")


def test_a_document_described_by_its_kind_is_named(corpus_refs):
    q = interpret("What does the business article say about long-term thinking?", [], corpus_refs)
    assert paths(q.sides) == [FOURWEEK]


def test_relative_years_name_the_letter_they_count_to(letter_refs):
    q = interpret("What did the 1997 letter promise, and what did it report eight years later?", [], letter_refs)
    assert paths(q.sides) == [("letters/1997.md",), ("letters/2005.md",)]


def test_a_closing_parenthesis_that_names_a_source_scopes_every_part(letter_refs):
    q = interpret("What did the company promise, and how did it plan to grow? (2005 letter)", [], letter_refs)
    assert q.kind == "comparison" and paths(q.sides) == [("letters/2005.md",), ("letters/2005.md",)]
    assert len({s.label for s in q.sides}) == 2


def test_a_person_quoted_inside_the_documents_is_a_side_of_their_own(corpus_refs):
    q = interpret("How does the critic's view of prices differ from Bezos's?", [], corpus_refs)
    assert q.kind == "comparison" and paths(q.sides) == [(CRITIC,), ()]
    assert q.sides[1].label == "Bezos" and "prices" in q.sides[1].query
    q = interpret("How does Bezos's view of prices differ from the critic's?", [], corpus_refs)
    assert paths(q.sides) == [(), (CRITIC,)] and q.sides[0].label == "Bezos's view of prices"


def test_cut_names_leave_queries_that_read_as_sentences(corpus_refs):
    q = interpret("How does Jassy describe prices, and what does the critic say about them?", [], corpus_refs)
    assert [s.query for s in q.sides] == ["How does it describe prices", "what does it say about prices?"]
    follow = interpret("Why does it happen?", [Turn("How does the critic describe price cuts?")], corpus_refs)
    assert follow.text == "Why does price cuts happen?"
    both = interpret("How do Jassy and the critic each describe prices?", [], corpus_refs)
    assert [s.query for s in both.sides] == ["describe prices?"] * 2  # "How do they" carries nothing to search for


def test_a_side_whose_source_reports_a_clause_searches_for_the_clause(corpus_refs):
    q = interpret("Why does Jassy think warehouses matter, and what did the podcast host say drones would change?",
                  [], corpus_refs)
    assert paths(q.sides) == [(JASSY,), ("002_86ea3387ff7d1b0d.txt",)]
    assert [s.query for s in q.sides] == ["Why warehouses matter", "what drones would change?"]


def test_a_person_paired_with_a_named_source_is_the_other_side(corpus_refs):
    for question in ("Does the critic agree with Mary Parker about warranties?",
                     "How do Mary Parker and the critic each see warranties?"):
        q = interpret(question, [], corpus_refs)
        assert q.kind == "comparison" and "Mary Parker" in [s.label for s in q.sides], question
        assert sorted(paths(q.sides)) == [(), (CRITIC,)]
        for side in q.sides:  # each query is made of the question's own words (and "it"/"they")
            assert "warranties" in side.query
            assert set(side.query.lower().strip("?.").split()) <= set(question.lower().strip("?.").split()) | {
                "it", "they", "the"}, side.query
    assert interpret("What does the critic say both Mary Parker and Tom Lane got wrong?", [], corpus_refs).kind \
        == "fact"


def test_a_part_that_only_sets_a_source_against_the_other_keeps_the_other_part_s_topic(corpus_refs):
    q = interpret("What does Mary Parker say about warranties, and how does Jassy's view compare?", [], corpus_refs)
    assert q.kind == "comparison" and paths(q.sides) == [(), (JASSY,)]
    assert "warranties" in q.sides[1].query


def test_compare_what_one_says_with_what_another_says_pivots_before_the_second_clause(corpus_refs):
    q = interpret("Compare what Jassy says about listening to sellers with what the critic says.", [], corpus_refs)
    assert paths(q.sides) == [(JASSY,), (CRITIC,)]
    assert "listening to sellers" in q.sides[0].query


def test_an_ellipsis_asks_the_previous_question_of_what_it_names(corpus_refs):
    first = Turn("What is Phase 1 of the rollout, according to the critic?")
    assert interpret("And Phase 2?", [first], corpus_refs).text == \
        "What is Phase 2 of the rollout, according to the critic?"
    assert interpret("What about 2009?", [Turn("How many stores opened in 2004?")], corpus_refs).text == \
        "How many stores opened in 2009?"


def test_a_pronoun_after_a_speaker_refers_to_what_the_speaker_talked_about(corpus_refs):
    previous = Turn("What does the author say the loyalty scheme gives shoppers?")
    assert interpret("Is it worth the cost?", [previous], corpus_refs).text == "Is the loyalty scheme worth the cost?"


def test_a_question_about_a_view_only_asks_that_view_of_the_previous_question(corpus_refs):
    previous = Turn("What did Mary Parker say about extended warranties?")
    q = interpret("Why did Parker think so?", [previous], corpus_refs)
    assert q.follow_up and "extended warranties" in q.text and q.text.startswith("Why did Parker think so")
    assert not interpret("Who is Mary Parker?", [previous], corpus_refs).follow_up
    assert not interpret("What did Tom Lane say about the Kindle?", [previous], corpus_refs).follow_up


def test_a_passive_question_s_subject_is_its_referent_without_the_verb(corpus_refs):
    q = interpret("How much did it cost?", [Turn("When was the loyalty scheme launched?")], corpus_refs)
    assert q.text == "How much did the loyalty scheme cost?"


def test_a_source_named_by_author_role_or_year_is_attributed_and_one_named_by_title_is_not():
    sources = Sources([SourceRef("office.txt", "The Office", "Ann Lee", "", ("the reviewer",)),
                       SourceRef("frost.txt", "Frost Dates of 1999", "Bo Park", "", ())])
    assert interpret("What does the reviewer say about the cast?", [], sources).attributed
    assert interpret("What did Bo Park write about late frost?", [], sources).attributed
    assert interpret("What happened in 1999 to the orchards?", [], sources).attributed
    assert not interpret("What happened to Toby in The Office?", [], sources).attributed
    assert not interpret("What happened to the orchards?", [], sources).attributed


def test_a_claim_or_strategy_after_that_refers_to_what_the_previous_answer_quoted(corpus_refs):
    quote = Quote(n=1, path=CRITIC, title="Essay", author="", text='"We never raise fares," the ferry line says.\n'
                  "Riders remember otherwise.", start=0, end=70, score=0.9)
    previous = Answer(question="How does the ferry line answer complaints?", answer="...", abstained=False,
                      kind="fact", citations=(quote,), support=0.9,
                      resolved_question="How does the ferry line answer complaints?")
    q = interpret("Who objects to that claim?", [Turn(previous.question, previous)], corpus_refs)
    assert q.follow_up and q.text == 'Who objects to that claim ("We never raise fares," the ferry line says.)?'
    kind = interpret("Who would believe that kind of claim?", [Turn(previous.question, previous)], corpus_refs)
    assert kind.follow_up and kind.text.endswith('that kind of claim ("We never raise fares," the ferry line says.)?')
    # Any other noun after "that" keeps the previous question's referent, as before.
    other = interpret("Who stands behind that line?", [Turn(previous.question, previous)], corpus_refs)
    assert "We never raise fares" not in other.text


def test_a_description_fits_a_name_that_differs_by_a_suffix():
    """"the sceptical essay" is the document whose alias is "sceptic", though no word is equal, and
    not the one whose text uses "sceptical" most."""
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "", "", ("sceptic",)),
                    SourceRef("b.txt", "A guide to mosses", "", "", ())],
                   spread=lambda terms: {"b.txt": 5} if terms == ["sceptical"] else {})
    assert interpret("What does the sceptical essay say about spores?", [], refs).sides[0].paths == ("a.txt",)


def test_a_side_that_ends_in_a_possessive_owns_what_the_other_side_owns():
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Lee", "", ())])
    q = interpret("How does Ann Lee's watering schedule differ from her neighbours'?", [], refs)
    assert q.kind == "comparison"
    assert q.sides[1].query.endswith("neighbours' watering schedule")


def test_a_person_joined_to_an_author_by_and_is_a_side_and_asks_the_topic_without_question_words():
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "A guide to mosses", "Bo Sim", "", ())])
    both = interpret("How do Whitcombe and Tolstoy each describe ferns?", [], refs)
    assert both.kind == "comparison"
    assert [(s.label, s.paths) for s in both.sides] == [("Notes on ferns", ("a.txt",)), ("Tolstoy", ())]
    versus = interpret("How does Whitcombe's view of ferns differ from Tolstoy's?", [], refs)
    assert versus.sides[1].query == "Tolstoy's view of ferns"
    own = interpret("How does Whitcombe's view of ferns differ from Tolstoy's own words?", [], refs)
    assert own.sides[1].paths == () and own.sides[1].query == "Tolstoy's view of ferns"


def test_it_after_a_speakers_view_refers_to_what_the_speaker_talked_about_not_to_the_speaker():
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "An essay", "", "", ("critic",))])
    q = interpret("What does Tolstoy say about early frost, and how does the critic see it?", [], refs)
    assert q.kind == "comparison" and q.sides[1].paths == ("b.txt",)
    assert "early frost" in q.sides[1].query and "Tolstoy" not in q.sides[1].query
    sold = interpret("How many kettles did Brightwater sell in 2019, and why did it stop?", [], refs)
    assert "Brightwater" in sold.sides[1].query  # the subject of a verb that reports nothing is a thing


def test_a_part_with_its_own_speaker_asks_that_person_about_the_other_part_s_topic():
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "A guide to mosses", "Bo Sim", "", ())])
    q = interpret("Compare what Whitcombe says about ferns with what Tolstoy said about them.", [], refs)
    assert q.kind == "comparison"
    assert [s.paths for s in q.sides] == [("a.txt",), ()]  # Tolstoy's words: searched outside Whitcombe's notes
    assert "Tolstoy" in q.sides[1].query and "ferns" in q.sides[1].query


def test_his_after_a_name_that_opens_a_part_refers_to_that_name_not_to_the_other_side():
    """In "… with Tolstoy's own words in his diaries", "his" is Tolstoy's: the part does not take the
    first part's document (the name opens the part, where a capital would say nothing in a sentence)."""
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "A guide to mosses", "Bo Sim", "", ())])
    q = interpret("Contrast Whitcombe's notes on ferns with Tolstoy's own words in his diaries.", [], refs)
    assert q.kind == "comparison"
    assert [s.paths for s in q.sides] == [("a.txt",), ()]


def test_consistent_with_is_a_comparison_and_a_person_side_asks_the_topic_without_the_question_head():
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "A guide to mosses", "Bo Sim", "", ())])
    q = interpret("Is Whitcombe's account of ferns consistent with what Tolstoy wrote?", [], refs)
    assert q.kind == "comparison"
    assert [s.paths for s in q.sides] == [("a.txt",), ()]
    assert q.sides[1].query == "Tolstoy account of ferns"
    both = interpret("How do Whitcombe and Tolstoy each describe ferns?", [], refs)
    assert both.sides[1].query == "Tolstoy describe ferns?"


def test_he_is_not_the_thing_it_stands_for_but_the_author_of_the_previous_quote():
    """After "How quickly did Zephyr sell out?", "What did she say about it?" asks about Zephyr; "she" is the
    author of the document the previous answer quoted, not Zephyr again."""
    refs = Sources([SourceRef("notes/2019.md", "2019 report", "Ann Whitcombe", "", ())])
    quote = Quote(n=1, path="notes/2019.md", title="2019 report", author="Ann Whitcombe", text="x", start=0, end=1,
                  score=0.9)
    previous = Answer(question="How quickly did Zephyr sell out?", answer="...", abstained=False, kind="fact",
                      citations=(quote,), support=0.9, resolved_question="How quickly did Zephyr sell out?")
    q = interpret("What did she say about it later?", [Turn(previous.question, previous)], refs)
    assert q.text == "What did Ann Whitcombe say about Zephyr later?"
    planned = replace(previous, question="What did Tove Berg plan for Zephyr?",
                      resolved_question="What did Tove Berg plan for Zephyr?")
    q = interpret("Why did she change her plan?", [Turn(planned.question, planned)], refs)
    assert q.text.startswith("Why did Tove Berg change Tove Berg")  # "she" and "her": one person, named before


def test_one_account_against_another_is_a_comparison_of_two_views():
    """"One X says A; another says B": each view is a side, searched everywhere, and a pronoun in the
    second view stands for the name that opens the first (an acronym opening a clause is a name)."""
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "An essay", "", "", ("critic",))])
    q = interpret("One account says KFS began as a garden club nobody asked for; another says it was built "
                  "for selling seed. What does each side say?", [], refs)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [(), ()]
    assert q.sides[0].query == "KFS began as a garden club nobody asked for"
    assert q.sides[1].query == "KFS was built for selling seed"
    some = interpret("Some argue the frost came early, while others claim the ferns were weak.", [], refs)
    assert [s.query for s in some.sides] == ["the frost came early", "the ferns were weak"]
    # A clause that opens with no name gives "it" no name to stand for: the second view is searched with the first
    # one, whose thing "it" is; a question of its own is no view.
    plain = interpret("One says the mill closed; another says it moved. Who is right?", [], refs)
    assert [s.query for s in plain.sides] == ["the mill closed", "the mill closed; it moved"]  # "it": the mill
    other = interpret("Some say the mill closed; others say it moved. When did the mill open?", [], refs)
    assert other.kind == "fact"
    # a view may be presented as something as well as said; painting the hulls is no view
    shown = interpret("One account presents the mill's thrift as a promise to its weavers; another says the thrift "
                      "was about beating rivals. What does each say?", [], refs)
    assert [s.query for s in shown.sides] == ["the mill's thrift as a promise to its weavers",
                                              "the thrift was about beating rivals"]
    crews = interpret("One crew paints the hulls red, and the other treats them with tar. What does each use?", [],
                      refs)
    assert crews.kind == "fact"


def test_a_view_named_by_the_document_that_holds_it_is_a_side():
    """"Contrast the essay that treats X as Y with the one that says Z": each view is a side, without the words that
    name its document."""
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ())])
    q = interpret("Contrast the essay that treats Kestrel Mills as a gift to the town against the one that says "
                  "the town paid dearly.", [], refs)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [(), ()]
    assert [s.query for s in q.sides] == ["Kestrel Mills as a gift to the town", "the town paid dearly."]
    # "against" inside the first view is no pivot where "with" is one
    assert split("Compare the essay arguing against the view that wages fell with the view that they rose.") == [
        "the essay arguing against the view that wages fell", "they rose."]
    # a document that only describes its subject names the document, not a view
    assert split("Compare the report that describes the flood with the letter about the fire.") == [
        "the report that describes the flood", "the letter about the fire."]


def test_a_view_stated_then_a_question_about_another_source_is_a_comparison():
    """"A says X. How does B see Y?": the stated view is one side, in its source; the question the other."""
    refs = Sources([SourceRef("a.txt", "Notes on ferns", "Ann Whitcombe", "", ()),
                    SourceRef("b.txt", "An essay", "", "", ("critic",))])
    q = interpret("Ann Whitcombe says the frost came early that year. How does the critic explain the loss of "
                  "the ferns?", [], refs)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("a.txt",), ("b.txt",)]
    assert q.sides[0].query == "the frost came early that year"
    assert q.sides[1].query == "How does it explain the loss of the ferns?"
    # A statement that reports no view sets the scene for its question: one question.
    scene = interpret("A student asked Ann Whitcombe about ferns at a garden show. What was her answer?", [], refs)
    assert scene.kind == "fact"


@pytest.fixture
def two_authors() -> Sources:
    return Sources([SourceRef("lee.txt", "Notes on frost", "Ann Lee", "", ()),
                    SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ())])


def test_a_part_asking_only_what_figure_its_source_gave_asks_the_first_parts_question(two_authors):
    q = interpret("What share of the beds did Ann Lee say frost killed, and what figure did Bo Sim give?", [],
                  two_authors)
    assert [(s.paths, s.query) for s in q.sides] == [(("lee.txt",), "What share of the beds frost killed"),
                                                     (("sim.txt",), "What share of the beds frost killed")]
    q = interpret("What share of the beds did Ann Lee say frost killed, and what figure did Bo Sim give for the state?",
                  [], two_authors)
    assert "state" in q.sides[1].query  # "the state" is a noun of its own, not a verb of giving


def test_a_part_asking_only_what_reason_its_source_gave_asks_the_first_parts_question(two_authors):
    q = interpret("Why did Ann Lee move the beans indoors, and what reason does Bo Sim give?", [], two_authors)
    assert [(s.paths, s.query) for s in q.sides] == [(("lee.txt",), "Why did it move the beans indoors"),
                                                     (("sim.txt",), "Why did it move the beans indoors")]
    q = interpret("According to Ann Lee, why were the beans moved indoors, and what reason does Bo Sim give?", [],
                  two_authors)
    assert "beans" in q.sides[1].query
    # After a question that asks no why or how, the reason is a question of its own.
    for asked in ("When did Ann Lee move the beans indoors", "How soon did Ann Lee move the beans indoors"):
        q = interpret(f"{asked}, and what reason does Bo Sim give?", [], two_authors)
        assert "reason" in q.sides[1].query, asked


def test_a_later_part_that_says_little_and_keeps_a_pronoun_is_searched_with_what_the_first_part_asks(two_authors):
    q = interpret("What did Ann Lee say Kestrel Mills owed its weavers, and what does Bo Sim say it's really worth?",
                  [], two_authors)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("lee.txt",), ("sim.txt",)]
    assert "weavers" in q.sides[1].query and "really worth" in q.sides[1].query
    # a later part that asks a question of its own holds no pronoun left for the first part's thing
    q = interpret("Which frost dates did Ann Lee record, and what would Bo Sim change?", [], two_authors)
    assert "frost" not in q.sides[1].query


@pytest.mark.parametrize("question, query", [
    ("How do Ann Lee and Bo Sim differ on why frost comes early?", "why frost comes early?"),
    ("Where do Ann Lee and Bo Sim disagree about mulch?", "mulch?"),
    ("Do Ann Lee and Bo Sim agree on when to sow beans?", "when to sow beans?"),
])
def test_cutting_the_names_and_the_comparison_word_leaves_the_topic_not_a_broken_question(two_authors, question, query):
    q = interpret(question, [], two_authors)
    assert q.kind == "comparison" and [s.query for s in q.sides] == [query, query]


def test_a_persons_part_that_says_its_own_topic_is_asked_as_written(two_authors):
    q = interpret("Compare what Ann Lee says about mulch with what Tolstoy says about it.", [], two_authors)
    assert [s.paths for s in q.sides] == [("lee.txt",), ()]
    assert q.sides[1].query == "what Tolstoy says about mulch."


def test_a_persons_own_view_is_asked_the_other_parts_topic_after_a_leading_wh_phrase(two_authors):
    q = interpret("In what ways does Ann Lee's reading of frost differ from Tolstoy's own?", [], two_authors)
    assert q.sides[1].paths == () and q.sides[1].query == "Tolstoy's reading of frost"


def test_a_persons_own_story_of_it_is_asked_the_other_parts_topic(two_authors):
    """"Tolstoy's own story of it" is his view, as "his own account" is: asked the first part's topic, not "of it"."""
    q = interpret("How does Ann Lee's account of where frost comes from differ from Tolstoy's own story of it?", [],
                  two_authors)
    assert q.sides[1].paths == () and q.sides[1].query == "Tolstoy's account of where frost comes from"


def test_a_description_the_catalog_lacks_paired_with_a_named_source_is_the_other_documents(two_authors):
    q = interpret("What do Ann Lee and the radio interview each say about mulch?", [], two_authors)
    assert q.kind == "comparison"
    assert [(s.label, s.paths) for s in q.sides] == [("Notes on frost", ("lee.txt",)), ("the radio interview", ("sim.txt",))]
    assert all("mulch" in s.query and "interview" not in s.query for s in q.sides)


def test_it_after_a_participle_refers_back_and_a_clause_bound_it_stays_in_its_part(two_authors):
    assert interpret("What point is it used to make?", [_answered("What does Ann Lee quote?", "A proverb.")],
                     two_authors).follow_up
    q = interpret("What does Ann Lee say about mulch, and how does Bo Sim say frost looks when gardeners ignore it?",
                  [], two_authors)
    assert q.sides[1].query.endswith("when gardeners ignore it?")  # "it" is the frost, not the mulch


def test_them_in_a_second_part_stands_for_the_first_parts_plural_noun_not_for_its_name(two_authors):
    """"How does Ann Lee say Kestrel should treat rivals, and how does Bo Sim say it actually treated them?": "it"
    is Kestrel, "them" the rivals (Kestrel twice had searched "how Kestrel treated Kestrel")."""
    q = interpret("How does Ann Lee say Kestrel should treat rivals, and how does Bo Sim say it actually treated them?",
                  [], two_authors)
    assert q.kind == "comparison" and q.sides[1].paths == ("sim.txt",)
    assert q.sides[1].query == "how Kestrel actually treated rivals?"


@pytest.mark.parametrize(("question", "second"), [
    # "they" are the looms, not Kestrel
    ("What should Kestrel's new looms cost, and how fast will they be?", "how fast will Kestrel's new looms be?"),
    # no plural subject (a name that acts, a singular noun): what the part refers to as before
    ("What will Kestrel charge customers, and how fast will they be?", "how fast will Kestrel be?"),
    ("What was the crisis at Kestrel, and how did they respond?", "how did Kestrel respond?"),
    ("Why did Kestrel cut prices, and what did their rivals do?", "what did Kestrel’s rivals do?"),
])
def test_they_in_a_second_part_stands_for_the_first_parts_plural_subject_not_for_its_name(two_authors, question,
                                                                                           second):
    assert interpret(question, [], two_authors).sides[1].query == second


@pytest.mark.parametrize("front", ["According to the 2005 letter,", "In the 2005 letter,"])
def test_a_source_named_before_the_first_clause_scopes_every_part(letter_refs, front):
    """"According to the 2005 letter, how was X reorganized, and what was the benefit?": the second part is asked of
    the 2005 letter too, and of what the first part asks about (a short part with a bare "the benefit" is
    elliptical)."""
    q = interpret(f"{front} how was the warehouse network reorganized, and what was the benefit?", [], letter_refs)
    assert [s.paths for s in q.sides] == [("letters/2005.md",), ("letters/2005.md",)]
    assert q.sides[1].query == "how was the warehouse network reorganized; what was the benefit?"
    # a part that moves in time is not held to the first part's year
    now = interpret(f"{front} how long did shipping take, and how long is the wait now?", [], letter_refs)
    assert now.sides[1].paths == ()


def test_a_names_view_as_an_aside_is_cut_whole(two_authors):
    q = interpret("Who, in Bo Sim's view, waters too much?", [], two_authors)
    assert q.sides[0].paths == ("sim.txt",) and q.sides[0].query == "Who waters too much?"


def test_a_publisher_named_in_few_documents_attributes_a_question_one_the_corpus_is_about_does_not():
    refs = [SourceRef("a.txt", "Ferries at dawn", "", "Harbor Gazette", ()),
            SourceRef("b.txt", "Annual report", "", "Northwind", ()),
            SourceRef("c.txt", "Fares explained", "", "", ())]
    everywhere = {"northwind": {"a.txt": 1, "b.txt": 3, "c.txt": 1}, "harbor gazette": {"a.txt": 1}}
    sources = Sources(refs, spread=lambda terms: everywhere.get(" ".join(terms), {}))
    assert interpret("What does the Harbor Gazette say about fares?", [], sources).attributed
    assert not interpret("What does Northwind say about fares?", [], sources).attributed


def test_two_sources_joined_by_and_are_the_sides_not_a_with_inside_the_topic(two_authors):
    q = interpret("Compare what Ann Lee and Bo Sim say about how the town deals with its floods.", [], two_authors)
    assert [s.paths for s in q.sides] == [("lee.txt",), ("sim.txt",)]
    assert all(s.query == "how the town deals with its floods." for s in q.sides)


def test_then_after_a_question_that_named_one_year_is_that_year(letter_refs):
    q = interpret("How many stores did it have then?", [_answered("What did Bezos say about Kestrel in 2005?", "It grew.")],
                  letter_refs)
    assert q.text == "How many stores did Kestrel have then (in 2005)?"


def test_an_object_pronoun_does_not_stand_for_its_own_clauses_subject():
    q = interpret("Why did Northwind invest in it?", [_answered("What did Ann Lee write about Kestrel Mills?", "A mill.")],
                  Sources([]))
    assert q.follow_up and q.text == "Why did Northwind invest in Kestrel Mills?"
    reported = interpret("So what does she say Northwind has to do about them?",
                         [_answered("What does Ann Lee expect the worst floods to be?", "Spring ones.")], Sources([]))
    assert reported.text == "So what does Ann Lee say Northwind has to do about the worst floods?"
    modal = interpret("Why does she think Northwind should fund it?", [_answered("What did Ann Lee write about Kestrel Mills?",
                                                                               "A mill.")], Sources([]))
    assert modal.text == "Why does Ann Lee think Northwind should fund Kestrel Mills?"
    far = interpret("What tool does Tolstoy hold up as an example of it paying off?",
                    [_answered("What did Ann Lee write about Kestrel Mills?", "A mill.")], Sources([]))
    assert far.follow_up and far.text == "What tool does Tolstoy hold up as an example of Kestrel Mills paying off?"
    own = "What does Northwind want customers to think of it?"  # a clause of its own: "it" may be Northwind
    assert interpret(own, [_answered("What did Ann Lee write about Kestrel Mills?", "A mill.")], Sources([])).text == own


def test_a_years_part_asks_what_was_written_about_not_who_wrote(letter_refs):
    q = interpret("Compare what the 2005 letter says about Prime with what the 2016 letter says about it.", [], letter_refs)
    assert [s.paths for s in q.sides] == [("letters/2005.md",), ("letters/2016.md",)]
    assert [s.query.rstrip(".") for s in q.sides] == ["Prime", "Prime"]
    ellipsis = interpret("And in 2016?", [_answered("What did Bezos say about Prime in 2005?", "It grew.")], letter_refs)
    assert "()" not in ellipsis.sides[0].query


@pytest.mark.parametrize("question", [
    "Why did Northwind sell the mill after buying it?",  # "it" is the mill, in the question itself
    "How did Edison improve the bulb and who funded it?",
    "Why was it decided to close the school?",  # an "it" that stands for a clause
    "Is it wicked to lie to children?",
    "If the river floods, what happens then?",  # "then" of its own clause
    "What should I read next?",
    "Which planet is next?",
    "Who built the bridge that collapsed?",  # a relative "that"
    "What happened this year?",
    "Is it true that habits form in three weeks?",  # a conjunction before a plural noun
])
def test_a_question_that_resolves_its_own_words_is_no_follow_up(two_authors, question):
    q = interpret(question, [_answered("What did Ann Lee say about frost in 1990?", "The garden froze early.")],
                  two_authors)
    assert not q.follow_up and q.text == question


@pytest.mark.parametrize("question, query", [
    ("How and why did Ann Lee plant beans early?", "How and why did it plant beans early?"),
    ("What errors are in Bo Sim's account?", "What errors are in the account?"),  # not an aside: kept
    ("How did the town change, in Bo Sim's telling?", "How did the town change?"),
])
def test_cutting_a_name_keeps_the_question_readable(two_authors, question, query):
    assert interpret(question, [], two_authors).sides[0].query == query


def test_a_second_clause_still_splits_after_two_names_joined_by_and(two_authors):
    q = interpret("What does Ann Lee say about the new law, and how did Bo Sim react when the council passed it?",
                  [], two_authors)
    assert q.sides[1].query == "how did it react when the council passed the new law?"
    q = interpret("When do Ann Lee and Bo Sim each sow beans?", [], two_authors)
    assert [s.query for s in q.sides] == ["When do they sow beans?"] * 2
    bare = interpret("How do Ann Lee and Bo Sim each explain the gap between what farmers plant and what they sell?",
                     [], two_authors)  # "and what they sell" is inside the topic: no comma marks a new question
    assert [s.paths for s in bare.sides] == [("lee.txt",), ("sim.txt",)]
    assert [s.query for s in bare.sides] == ["explain the gap between what farmers plant and what they sell?"] * 2


@pytest.mark.parametrize("question, first", [
    ("What was Kestrel Mills and why did it close?", "What was Kestrel Mills"),
    ("Who is Ann Lee and what garden does she keep?", "Who is Ann Lee"),
])
def test_a_part_that_asks_what_a_name_is_keeps_its_own_question(question, first):
    """Not "was Kestrel Mills it close?": a part asking what or who a name is asks that, not the other part's
    question of the name (as "…, and how does Bo Sim?" does)."""
    q = interpret(question, [], Sources([]))
    assert q.sides[0].query == first


def test_a_follow_up_with_a_relative_year_asks_of_that_year(letter_refs):
    """"… a year later" after a question that named one year is that year plus one, as comparisons read it."""
    earlier = [_answered("What did Bezos say about Kestrel in 2005?", "It grew.")]
    later = interpret("And what did he say about it 11 years later?", earlier, letter_refs)
    assert "in 2016" in later.text and [s.paths for s in later.sides] == [("letters/2016.md",)]
    before = interpret("What about eight years earlier?", earlier, letter_refs)
    assert [s.paths for s in before.sides] == [("letters/1997.md",)]


@pytest.mark.parametrize("question, chosen", [
    ("In his first letter, what did Bezos promise shareholders?", ("letters/1997.md",)),
    ("What does Bezos's most recent letter say about Kestrel?", ("letters/2016.md",)),
    ("What does the latest letter say about Kestrel?", ("letters/2016.md",)),  # a description no text holds
])
def test_first_or_last_picks_one_document_by_the_year_in_its_title(letter_refs, question, chosen):
    assert [s.paths for s in interpret(question, [], letter_refs).sides] == [chosen]


def test_first_and_last_pick_the_sides_of_a_comparison(letter_refs):
    q = interpret("Compare Bezos's first letter with his final letter on long-term thinking.", [], letter_refs)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("letters/1997.md",), ("letters/2016.md",)]


def test_a_writers_first_letter_is_one_side_and_leaves_the_side_query():
    """"Bo Sim's first letter as CEO" names his earliest letter; neither it nor "as CEO" is what is searched."""
    refs = Sources([SourceRef(f"{who.split()[1].lower()}{year}.md", f"{year} Mill Letter", who, "", ())
                    for who, years in (("Ann Lee", (2001, 2004)), ("Bo Sim", (2010, 2012))) for year in years])
    q = interpret("How did wages at the mill change between Ann Lee's 2004 letter and Bo Sim's first letter as CEO?",
                  [], refs)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("lee2004.md",), ("sim2010.md",)]
    assert all("letter" not in s.query and "CEO" not in s.query and "wages" in s.query for s in q.sides)


def test_a_relative_year_after_a_preposition_stays_in_the_earlier_year(letter_refs):
    """"How did that compare with the previous year?" and "… for the following year?" are answered by the
    earlier year's letter (it gives last year's figure and next year's plan); not shifted."""
    earlier = [_answered("What were Kestrel's sales in 2005?", "They grew.")]
    for question in ("How did that compare with the previous year?", "What did he expect for the following year?"):
        assert "in 2004" not in interpret(question, earlier, letter_refs).text
        assert "in 2006" not in interpret(question, earlier, letter_refs).text


def test_a_subject_pronoun_after_a_subordinator_is_its_clauses_own():
    q = interpret("How does she say Northwind grew after it opened?",
                  [_answered("What did Ann Lee write about Kestrel Mills?", "A mill.")], Sources([]))
    assert "Kestrel" not in q.text


def test_a_name_that_qualifies_a_document_noun_is_the_source_not_what_it_refers_to():
    """"the Gazette article" names a document: "it" is what the question is about, not "Gazette"."""
    everywhere = {"kestrel": {"gazette.txt": 2, "sim.txt": 1, "lee.txt": 1}, "gazette": {"gazette.txt": 1}}
    refs = Sources([SourceRef("gazette.txt", "Mill town notes (Harbor Gazette)", "", "", ()),
                    SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ()),
                    SourceRef("lee.txt", "Notes on frost", "Ann Lee", "", ())],
                   spread=lambda terms: everywhere.get(" ".join(terms), {}))  # Kestrel is in every document
    q = interpret("How does Ann Lee, as quoted in the Gazette article, explain the rise of Kestrel, and how does "
                  "Bo Sim explain where it came from?", [], refs)
    assert "Kestrel" in q.sides[1].query and "Gazette" not in q.sides[1].query
    follow = interpret("How quickly did that happen?",
                       [_answered("How does Ann Lee describe the Kestrel boom in the Gazette article?", "It was fast.")],
                       refs)
    assert "Kestrel" in follow.text and "Gazette" not in follow.text


def test_them_is_not_what_a_singular_object_or_a_demonstrative_already_stands_for():
    previous = _answered("How did Ann Lee say Northwind reorganized its mill network in 2020?", "Into four regions.")
    q = interpret("What did that change buy them?", [previous], Sources([]))
    assert q.follow_up and q.text.endswith("buy them?") and "reorganized" not in q.text  # no clause for "them"
    plural = interpret("Who opposed them?", [_answered("Why did Ann Lee ban plastic bags?", "Litter.")], Sources([]))
    assert plural.text == "Who opposed plastic bags?"


@pytest.fixture
def dated_authors() -> Sources:
    """Two authors with two dated reports each."""
    return Sources([SourceRef(f"{name.split()[0].lower()}{year}.txt", f"{year} mill report", name, "", ())
                    for name, year in (("Ann Lee", 1990), ("Ann Lee", 1995), ("Bo Sim", 2001), ("Bo Sim", 2005))])


def test_a_year_that_is_a_whole_title_with_its_author_named_attributes_the_source():
    """Reports titled only by their year ("1990"): "did Ann Lee say … in 1990" names who speaks and when, so the
    source is attributed (searched at the vouched threshold, without its names); a year that names the document
    ("Ann Lee's 1990 report") or stands alone is a title, as before."""
    sources = Sources([SourceRef(f"{year}.txt", str(year), name, "", ())
                       for name, year in (("Ann Lee", 1990), ("Ann Lee", 1995), ("Bo Sim", 2001))])
    q = interpret("How many mills did Ann Lee say closed in 1990?", [], sources)
    assert q.sides[0].paths == ("1990.txt",) and q.attributed
    for question in ("How many mills closed according to Ann Lee's 1990 report?", "How many mills closed in 1990?"):
        assert not interpret(question, [], sources).attributed, question


@pytest.mark.parametrize("question", [
    "How many mills did Ann Lee report in 1990, and how does that compare with the number Bo Sim gave in 2001?",
    "How many mills did Ann Lee report in 1990, and how does this stack up against what Bo Sim wrote in 2001?",
    "How many mills did Ann Lee report in 1990, compared with the figure Bo Sim gives in his 2001 report?",
])
def test_a_part_that_compares_back_asks_the_first_parts_question_of_its_own_source(question, dated_authors):
    q = interpret(question, [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert [s.query for s in q.sides] == ["How many mills did it report"] * 2


def test_a_part_that_compares_back_with_a_topic_of_its_own_searches_its_source_for_that(dated_authors):
    q = interpret("Ann Lee says in 1990 that the mills paid well; how does that compare with Bo Sim's portrait of "
                  "the weavers' hardship in 2001?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert "weavers' hardship" in q.sides[1].query and "paid well" not in q.sides[1].query
    for question in ("How many mills did Ann Lee report in 1990, and how does that compare with what Bo Sim said "
                     "about it in 2001?", "How many mills did Ann Lee report in 1990, and how does that compare with "
                     "Bo Sim's estimate of the total in 2001?"):  # about the first part's thing, or its measure
        assert interpret(question, [], dated_authors).sides[1].query == "How many mills did it report"


def test_a_part_asking_for_a_measure_after_a_part_that_measures_nothing_keeps_its_own_question(dated_authors):
    q = interpret("Why did mills close according to Ann Lee in 1990, and how much did Bo Sim say was lost in 2001?",
                  [], dated_authors)
    assert "close" not in q.sides[1].query and "lost" in q.sides[1].query


@pytest.mark.parametrize("question, own", [
    ("How many mills did Ann Lee report in 1990, and what count does the 2001 report give?", ""),
    ("How many mills did Ann Lee report in 1990, and what was the tally by the 2001 report?", ""),
    ("How many mills did Ann Lee report in 1990, and what were the tallies by the 2001 report?", ""),
    ("How many mills did Ann Lee report in 1990, and how many did Bo Sim say there were in 2001?", ""),
    ("How many mills did Ann Lee report in 1990, compared with the 2001 report a decade later?", ""),
    ("How many mills did Ann Lee report in 1990, and how many by Bo Sim's 2001 report?", ""),
    ("How many mills did Ann Lee report in 1990, and what share does Bo Sim say still ran in 2001?", "still ran"),
])
def test_a_part_asking_for_a_measure_it_does_not_name_measures_what_the_first_part_does(question, own, dated_authors):
    q = interpret(question, [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert q.sides[1].query.startswith("How many mills did it report") and own in q.sides[1].query


@pytest.mark.parametrize("question, query", [
    ("Which mill closed in the final quarter of 2001?", "Which mill closed in the final quarter?"),
    ("Of the goals the town met in 2001, how many were new?", "Of the goals the town met, how many were new?"),
    ("How far had wages fallen by the time Bo Sim wrote the 2001 report?", "How far had wages fallen?"),
    ("How far had wages fallen when Bo Sim wrote his 2001 report?", "How far had wages fallen?"),
    ("Why, as of the 2001 report, had wages fallen?", "Why had wages fallen?"),
])
def test_cutting_a_year_or_a_clause_that_names_the_source_leaves_no_dangling_word(question, query, dated_authors):
    assert interpret(question, [], dated_authors).sides[0].query == query


def test_a_part_that_only_names_a_sources_view_searches_each_source_for_the_topic(dated_authors):
    q = interpret("How does the 1990 report's view of mill wages compare with the 2001 report?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert [s.query for s in q.sides] == ["mill wages", "mill wages"]


def test_a_wh_subject_question_is_about_its_object_and_on_its_own_is_an_idiom():
    q = interpret("Is it a quick way to learn, though?",
                  [_answered("What guides the apprenticeship, according to Ann Lee?", "Curiosity.")], Sources([]))
    assert q.text == "Is the apprenticeship a quick way to learn, though?"  # not "guides the …", nor "Ann Lee"
    own = interpret("Is that enough on its own?", [_answered("What does Ann Lee say the mill relied on?", "Rain.")],
                    Sources([]))
    assert own.text.endswith("on its own?")


def test_the_last_of_several_names_stands_for_it_only_after_a_name_that_acts(corpus_refs):
    """"How does Bezos account for AWS, and where did it come from?": it is AWS; "What does the critic say
    about Amazon in the Bezos era?" then "Is it still …?": it is Amazon, not Bezos."""
    q = interpret("How does Bezos, as quoted in the FourWeekMBA article, account for AWS, and how does the critic "
                  "explain where it came from?", [], corpus_refs)
    assert "AWS" in q.sides[1].query
    everywhere = Sources(corpus_refs.refs, spread=lambda terms: {r.path: 1 for r in corpus_refs.refs})
    follow = interpret("Is it still customer obsessed?",  # both names in every document: neither tells them apart
                       [_answered("What does the critic say about Amazon in the Bezos era?", "It changed.")],
                       everywhere)
    assert "Bezos" not in follow.text
    modifier = interpret("How did it apply that?",  # "AWS customers": AWS qualifies a noun, it is not what "it" is
                         [_answered("What does Jassy say Amazon learned from AWS customers?", "To listen.")], everywhere)
    assert modifier.text.startswith("How did Amazon apply")


def test_a_view_is_cut_only_where_a_source_owns_it(dated_authors):
    kept = interpret("How did the attitude of mill workers in 1990 compare with 2001?", [], dated_authors)
    assert all("attitude" in s.query for s in kept.sides)


def test_a_relative_year_alone_makes_a_follow_up_of_the_earlier_year(letter_refs):
    q = interpret("Did the previous year's letter mention Prime?",
                  [_answered("What did Bezos say about Kindle in 2006?", "It grew.")], letter_refs)
    assert q.follow_up and q.text == "Did the 2005 letter mention Prime?"
    assert [s.paths for s in q.sides] == [("letters/2005.md",)]


@pytest.mark.parametrize("question, read", [
    ("What did that year's letter say about Prime?", "What did the 2005 letter say about Prime?"),
    ("What else happened that year?", "What else happened in 2005?"),
])
def test_that_year_is_the_earlier_questions_year(letter_refs, question, read):
    q = interpret(question, [_answered("What did Bezos say about Kindle in 2005?", "It grew.")], letter_refs)
    assert q.follow_up and q.text == read and [s.paths for s in q.sides] == [("letters/2005.md",)]


def test_one_pronoun_repeated_in_the_next_clause_stands_for_the_same_thing():
    q = interpret("Why didn't it survive, and how long did it stay open?",
                  [_answered("Which ferry company does Ann Lee hold up as a warning?", "Bluewater.")], Sources([]))
    assert q.text == "Why didn't the ferry company survive, and how long did the ferry company stay open?"
    assert [s.query for s in q.sides][1] == "how long did the ferry company stay open?"
    two = interpret("Where did they open it?", [_answered("Which bakers does Ann Lee praise for rye?", "Bo.")],
                    Sources([]))
    assert two.text.count("bakers") <= 1  # two pronouns of one clause stand for two things
    for other in ("Why did it fail, and how long did it take?",  # a dummy subject
                  "What replaced it, and when did it open?",  # the second may be the first clause's answer
                  "Why did it fail, and was it worth it?"):
        read = interpret(other, [_answered("Which ferry company does Ann Lee hold up as a warning?", "Bluewater.")],
                         Sources([]))
        assert read.text.count("ferry company") == 1, read.text


def test_titles_are_named_without_their_subtitle_and_with_any_apostrophe():
    """A reader names a document by its main title, in quotation marks or not, typing a straight
    apostrophe where the title has a curly one; the same words in lower case are a topic."""
    refs = Sources([SourceRef("a.txt", "Frost Dates In Orchards (Part 2)", "Ann Lee", "", ()),
                    SourceRef("b.txt", "Bo’s Ferns Are Really About Bo’s Garden", "Bo Sim", "", ())])
    q = interpret("How do 'Frost Dates In Orchards' and 'Bo's Ferns Are Really About Bo's Garden' each treat "
                  "late planting?", [], refs)
    assert q.kind == "comparison"
    assert [s.paths for s in q.sides] == [("a.txt",), ("b.txt",)]
    assert all("'" not in s.query and "late planting" in s.query for s in q.sides)
    assert interpret('What does "Frost Dates In Orchards" say about pears?', [], refs).sides[0].query == \
        "What does it say about pears?"
    assert not interpret("What do frost dates in orchards depend on?", [], refs).sides


def test_a_cut_name_takes_a_stranded_preposition_but_never_the_topic():
    refs = Sources([SourceRef(f"{y}.txt", f"{y} Letter to Shareholders", "Ann Lee", "", ()) for y in (1998, 2004)]
                   + [SourceRef("soil.txt", "Soil Basics", "Bo Sim", "", ()),
                      SourceRef("notes.txt", "Notes: A Gardener's Year", "Cy Dee", "", ())])
    assert interpret("How much did the firm spend on marketing in 2004?", [], refs).sides[0].query == \
        "How much did the firm spend on marketing?"
    assert interpret("Who, according to a reader commenting on Soil Basics, grows ferns?", [], refs).sides[0].query \
        == "Who, according to a reader, grows ferns?"
    assert interpret("Is 'Soil Basics's advice sound?", [], refs).sides[0].query == "Is the advice sound?"
    # A one-word main title ("Notes") does not take a question that opens with the word.
    assert not interpret("Notes from the meeting: who attended?", [], refs).sides


@pytest.mark.parametrize("question", ["And what about the price?", "And who founded the company?",
                                      "Then what happened?"])
def test_a_short_follow_up_with_a_new_topic_is_not_asked_with_the_previous_question(question):
    q = interpret(question, [_answered("How did the design team make the Zephyr kettle easier to use?", "A grip.")],
                  Sources([]))
    assert "design team" not in q.text and not q.asked


def test_what_a_follow_up_asks_for_is_read_in_its_own_words_not_in_the_context_it_is_given():
    """"Why did she think so?" after "In which city did Ann Lee open the mill?" is searched with that question,
    but asks for a reason, not a city: `Query.asked` holds its own words, where the engine reads the type."""
    q = interpret("Why did she think so?", [_answered("In which city did Ann Lee open the mill?", "In Leeds.")],
                  Sources([]))
    assert "which city" in q.text and q.asked and "city" not in q.asked


def test_a_year_aimed_at_is_a_time_not_a_report_and_compared_years_stay_the_sides(dated_authors):
    """A plan "by 1995" ("for the year 1995", "by the end of 1995") is made before 1995: Ann Lee's reports are
    searched, not the 1995 one alone, and the year stays in the question; "in 1995" names the 1995 report; two
    years compared are the two reports."""
    aimed = interpret("How many mills did Ann Lee plan to open by 1995?", [], dated_authors).sides[0]
    assert aimed.paths == ("ann1990.txt", "ann1995.txt") and "by 1995" in aimed.query
    for question in ("What were the goals Ann Lee set for the year 1995?",
                     "What did Ann Lee plan to build by the end of 1995?"):
        assert interpret(question, [], dated_authors).sides[0].paths == ("ann1990.txt", "ann1995.txt")
    assert interpret("How many mills did Ann Lee report in 1995?", [], dated_authors).sides[0].paths == (
        "ann1995.txt",)
    q = interpret("How did mill wages for 1990 compare with 1995?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("ann1995.txt",)]


def test_a_part_that_only_repeats_the_other_parts_words_asks_the_other_parts_question(dated_authors):
    """"… compare with the number sold in 1995?": "the number sold" holds no word of its own, so the 1995 report
    is searched for what the first part asks (the looms sold), not for "the number sold". "The share sold" asks a
    measure of its own."""
    q = interpret("How did the number of looms sold in 1990 compare with the number sold in 1995?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("ann1995.txt",)]
    assert all("looms" in s.query for s in q.sides)
    q = interpret("How did the number of looms sold in 1990 compare with the share sold in 1995?", [], dated_authors)
    assert "share" in q.sides[1].query  # another measure: its own question


def test_a_name_that_only_dates_the_question_is_no_source_to_search(dated_authors):
    """"Who ran the mill when Ann Lee retired?" asks nothing of Ann Lee's reports; "What did Ann Lee say when
    Bo Sim retired?" asks Ann Lee, and "When Ann Lee talks about wages, what does she mean?" too."""
    assert interpret("Who ran the mill when Ann Lee retired?", [], dated_authors).sides == ()
    for question in ("What did Ann Lee say when Bo Sim retired?", "When Ann Lee talks about wages, what does she mean?"):
        assert interpret(question, [], dated_authors).sides[0].paths == ("ann1990.txt", "ann1995.txt")


def test_a_two_part_follow_up_stays_in_the_source_the_previous_question_named():
    """"Why did it close, and how long did it last?" after a question of Ann Lee's report: both parts are asked
    of that report, not of the whole collection."""
    sources = Sources([SourceRef("lee.txt", "Mill notes", "Ann Lee", "", ()),
                       SourceRef("sim.txt", "A gardener's year", "Bo Sim", "", ())])
    side = Side("Mill notes", ("lee.txt",), "Which mill does it hold up as a warning?")
    previous = Turn("Which mill does Ann Lee hold up as a warning?",
                    replace(_answered("Which mill does Ann Lee hold up as a warning?", "The old mill.").answer,
                            sides=(side,)))
    q = interpret("Why did it close, and how long did it stay open?", [previous], sources)
    assert q.kind == "comparison" and len(q.sides) == 2
    assert all(s.paths == ("lee.txt",) for s in q.sides)


def test_a_definite_noun_only_the_previous_quote_holds_makes_a_follow_up():
    """"the offer" after a quote on a yearly offer: asked with the previous question; "the mill", which the
    previous question named itself, and a question that names a source are asked as they stand."""
    previous = _answered("What is the mill's Pay to Quit program?", "Once a year, the mill makes an offer to pay "
                         "weavers to quit.")
    q = interpret("What does the offer's title urge weavers to do?", [previous], Sources([]))
    assert q.follow_up and q.text.endswith(": What is the mill's Pay to Quit program?")
    assert not interpret("When did the mill open?", [previous], Sources([])).follow_up
    named = Sources([SourceRef("lee.txt", "Mill notes", "Ann Lee", "", ())])
    assert not interpret("What does Ann Lee say about the offer?", [previous], named).follow_up


def test_a_shell_noun_that_says_nothing_of_its_own_makes_a_follow_up():
    """"the idea" asks of what the conversation was about, though no quote writes "idea"; "the idea of a loom"
    says which idea itself."""
    previous = _answered("What is the mill's Pay to Quit program?", "Once a year, the mill pays weavers to quit.")
    q = interpret("Where did the idea first come from?", [previous], Sources([]))
    assert q.follow_up and q.text.endswith(": What is the mill's Pay to Quit program?")
    assert not interpret("Where did the idea of a loom come from?", [previous], Sources([])).follow_up


def test_it_in_a_later_part_is_the_thing_the_first_part_asks_about_not_the_source_it_quotes():
    """"as quoted by the Harbor Gazette" names a source; "how Kestrel began" is what "it" stands for, though every
    document names Kestrel."""
    everywhere = {"kestrel", "ann", "lee"}
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "Harbor Gazette", ("Harbor Gazette",)),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ("the critic",)),
                       SourceRef("c.txt", "Loom Diary", "Cy Hart", "", ())],
                      spread=lambda terms: dict.fromkeys(("a.txt", "b.txt", "c.txt") if set(terms) <= everywhere
                                                         else ("a.txt",), 1))
    q = interpret("How does Ann Lee's report, as quoted by the Harbor Gazette, explain how Kestrel began, and how does "
                  "the critic explain where it really came from?", [], sources)
    assert [(s.paths, s.query) for s in q.sides] == [
        (("a.txt",), "How does Ann Lee's report explain how Kestrel began"),
        (("b.txt",), "how does it explain where Kestrel really came from?")]
    assert _thing("How did the Harbor Gazette grow in 2001?", sources) == "Harbor Gazette"  # the subject, not a source
    assert _thing("What was the mill sued by Kestrel for?", Sources([])) == "Kestrel"  # "by" a name that is no source


def test_a_long_quote_sentence_read_as_a_referent_is_cut_between_words():
    quote = ("In my view, a slow and steady rotation of crops across the northern fields is by far the best way to keep "
             "the soil rich, the weeds down and the harvests of wheat and barley high for many years.")
    previous = _answered("What does Ann Lee call the best way to keep the soil rich?", quote)
    q = interpret("Why does that approach work so well?", [previous], Sources([]))
    assert q.text == ("Why does that approach (In my view, a slow and steady rotation of crops across the northern "
                      "fields is by far the best way to keep the soil rich, the weeds down and the) work so well?")


def test_a_side_named_only_by_its_version_asks_the_other_sides_topic():
    """"… differ from the reviewer's version?": cutting the name leaves "the version", which asks nothing."""
    s = Sources([SourceRef("a.txt", "Mill history", "Ann Lee", "", ()), SourceRef("b.txt", "A review", "", "", ("reviewer",))])
    q = interpret("How does Ann Lee's account of how the mill closed differ from the reviewer's version?", [], s)
    assert q.kind == "comparison"
    assert [(side.paths, side.query) for side in q.sides] == [(("a.txt",), "how the mill closed"),
                                                              (("b.txt",), "how the mill closed")]


def test_a_fronted_while_clause_that_states_a_view_is_a_side():
    s = Sources([SourceRef("a.txt", "The mill diary", "Ann Lee", "", ()), SourceRef("b.txt", "The ledger", "", "", ())])
    q = interpret("While the mill diary presents the closure as a matter of debt, what does the ledger say it was about?",
                  [], s)
    assert q.kind == "comparison"
    assert paths(q.sides) == [("a.txt",), ("b.txt",)]
    # any verb in the present after the name of a source, against a question about another source's view
    q = interpret("While Ann Lee uses the flood to make a point about wages, how does the ledger see the closure?", [], s)
    assert q.kind == "comparison"
    assert paths(q.sides) == [("a.txt",), ("b.txt",)]
    # "While" that only dates or describes the question sets nothing against it, nor does a "Where" question
    for question in ("While at the mill, what did Ann Lee build?", "While the mill was called Cadabra, what did Ann Lee sell?",
                     "While Ann Lee held the lease, what did the mill make?", "While she was treated for fever, what did Ann Lee write?",
                     "While Ann Lee was at the mill, what did the ledger record?",
                     "While Ann Lee worked at the mill, what did the ledger say about wages?",
                     "While Ann Lee’s at the mill, what does the ledger say?",
                     "While Ann Lee runs the mill, what does the ledger list?",
                     "Where does Ann Lee say she lived, when she ran the mill?"):
        assert interpret(question, [], s).kind == "fact", question


def test_it_after_a_hyphenated_verb_of_a_named_subject_refers_back():
    """"When did Northwind co-found it?": "it" is the object of the name's verb, so the name is not what it
    stands for, as in "When did Northwind found it?"."""
    s = Sources([SourceRef("a.txt", "Mill history", "Ann Lee", "", ())])
    previous = Turn("What is the Harbor Trust?")
    q = interpret("When did Northwind co-found it?", [previous], s)
    assert q.follow_up and "Harbor Trust" in q.text


@pytest.mark.parametrize("question, views", [
    ("Why did the mill close? Compare the explanations given.", True),
    ("Is the mill worth saving? Contrast the two views.", True),
    ("What changed at the bank? Compare both sides of the balance sheet.", False),  # sides of a thing
    ("How did the bank grow? Compare the two years' accounts.", False),  # accounts someone owns
    ("Why did the mill close? Each of the accounts I have read blames debt.", False),  # a statement
])
def test_a_closing_request_for_unnamed_views_makes_two_sides_of_the_question_before_it(question, views):
    q = interpret(question, [], Sources([]))
    assert (q.kind == "comparison") == views
    assert not views or [s.query for s in q.sides] == [question.split("? ")[0] + "?"] * 2


def test_two_unnamed_views_of_an_either_or_question_search_one_alternative_each():
    """"Is the mill a ruin or a museum? Give both views.": each view is searched for its own reading, not both
    for the whole question (which drew the same passages to both)."""
    q = interpret("Is the old mill a ruin to clear or a museum to keep? Give both views.", [], Sources([]))
    assert q.kind == "comparison"
    assert [s.query for s in q.sides] == ["the old mill a ruin to clear", "the old mill a museum to keep"]


def test_a_participle_before_a_name_goes_with_it_only_after_the_noun_it_describes():
    """"a reader commenting under the blog" is who speaks; in "Was Ann writing in the blog …" the verb is the
    question's own."""
    reader = "Who does a reader commenting under the gardening blog say grows ferns?"
    ann = "Was Ann writing in the gardening blog about frost?"
    assert _without(reader, [(39, 53)]) == "Who does a reader say grows ferns?"
    assert "writing" in _without(ann, [(19, 33)])


@pytest.mark.parametrize("question", [
    "How much is the bonus worth at first, and how high can it go?",
    "The letter gives a funny example of the rule - what was it?",
])
def test_it_in_a_later_clause_refers_to_a_thing_its_own_question_names(question):
    """Not to a name of the previous turn: "how high can Northwind go?" asks nothing anyone said."""
    earlier = _answered("What is the bonus that Northwind copied from Kestrel Mills?", "It pays staff to leave.")
    q = interpret(question, [earlier], Sources([]))
    assert "Northwind" not in q.text and "Kestrel" not in q.text.split(":")[0]


def test_a_statement_before_a_two_part_question_leaves_each_part_its_own_source(two_authors):
    q = interpret("Ann Lee and Bo Sim both lost crops to frost. What does Ann Lee advise for seedlings, and what does "
                  "Bo Sim say late frost costs?", [], two_authors)
    assert [s.paths for s in q.sides] == [("lee.txt",), ("sim.txt",)]
    assert "lost crops" not in q.sides[0].query and "seedlings" in q.sides[0].query


def test_a_part_that_points_back_with_that_and_a_noun_asks_it_of_the_first_parts_thing(dated_authors):
    """"how low had that fee gone" names no fee the 2001 report would hold: the fee is the first part's."""
    q = interpret("What was the fee for a weaving lesson in the 1990 report, and how low had that fee gone by the "
                  "2001 report?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert "weaving lesson" in q.sides[1].query and "how low had that fee gone" in q.sides[1].query
    same = interpret("Ann Lee sees the mill's looms as the root of the town's wealth; what is Bo Sim's reading of the "
                     "same idea?", [], dated_authors)
    assert "root of the town's wealth" in same.sides[1].query and "reading" in same.sides[1].query
    manner = interpret("Ann Lee sees the mill's looms as the root of the town's wealth; does Bo Sim see the harvest the "
                       "same way?", [], dated_authors)
    assert "wealth" not in manner.sides[1].query  # "the same way" is a manner, not the first part's thing


def test_a_part_asking_what_is_done_to_a_thing_it_leaves_unnamed_asks_it_of_the_first_parts_thing(dated_authors):
    q = interpret("How much of the weavers' rent did the mill cover in Ann Lee's 1990 report, versus what the 2001 "
                  "report says the mill now pays for?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert "pays for" in q.sides[1].query and "rent" in q.sides[1].query
    q = interpret("How did Ann Lee's 1990 report describe the mill's wages, and what does the 2001 report say they "
                  "came down to?", [], dated_authors)
    assert q.sides[1].query == "what the mill's wages came down to?"
    q = interpret("What did Ann Lee's 1990 report say about wages, and what does the 2001 report say the mill is known "
                  "for?", [], dated_authors)  # the first part measures nothing: this part asks its own question
    assert q.sides[1].query == "what the mill is known for?"


def test_two_names_each_with_its_year_in_parentheses_cut_leave_they_not_a_stranded_and(dated_authors):
    q = interpret("What rules do Ann Lee (1990) and Bo Sim (2001) say the mill follows before hiring?", [],
                  dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    assert [s.query for s in q.sides] == ["What rules do they say the mill follows before hiring?"] * 2


@pytest.mark.parametrize("pivot", ["hold up against", "stack up against", "measure up to", "stand up to",
                                   "stack up with"])
def test_a_comparison_may_set_one_view_against_another_with_an_idiom(pivot):
    """"Does A's account of X hold up against B's view of it?" compares two sources as "differ from" does: one side
    each, both searched for X."""
    sources = Sources([SourceRef("a.txt", "Mill diary", "Ann Lee", "", ()),
                       SourceRef("b.txt", "Ledger notes", "Bo Sim", "", ())])
    q = interpret(f"Does Ann Lee's account of the mill's closing {pivot} Bo Sim's view of it?", [], sources)
    assert q.kind == "comparison"
    assert [(s.paths, s.query) for s in q.sides] == [(("a.txt",), "the mill's closing"),
                                                     (("b.txt",), "the mill's closing")]


def test_an_idiom_of_comparison_needs_its_preposition(dated_authors):
    """"held up against" compares in the past tense too; "measures up to 2005" compares nothing, and keeps its
    words."""
    q = interpret("How has Ann Lee's account of the closing held up against Bo Sim's view of it?", [], dated_authors)
    assert q.kind == "comparison" and len(q.sides) == 2
    q = interpret("How many measures up to 2005 did Bo Sim propose?", [], dated_authors)
    assert q.kind == "fact" and "measures up to" in q.sides[0].query


def test_a_part_whose_names_share_no_document_asks_the_one_it_names_as_a_document(dated_authors):
    """"Ann Lee vs Bo Sim on wages: what did the 1990 report announce …": the first part names both authors and a
    year no document of both holds; "the 1990 report" is the document it asks."""
    q = interpret("Ann Lee vs Bo Sim on wages: what did the 1990 report announce, and what did the 2001 report say "
                  "wages had reached?", [], dated_authors)
    assert [s.paths for s in q.sides] == [("ann1990.txt",), ("bo2001.txt",)]
    q = interpret("Ann Lee on wages: what did the 2001 report announce, and what did the 1995 report say?", [],
                  dated_authors)  # a report Ann Lee did not write: no document of the first part is presumed
    assert [s.paths for s in q.sides] == [(), ("ann1995.txt",)]


def test_a_year_named_as_a_time_also_asks_the_report_of_the_year_before():
    """Reports titled by year are written early the next year: "the shed they opened in early 1991" may be told in
    the 1990 report. "The 1991 report" names its document, and only that one is asked; "sales in 1991" are the
    1991 report's."""
    sources = Sources([SourceRef(f"{year}.txt", f"{year} mill report", "Ann Lee", "", ()) for year in (1990, 1991, 1992)])
    assert interpret("How big was the new shed they opened in early 1991?", [], sources).sides[0].paths == \
        ("1990.txt", "1991.txt")
    assert interpret("How big was the new shed in the 1991 report?", [], sources).sides[0].paths == ("1991.txt",)
    assert interpret("What were the mill's sales in 1991?", [], sources).sides[0].paths == ("1991.txt",)


def test_a_follow_up_asking_for_an_example_with_a_word_or_two_of_its_own_keeps_the_earlier_question():
    """"What mill did she use as an example?" after "Does Ann Lee think frost harms trade?": an example of that,
    asked with the earlier question; one with a topic the earlier question shares is read as its own question."""
    earlier = Turn("Does Ann Lee think frost harms trade?")
    assert resolve("What mill did she use as an example?", earlier, Sources([])) == \
        "What mill did Ann Lee use as an example: Does Ann Lee think frost harms trade?"
    assert ":" not in resolve("What example of frost harming trade did she give?", earlier, Sources([]))
    sources = Sources([SourceRef("bo.txt", "Ledger notes", "Bo Sim", "", ())])
    assert resolve("What example did Bo Sim cite?", earlier, sources) == "What example did Bo Sim cite?"


def test_a_person_typed_in_lower_case_is_cased_as_the_previous_quote_writes_the_name(dated_authors):
    """"according to quill's report …" names Mara Quill in lower case; the previous answer quoted Bo Sim's report,
    which writes "Mara Quill". "she" in the follow-up is Quill, whom the quote names, not the quote's author."""
    text = "As Mara Quill wrote in her report, the mill made cotton thread for weavers."
    earlier = "according to quill's report, what did the mill make?"
    quote = Quote(n=1, path="bo2001.txt", title="2001 mill report", author="Bo Sim", text=text, start=0,
                  end=len(text), score=0.9)
    history = [Turn(earlier, Answer(question=earlier, answer="...", abstained=False, kind="fact",
                                    citations=(quote,), support=0.9, resolved_question=earlier))]
    q = interpret("what did she say it should make next?", history, dated_authors)
    assert "Quill" in q.text and "Bo Sim" not in q.text


def test_a_question_about_what_a_statement_said_goes_on_from_it_and_compares_nothing(dated_authors):
    """"Ann Lee says X. What else do they need to do?" asks more of the statement: its second question's subject
    is a pronoun, so it is no second view ("… How does Bo Sim explain it?" is one)."""
    for more in ("What else do they need to do?", "What else do they need to do in Seattle?"):
        assert interpret(f"Ann Lee says the mill needs new looms. {more}", [], dated_authors).kind == "fact", more
    for other in ("How does Bo Sim explain it?", "How does it compare with what Bo Sim says?"):
        q = interpret(f"Ann Lee says the mill needs new looms. {other}", [], dated_authors)
        assert q.kind == "comparison" and [s.label for s in q.sides] == ["Ann Lee", "Bo Sim"], other


def test_it_as_a_subject_refers_to_the_previous_questions_subject_not_its_whole_clause():
    """"Why did it want …?" after "How did the ferry service treat its crews …?": "it" is the ferry service, the
    words before the verb; the clause read whole ("the ferry service treat its crews …") would ask it twice."""
    resolved = resolve("Why did it want them to stay home?",
                       Turn("How did the ferry service treat its crews during the storms?"), Sources([]))
    assert resolved.startswith("Why did the ferry service want ")


def test_two_stated_views_joined_by_while_then_a_question_about_each_are_the_sides():
    """"In 1990 Ann says X, while in 1992 she says Y. What does each report say?": the two statements are the sides,
    each searched for its own claim without the year and the speaker it was cut from."""
    sources = Sources([SourceRef(f"{year}.txt", f"{year} mill report", "Ann Lee" if year < 1993 else "Bo Sim", "", ())
                       for year in (1990, 1991, 1992, 1993)])
    q = interpret("In 1990 Ann Lee says the mill mostly made what buyers asked for, while in 1992 she says something "
                  "else about how the dye works began. What does each report say?", [], sources)
    assert q.kind == "comparison"
    assert [(s.paths, s.query) for s in q.sides] == [
        (("1990.txt",), "the mill mostly made what buyers asked for"),
        (("1992.txt",), "something else about how the dye works began")]


def test_those_with_a_noun_the_referent_does_not_name_refers_to_the_quote_sentence_that_names_it():
    # The previous question's referent ("up before the sale") names no ledgers; the quote does.
    previous = _answered("What does the mill draw up before the sale?",
                         "The clerks agree on a price first. Then they keep two ledgers of every bale. It takes a day.")
    q = interpret("What is the second of those ledgers for?", [previous], Sources([]))
    assert q.follow_up and q.text == "What is the second of those ledgers (Then they keep two ledgers of every bale.) for?"
    # A referent that names the noun already stays ("those looms": the looms the previous question asked about).
    looms = _answered("How many looms did the mill buy in 1990?", "The mill bought 40 looms. Each loom cost a lot.")
    kept = interpret("Who built those looms?", [looms], Sources([]))
    assert "The mill bought 40 looms" not in kept.text and "looms" in kept.text


def test_that_before_a_phrasal_verbs_particle_stands_alone_and_refers_back():
    """"Why was setting that up so hard?": "that" before "up" has no noun of its own, so it refers to what the
    previous question was about, even with words after the particle ("… write that down before the sale?"); a
    conjunction "that" before a phrase the particle opens ("up to ten", "back in 1990", "out of 40") does not."""
    previous = Turn("What was the ferry deal Ann Lee made with Kestrel Mills?")
    assert resolve("Why was setting that up so hard?", previous, Sources([])) != "Why was setting that up so hard?"
    for alone in ("Why was setting that up so hard?", "Did Ann write that down before the sale?",
                  "Why did Bo Sim turn that away so fast?", "Did Ann say that out loud?"):
        assert [w for _, _, w in unresolved(alone, Sources([]))] == ["that"], alone
    for conjunction in ("Did Ann say that up to ten mills closed?", "Did Ann tell Bo that back in 1990 it was small?",
                        "Does the report show that out of 40 looms only 3 worked?", "Did Ann hear that out west mills "
                        "closed?", "What was the deal that back then saved the mill?", "Did Ann warn that down the "
                        "river mills closed?"):
        assert "that" not in [w for _, _, w in unresolved(conjunction, Sources([]))], conjunction


def test_a_second_part_that_points_back_with_that_and_a_noun_phrase_is_searched_with_the_first_parts_topic(
        dated_authors):
    """"How does Ann Lee describe the way the dye works began, and how does Bo Sim tell that founding story
    differently?": "that founding story" is the dye works' beginning, so Bo Sim's side is searched for it too; a
    reported clause ("… argue that wages rose?"), a relative one ("the loom that Kestrel bought") and a time ("this
    past summer") ask their own question."""
    q = interpret("How does Ann Lee describe the way the dye works began, and how does Bo Sim tell that founding "
                  "story differently?", [], dated_authors)
    assert q.kind == "comparison" and [s.label for s in q.sides] == ["Ann Lee", "Bo Sim"]
    assert "dye works" in q.sides[1].query and "founding story" in q.sides[1].query
    for own_question in ("does Bo Sim argue that wages rose?", "what did Bo Sim say about the loom that Kestrel "
                         "bought?", "what did Bo Sim sell this past summer?"):
        own = interpret(f"How does Ann Lee describe the way the dye works began, and {own_question}", [],
                        dated_authors)
        assert own.kind == "comparison" and "dye works" not in own.sides[1].query, own_question


def test_a_name_typed_in_lower_case_is_read_as_the_documents_write_it():
    """"… differ from quill's own account of it?": the documents write "Quill" with a capital, so the question is
    read with it, and Mara Quill, quoted in no document's metadata, is a side of her own across the corpus, not a
    second search of the 1990 report."""
    refs = [SourceRef(f"{n.split()[0].lower()}{y}.txt", f"{y} mill report", n, "", ())
            for n, y in (("Ann Lee", 1990), ("Ann Lee", 1995), ("Bo Sim", 2001))]
    question = "how does the 1990 report's story of how the dye works began differ from quill's own account of it?"
    typed = interpret(question, [], Sources(refs))
    assert [s.paths for s in typed.sides] == [("ann1990.txt",), ("ann1990.txt",)]
    q = interpret(question, [], Sources(refs, None, {"quill": "Quill", "mara": "Mara"}))
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("ann1990.txt",), ()]
    assert q.sides[1].query == "Quill's story of how the dye works began"


def test_one_after_an_article_and_words_that_say_which_stands_for_what_the_previous_answer_named():
    """"What goes into the ledger one?" after an answer that quoted two documents: "one" stands for a thing the
    conversation named, read as the quote's sentence that holds its words ("ledger"), else as the quote's first
    sentence ("a really good one"); "the one thing", "the only one who" and "one of them" are no such "one"."""
    previous = _answered("What does the mill draw up before the sale?",
                         "First the clerks write a price sheet. Then they keep a ledger of every bale.")
    q = interpret("What goes into the ledger one?", [previous], Sources([]))
    assert q.follow_up and q.text == "What goes into the ledger one (Then they keep a ledger of every bale.)?"
    good = interpret("How long should a really good one take?", [previous], Sources([]))
    assert good.text == "How long should a really good one (First the clerks write a price sheet.) take?"
    for own in ("What is the one thing a mill must do?", "Who is the only one who kept a ledger?",
                "Which one of the mills kept a ledger?"):
        assert "one" not in [w for _, _, w in unresolved(own, Sources([]))], own


def test_a_name_before_a_phrasal_verb_is_no_speaker_so_a_later_it_refers_to_it():
    """"What does Kestrel write up before it buys a loom?" asks a new question: "write up" does not report what Kestrel
    said, so Kestrel is what "it" stands for, and the question does not lean on the conversation (after a comparison
    it was read as one more question to both of its sides). "What did Ann write before it closed?" still has Ann
    speak."""
    assert not is_follow_up("What does Kestrel write up before it buys a loom?", Sources([]))
    assert is_follow_up("What did Ann write before it closed?", Sources([]))


def test_a_word_of_conversation_before_a_follow_up_is_not_searched_and_what_it_takes_is_no_pronoun():
    """"ok so what does it take instead?" goes on from the previous question ("so"), without the "ok" (a passage
    that says "Ok, let's begin" is no answer), and its "it" stands for nothing: "what it takes" is an idiom."""
    previous = _answered("What does Ann Lee say is the risk of weaving only what buyers ask for?", "Dull cloth.")
    q = interpret("ok so what does it take instead?", [previous], Sources([]))
    assert q.follow_up and q.text.startswith("so what does it take instead")
    assert interpret("lol what did it take to win?", [], Sources([])).text == "what did it take to win?"
    assert interpret("oh ok, thanks — what did it take to win?", [], Sources([])).text == "what did it take to win?"
    for kept in ("Great Britain and France: which wove more?", "Nice is a town; what did it weave?",
                 "Right when the mill closed, what did Ann do?"):  # a name, or a word the question starts with
        assert interpret(kept, [], Sources([])).text == kept


def test_a_part_that_names_no_source_and_asks_how_many_counts_what_the_first_part_counts():
    """"…, and how many could the second one hold?": looms, as the first part counts, though neither part names a
    source to search."""
    q = interpret("How many looms could the first Kestrel mill hold, and how many could the second one hold?", [],
                  Sources([]))
    assert q.kind == "comparison" and "looms" in q.sides[1].query and "second" in q.sides[1].query


def test_it_in_a_second_view_stands_for_the_subject_of_the_first_not_the_clause_up_to_a_comma():
    """"… the account that says the frost begins with a slow, creeping cold with the account that says it …": "it"
    is the frost; the first view's subject ends at its verb, not at its comma."""
    q = interpret("Contrast the account that says the frost begins with a slow, creeping kind of cold with the account "
                  "that says it really comes down to wind.", [], Sources([]))
    assert [s.query for s in q.sides] == ["the frost begins with a slow, creeping kind of cold",
                                          "the frost really comes down to wind."]


def test_a_later_part_that_asks_how_long_it_takes_now_asks_the_first_parts_question_not_a_garbled_subject():
    """"How long did it take the mill to dye a bolt in 1890, and how long does it take now?": the second "it" is the
    same dummy subject, no thing of the first part; the part leans on the first part's question."""
    q = interpret("How long did it take the mill to dye a bolt in 1890, and how long does it take now?", [], Sources([]))
    assert [(s.label, s.query) for s in q.sides] == [
        ("How long did it take the mill to dye a bolt in 1890", "How long did it take the mill to dye a bolt in 1890"),
        ("How long does it take now", "How long did it take the mill to dye a bolt in 1890; how long does it take now?")]


@pytest.mark.parametrize("question, read", [
    ("How did that work out?", "How did that (the mill) work out?"),
    ("Did that end up raising wages in the valley?", "Did that (the mill) end up raising wages in the valley?"),
    ("Did that policy work?", "Did that policy (the mill) work?")])
def test_that_before_a_verb_after_an_auxiliary_acts_and_the_verb_stays_whole(question, read):
    """"How did that work out?": "that" is the subject and "work out" its verb; its referent goes after "that", not
    after "that work" (as it does after "that policy", a noun)."""
    assert resolve(question, Turn("What did the mill do about its night shift in 1890?"), Sources([])) == read


def test_a_plural_noun_before_a_preposition_is_no_verb_that_ends_a_claims_subject():
    """"the working conditions in the mills were harsh": "conditions in" follows a noun, so "they" in the second
    view stands for the whole subject, not for "the working"."""
    q = interpret("Contrast the account that says the working conditions in the mills were harsh with the account "
                  "that says they were fair.", [], Sources([]))
    assert [s.query for s in q.sides] == ["the working conditions in the mills were harsh",
                                          "the working conditions in the mills were fair."]


def test_that_after_a_copula_is_a_determiner_and_its_noun_keeps_the_quoted_sentence():
    """"What was that policy?": "that policy" points back to what was quoted, as before "did that work" was read."""
    previous = _answered("What did the mill do about its night shift?", "The mill cut the night shift to save coal.")
    assert resolve("What was that policy?", previous, Sources([])) == \
        "What was that policy (The mill cut the night shift to save coal.)?"


def test_that_same_before_a_noun_keeps_the_noun_whole_with_what_it_refers_to():
    """"In that same statement, …": "same" is no noun; the referent goes after "that same statement", as after
    "that statement", not between "that" and "same"."""
    previous = _answered("What did the mill do about its night shift?", "The mill cut the night shift to save coal.")
    assert resolve("In that same statement, what was the biggest cost?", previous, Sources([])) == \
        "In that same statement (The mill cut the night shift to save coal.), what was the biggest cost?"


def test_a_person_pronoun_is_no_numbered_name():
    """"Before which fair did Ann Lee say … keeps Day One crowds coming?": "she" next is Ann Lee, who says it, though
    every document names her; not "Day One", a numbered name as "Day 2" is."""
    refs = [SourceRef("a.txt", "Mill notes", "", "Kestrel Press", ()), SourceRef("b.txt", "Fair days", "", "", ())]
    sources = Sources(refs, spread=lambda terms: {"a.txt": 1, "b.txt": 1} if terms in (["ann", "lee"], ["ann"]) else {})
    q = interpret("What did she call the town's biggest asset?",
                  [_answered("Before which fair did Ann Lee say that early sowing keeps Day One crowds coming?",
                             "Early sowing keeps the crowds coming.")], sources)
    assert q.text == "What did Ann Lee call the town's biggest asset?"


def test_a_source_that_tells_a_story_is_not_what_a_later_it_stands_for():
    # "as Quill quotes it": Quill reports the story; the second part's "it" is what the story is about
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "", ("Quill",)),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ("the skeptic",))],
                      spread=lambda terms: {"a.txt": 1} if "quill" in terms else {"a.txt": 1, "b.txt": 1})
    q = interpret("How did Kestrel begin according to Tolstoy's diary as Quill quotes it, and how does the skeptic "
                  "explain where it came from?", [], sources)
    assert [s.paths for s in q.sides] == [("a.txt",), ("b.txt",)]
    assert "Kestrel" in q.sides[1].query and "Quill" not in q.sides[1].query
    assert q.sides[0].query == "How did Kestrel begin according to Tolstoy's diary"  # the aside goes whole
    # the idiom's own "it" stands for nothing a conversation could fill in
    earlier = _answered("What did Kestrel sell in 1990?", "Kestrel sold blue thread.")
    for question in ("How did the mill begin, as Quill puts it?", "How did the mill begin as the Quill recalls it?"):
        assert interpret(question, [earlier], sources).text == question


@pytest.mark.parametrize("asked", ["what had happened by the 2016 letter?", "what changed by the 2016 letter?"])
def test_a_part_that_only_asks_what_happened_asks_it_of_the_first_parts_thing(letter_refs, asked):
    """"What did the 2005 letter say Kestrel planned for its barges, and what had happened by the 2016 letter?": the
    second part names a letter and a time, and asks what became of the first part's thing."""
    q = interpret(f"What did the 2005 letter say Kestrel planned for its river barges, and {asked}", [], letter_refs)
    assert [s.paths for s in q.sides] == [("letters/2005.md",), ("letters/2016.md",)]
    assert "river barges" in q.sides[1].query


def test_a_change_between_a_time_that_names_no_source_and_a_named_one_sets_the_others_against_it(letter_refs):
    """"How did X change between the flood years and the 2016 letter?": the flood years name no letter, so they are
    every other letter, each side searched for X; where both times name a letter, those two are the sides."""
    q = interpret("How did Kestrel's barge fleet change between the flood years and the 2016 letter?", [], letter_refs)
    assert q.kind == "comparison"
    assert [s.paths for s in q.sides] == [("letters/1997.md", "letters/2005.md"), ("letters/2016.md",)]
    assert q.sides[0].label == "the flood years" and all("barge fleet" in s.query for s in q.sides)
    # a time after the named letter is the letters after it
    later = interpret("How did Kestrel's barge fleet change between the 1997 letter and the flood years?", [],
                      letter_refs)
    assert [s.paths for s in later.sides] == [("letters/1997.md",), ("letters/2005.md", "letters/2016.md")]
    # a place is no time: not set against every other letter
    place = interpret("How did the barges move between the river and the 2016 letter's warehouses?", [], letter_refs)
    assert place.kind == "fact"


def test_a_proper_name_and_its_noun_name_the_source_with_the_possessive_too():
    """"Kestrel's CEO" names the source whose alias is "Kestrel CEO" (a person's two names take no possessive)."""
    sources = Sources([SourceRef("ceo.txt", "A talk on looms", "Ann Lee", "", ("Kestrel CEO",)),
                       SourceRef("paper.txt", "Town Paper", "Bo Sim", "", ())])
    q = interpret("What does Kestrel’s CEO say about prices, and what does the Town Paper say?", [], sources)
    assert q.kind == "comparison" and [s.paths for s in q.sides] == [("ceo.txt",), ("paper.txt",)]
    titled = Sources([SourceRef("c.txt", "Customer obsession", "Ann Lee", "", ()), SourceRef("d.txt", "Dyes", "", "", ())])
    assert interpret("Why does a customer's obsession with price matter?", [], titled).sides == ()  # no title


def test_them_after_a_question_about_one_thing_and_its_plural_is_that_plural():
    """"What did Kestrel do for its weavers during the flood?" then "Why help them?": "them" is the weavers,
    Kestrel's, not Kestrel, which the earlier question already called "its"."""
    sources = Sources([SourceRef("a.txt", "Mill Notes", "Ann Lee", "", ()),
                       SourceRef("b.txt", "Town Paper", "Bo Sim", "", ())])
    asked = "What did Kestrel do for its weavers during the flood, according to Ann Lee?"
    turn = Turn(asked, Answer(asked, "", False, "fact", (
        Quote(1, "a.txt", "Mill Notes", "Ann Lee", "Kestrel paid the weavers.", 0, 25, 0.9),), 0.9))
    assert interpret("What was the point of helping them?", [turn], sources).text == (
        "What was the point of helping Kestrel’s weavers?")
    # a plural the question acts on was what "them" stood for before (`_object`), and still is
    asked = "Why did Kestrel sell its looms?"
    turn = Turn(asked, replace(turn.answer, question=asked))
    assert interpret("Who bought them?", [turn], sources).text == "Who bought Kestrel’s looms?"
