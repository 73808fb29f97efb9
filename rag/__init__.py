"""Grounded Q&A over a folder of documents, answered with verbatim, offset-checked quotes.

Typical use::

    from rag import Engine, Settings
    engine, report = Engine.build(Settings.from_env())   # ingest (incremental), then open
    answer = engine.ask("What does Day 2 look like?")

Importing this package is cheap: the model loads and the store opens only when
an `Engine` is built.
"""
from .config import Settings
from .errors import (ConfigError, CorpusError, IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing, IndexProblem,
                     ModelError, QuestionError, RagError, StoreUnavailable, VerificationError, WriterError)
from .records import Answer, Chunk, Document, Hit, Quote, Side, Span, Turn, Written


def __getattr__(name: str):
    # Engine pulls in numpy/chromadb; load it lazily so `import rag` stays instant.
    if name == "Engine":
        from .engine import Engine
        return Engine
    raise AttributeError(name)


__all__ = ["Answer", "Chunk", "ConfigError", "CorpusError", "Document", "Engine", "Hit", "IndexBusy",
           "IndexCorrupt", "IndexMismatch", "IndexMissing", "IndexProblem", "ModelError", "QuestionError", "Quote",
           "RagError", "Settings", "Side", "Span", "StoreUnavailable", "Turn", "VerificationError", "Written",
           "WriterError"]
