"""Hardening, round two (issue 13): the CLI, the settings and the Markdown export.

Settings that would turn abstention off, escape sequences from a document reaching the terminal,
inputs that used to end in a traceback, and file names or titles that break out of their field in
`conversation.md`. Nothing is mocked: `python -m rag` runs in subprocesses over a corpus in
tmp_path whose text, titles and file names hold escape sequences, Markdown and HTML; it is
ingested once for the module, and the commands that do not depend on each other run side by side.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt  # CommonMark with raw HTML on, as in test_hardening

from rag.config import MAX_QUESTION_CHARS, Settings
from rag.engine import Engine, check_question
from rag.errors import ConfigError, QuestionError
from rag.export import conversation_markdown
from test_cli import finish  # the finished command, output as the command was started (bytes or text)
from tiny_corpus import verifies

ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
TERMINAL_CONTROLS = (b"\x1b", b"\x07", b"\x9b")  # ESC, BEL, and CSI (U+009B, sent as C2 9B in UTF-8)

# A document whose title (its first line), text and file name carry an OSC title change, colours,
# clear-screen and a C1 CSI; a binary file whose name does, so ingest warns about it by name.
BEACON_NAME = "beacon\x1b[2J\x9b.txt"
BEACON = ("Beacon \x1b]0;PWNED\x07 notes\n\n"
          "The beacon keeper \x1b[31mpaints\x1b[0m the lamp \x9b2J red every spring.\x1b[2J\n")
BINARY_NAME = "\x1b]0;pwned\x07.txt"
QUESTION = "What does the beacon keeper paint every spring?"
# A file name and a metadata title with blank lines, backticks and an HTML image with a handler.
LANTERN_NAME = "lantern\n\n`x` <img src=x onerror=alert(1)>.txt"
LANTERN = "The lantern wick is trimmed every Tuesday at dusk.\n\nThe lantern glass is washed with vinegar.\n"
LANTERN_TITLE = "Lantern log\n\n``` <img src=x onerror=alert(2)>"
LANTERN_QUESTION = "When is the lantern wick trimmed?"
INDEX = ("--corpus", "corpus", "--index", "index")


def start(cwd: Path, *args: str | bytes, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag", *args], cwd=cwd, env=env or ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def text(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


def assert_one_line_error(run: subprocess.CompletedProcess, *words: str) -> str:
    """Exit non-zero with one `rag: error:` line holding `words`, and no traceback; the line."""
    err = text(run.stderr)
    assert run.returncode != 0, err
    assert "Traceback" not in err + text(run.stdout)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error:"), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def eval_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hardening-cli")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / BEACON_NAME).write_text(BEACON, encoding="utf-8")
    (corpus / LANTERN_NAME).write_text(LANTERN, encoding="utf-8")
    (corpus / BINARY_NAME).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "metadata.json").write_text(json.dumps({"files": {LANTERN_NAME: {"title": LANTERN_TITLE}}}),
                                          encoding="utf-8")
    (root / "a-file").write_text("not an index\n", encoding="utf-8")
    (root / "a-folder").mkdir()
    (root / "questions.jsonl").write_text("\n".join(json.dumps(item) for item in [
        {"id": "surrogate", "question": "What does the beacon keeper paint\ud800?"},  # written as the escape \ud800
        {"id": None, "question": QUESTION},
        {"id": "number", "question": 5},
        {"id": "last", "question": QUESTION},
    ]) + "\n", encoding="utf-8")
    (root / "bytes.jsonl").write_bytes(b'{"id": "bytes", "question": "What does the beacon \xff\xfe keeper paint?"}\n'
                                       + json.dumps({"id": "after", "question": QUESTION}).encode() + b"\n")
    return root


@pytest.fixture(scope="module")
def runs(workdir) -> dict[str, subprocess.CompletedProcess]:
    """Every command of this module, run once: those that fail before the model loads first, with the ingest."""
    first = {
        "ingest": start(workdir, "ingest", *INDEX),
        "min-support flag": start(workdir, "ask", QUESTION, "--min-support", "nan", "--index", "nowhere"),
        "min-support env": start(workdir, "ask", QUESTION, "--index", "nowhere", env=dict(ENV, RAG_MIN_SUPPORT="inf")),
        "index file ask": start(workdir, "ask", QUESTION, "--corpus", "corpus", "--index", "a-file"),
        "index file ingest": start(workdir, "ingest", "--corpus", "corpus", "--index", "a-file"),
        "index file eval": start(workdir, "eval", "questions.jsonl", "--out", "r.jsonl", "--corpus", "corpus",
                                 "--index", "a-file"),
    }
    done = {name: finish(proc) for name, proc in first.items()}
    second = {
        "ask": start(workdir, "ask", QUESTION, *INDEX),
        "ask json": start(workdir, "ask", QUESTION, "--json", *INDEX),
        "eval": start(workdir, "eval", "questions.jsonl", "--out", "out/results.jsonl", *INDEX),
        "eval bytes": start(workdir, "eval", "bytes.jsonl", "--out", "out/bytes.jsonl", *INDEX),
        "out folder": start(workdir, "eval", "questions.jsonl", "--out", "a-folder", *INDEX),
        "utf-8 question": start(workdir, "ask", b"What \xff\xfe is it?", *INDEX),
    }
    done.update({name: finish(proc) for name, proc in second.items()})
    return done


# --- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("min_support", math.nan), ("min_support", math.inf), ("min_support", -0.1), ("min_support", 1.5),
    ("mmr_lambda", math.nan), ("near_duplicate", -math.inf), ("near_duplicate", 2.0),
    ("k_chunks", 0), ("k_dense", -1), ("k_keyword", 2.5), ("chunk_chars", 0), ("embed_batch", math.nan),
    ("max_quotes", 0), ("max_quote_chars", -5), ("max_question_chars", 0), ("chroma_port", 70000),
])
def test_settings_refuse_non_finite_or_out_of_range_numbers(name, value):
    with pytest.raises(ConfigError) as refused:
        Settings(**{name: value})
    assert name in str(refused.value) and repr(value) in str(refused.value)
    with pytest.raises(ConfigError):
        Settings().with_(**{name: value})


def test_settings_keep_min_support_unset_and_the_ends_of_each_range():
    assert Settings(min_support=None).min_support is None  # None: the scorer's threshold
    assert Settings(min_support=0, mmr_lambda=1.0, near_duplicate=0.0, chroma_port=65535).min_support == 0
    assert Settings.from_env({"RAG_MIN_SUPPORT": "1"}).min_support == 1.0


@pytest.mark.parametrize("case, value", [("min-support flag", "nan"), ("min-support env", "inf")])
def test_a_nan_or_infinite_min_support_is_refused_on_the_command_line(runs, case, value):
    assert_one_line_error(runs[case], "min_support", "--min-support", "RAG_MIN_SUPPORT", value, "from 0 to 1")


# --- escape sequences never reach the terminal ---------------------------------------------------

def test_ingest_shows_file_names_with_escape_sequences_escaped(runs):
    run = runs["ingest"]
    assert run.returncode == 0, text(run.stderr)
    for control in TERMINAL_CONTROLS:
        assert control not in run.stdout + run.stderr
    warnings = [line for line in text(run.stderr).splitlines() if line.startswith("rag: warning:")]
    assert len(warnings) == 1 and "\\x1b]0;pwned\\x07.txt" in warnings[0]


def test_a_plain_answer_shows_escape_sequences_from_the_document_escaped(runs):
    run = runs["ask"]
    assert run.returncode == 0, text(run.stderr)
    for control in TERMINAL_CONTROLS:
        assert control not in run.stdout + run.stderr
    out = text(run.stdout)
    assert "Beacon \\x1b]0;PWNED\\x07 notes" in out  # the title
    assert "beacon\\x1b[2J\\x9b.txt" in out  # the path
    assert "The beacon keeper \\x1b[31mpaints\\x1b[0m the lamp \\x9b2J red" in out  # the quote


def test_the_json_answer_keeps_the_escape_sequences_verbatim_as_json_escapes(runs, workdir):
    run = runs["ask json"]
    assert run.returncode == 0, text(run.stderr)
    for control in TERMINAL_CONTROLS:
        assert control not in run.stdout
    [citation] = [c for c in json.loads(run.stdout)["citations"] if c["path"].endswith(BEACON_NAME)]
    assert citation["title"] == "Beacon \x1b]0;PWNED\x07 notes"
    assert "\x1b[31mpaints\x1b[0m the lamp \x9b2J red" in citation["quote"]
    assert verifies(str(workdir / citation["path"]), citation["start"], citation["end"], citation["quote"])


# --- one line, never a traceback -----------------------------------------------------------------

def test_an_invalid_utf8_question_on_the_command_line_is_one_line(runs):
    assert_one_line_error(runs["utf-8 question"], "not valid Unicode", "UTF-8")


@pytest.mark.parametrize("command", ["ask", "ingest", "eval"])
def test_an_index_option_naming_a_file_is_one_line(runs, command):
    assert_one_line_error(runs[f"index file {command}"], "--index", "'a-file'", "not a folder")


def test_eval_out_naming_a_folder_is_one_line(runs):
    assert_one_line_error(runs["out folder"], "--out", "'a-folder'", "is a folder", "file path")


def test_eval_answers_every_line_after_a_lone_surrogate(runs, workdir):
    run = runs["eval"]
    assert run.returncode == 0 and "Traceback" not in text(run.stderr), text(run.stderr)
    records = eval_records(workdir / "out" / "results.jsonl")
    assert [r["id"] for r in records] == ["surrogate", None, "number", "last"]
    assert "not valid Unicode" in records[0]["error"] and records[0]["question"].endswith("\ud800?")
    assert "error" not in records[3] and records[3]["citations"]  # answered after the bad line
    assert "4 questions: 2 answered, 0 abstained, 2 errors" in text(run.stdout)


def test_eval_reports_a_question_that_is_not_a_string_as_such(runs, workdir):
    number = eval_records(workdir / "out" / "results.jsonl")[2]
    assert number["question"] == 5
    assert "must be a string" in number["error"] and "empty" not in number["error"]


def test_eval_keeps_a_null_id_in_the_answer_line(runs, workdir):
    line = (workdir / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()[1]
    record = json.loads(line)
    assert line.startswith('{"id": null,') and record["citations"] and "error" not in record


def test_eval_line_with_undecodable_bytes_fails_alone(runs, workdir):
    run = runs["eval bytes"]
    assert run.returncode == 0 and "Traceback" not in text(run.stderr), text(run.stderr)
    bad, after = eval_records(workdir / "out" / "bytes.jsonl")
    assert bad["id"] == "bytes" and "not valid Unicode" in bad["error"]
    assert after["id"] == "after" and after["citations"]


def test_blanks_around_a_question_do_not_count_toward_its_limit():
    settings = Settings()
    longest = "x" * MAX_QUESTION_CHARS
    assert check_question(f"   {longest}\n\t  ", settings) == longest
    with pytest.raises(QuestionError, match="2,001 characters"):
        check_question(f"  {longest}y  ", settings)


# --- the Markdown export -------------------------------------------------------------------------

def test_the_export_keeps_a_hostile_path_and_title_inside_their_fields(runs, workdir, embedder, monkeypatch):
    assert runs["ingest"].returncode == 0
    monkeypatch.chdir(workdir)  # the paths the CLI ingested, relative to its working directory
    engine = Engine.open(Settings(corpus_dir=Path("corpus"), index_dir=Path("index")), embedder)
    answer = engine.ask(LANTERN_QUESTION)
    [quote] = [q for q in answer.citations if q.path.endswith(LANTERN_NAME)]
    assert quote.title == LANTERN_TITLE
    markdown = conversation_markdown([answer], {quote.path: quote.title})
    lines = markdown.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith(f"**[{quote.n}]**"))
    title_line, path_line = lines[heading], lines[heading + 1]
    assert "Lantern log \\`\\`\\` \\<img src=x onerror=alert(2)\\>" in title_line  # one line, escaped
    # The path: one code span on one line, its blank lines shown as \n, then the offsets.
    span = re.fullmatch(r"(`+) ?(.*?) ?\1, characters \d+–\d+ *", path_line)
    assert span and span[2].endswith("lantern\\n\\n`x` <img src=x onerror=alert(1)>.txt"), path_line
    html = MarkdownIt("commonmark").render(markdown)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;.txt</code>" in html
