"""One place for every setting: defaults, and the `RAG_*` environment variables.

No other module reads the environment. Callers build a `Settings` (usually with
`Settings.from_env()`) and pass it down explicitly.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

# Questions longer than this are refused: no real question needs more, and a
# 100k-character paste would otherwise be embedded and BM25-scored in full.
MAX_QUESTION_CHARS = 2000

# Bounds of the numeric settings (inclusive; None: no upper bound). A value outside them,
# or NaN or infinity, is refused: `--min-support nan` would otherwise turn abstention off.
_WHOLE_RANGES: dict[str, tuple[int, int | None]] = {
    "chroma_port": (1, 65535), "chunk_chars": (1, None), "max_sentence_chars": (1, None), "embed_batch": (1, None),
    "k_dense": (1, None), "k_keyword": (1, None), "k_sentences": (1, None), "k_chunks": (1, None),
    "max_quotes": (1, None), "max_quotes_per_side": (1, None), "max_quote_chars": (1, None),
    "max_question_chars": (1, None),
}
_FRACTION_SETTINGS = ("mmr_lambda", "min_support", "near_duplicate")  # each in [0, 1]; min_support may be None
# How a user sets a setting, for messages that say what to change.
_SOURCES = {"chroma_port": "--chroma-port / RAG_CHROMA_PORT", "min_support": "--min-support / RAG_MIN_SUPPORT",
           "index_dir": "--index / RAG_INDEX_DIR"}


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
    feedback_db: Path = Path(".rag-feedback.sqlite3")  # the chat app's saved conversations and ratings (rag.chats)

    # The optional writer (rag.writer): an OpenAI-compatible endpoint and model. Unset: quotes only.
    llm_base_url: str | None = None  # e.g. Ollama's http://localhost:11434/v1
    llm_model: str | None = None
    llm_api_key: str | None = None  # most local servers need none
    llm_timeout: float = 60.0  # seconds to wait for the endpoint (to connect, and for each piece of the answer)

    @property
    def writes(self) -> bool:
        """Whether a writer is configured."""
        return bool(self.llm_base_url and self.llm_model)

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
        for key in ("llm_base_url", "llm_model", "llm_api_key"):
            if env.get(f"RAG_{key.upper()}"):
                values[key] = env[f"RAG_{key.upper()}"]
        if env.get("RAG_LLM_TIMEOUT"):
            try:
                values["llm_timeout"] = float(env["RAG_LLM_TIMEOUT"])
            except ValueError:
                raise ConfigError(f"RAG_LLM_TIMEOUT must be a number of seconds, got {env['RAG_LLM_TIMEOUT']!r}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_dir", "feedback_db"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Reject conflicting or impossible values early, naming what was passed (runs on every construction)."""
        if len(self.collection) < 3:
            raise ConfigError(f"collection name must have 3+ characters, got {self.collection!r}")
        for name, (low, high) in _WHOLE_RANGES.items():
            _check_whole(name, getattr(self, name), low, high)
        for name in _FRACTION_SETTINGS:
            _check_fraction(name, getattr(self, name))
        if not (isinstance(self.llm_timeout, (int, float)) and math.isfinite(self.llm_timeout) and self.llm_timeout > 0):
            raise ConfigError(f"llm_timeout (--llm-timeout / RAG_LLM_TIMEOUT) must be a positive number of seconds, "
                              f"got {self.llm_timeout!r}")
        if bool(self.llm_base_url) != bool(self.llm_model):
            raise ConfigError("a writer needs both RAG_LLM_BASE_URL (--llm-base-url) and RAG_LLM_MODEL (--llm-model): "
                              "set both, or neither for quotes only")
        index = Path(self.index_dir)
        if index.exists() and not index.is_dir():
            raise ConfigError(f"{_label('index_dir')} names {str(index)!r}, which is a file, not a folder: "
                              "pass a folder (it is created if missing)")

    def with_(self, **changes) -> "Settings":
        """A copy with some values changed (validated)."""
        return replace(self, **changes)


def _label(name: str) -> str:
    """A setting's name, with the flag and variable that set it where there are some."""
    return f"{name} ({_SOURCES[name]})" if name in _SOURCES else name


def _check_whole(name: str, value: object, low: int, high: int | None) -> None:
    """ConfigError unless `value` is an int (not a bool) in [low, high]."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value and (high is None or value <= high):
        return
    wanted = f"a whole number from {low} to {high}" if high is not None else f"a whole number of at least {low}"
    raise ConfigError(f"{_label(name)} must be {wanted}, got {value!r}")


def _check_fraction(name: str, value: object) -> None:
    """ConfigError unless `value` is a finite number in [0, 1]; None is allowed only for min_support."""
    if value is None and name == "min_support":
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1:
        return
    unset = ", or leave it unset to use the scorer's threshold" if name == "min_support" else ""
    raise ConfigError(f"{_label(name)} must be a number from 0 to 1, got {value!r}: pass a value such as 0.5{unset}")
