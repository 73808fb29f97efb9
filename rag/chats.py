"""Saved conversations and their 👍/👎 feedback, in one local SQLite file that survives restarts.

`ChatStore(path)` owns the file (`Settings.feedback_db`): conversations, their turns (each
answer as the JSON of `Answer.to_json`, citations with offsets) and the ratings. Every call
names an `owner`, an opaque id of the browser that made the conversation; one owner never
sees, changes or counts another's conversations: someone else's conversation behaves as if
it did not exist.

The schema is versioned with `PRAGMA user_version`. Version 0 is an empty file or one that
the ratings-only feedback module of earlier versions wrote; opening it migrates it to the current version in one
transaction, keeping its ratings (their owner is "", so no browser sees them). A file from a
newer version is refused rather than guessed at.

A connection is opened per call: the chat app calls from many sessions (threads), and SQLite
connections must not cross threads. The file is in WAL mode, so readers never wait for the
writer, and each write holds the write lock (`BEGIN IMMEDIATE`) from its first read to its
commit, so concurrent writers queue instead of failing. Every failure is a `ConfigError`
naming the file.

Non-goals: accounts, sharing a conversation between browsers, search, analytics.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, QuestionError
from .records import Answer

UP, DOWN = 1, 0  # the values of a thumbs widget (st.feedback("thumbs")): 1 = 👍, 0 = 👎
MAX_TITLE_CHARS = 200  # a title the user gives; a title made from the first question is shorter
MAX_REASON_CHARS = 500  # free text explaining a rating
_AUTO_TITLE_CHARS = 80  # titles made from the first question are cut here, with "…"
_TIMEOUT_S = 10.0  # wait this long for another writer before giving up

# The version-0 table: what the earlier feedback module created. Creating it when missing lets an empty
# file and an old one take the same migration.
_FEEDBACK_V0 = """CREATE TABLE IF NOT EXISTS feedback (
    answer_id    TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating IN (0, 1)),
    question     TEXT NOT NULL,
    answer_json  TEXT NOT NULL,
    updated_at   REAL NOT NULL)"""
# MIGRATIONS[v] takes a file from version v to v + 1. Single statements, run inside the
# caller's transaction (executescript would commit halfway).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (_FEEDBACK_V0,
     """CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        title      TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL)""",
     "CREATE INDEX conversations_by_owner ON conversations (owner, updated_at)",
     """CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        answer_id       TEXT NOT NULL UNIQUE,
        answer_json     TEXT NOT NULL,
        created_at      REAL NOT NULL,
        PRIMARY KEY (conversation_id, seq))""",
     "ALTER TABLE feedback ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
     "ALTER TABLE feedback ADD COLUMN reason TEXT"),
)
VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    title: str
    created_at: float  # seconds since the epoch
    updated_at: float  # when its last turn was saved
    turns: int


@dataclass(frozen=True)
class SavedTurn:
    answer_id: str
    answer: Answer
    rating: int | None  # UP, DOWN or None (not rated)
    reason: str | None  # why, in the user's words
    created_at: float  # seconds since the epoch


class ChatStore:
    """Conversations, turns and ratings by owner. `ChatStore(path)` creates or migrates the file.

    Args:
        clock: seconds since the epoch, for `created_at` and `updated_at` (tests pass a fixed one).
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._clock = clock
        with self._connect() as db:
            # Persistent in the file; it cannot change inside a transaction, so it comes first. SQLite may
            # refuse the switch at once ("database is locked", no busy wait) while other first opens of a
            # new file hold it: it is retried for as long as a write would wait.
            deadline = time.monotonic() + _TIMEOUT_S
            while True:
                try:
                    db.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        with self._write() as db:  # under the write lock, so two first opens migrate once
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > VERSION:
                raise ConfigError(f"the feedback file {self.path} was written by a newer version of this app "
                                  f"(schema {version}, this one knows {VERSION}): upgrade the app, or set "
                                  f"RAG_FEEDBACK_DB to another file")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {VERSION}")

    def append(self, owner: str, conversation_id: str, answer_id: str, answer: Answer, create: bool = True) -> bool:
        """Save `answer` as the next turn; a conversation's first turn creates it, titled by its question.

        Saving the same answer id again in the same conversation changes nothing.

        Args:
            create: this is the conversation's first turn. A later turn of a conversation that was
                deleted meanwhile (in another tab) must not bring it back with one turn.

        Returns:
            False (and saves nothing) when the conversation or the answer id is another owner's, or
            the conversation does not exist and `create` is false.
        """
        answer_json = json.dumps(answer.to_json(), ensure_ascii=False)
        now = self._clock()
        with self._write() as db:
            row = db.execute("SELECT owner FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if row is not None and row[0] != owner:
                return False
            saved = db.execute("SELECT conversation_id FROM turns WHERE answer_id = ?", (answer_id,)).fetchone()
            if saved is not None:
                return saved[0] == conversation_id
            if row is None and not create:
                return False
            if row is None:
                db.execute("INSERT INTO conversations (id, owner, title, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?)", (conversation_id, owner, auto_title(answer.question), now, now))
            else:
                db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
            db.execute("INSERT INTO turns (conversation_id, seq, answer_id, answer_json, created_at) "
                       "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM turns WHERE conversation_id = ?",
                       (conversation_id, answer_id, answer_json, now, conversation_id))
        return True

    def conversations(self, owner: str) -> list[ConversationInfo]:
        """The owner's conversations, most recently updated first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.created_at, c.updated_at, COUNT(t.seq) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.owner = ? "
                "GROUP BY c.id ORDER BY c.updated_at DESC, c.created_at DESC, c.id", (owner,)).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def load(self, owner: str, conversation_id: str) -> list[SavedTurn] | None:
        """The conversation's turns in the order they were saved, or None if the owner has no such conversation."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT t.answer_id, t.answer_json, f.rating, f.reason, t.created_at FROM turns t "
                "JOIN conversations c ON c.id = t.conversation_id "
                "LEFT JOIN feedback f ON f.answer_id = t.answer_id AND f.owner = c.owner "
                "WHERE c.id = ? AND c.owner = ? ORDER BY t.seq", (conversation_id, owner)).fetchall()
        if not rows:  # a conversation is created with its first turn, so it always has one
            return None
        try:
            return [SavedTurn(answer_id, Answer.from_json(json.loads(answer_json)), rating, reason, created_at)
                    for answer_id, answer_json, rating, reason, created_at in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"the feedback file {self.path} holds an unreadable answer ({exc!r}): "
                              f"set RAG_FEEDBACK_DB to another file") from exc

    def rename(self, owner: str, conversation_id: str, title: str) -> bool:
        """Give the conversation a new title, on one line; its place in the list stays.

        Returns:
            False if the owner has no such conversation.
        """
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE_CHARS:
            raise QuestionError(f"a conversation's title is 1 to {MAX_TITLE_CHARS} characters, got {len(title)}")
        with self._write() as db:
            changed = db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                                 (title, conversation_id, owner)).rowcount
        return changed == 1

    def delete(self, owner: str, conversation_id: str) -> bool:
        """Delete the conversation, its turns and their ratings. False if the owner has no such conversation."""
        with self._write() as db:
            db.execute("DELETE FROM feedback WHERE owner = ? AND answer_id IN "
                       "(SELECT answer_id FROM turns WHERE conversation_id = ?)", (owner, conversation_id))
            # The turns go with it (ON DELETE CASCADE).
            deleted = db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?",
                                 (conversation_id, owner)).rowcount
        return deleted == 1

    def rate(self, owner: str, conversation_id: str, answer_id: str, rating: int | None,
             reason: str | None = None) -> bool:
        """Set a saved answer's rating (UP or DOWN) and reason, or remove both (rating None).

        Each call sets both: to add a reason to an earlier rating, pass that rating again.

        Returns:
            False (and changes nothing) if the owner's conversation has no such saved answer.
        """
        if rating not in (UP, DOWN, None):
            raise ConfigError(f"a rating is {UP} (👍), {DOWN} (👎) or None, got {rating!r}")
        reason = " ".join((reason or "").split()) or None
        if reason is not None and len(reason) > MAX_REASON_CHARS:
            raise QuestionError(f"a reason is at most {MAX_REASON_CHARS} characters, got {len(reason)}")
        with self._write() as db:
            row = db.execute("SELECT t.answer_json FROM turns t JOIN conversations c ON c.id = t.conversation_id "
                             "WHERE t.answer_id = ? AND c.id = ? AND c.owner = ?",
                             (answer_id, conversation_id, owner)).fetchone()
            if row is None:
                return False
            if rating is None:
                db.execute("DELETE FROM feedback WHERE answer_id = ?", (answer_id,))
            else:
                db.execute(
                    "INSERT INTO feedback (answer_id, conversation, rating, question, answer_json, updated_at, "
                    "owner, reason) VALUES (?, ?, ?, json_extract(?, '$.question'), ?, ?, ?, ?) "
                    "ON CONFLICT (answer_id) DO UPDATE SET rating = excluded.rating, reason = excluded.reason, "
                    "owner = excluded.owner, updated_at = excluded.updated_at",
                    (answer_id, conversation_id, rating, row[0], row[0], self._clock(), owner, reason))
        return True

    def counts(self, owner: str) -> dict[str, int]:
        """How many of the owner's answers are rated 👍 ("up") and 👎 ("down")."""
        with self._connect() as db:
            rows = dict(db.execute("SELECT rating, COUNT(*) FROM feedback WHERE owner = ? GROUP BY rating",
                                   (owner,)).fetchall())
        return {"up": rows.get(UP, 0), "down": rows.get(DOWN, 0)}

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one write transaction: committed at the end, rolled back on any error."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in autocommit mode (transactions are explicit), closed at the end."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
            try:
                db.execute("PRAGMA foreign_keys = ON")
                yield db
            finally:
                db.close()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot use the feedback file {self.path} ({exc}): "
                              f"set RAG_FEEDBACK_DB to a writable file") from exc


def auto_title(question: str) -> str:
    """A conversation's first title: its first question on one line, cut with "…" if long.

    >>> auto_title("  What does\\nDay 2 look like? ")
    'What does Day 2 look like?'
    >>> title = auto_title("Day 2 is stasis. " * 10)
    >>> len(title), title[-12:]
    (80, 'Day 2 is st…')
    """
    line = " ".join(question.split()) or "Untitled conversation"
    return line if len(line) <= _AUTO_TITLE_CHARS else line[:_AUTO_TITLE_CHARS - 1] + "…"
