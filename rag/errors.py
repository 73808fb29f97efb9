"""The one exception tree of the library.

Library code raises these; the CLI prints `str(error)` on one line and exits
non-zero, and the chat app shows it with `st.error`. Every message says what
to do next.
"""
from __future__ import annotations


class RagError(Exception):
    """Base of every error the library raises on purpose."""


class ConfigError(RagError):
    """A setting or option has an impossible value."""


class QuestionError(RagError):
    """The question cannot be answered as asked (empty, too long)."""


class CorpusError(RagError):
    """The corpus folder is missing, empty or has no readable document."""


class IndexProblem(RagError):
    """Base for problems with the on-disk index."""


class IndexMissing(IndexProblem):
    """No index has been built yet for these settings."""


class IndexCorrupt(IndexProblem):
    """The index files exist but cannot be read."""


class IndexMismatch(IndexProblem):
    """The index was built from another corpus or another model."""


class IndexBusy(IndexProblem):
    """Another process is writing the index right now."""


class StoreUnavailable(RagError):
    """The Chroma server cannot be reached."""


class ModelError(RagError):
    """The bundled embedding model is missing or does not match its checksum."""


class VerificationError(RagError):
    """A quote does not equal its document's text at its offsets (a bug, never shown as evidence)."""


class WriterError(RagError):
    """The optional language model could not write (down, slow, unknown model, garbage): the quotes stand alone."""
