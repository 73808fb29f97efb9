"""The `rag` command: ingest, ask, eval. A public interface; see DESIGN.md for the contract.

Library errors become one line on stderr and a non-zero exit; never a traceback. Plain output
never emits a control character from a document, a file name or the question (an escape sequence
could retitle or clear the terminal): it is shown escaped. JSON output keeps the text verbatim.
Citation paths are shown relative to the working directory where the document lies under it
(the index stores them absolute), so each opens from here.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .config import Settings
from .errors import ConfigError, RagError
from .records import Answer, Turn

EXIT_ERROR = 1
EXIT_USAGE = 2

# C0 controls but newline and tab, DEL, C1 controls (0x9b is CSI, like ESC [), and lone surrogates
# (undecodable bytes, which cannot even be encoded for a UTF-8 terminal).
_UNSAFE_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # the same, newline and tab included
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\ud800-\udfff]")  # what json.dumps(ensure_ascii=False) leaves raw


def terminal_safe(text: str, one_line: bool = False) -> str:
    r"""`text` with every control character and lone surrogate shown as its Python escape.

    Newlines and tabs stay (they lay out an answer) unless `one_line`.

    >>> terminal_safe("\x1b]0;owned\x07 Day 1\n\x9b2J")
    '\\x1b]0;owned\\x07 Day 1\n\\x9b2J'
    >>> terminal_safe("a.txt\nrag: error: forged", one_line=True)
    'a.txt\\nrag: error: forged'
    """
    return (_UNSAFE_IN_LINE if one_line else _UNSAFE_IN_TEXT).sub(lambda m: ascii(m[0])[1:-1], text)


def json_text(record: dict, indent: int | None = None) -> str:
    r"""`record` as JSON: non-ASCII text verbatim, every control character and lone surrogate a \u escape.

    >>> json_text({"q": "café \x1b[2J \x9b \ud800"})
    '{"q": "café \\u001b[2J \\u009b \\ud800"}'
    """
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _from_here(answer: Answer) -> Answer:
    """`answer` with each document path relative to the working directory when the document lies
    under it (as the corpus was most likely typed), else absolute: either way it opens from here."""
    try:
        here = Path.cwd()
    except OSError:  # the working directory was deleted: absolute paths still open
        return answer

    def shown(path: str) -> str:
        return Path(path).relative_to(here).as_posix() if Path(path).is_relative_to(here) else path

    return replace(answer, citations=tuple(replace(q, path=shown(q.path), also_in=tuple(map(shown, q.also_in)))
                                           for q in answer.citations))


def _line(message: str) -> None:
    """One line on stderr, control characters escaped."""
    print(terminal_safe(message, one_line=True), file=sys.stderr, flush=True)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", dest="corpus_dir", help="folder of .txt/.md documents (env RAG_CORPUS_DIR)")
    p.add_argument("--index", dest="index_dir", help="index folder (env RAG_INDEX_DIR)")
    p.add_argument("--chroma-host", dest="chroma_host", help="use the Chroma server on this host (env RAG_CHROMA_HOST)")
    p.add_argument("--chroma-port", dest="chroma_port", type=int, help="Chroma server port (env RAG_CHROMA_PORT)")
    p.add_argument("--min-support", dest="min_support", type=float,
                   help="abstain when the best evidence scores below this (env RAG_MIN_SUPPORT)")
    p.add_argument("--llm-base-url", dest="llm_base_url",
                   help="write a short checked answer with this OpenAI-compatible endpoint (env RAG_LLM_BASE_URL)")
    p.add_argument("--llm-model", dest="llm_model", help="the endpoint's model (env RAG_LLM_MODEL)")
    p.add_argument("--llm-api-key", dest="llm_api_key", help="its API key, if it needs one (env RAG_LLM_API_KEY)")
    p.add_argument("--llm-timeout", dest="llm_timeout", type=float,
                   help="seconds to wait for the endpoint, to connect and for each piece of the answer "
                        "(env RAG_LLM_TIMEOUT, default 60)")


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
                                     min_support=args.min_support, llm_base_url=args.llm_base_url,
                                     llm_model=args.llm_model, llm_api_key=args.llm_api_key,
                                     llm_timeout=args.llm_timeout)
        return {"ingest": _ingest, "ask": _ask, "eval": _eval}[args.command](args, settings)
    except RagError as exc:
        _line(f"rag: error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _line("rag: interrupted; run the same command again to finish")
        return 130


def _progress(fraction: float, message: str) -> None:
    _line(f"[{fraction:4.0%}] {message}")


def _ingest(args, settings: Settings) -> int:
    from .embedding import Embedder
    from .indexing import ingest
    from .loading import load_corpus

    load_corpus(settings.corpus_dir)  # a missing or empty corpus fails here, before the model loads
    report = ingest(settings, Embedder(batch_size=settings.embed_batch), _progress)
    for warning in report.warnings:
        _line(f"rag: warning: {warning}")
    print(report.summary())
    return 0


def _open(settings: Settings):
    from .engine import Engine

    return Engine.open(settings)


def _ask(args, settings: Settings) -> int:
    from .engine import check_question

    check_question(args.question, settings)  # before the model loads; Engine.ask checks it again
    engine = _open(settings)
    answer = _from_here(engine.with_written(engine.ask(args.question)))
    if answer.written is not None and answer.written.error:
        _line(f"rag: warning: no written answer: {answer.written.error}")
    if args.json:
        print(json_text(answer.to_json(), indent=2))
    else:
        from .answer import compose_plain

        print(terminal_safe(compose_plain(answer)))
    return 0


def _eval(args, settings: Settings) -> int:
    lines = _question_lines(args.questions)
    answered = abstained = failed = 0
    with _results_file(args.out) as out:  # opened before the model loads, so a bad --out fails at once
        engine = _open(settings)
        began = time.perf_counter()
        for number, line in enumerate(lines, start=1):
            record = _eval_one(engine, line, number)
            failed += "error" in record
            abstained += bool(record.get("abstained"))
            answered += "error" not in record and not record.get("abstained")
            out.write(json_text(record) + "\n")
    seconds = time.perf_counter() - began
    print(terminal_safe(f"{len(lines)} questions: {answered} answered, {abstained} abstained, {failed} errors "
                        f"in {seconds:.1f}s; wrote {args.out}", one_line=True))
    return 0


def _question_lines(path: Path) -> list[str]:
    """The non-blank lines of a JSONL file.

    Undecodable bytes become lone surrogates, so only the line holding them fails; lines end at
    newlines only, since a JSON string may hold U+2028 or U+0085.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    except OSError as exc:
        raise ConfigError(f"cannot read the questions file {str(path)!r}: {exc.strerror or exc}: "
                          "pass a JSONL file, one question a line") from None
    return [line for line in text.split("\n") if line.strip()]


