#!/usr/bin/env python3
"""Every visible quality figure in one run: `rag eval` on each set, scored by its own scorer.

Usage (from the repo root): .venv/bin/python bench/quality.py [--sets dev,seeds,held,letters,lettersqa,clapnq]
                                                                [--work DIR] [--min-support X]

Sets and scorers:
  dev        ../shared/eval/dev.jsonl over corpus/                       (../shared/eval/score.py)
  seeds      ../shared/eval/dev2_seeds.jsonl over corpus/                (score.py)
  held       every bench/held*-corpus.jsonl over corpus/ and bench/held*-letters.jsonl over the 27
             letters (score.py), named held_corpus / held_letters, heldN_corpus / heldN_letters: sets in the
             dev2 style that helpers wrote from the documents without seeing the code or the other sets.
             Which were measured unseen, when, and which were read for error analysis: README.md,
             "Question sets".
  letters    ../shared/eval/dev2_letters.jsonl and bench/letters-questions.jsonl over the 27 letters
  lettersqa  the third-party letters QA (qa_samples2.json, 37 items) over the 27 letters (bench/letters_qa.py)
  clapnq     ClapNQ dev, 600 questions over 597 passages (bench/score_clapnq.py)

The letters folder (third-party text) and every index are built under --work (default
$TMPDIR/rag-quality), outside the repository. Results files land there too; a summary goes to stdout
and to WORK/summary.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EVAL = SHARED / "eval"
RAG = [sys.executable, "-m", "rag"]
sys.path.insert(0, str(REPO / "bench"))


def run(cmd: list[str], **kw) -> str:
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, **kw)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def rag_eval(questions: Path, out: Path, corpus: Path, index: Path, extra: list[str]) -> None:
    run([*RAG, "ingest", "--corpus", str(corpus), "--index", str(index)])
    print(run([*RAG, "eval", str(questions), "--out", str(out), "--corpus", str(corpus), "--index", str(index),
               *extra]).strip(), file=sys.stderr)


def score(questions: Path, results: Path) -> dict:
    return json.loads(run([sys.executable, str(EVAL / "score.py"), str(questions), str(results), "--json"]))


def _held(over: str) -> list[tuple[str, Path]]:
    """(name, file) of each bench/held*-{over}.jsonl in the order they were written: held, held2, … held10."""
    found = [(m, f) for f in REPO.joinpath("bench").glob(f"held*-{over}.jsonl")
             if (m := re.fullmatch(rf"held(\d*)-{over}", f.stem))]
    numbered = sorted((int(m.group(1) or 1), f) for m, f in found)
    if len({n for n, _ in numbered}) < len(numbered):
        raise SystemExit(f"two held sets share a number: {[f.name for _, f in numbered]}")
    return [("held" if n == 1 and over == "corpus" else f"held{n if n > 1 else ''}_{over}", f) for n, f in numbered]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="dev,seeds,held,letters,lettersqa,clapnq")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rag-quality")
    ap.add_argument("--min-support", default=None)
    args = ap.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    extra = ["--min-support", args.min_support] if args.min_support else []
    sets = args.sets.split(",")
    summary: dict = {}
    corpus, corpus_index = REPO / "corpus", work / "corpus-index"
    for name, file, among in (("dev", EVAL / "dev.jsonl", "dev"), ("seeds", EVAL / "dev2_seeds.jsonl", "seeds"),
                              *((name, file, "held") for name, file in _held("corpus"))):
        if among in sets:
            rag_eval(file, work / f"{name}.jsonl", corpus, corpus_index, extra)
            summary[name] = score(file, work / f"{name}.jsonl")
    if {"letters", "lettersqa", "held"} & set(sets):
        from letters_corpus import build
        letters = build(work / "letters")
        index = work / "letters-index"
        if "letters" in sets:
            for name, file in (("letters_dev2", EVAL / "dev2_letters.jsonl"),
                               ("letters_bench", REPO / "bench" / "letters-questions.jsonl")):
                rag_eval(file, work / f"{name}.jsonl", letters, index, extra)
                summary[name] = score(file, work / f"{name}.jsonl")
        if "held" in sets:
            for name, file in _held("letters"):
                rag_eval(file, work / f"{name}.jsonl", letters, index, extra)
                summary[name] = score(file, work / f"{name}.jsonl")
        if "lettersqa" in sets:
            import letters_qa
            qfile = letters_qa.write_questions(work / "lettersqa-questions.jsonl")
            rag_eval(qfile, work / "lettersqa.jsonl", letters, index, extra)
            summary["lettersqa"] = letters_qa.score(qfile, work / "lettersqa.jsonl")
            summary["lettersqa_tutorial"] = letters_qa.tutorial(qfile, letters)
    if "clapnq" in sets:
        data = REPO / "bench" / ".data" / "clapnq"
        if not (data / "questions.jsonl").exists():
            run([sys.executable, str(REPO / "bench" / "prepare_clapnq.py")])
        rag_eval(data / "questions.jsonl", work / "clapnq.jsonl", data / "corpus", data / "index", extra)
        summary["clapnq"] = json.loads(run([sys.executable, str(REPO / "bench" / "score_clapnq.py"),
                                            str(data / "questions.jsonl"), str(work / "clapnq.jsonl"),
                                            "--json"]))["summary"]
    (work / "summary.json").write_text(json.dumps(summary, indent=1))
    for name, s in summary.items():
        brief = {k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()
                 if not isinstance(v, (list, dict))}
        failed = [f["id"] for f in s.get("failures", [])]
        print(name, json.dumps(brief), f"failed: {' '.join(failed)}" if failed else "")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
