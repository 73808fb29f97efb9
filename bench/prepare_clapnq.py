#!/usr/bin/env python3
"""Turn the ClapNQ dev split into a corpus folder and a question file for `rag eval`.

Usage (from the repo root):
    python bench/prepare_clapnq.py [--src DIR] [--out DIR]

Reads `clapnq_dev_answerable.jsonl` and `clapnq_dev_unanswerable.jsonl` from --src (default
`../shared/data/external/clapnq-dev`, found next to the repo, not relative to the working directory)
and writes under --out (default `bench/.data/clapnq/`, which git ignores: the passages are
third-party Wikipedia text and are never committed):

    corpus/NNN_<slug>.txt   one file per distinct passage, holding the passage `text` exactly
                            (no added newline), so offsets in citations are offsets into that text;
    corpus/metadata.json    {"files": {"NNN_slug.txt": {"title", "author", "publisher", "aliases"}}},
                            the shape the library reads for titles;
    questions.jsonl         {"id", "question", "kind": "fact" | "unanswerable",
                             "gold_sentences": [...], "gold_file": "NNN_slug.txt"} a line.

Every ClapNQ record carries exactly one passage. Identical passage texts are written once and
shared by every question that uses them. `gold_sentences` is the union, in order, of the
`selected_sentences` of all the human answers to a question (ClapNQ has 1-7 answers per question,
and any one annotator's evidence counts). Unanswerable questions get an empty list; their
`gold_file` is the passage they came with, which does not answer them.

Standard library only, so it runs before the project is installed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = REPO_ROOT.parent / "shared" / "data" / "external" / "clapnq-dev"
DEFAULT_OUT = REPO_ROOT / "bench" / ".data" / "clapnq"
SOURCES = (("clapnq_dev_answerable.jsonl", "fact"), ("clapnq_dev_unanswerable.jsonl", "unanswerable"))
PUBLISHER = "Wikipedia (ClapNQ dev)"
SLUG_MAX = 40


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def slugify(title: str) -> str:
    """ASCII, lower-case, hyphen-separated and short: file names must be portable and readable."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "passage"


def gold_sentences(record: dict) -> list[str]:
    """Union of every answer's selected sentences, first occurrence first."""
    seen: dict[str, None] = {}
    for answer in record.get("output") or []:
        for sentence in answer.get("selected_sentences") or []:
            seen.setdefault(sentence, None)
    return list(seen)


def only_passage(record: dict) -> dict:
    passages = record.get("passages") or []
    if len(passages) != 1:
        # The dev split always has one; fail loudly rather than guess which is gold.
        raise ValueError(f"question {record.get('id')}: expected 1 passage, found {len(passages)}")
    return passages[0]


def build(src: Path) -> tuple[dict[str, dict], list[dict], dict[str, int]]:
    """Return (files: name -> {"title", "text"}, questions, stats), deduplicating passages by text."""
    files: dict[str, dict] = {}
    name_by_text: dict[str, str] = {}
    questions: list[dict] = []
    stats = {"records": 0, "duplicate_passages": 0}
    for file_name, kind in SOURCES:
        for record in read_jsonl(src / file_name):
            stats["records"] += 1
            passage = only_passage(record)
            text = passage["text"]
            name = name_by_text.get(text)
            if name is None:
                name = f"{len(files):03d}_{slugify(passage['title'])}.txt"
                name_by_text[text] = name
                files[name] = {"title": passage["title"], "text": text}
            else:
                stats["duplicate_passages"] += 1
            questions.append({
                "id": str(record["id"]),
                "question": record["input"],
                "kind": kind,
                "gold_sentences": gold_sentences(record) if kind == "fact" else [],
                "gold_file": name,
            })
    return files, questions, stats


def write_corpus(files: dict[str, dict], corpus_dir: Path) -> None:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    # Drop passage files from an earlier run so the folder holds exactly this corpus.
    for old in corpus_dir.glob("*.txt"):
        if old.name not in files:
            old.unlink()
    for name, entry in files.items():
        # newline="" keeps the bytes exactly as the passage text (it has no newlines anyway).
        with (corpus_dir / name).open("w", encoding="utf-8", newline="") as f:
            f.write(entry["text"])
    metadata = {"files": {name: {"title": entry["title"], "author": "Wikipedia",
                                 "publisher": PUBLISHER, "aliases": []}
                          for name, entry in files.items()}}
    (corpus_dir / "metadata.json").write_text(
        json.dumps(metadata, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_questions(questions: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder with the ClapNQ dev jsonl files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (corpus/ and questions.jsonl)")
    args = parser.parse_args(argv)

    missing = [name for name, _ in SOURCES if not (args.src / name).is_file()]
    if missing:
        print(f"error: {args.src} lacks {', '.join(missing)}", file=sys.stderr)
        return 2
    files, questions, stats = build(args.src)
    write_corpus(files, args.out / "corpus")
    write_questions(questions, args.out / "questions.jsonl")

    answerable = [q for q in questions if q["kind"] == "fact"]
    no_gold = sum(1 for q in answerable if not q["gold_sentences"])
    print(f"{stats['records']} questions ({len(answerable)} answerable, "
          f"{len(questions) - len(answerable)} unanswerable)")
    print(f"{len(files)} distinct passages written to {args.out / 'corpus'} "
          f"({stats['duplicate_passages']} duplicate passages shared)")
    if no_gold:
        print(f"note: {no_gold} answerable question(s) have no gold sentences; the scorer skips them")
    print(f"questions: {args.out / 'questions.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
