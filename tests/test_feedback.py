"""rag.feedback: ratings survive a new store object (a restart) and can be changed or withdrawn."""
from __future__ import annotations

import pytest

from rag.errors import ConfigError
from rag.feedback import DOWN, UP, FeedbackStore
from rag.records import Answer

ANSWER = Answer(question="What is Day 2?", answer="> quote [1]", abstained=False, kind="fact", citations=(),
                support=0.7)


def test_ratings_persist_change_and_clear(tmp_path):
    path = tmp_path / "sub" / "feedback.sqlite3"
    FeedbackStore(path).record("a1", ANSWER, UP, conversation="c1")
    FeedbackStore(path).record("a2", ANSWER, DOWN)
    restarted = FeedbackStore(path)
    assert (restarted.rating("a1"), restarted.rating("a2"), restarted.rating("nope")) == (UP, DOWN, None)
    assert restarted.counts() == {"up": 1, "down": 1}
    restarted.record("a1", ANSWER, DOWN)
    restarted.record("a2", ANSWER, None)
    assert FeedbackStore(path).counts() == {"up": 0, "down": 1}


def test_bad_rating_and_unwritable_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="rating"):
        FeedbackStore(tmp_path / "f.sqlite3").record("a", ANSWER, 5)
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(ConfigError, match="RAG_FEEDBACK_DB"):
        FeedbackStore(tmp_path / "dir.sqlite3")
