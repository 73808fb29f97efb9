"""rag.export: the Markdown of a conversation keeps every citation checkable."""
from __future__ import annotations

from rag.chats import DOWN, UP, SavedTurn
from rag.export import conversation_markdown
from rag.records import Answer, Quote, Side

DAY2 = Quote(n=1, path="corpus/a.txt", title="Day 1 <letter>", author="Jeff Bezos",
             text="Day 2 is stasis.\nFollowed by irrelevance.", start=10, end=51, score=0.9, also_in=("corpus/b.txt",))


def test_fact_answer_known_markdown():
    answer = Answer(question="What is Day 2?", answer="", abstained=False, kind="fact", citations=(DAY2,),
                    support=0.9, resolved_question="What is Day 2?")
    assert conversation_markdown([answer], {"corpus/b.txt": "Copy"}) == (
        "# Conversation with the documents\n\n"
        "## 1. What is Day 2?\n\n"
        "**[1]** Day 1 \\<letter\\> — Jeff Bezos  \n"
        "`corpus/a.txt`, characters 10–51  \n"
        "Also in: Copy\n\n"
        "> Day 2 is stasis. Followed by irrelevance.\n")


def test_comparison_abstention_and_markup():
    side_a, side_b = Side("A", ("a.txt",)), Side("B", ("b.txt",))
    quote = Quote(n=1, path="a.txt", title="A", author="", text="<script>x</script> [y](javascript:z)", start=0,
                  end=36, score=0.5, side="A")
    comparison = Answer(question="Compare A and B", answer="", abstained=False, kind="comparison",
                        citations=(quote,), support=0.5, sides=(side_a, side_b))
    abstained = Answer(question="Capital?", answer="", abstained=True, kind="fact", citations=(), support=0.1,
                       suggestions=("A",))
    md = conversation_markdown([comparison, abstained])
    assert ("### A\n\n**[1]** A  \n`a.txt`, characters 0–36\n\n"
            "> \\<script\\>x\\</script\\> \\[y\\](javascript:z)") in md
    assert "### B\n\n_No passage in B addresses this question._" in md
    assert "## 2. Capital?\n\n_No answer: no passage in the documents answers this._ Closest documents: A." in md
    assert "<script>" not in md


def test_saved_turns_show_date_times_and_ratings():
    first = Answer(question="What is Day 2?", answer="", abstained=False, kind="fact", citations=(DAY2,),
                   support=0.9)
    second = Answer(question="And Day 3?", answer="", abstained=True, kind="fact", citations=(), support=0.1)
    third = Answer(question="Who?", answer="", abstained=True, kind="fact", citations=(), support=0.1)
    turns = [SavedTurn("a1", first, UP, None, 1714571000.0),  # 2024-05-01 13:43:20 UTC
             SavedTurn("a2", second, DOWN, "should have said\nit doesn't <know>", 1714660000.0),
             SavedTurn("a3", third, None, None, 1714660060.0)]
    md = conversation_markdown(turns, title="Day 2 *notes*")
    assert md.startswith("# Day 2 \\*notes\\*\n\nStarted 2024-05-01\n\n"
                         "## 1. What is Day 2?\n\n_Asked 2024-05-01 13:43 UTC_\n\n**[1]** Day 1")
    assert "> Day 2 is stasis. Followed by irrelevance.\n\nRated: helpful\n\n## 2. And Day 3?" in md
    assert ("_Asked 2024-05-02 14:26 UTC_\n\n_No answer: no passage in the documents answers this._\n\n"
            "Rated: not helpful — reason: should have said it doesn't \\<know\\>\n\n## 3. Who?") in md
    assert md.endswith("_Asked 2024-05-02 14:27 UTC_\n\n_No answer: no passage in the documents answers this._\n")
    assert conversation_markdown([t.answer for t in turns]).count("Rated:") == 0
