"""The `rag` command as users run it: `python -m rag` in a subprocess, the tiny corpus in tmp_path.

Every command runs from the temporary folder with relative --corpus/--index, so a citation's
`path` must open from the working directory, as DESIGN.md promises. Independent commands run
side by side to keep the suite short (each one loads the model).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tiny_corpus import write_corpus

# The user's RAG_* settings must not leak into the commands under test.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
TIMEOUT = 300
CITATION_KEYS = {"n", "path", "title", "quote", "start", "end", "score"}


def start(cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag", *args], cwd=cwd, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def rag(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return finish(start(cwd, *args))


def verifies_from(cwd: Path, citation: dict) -> bool:
    text = (cwd / citation["path"]).read_text(encoding="utf-8")
    return text[citation["start"]:citation["end"]] == citation["quote"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The tiny corpus plus one non-UTF-8 file, and a folder for an empty corpus."""
    root = tmp_path_factory.mktemp("cli")
    write_corpus(root / "corpus")
    (root / "corpus" / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me br\xfbl\xe9e.".encode("latin-1"))
    (root / "empty").mkdir()
    return root


@pytest.fixture(scope="module")
def runs(workdir) -> dict[str, subprocess.CompletedProcess]:
    """Every command of this module, run once; commands that do not depend on each other run together."""
    index = ["--corpus", "corpus", "--index", "index"]
    (workdir / "questions.jsonl").write_text("\n".join([
        json.dumps({"id": "q1", "question": "What is working backwards?"}),
        "{this line is not json",
        json.dumps({"id": "q3", "question": "What does the critic say about warehouse workers?"}),
        "",
        json.dumps({"id": "q5", "question": "What is the recommended torque for bicycle pedal threads?"}),
        # The same words as the follow-up of a conversation, and alone.
        json.dumps({"id": "q6", "question": "Who pays for their low prices?",
                    "history": ["What does the critic say about warehouse workers?"]}),
        json.dumps({"id": "q7", "question": "Who pays for their low prices?"}),
    ]) + "\n", encoding="utf-8")
    first = {
        "ingest": start(workdir, "ingest", *index),
        "missing corpus": start(workdir, "ingest", "--corpus", "nowhere", "--index", "index-nowhere"),
        "empty corpus": start(workdir, "ingest", "--corpus", "empty", "--index", "index-empty"),
    }
    done = {name: finish(proc) for name, proc in first.items()}
    second = {
        "ask": start(workdir, "ask", "What is working backwards?", "--json", *index),
        "eval": start(workdir, "eval", "questions.jsonl", "--out", "out/results.jsonl", *index),
        "empty question": start(workdir, "ask", "   ", *index),
    }
    done.update({name: finish(proc) for name, proc in second.items()})
    return done


def test_ingest_prints_progress_and_a_summary(runs):
    run = runs["ingest"]
    assert run.returncode == 0, run.stderr
    assert "[100%] done" in run.stderr and "embedded" in run.stderr
    summary = run.stdout.strip().splitlines()[-1]
    assert summary.startswith("4 documents (4 added, 0 updated, 0 removed, 0 unchanged)")


def test_ingest_warns_about_a_skipped_file_and_indexes_the_rest(runs):
    run = runs["ingest"]
    warnings = [ln for ln in run.stderr.splitlines() if ln.startswith("rag: warning:")]
    assert len(warnings) == 1 and "latin1.txt" in warnings[0] and "UTF-8" in warnings[0]


def test_ask_json_follows_the_contract(runs, workdir):
    run = runs["ask"]
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert "id" not in answer
    assert answer["question"] == "What is working backwards?"
    assert isinstance(answer["answer"], str) and answer["abstained"] is False and answer["kind"] == "fact"
    assert answer["citations"]
    for n, citation in enumerate(answer["citations"], start=1):
        assert CITATION_KEYS <= set(citation)
        assert citation["n"] == n and f"[{n}]" in answer["answer"]
        assert isinstance(citation["score"], float) and isinstance(citation["title"], str)
        assert not Path(citation["path"]).is_absolute()  # relative to the working directory, as given
        assert verifies_from(workdir, citation)
    assert {"retrieve", "compose", "total"} <= set(answer["timings_ms"])
    assert all(isinstance(v, (int, float)) for v in answer["timings_ms"].values())


def test_eval_writes_one_line_per_question_with_its_id(runs, workdir):
    run = runs["eval"]
    assert run.returncode == 0, run.stderr
    lines = (workdir / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["q1", "2", "q3", "q5", "q6", "q7"]
    assert records[0]["citations"] and records[2]["citations"]
    for record in records:
        for citation in record["citations"]:
            assert verifies_from(workdir, citation)
    assert records[3]["abstained"] is True
    assert "6 questions" in run.stdout and "1 errors" in run.stdout


def test_eval_records_a_malformed_line_and_goes_on(runs, workdir):
    records = [json.loads(line) for line in
               (workdir / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = records[1]
    assert "line 2" in bad["error"] and bad["citations"] == []
    assert all("error" not in r for r in records[2:])  # the questions after it were answered


def test_eval_answers_a_line_with_history_as_a_follow_up_of_those_questions(runs, workdir):
    records = {r["id"]: r for r in map(json.loads, (workdir / "out" / "results.jsonl").read_text(
        encoding="utf-8").splitlines())}
    follow_up, alone = records["q6"], records["q7"]
    assert follow_up["question"] == alone["question"] == "Who pays for their low prices?"
    assert "warehouse workers" in follow_up["resolved_question"]  # read with the earlier question
    assert alone["resolved_question"] == "Who pays for their low prices?"
    assert follow_up["citations"] and all(verifies_from(workdir, c) for c in follow_up["citations"])
    assert Path(follow_up["citations"][0]["path"]).name == "critic.txt"


@pytest.mark.parametrize("case", ["empty question", "missing corpus", "empty corpus"])
def test_bad_input_exits_nonzero_with_one_line_and_no_traceback(runs, case):
    run = runs[case]
    assert run.returncode != 0
    assert "Traceback" not in run.stderr + run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("rag: error:")
