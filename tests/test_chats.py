"""rag.chats: saved conversations and ratings survive restarts, stay with their owner, and migrate old files."""
from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import pytest

from rag.chats import DOWN, UP, VERSION, ChatStore, ConversationInfo
from rag.errors import ConfigError, QuestionError
from rag.records import Answer, Quote

DAY2 = Quote(n=1, path="corpus/a.txt", title="Day 1", author="Jeff Bezos", text="Day 2 is stasis.", start=10,
             end=26, score=0.9, also_in=("corpus/b.txt",))


def answer(question: str) -> Answer:
    return Answer(question=question, answer="> Day 2 is stasis. [1]", abstained=False, kind="fact",
                  citations=(DAY2,), support=0.7, timings_ms={"total": 12.5})


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sub" / "chats.sqlite3"


@pytest.fixture
def store(path):
    ticks = count(1000)
    return ChatStore(path, clock=lambda: float(next(ticks)))


def test_a_conversation_comes_back_after_a_restart(store, path):
    assert store.append("me", "c1", "a1", answer("  What is\nDay 2? "))
    assert store.append("me", "c1", "a2", answer("And Day 1?"))
    assert store.append("me", "c2", "a3", answer("Who wrote it?"))
    restarted = ChatStore(path)
    assert restarted.conversations("me") == [ConversationInfo("c2", "Who wrote it?", 1002.0, 1002.0, 1),
                                             ConversationInfo("c1", "What is Day 2?", 1000.0, 1001.0, 2)]
    turns = restarted.load("me", "c1")
    assert [(t.answer_id, t.rating, t.reason, t.created_at) for t in turns] == [("a1", None, None, 1000.0),
                                                                                ("a2", None, None, 1001.0)]
    assert [t.answer for t in turns] == [answer("  What is\nDay 2? "), answer("And Day 1?")]
    assert restarted.load("me", "nope") is None


def test_a_long_first_question_makes_a_short_title(store):
    store.append("me", "c1", "a1", answer("Why " * 50))
    title = store.conversations("me")[0].title
    assert len(title) == 80 and title.endswith("…") and "\n" not in title


def test_saving_the_same_answer_twice_adds_one_turn(store):
    assert store.append("me", "c1", "a1", answer("Q1?"))
    assert store.append("me", "c1", "a1", answer("Q1?"))
    assert not store.append("me", "c2", "a1", answer("Q1?"))  # an answer belongs to one conversation
    assert [c.turns for c in store.conversations("me")] == [1]


def test_another_owner_sees_and_changes_nothing(store):
    store.append("me", "c1", "a1", answer("Q1?"))
    store.rate("me", "c1", "a1", UP)
    assert store.conversations("you") == []
    assert store.load("you", "c1") is None
    assert not store.rename("you", "c1", "Mine now")
    assert not store.delete("you", "c1")
    assert not store.rate("you", "c1", "a1", DOWN)
    assert not store.rate("you", "c1", "a1", None)
    assert not store.append("you", "c1", "a9", answer("Q9?"))
    assert store.counts("you") == {"up": 0, "down": 0}
    assert store.conversations("me")[0].title == "Q1?"
    assert [(t.answer_id, t.rating) for t in store.load("me", "c1")] == [("a1", UP)]
    assert store.counts("me") == {"up": 1, "down": 0}


def test_rename_keeps_one_line_and_checks_length(store):
    store.append("me", "c1", "a1", answer("Q1?"))
    assert store.rename("me", "c1", "  Day 2\n notes ")
    assert store.conversations("me")[0].title == "Day 2 notes"
    for bad in ("", " \n ", "x" * 201):
        with pytest.raises(QuestionError, match="title"):
            store.rename("me", "c1", bad)
    assert store.rename("me", "c1", "x" * 200)
    assert not store.rename("me", "nope", "Title")


def test_delete_removes_turns_and_their_ratings(store, path):
    store.append("me", "c1", "a1", answer("Q1?"))
    store.append("me", "c2", "a2", answer("Q2?"))
    store.rate("me", "c1", "a1", DOWN, "wrong quote")
    store.rate("me", "c2", "a2", UP)
    assert store.delete("me", "c1")
    assert store.load("me", "c1") is None and not store.delete("me", "c1")
    assert [c.id for c in store.conversations("me")] == ["c2"]
    assert store.counts("me") == {"up": 1, "down": 0}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns WHERE conversation_id = 'c1'").fetchone() == (0,)


def test_a_later_turn_does_not_bring_a_deleted_conversation_back(store):
    store.append("me", "c1", "a1", answer("Q1?"))
    store.delete("me", "c1")  # in another tab
    assert not store.append("me", "c1", "a2", answer("Q2?"), create=False)
    assert store.load("me", "c1") is None and store.conversations("me") == []


