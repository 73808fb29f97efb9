"""The `rag` command: ingest, ask, eval. A public interface; see DESIGN.md for the contract.

Library errors become one line on stderr and a non-zero exit; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .config import Settings
from .errors import RagError
from .records import Turn

EXIT_ERROR = 1
EXIT_USAGE = 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", dest="corpus_dir", help="folder of .txt/.md documents (env RAG_CORPUS_DIR)")
    p.add_argument("--index", dest="index_dir", help="index folder (env RAG_INDEX_DIR)")
    p.add_argument("--chroma-host", dest="chroma_host", help="use the Chroma server on this host (env RAG_CHROMA_HOST)")
    p.add_argument("--chroma-port", dest="chroma_port", type=int, help="Chroma server port (env RAG_CHROMA_PORT)")
    p.add_argument("--min-support", dest="min_support", type=float,
                   help="abstain when the best evidence scores below this (env RAG_MIN_SUPPORT)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Grounded Q&A over a folder of documents, "
                                     "answered with verbatim, offset-checked quotes.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="build or update the index")
    _common(p)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _common(p)
    p = sub.add_parser("eval", help="answer every question of a JSONL file")
    p.add_argument("questions", type=Path)
    p.add_argument("--out", type=Path, required=True, help="where to write one JSON answer a line")
    _common(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(corpus_dir=args.corpus_dir, index_dir=args.index_dir,
                                     chroma_host=args.chroma_host, chroma_port=args.chroma_port,
                                     min_support=args.min_support)
        return {"ingest": _ingest, "ask": _ask, "eval": _eval}[args.command](args, settings)
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("rag: interrupted; run the same command again to finish", file=sys.stderr)
        return 130


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _ingest(args, settings: Settings) -> int:
    from .embedding import Embedder
    from .indexing import ingest
    from .loading import load_corpus

    load_corpus(settings.corpus_dir)  # a missing or empty corpus fails here, before the model loads
    report = ingest(settings, Embedder(batch_size=settings.embed_batch), _progress)
    for warning in report.warnings:
        print(f"rag: warning: {warning}", file=sys.stderr)
    print(report.summary())
    return 0


def _open(settings: Settings):
    from .engine import Engine

    return Engine.open(settings)


def _ask(args, settings: Settings) -> int:
    from .engine import check_question

    check_question(args.question, settings)  # before the model loads; Engine.ask checks it again
    engine = _open(settings)
    answer = engine.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        from .answer import compose_plain

        print(compose_plain(answer))
    return 0


def _eval(args, settings: Settings) -> int:
    try:
        lines = [ln for ln in args.questions.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"cannot read questions file {args.questions}: {exc}") from None
    engine = _open(settings)
    answered = abstained = failed = 0
    began = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        for number, line in enumerate(lines, start=1):
            record = _eval_one(engine, line, number)
            failed += "error" in record
            abstained += bool(record.get("abstained"))
            answered += "error" not in record and not record.get("abstained")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - began
    print(f"{len(lines)} questions: {answered} answered, {abstained} abstained, {failed} errors "
          f"in {seconds:.1f}s; wrote {args.out}")
    return 0


def _eval_one(engine, line: str, number: int) -> dict:
    """One eval line: the answer's JSON, or the question's id with the error (eval never stops)."""
    try:
        item = json.loads(line)
        qid, question = item.get("id", str(number)), item["question"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"id": str(number), "error": f"malformed line {number}: {exc}", "abstained": False, "citations": []}
    try:
        # A conversation: the earlier questions are asked first, each a follow-up of the ones before.
        turns: list[Turn] = []
        for earlier in item.get("history") or []:
            turns.append(Turn(earlier, engine.ask(earlier, turns)))
        return engine.ask(question, turns).to_json(id=qid)
    except RagError as exc:
        return {"id": qid, "question": question, "error": str(exc), "abstained": False, "citations": []}


if __name__ == "__main__":
    sys.exit(main())
