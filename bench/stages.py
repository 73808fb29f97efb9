#!/usr/bin/env python3
"""Where each miss is lost: a per-stage report over a question set.

Usage (from the repo root):
    .venv/bin/python bench/stages.py QUESTIONS.jsonl [--corpus DIR] [--index DIR]

For every answerable question that is not a comparison (conversations are asked with their
history, as `rag eval` does), the gold evidence is followed through the pipeline:
  retrieved  the gold is inside a retrieved chunk;
  candidate  ... inside a candidate window (non-content removed, windows cut; a window may run on
             into the chunk after its own, so the gold of a chunk not retrieved can be a candidate);
  answered   the bot did not abstain;
  quoted     ... inside a quote shown.
The first stage where it is missing is the loss's address. Apart, it counts the questions whose
best-scored window holds the gold (the ranker's top-1). Gold is a phrase of every gold
group (`gold`, the score.py format) or a gold sentence (`gold_sentences`, ClapNQ's; matched with
bench/score_clapnq.py's rule). Unanswerable questions are counted as abstained or not.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from fit_scorer import norm  # noqa: E402
from score_clapnq import quote_matches  # noqa: E402

STAGES = ("retrieved", "candidate", "answered", "quoted")


def holds(q: dict, texts: list[str]) -> bool:
    if q.get("gold_sentences"):
        return any(quote_matches(t, g) for t in texts for g in q["gold_sentences"])
    plain = [norm(t) for t in texts]
    return all(any(norm(p) in t for p in group for t in plain) for group in q["gold"])


def main() -> int:
    from rag.config import Settings
    from rag.engine import Engine
    from rag.query import interpret
    from rag.records import Turn
    from rag.retrieval import retrieve

    ap = argparse.ArgumentParser()
    ap.add_argument("questions", type=Path)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--index", type=Path)
    args = ap.parse_args()
    engine = Engine.open(Settings.from_env(corpus_dir=args.corpus, index_dir=args.index))
    s = engine.settings
    lost: Counter = Counter()
    rows = []
    unanswerable = abstained = first = 0
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        turns: list[Turn] = []
        for earlier in q.get("history") or []:
            turns.append(Turn(earlier, engine.ask(earlier, turns)))
        answer = engine.ask(q["question"], turns)
        if q["kind"] == "unanswerable":
            unanswerable += 1
            abstained += answer.abstained
            continue
        if q["kind"] == "comparison" or not (q.get("gold") or q.get("gold_sentences")):
            continue
        query = interpret(q["question"], turns, engine._sources)
        scoped = query.kind == "fact" and bool(query.sides)
        vector, paths = engine.embedder.embed_one(query.text), query.sides[0].paths if scoped else None
        hits = retrieve(query.text, vector, engine.store, engine.keyword, s, paths, s.k_chunks)
        found = engine.candidates(query.text, vector, s, paths, s.k_chunks, query.sides[0].query if scoped else None)
        best = max(found, key=lambda w: w.score, default=None)
        candidate = (holds(q, [w.text for w in found]) if len(q.get("gold", [])) <= 1 or q.get("gold_sentences")
                     else holds(q, [" ".join(w.text for w in found)]))
        reached = {
            "retrieved": candidate or holds(q, [h.chunk.text for h in hits]),
            "candidate": candidate,
            "answered": not answer.abstained,
            "quoted": not answer.abstained and holds(q, [c.text for c in answer.citations]),
        }
        where = next((stage for stage in STAGES if not reached[stage]), "ok")
        lost[where] += 1
        first += best is not None and holds(q, [best.text])
        rows.append({"id": q["id"], "lost_at": where, "support": round(answer.support, 3)})
    total = sum(lost.values())
    print(f"{args.questions.name}: {total} answerable questions (comparisons aside): "
          + ", ".join(f"{lost[k]} lost at {k}" for k in STAGES if lost[k])
          + f"; {lost['ok']} quoted the gold; the best window held it for {first}")
    print(f"  unanswerable: {abstained}/{unanswerable} abstained")
    for r in rows:
        if r["lost_at"] != "ok":
            print(f"  {r['id']}: lost at {r['lost_at']} (support {r['support']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