def _results_file(path: Path) -> TextIO:
    """`path` open for writing, its folder created; ConfigError saying why when it cannot be."""
    if path.is_dir():
        raise ConfigError(f"--out {str(path)!r} is a folder: pass a file path, such as "
                          f"{str(path / 'results.jsonl')!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write --out {str(path)!r}: {exc.strerror or exc}: "
                          "pass a file path in a writable folder") from None


def _eval_one(engine, line: str, number: int) -> dict:
    """One eval line: the answer's JSON under the line's id (a null id stays null), or the id with
    the error. Eval never stops."""
    try:
        item = json.loads(line)
        qid, question, history = item.get("id", str(number)), item["question"], item.get("history") or []
        if not isinstance(history, list):
            raise TypeError(f"history must be a list of questions, not {type(history).__name__}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"id": str(number), "error": f"malformed line {number} ({exc}): write one JSON object a line, "
                'with a "question" string', "abstained": False, "citations": []}
    try:
        # A conversation: the earlier questions are asked first, each a follow-up of the ones before.
        turns: list[Turn] = []
        for earlier in history:
            turns.append(Turn(earlier, engine.ask(earlier, turns)))
        return {"id": qid, **_from_here(engine.with_written(engine.ask(question, turns))).to_json()}
    except RagError as exc:
        return {"id": qid, "question": question, "error": str(exc), "abstained": False, "citations": []}


if __name__ == "__main__":
    sys.exit(main())
