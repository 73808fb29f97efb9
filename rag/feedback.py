"""👍/👎 feedback on answers, kept in a local SQLite file that survives restarts.

One row per rated answer: the rating, the question and the whole answer as JSON
(citations with offsets), so a rating can be audited later against exactly what
was shown. A connection is opened per call: the chat app calls this from many
sessions (threads), and SQLite connections must not cross threads.

Non-goals: users, accounts, analytics. Every failure is a `ConfigError` naming the file.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from pathlib import Path

from .errors import ConfigError
from .records import Answer

UP, DOWN = 1, 0  # the values of a thumbs widget (st.feedback("thumbs")): 1 = 👍, 0 = 👎
_TIMEOUT_S = 5.0  # wait this long for another writer before giving up
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id    TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating IN (0, 1)),
    question     TEXT NOT NULL,
    answer_json  TEXT NOT NULL,
    updated_at   REAL NOT NULL
)"""


class FeedbackStore:
    """Ratings keyed by answer id. `FeedbackStore(path)` creates the file and table if needed."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def record(self, answer_id: str, answer: Answer, rating: int | None, conversation: str = "") -> None:
        """Save `rating` (UP or DOWN) for an answer; None removes an earlier rating."""
        if rating not in (UP, DOWN, None):
            raise ConfigError(f"a rating is {UP} (👍), {DOWN} (👎) or None, got {rating!r}")
        with self._connect() as db:
            if rating is None:
                db.execute("DELETE FROM feedback WHERE answer_id = ?", (answer_id,))
                return
            db.execute(
                "INSERT INTO feedback (answer_id, conversation, rating, question, answer_json, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(answer_id) DO UPDATE SET rating = excluded.rating, "
                "updated_at = excluded.updated_at",
                (answer_id, conversation, rating, answer.question, json.dumps(answer.to_json(), ensure_ascii=False),
                 time.time()))

    def rating(self, answer_id: str) -> int | None:
        with self._connect() as db:
            row = db.execute("SELECT rating FROM feedback WHERE answer_id = ?", (answer_id,)).fetchone()
        return None if row is None else int(row[0])

    def counts(self) -> dict[str, int]:
        """How many answers were rated 👍 ("up") and 👎 ("down"), over all sessions."""
        with self._connect() as db:
            rows = dict(db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall())
        return {"up": rows.get(UP, 0), "down": rows.get(DOWN, 0)}

    @contextlib.contextmanager
    def _connect(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            try:
                with db:  # commits, or rolls back on error
                    yield db
            finally:
                db.close()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot use the feedback file {self.path} ({exc}): "
                              f"set RAG_FEEDBACK_DB to a writable file") from exc
