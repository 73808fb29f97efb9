"""One place for every setting: defaults, and the `RAG_*` environment variables.

No other module reads the environment. Callers build a `Settings` (usually with
`Settings.from_env()`) and pass it down explicitly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

# Questions longer than this are refused: no real question needs more, and a
# 100k-character paste would otherwise be embedded and BM25-scored in full.
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")  # documents to index (.txt / .md)
    index_dir: Path = Path(".index")  # embedded Chroma + keyword index; git-ignored
    chroma_host: str | None = None  # set -> use a Chroma server instead of the embedded store
    chroma_port: int = 8000  # Chroma server port (used only with chroma_host)
    collection: str = "rag"  # prefix of the Chroma collection names (3+ chars)

    # Chunking: sentence-aware windows of about this many characters.
    chunk_chars: int = 800
    max_sentence_chars: int = 600  # longer "sentences" (lists, tables) are cut at this size
    embed_batch: int = 64  # sentences per model call while indexing

    # Retrieval.
    k_dense: int = 20  # chunks from the vector search
    k_keyword: int = 20  # chunks from BM25
    k_sentences: int = 20  # sentences from the vector search (ranked by their chunks)
    k_chunks: int = 8  # chunks kept after fusion + MMR
    mmr_lambda: float = 0.7  # 1.0 = pure relevance, lower = more diversity

    # Quote selection and abstention.
    max_quotes: int = 3  # quotes in a fact answer
    max_quotes_per_side: int = 3  # quotes per side of a comparison
    max_quote_chars: int = 800  # budget of quoted characters per answer
    # Abstain when the probability that the best window answers is below this. None: the
    # threshold chosen with the scorer on cross-validation folds (rag/scorer.json).
    min_support: float | None = None
    near_duplicate: float = 0.9  # quotes this similar (0..1 overlap) are shown once, "also in" the others

    max_question_chars: int = MAX_QUESTION_CHARS
    feedback_db: Path = Path(".rag-feedback.sqlite3")  # 👍/👎 store of the chat app

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from `RAG_*` variables, then apply explicit overrides (CLI flags).

        Overrides whose value is None are ignored, so argparse defaults can be passed through.
        """
        env = dict(os.environ if env is None else env)
        values: dict = {}
        if env.get("RAG_CORPUS_DIR"):
            values["corpus_dir"] = Path(env["RAG_CORPUS_DIR"])
        if env.get("RAG_INDEX_DIR"):
            values["index_dir"] = Path(env["RAG_INDEX_DIR"])
        if env.get("RAG_CHROMA_HOST"):
            values["chroma_host"] = env["RAG_CHROMA_HOST"]
        if env.get("RAG_CHROMA_PORT"):
            try:
                values["chroma_port"] = int(env["RAG_CHROMA_PORT"])
            except ValueError:
                raise ConfigError(f"RAG_CHROMA_PORT must be a number, got {env['RAG_CHROMA_PORT']!r}") from None
        if env.get("RAG_MIN_SUPPORT"):
            try:
                values["min_support"] = float(env["RAG_MIN_SUPPORT"])
            except ValueError:
                raise ConfigError(f"RAG_MIN_SUPPORT must be a number, got {env['RAG_MIN_SUPPORT']!r}") from None
        if env.get("RAG_FEEDBACK_DB"):
            values["feedback_db"] = Path(env["RAG_FEEDBACK_DB"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_dir", "feedback_db"):
            if key in values:
                values[key] = Path(values[key])
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject conflicting or impossible values early, naming what was passed."""
        if len(self.collection) < 3:
            raise ConfigError(f"collection name must have 3+ characters, got {self.collection!r}")
        if not 0 < self.chroma_port < 65536:
            raise ConfigError(f"Chroma port must be 1-65535, got {self.chroma_port}")
        if not 0.0 <= self.mmr_lambda <= 1.0:
            raise ConfigError(f"mmr_lambda must be in [0, 1], got {self.mmr_lambda}")
        if self.k_chunks < 1 or self.max_quotes < 1:
            raise ConfigError("k_chunks and max_quotes must be at least 1")

    def with_(self, **changes) -> "Settings":
        """A copy with some values changed (validated)."""
        new = replace(self, **changes)
        new.validate()
        return new