def test_ratings_change_keep_a_reason_and_clear(store):
    store.append("me", "c1", "a1", answer("Q1?"))
    store.append("me", "c1", "a2", answer("Q2?"))
    assert store.rate("me", "c1", "a1", DOWN)
    assert store.rate("me", "c1", "a1", DOWN, "  wrong\nquote ")
    assert store.rate("me", "c1", "a2", UP)
    assert [(t.rating, t.reason) for t in store.load("me", "c1")] == [(DOWN, "wrong quote"), (UP, None)]
    assert store.counts("me") == {"up": 1, "down": 1}
    assert store.rate("me", "c1", "a1", UP)  # a new rating without a reason drops the old reason
    assert store.rate("me", "c1", "a2", None)
    assert [(t.rating, t.reason) for t in store.load("me", "c1")] == [(UP, None), (None, None)]
    assert store.counts("me") == {"up": 1, "down": 0}
    assert not store.rate("me", "c1", "unsaved", UP)
    assert not store.rate("me", "c2", "a1", UP)  # the answer is in another conversation


def test_bad_rating_or_reason_is_refused(store):
    store.append("me", "c1", "a1", answer("Q1?"))
    with pytest.raises(ConfigError, match="rating"):
        store.rate("me", "c1", "a1", 5)
    with pytest.raises(QuestionError, match="reason"):
        store.rate("me", "c1", "a1", DOWN, "x" * 501)
    assert store.load("me", "c1")[0].rating is None


def test_a_ratings_only_file_migrates_and_keeps_its_ratings(path):
    path.parent.mkdir()
    with sqlite3.connect(path) as db:  # what the earlier feedback module wrote
        db.execute("CREATE TABLE feedback (answer_id TEXT PRIMARY KEY, conversation TEXT NOT NULL, "
                   "rating INTEGER NOT NULL CHECK (rating IN (0, 1)), question TEXT NOT NULL, "
                   "answer_json TEXT NOT NULL, updated_at REAL NOT NULL)")
        db.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
                       [("old1", "s1", 1, "Q1?", "{}", 1.0), ("old2", "s2", 0, "Q2?", "{}", 2.0)])
    db.close()
    store = ChatStore(path)
    ChatStore(path)  # a second open finds the current version and changes nothing
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (VERSION,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT answer_id, conversation, rating, question, owner, reason FROM feedback "
                          "ORDER BY answer_id").fetchall() == [("old1", "s1", 1, "Q1?", "", None),
                                                                ("old2", "s2", 0, "Q2?", "", None)]
    db.close()
    assert store.counts("") == {"up": 1, "down": 1}  # kept, but no browser owns them
    assert store.counts("me") == {"up": 0, "down": 0}
    store.append("me", "c1", "a1", answer("Q1?"))
    assert store.rate("me", "c1", "a1", DOWN, "missed the answer")
    assert store.counts("me") == {"up": 0, "down": 1}


def test_a_file_from_a_newer_version_is_refused(path):
    ChatStore(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(ConfigError, match="newer version.*upgrade.*RAG_FEEDBACK_DB"):
        ChatStore(path)


def test_unusable_files_are_config_errors(tmp_path, store, path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(ConfigError, match="RAG_FEEDBACK_DB"):
        ChatStore(tmp_path / "dir.sqlite3")
    (tmp_path / "text.sqlite3").write_text("not a database, " * 100)
    with pytest.raises(ConfigError, match="text.sqlite3"):
        ChatStore(tmp_path / "text.sqlite3")
    store.append("me", "c1", "a1", answer("Q1?"))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE turns SET answer_json = '{\"question\": 1}'")
    db.close()
    with pytest.raises(ConfigError, match="unreadable answer"):
        store.load("me", "c1")


def test_twenty_browsers_saving_at_once_lose_nothing(path):
    barrier = threading.Barrier(20, timeout=60)

    def converse(i: int) -> None:
        barrier.wait()
        store = ChatStore(path)  # the first opens race to create and migrate the file too
        for turn in range(3):
            assert store.append(f"owner-{i}", f"c{i}", f"a{i}-{turn}", answer(f"Question {turn} of {i}?"))

    with ThreadPoolExecutor(max_workers=20) as pool:
        for future in [pool.submit(converse, i) for i in range(20)]:
            future.result(timeout=60)
    store = ChatStore(path)
    for i in range(20):
        assert [(c.id, c.turns) for c in store.conversations(f"owner-{i}")] == [(f"c{i}", 3)]
        assert [t.answer.question for t in store.load(f"owner-{i}", f"c{i}")] == [
            f"Question {turn} of {i}?" for turn in range(3)]


def test_twenty_browsers_rating_at_once_lose_nothing(store, path):
    for i in range(20):
        store.append(f"owner-{i}", f"c{i}", f"a{i}", answer(f"Q{i}?"))
    barrier = threading.Barrier(20, timeout=60)

    def rate(i: int) -> None:
        barrier.wait()
        assert ChatStore(path).rate(f"owner-{i}", f"c{i}", f"a{i}", UP if i % 2 else DOWN, f"reason {i}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        for future in [pool.submit(rate, i) for i in range(20)]:
            future.result(timeout=60)
    restarted = ChatStore(path)
    for i in range(20):
        assert restarted.counts(f"owner-{i}") == ({"up": 1, "down": 0} if i % 2 else {"up": 0, "down": 1})
        [turn] = restarted.load(f"owner-{i}", f"c{i}")
        assert (turn.rating, turn.reason) == (UP if i % 2 else DOWN, f"reason {i}")
