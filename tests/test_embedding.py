"""The embedder: the numpy query path (`embed_one`) against sentence-transformers (`embed`), real model."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tiny_corpus import REPO
from rag.chunking import split_sentences
from rag.embedding import Embedder, bundled_model_dir
from rag.errors import ModelError

TOLERANCE = 1e-5  # per component, on unit vectors
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
CORPUS = sorted((REPO / "corpus").glob("*.txt"))
LONG = CORPUS[0].read_text(encoding="utf-8")  # a whole document: far past the 256-token limit
EDGE_CASES = [
    "What does Day 2 look like?",
    "Obsession",  # one word
    "?!... -- ;:",  # punctuation only
    "Wie sieht Tag 2 bei Amazon aus? Kundenbesessenheit heißt, für die Kunden zu erfinden.",
    "アマゾンの「Day 2」とは何ですか？顧客第一主義について教えてください。",
    "  WHAT   does\tDAY 2\nlook like??  ",  # case and white space
    "In 1997 we had 1,500,000 customers; by 2020 it was 200M+ (about 133x).",
    "Ça coûte 5 € — naïve café, résumé 🚀",
    "",
]


def dev_questions(n: int = 10) -> list[str]:
    if not DEV.exists():  # ../shared beside the checkout; the corpus and edge cases still run
        return []
    lines = [ln for ln in DEV.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln)["question"] for ln in lines[:n]]


def corpus_sentences(per_doc: int = 3) -> list[str]:
    """Sentences as ingestion embeds them, from the start, the middle and the end of each document
    (enough, with the edge cases, for the test's 25 texts when ../shared is not beside the checkout)."""
    out = []
    for path in CORPUS:
        text = path.read_text(encoding="utf-8")
        spans = split_sentences(text)
        out += [text[s.start:s.end] for s in (spans[2], spans[len(spans) // 2], spans[-2])][:per_doc]
    return out


def test_embed_one_matches_sentence_transformers(embedder):
    texts = dev_questions() + corpus_sentences() + EDGE_CASES + [LONG]
    assert len(texts) >= 25 and len(LONG.split()) > 400
    worst, worst_text = 0.0, None
    for text in texts:
        ours, reference = embedder.embed_one(text), embedder.embed([text])[0]
        assert ours.dtype == np.float32 and ours.shape == (embedder.dim,)
        diff = float(np.abs(ours - reference).max())
        if diff > worst:
            worst, worst_text = diff, text
    print(f"worst |embed_one - embed| over {len(texts)} texts: {worst:.2e}")
    assert worst < TOLERANCE, f"{worst:.2e} on {worst_text[:80]!r}"


def test_embed_one_truncates_like_sentence_transformers(embedder):
    # Past 256 tokens the rest of the text must change nothing, as sentence-transformers truncates.
    assert np.array_equal(embedder.embed_one(LONG), embedder.embed_one(LONG + " Day 2 is stasis." * 50))


def test_embed_one_returns_a_unit_vector(embedder):
    assert abs(float(np.linalg.norm(embedder.embed_one("Which river runs through the old town?"))) - 1.0) < 1e-6


def test_answering_a_question_never_imports_torch():
    code = ("import json, sys\n"
            "from rag.embedding import Embedder\n"
            "e = Embedder()\n"
            "assert e.embed_one('What does Day 2 look like?').shape == (e.dim,)\n"
            "print(json.dumps([m for m in ('torch', 'transformers', 'sentence_transformers', 'sklearn')"
            " if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_dim_does_not_load_sentence_transformers():
    embedder = Embedder()
    assert embedder.dim == 384 and "model" not in embedder.__dict__


def test_tampered_weights_are_refused_before_use(tmp_path):
    for name in ("config.json", "sentence_bert_config.json", "tokenizer.json"):
        (tmp_path / name).write_bytes((bundled_model_dir() / name).read_bytes())
    (tmp_path / "model.safetensors").write_bytes(b"not the bundled weights")
    with pytest.raises(ModelError, match="sha256"):
        Embedder(tmp_path)
