#!/usr/bin/env python3
"""The third-party letters QA (aws-samples `qa_samples2.json`, 37 items) as a `rag eval` set, and its scores.

The items say "the document" or "the letter" without a year, which is ambiguous among 27 letters, so
each question is asked with its letter's year appended ("... (1997 letter)"), from the year mapping in
`../shared/data/external/aws-samples-letters-qa/SOURCE.md` (not upstream labels).

Scores, over the 37 items:
  right_year   share of answers with a citation from that year's letter file;
  coverage     share of the reference answer's content words (lower-cased words of 3+ letters that are
               not stop words) found among the quotes' words, averaged over items;
  quoted_chars mean characters quoted per answer.
`tutorial()` gives the same figures for the LangChain tutorial pipeline (RecursiveCharacterTextSplitter
1000/200, the same bundled model, cosine top 4 chunks, the chunks shown whole).
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
QA = EXTERNAL / "aws-samples-letters-qa" / "qa_samples2.json"
YEARS = {1997: [7, 8, 9, 15, 16, 17, 25, 26, 27, 34, 35, 36], 2019: [10, 11, 12, 13, 14],
         2020: [0, 1, 2, 3, 4, 5, 6], 2021: [28, 29, 30, 31, 32, 33], 2022: [18, 19, 20, 21, 22, 23, 24]}
_STOP = set("""the and for that with this from have has had was were are been being its their they them
which what when where who whom how why will would could should can may might our ours you your his her
she him also than then there these those such into onto over under about after before more most other
some any each every many much very just only not nor but all both either neither own same too out off
again further once here while during through above below between because until upon document letter
according amazon company""".split())


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9$%.]+", text.lower().replace("’", "'")) if len(w) >= 3
            and w.strip(".") not in _STOP} - {""}


def write_questions(out: Path) -> Path:
    data = json.loads(QA.read_text(encoding="utf-8"))
    year_of = {i: y for y, items in YEARS.items() for i in items}
    with open(out, "w", encoding="utf-8") as f:
        for i, (q, truth) in enumerate(zip(data["question"], data["ground_truth"])):
            y = year_of[i]
            f.write(json.dumps({"id": f"qa{i:02d}", "kind": "fact", "question": f"{q} ({y} letter)",
                                "year": y, "reference": truth}) + "\n")
    return out


def _figures(items: list[dict], shown: dict[str, list[tuple[str, str]]]) -> dict:
    """`shown`: id -> [(path, text)] the reader gets."""
    right, cover, chars = [], [], []
    for q in items:
        texts = shown.get(q["id"], [])
        right.append(any(Path(p).stem.startswith(str(q["year"])) for p, _ in texts))
        ref = content_words(q["reference"])
        got = set().union(*(content_words(t) for _, t in texts)) if texts else set()
        cover.append(len(ref & got) / len(ref) if ref else 0.0)
        chars.append(sum(len(t) for _, t in texts))
    return {"questions": len(items), "right_year": statistics.fmean(right), "coverage": statistics.fmean(cover),
            "quoted_chars": statistics.fmean(chars)}


def score(questions: Path, results: Path) -> dict:
    items = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    shown = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        shown[r["id"]] = [(c["path"], c["quote"]) for c in r.get("citations", [])]
    return _figures(items, shown)


def tutorial(questions: Path, folder: Path) -> dict:
    import numpy as np
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.embedding import Embedder
    from rag.loading import load_corpus

    docs = load_corpus(folder).documents
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = [(d.path, t) for d in docs for t in splitter.split_text(d.text)]
    embedder = Embedder()
    vectors = np.asarray(embedder.embed([t for _, t in chunks]))
    items = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    shown = {}
    for q in items:
        best = np.argsort(-(vectors @ embedder.embed_one(q["question"])))[:4]
        shown[q["id"]] = [chunks[i] for i in best]
    return _figures(items, shown)
