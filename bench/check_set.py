#!/usr/bin/env python3
"""Fit and measure the written-sentence check (`rag/check.py`) on pairs built from ClapNQ dev.

Usage (from the repo root, after `bench/prepare_clapnq.py` and an ingest of its corpus, as
`bench/quality.py --sets clapnq` does):
    .venv/bin/python bench/check_set.py [--fit]

The labelled set, from ClapNQ's answerable dev questions (text no one here wrote):
  - supported: each sentence of a human answer, with the sentences its annotator selected from the
    gold passage as the quotes it cites;
  - mismatched: the same sentence with the selected sentences of the most similar other question
    (by the question's embedding) as its quotes;
  - altered: the sentence with one number (or, lacking one, one proper name) changed, with its own
    quotes.
Questions are split in two halves by id. `--fit` fits the logistic model of (coverage, similarity)
on the first half's supported and mismatched pairs and prints the weights for `rag/check.WEIGHTS`;
every run reports the whole check, (a)+(b)+(c), on the second half: the share of supported
sentences kept, of mismatched and altered ones dropped, precision and recall of "kept", and
balanced accuracy.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SOURCE = REPO.parent / "shared" / "data" / "external" / "clapnq-dev" / "clapnq_dev_answerable.jsonl"
CLAPNQ = REPO / "bench" / ".data" / "clapnq"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])")


def pairs(engine) -> list[dict]:
    """Every labelled pair: {"half", "sentence", "quotes", "label", "kind"}."""
    from rag.check import names, numbers

    records = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = []
    for r in records:
        for answer in r.get("output") or []:
            quotes = [q for q in answer.get("selected_sentences") or [] if q.strip()]
            text = (answer.get("answer") or "").strip()
            if quotes and text:
                items.append((r["id"], r["input"], quotes, [s for s in _SENTENCE.split(text) if len(s) > 20]))
                break
    vectors = np.stack([engine.embedder.embed_one(question) for _, question, _, _ in items])
    similar = vectors @ vectors.T
    np.fill_diagonal(similar, -1)
    rng = random.Random(7)
    all_names = sorted({n for _, _, _, sentences in items for s in sentences for n in names(s)})
    out = []
    for i, (qid, _, quotes, sentences) in enumerate(items):
        half = int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2
        other = items[int(np.argmax(similar[i]))][2]
        for sentence in sentences:
            out.append({"half": half, "sentence": sentence, "quotes": quotes, "label": 1, "kind": "supported"})
            out.append({"half": half, "sentence": sentence, "quotes": other, "label": 0, "kind": "mismatched"})
            altered = _alter(sentence, numbers, names, all_names, rng)
            if altered:
                out.append({"half": half, "sentence": altered, "quotes": quotes, "label": 0, "kind": "altered"})
    return out


def _alter(sentence: str, numbers, names, all_names: list[str], rng: random.Random) -> str | None:
    """The sentence with one number changed, or one proper name; None if it has neither."""
    m = re.search(r"(?<![\w.])\d+(?:\.\d+)?", sentence)
    if m:
        value = m.group(0)
        new = str(int(float(value)) + rng.choice([1, 2, 3, 7])) if "." not in value else f"{float(value) + 1.5:g}"
        return sentence[:m.start()] + new + sentence[m.end():]
    mine = sorted(names(sentence))
    if mine:
        name = rng.choice(mine)
        other = rng.choice([n for n in all_names if n != name])
        return re.sub(rf"\b{re.escape(name)}\b", other.capitalize(), sentence, count=1, flags=re.I)
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", action="store_true")
    args = ap.parse_args()
    from rag.check import SentenceCheck, WEIGHTS
    from rag.config import Settings
    from rag.engine import Engine

    engine = Engine.open(Settings(corpus_dir=CLAPNQ / "corpus", index_dir=CLAPNQ / "index"))
    check = SentenceCheck(engine.embedder.embed_one, engine.keyword.idf)
    data = pairs(engine)
    if args.fit:
        from sklearn.linear_model import LogisticRegression

        train = [p for p in data if p["half"] == 0 and p["kind"] != "altered"]
        x = np.array([check.features(p["sentence"], p["quotes"]) for p in train])
        y = np.array([p["label"] for p in train])
        model = LogisticRegression(C=1.0).fit(x, y)
        WEIGHTS.update(bias=round(float(model.intercept_[0]), 2), coverage=round(float(model.coef_[0][0]), 2),
                       similarity=round(float(model.coef_[0][1]), 2))
        print("weights for rag/check.WEIGHTS:", json.dumps(WEIGHTS))
    test = [p for p in data if p["half"] == 1]
    kept = {}
    for p in test:
        numbered = {i + 1: q for i, q in enumerate(p["quotes"])}
        p["kept"] = check.why_not(p["sentence"], list(numbered), numbered) is None
        kept.setdefault(p["kind"], []).append(p["kept"])
    supported = np.mean(kept["supported"])
    dropped = {k: 1 - np.mean(v) for k, v in kept.items() if k != "supported"}
    true_kept = sum(kept["supported"])
    all_kept = sum(p["kept"] for p in test)
    report = {"pairs_tested": len(test), "supported_kept": round(float(supported), 4),
              **{f"{k}_dropped": round(float(v), 4) for k, v in dropped.items()},
              "precision_kept": round(true_kept / all_kept, 4) if all_kept else None,
              "recall_kept": round(float(supported), 4),
              "balanced_accuracy": round(float((supported + np.mean(list(dropped.values()))) / 2), 4),
              "counts": {k: len(v) for k, v in kept.items()}}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
