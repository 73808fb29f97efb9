"""The Chroma server path, against a real `chroma run` process (nothing mocked).

Each server is started the way a user starts one (`chroma run --path DIR --host
127.0.0.1 --port N`), waited on through `/api/v2/heartbeat`, and stopped by its
process id. The promises tested:

* an index built on a server answers exactly like an embedded index of the same corpus;
* the CLI reaches the server through RAG_CHROMA_HOST / RAG_CHROMA_PORT;
* a server that is down, or that dies mid-session, gives a `StoreUnavailable` with what to do,
  never a traceback, and restarting it on the same --path brings back the same answers.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, make_settings, verifies, write_corpus

from rag.engine import Engine
from rag.errors import IndexCorrupt, RagError, StoreUnavailable
from rag.indexing import ingest

CHROMA = Path(sys.executable).with_name("chroma")
STARTUP_TIMEOUT_S = 60  # a cold `chroma run` is ready in ~2 s here; a loaded CI machine needs more
STOP_TIMEOUT_S = 10

# Questions over the conftest corpus: facts, a named source, a comparison and one to abstain on.
SMALL_QUESTIONS = [
    "What does Day 2 look like?",
    "What is working backwards?",
    "What does the critic say about warehouse workers?",
    "How does Jassy's view of customers differ from the critic's?",
    "What is the boiling point of mercury?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A `chroma run` child process on a persistence folder; restartable on the same folder and port."""

    def __init__(self, path: Path, port: int | None = None):
        self.path = Path(path)
        self.port = port or free_port()
        self.log = self.path.with_name(self.path.name + ".log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ChromaServer":
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited with {self.proc.returncode}:\n{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:  # refused or reset while it boots
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"chroma run on port {self.port} not healthy after {STARTUP_TIMEOUT_S}s")

    def stop(self) -> None:
        """Terminate by pid; kill if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def kill(self) -> None:
        """Die abruptly (SIGKILL), as a crashed or OOM-killed server does."""
        self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture
def server(tmp_path):
    srv = ChromaServer(tmp_path / "chroma").start()
    yield srv
    srv.stop()


def remote(settings, srv: ChromaServer):
    return settings.with_(chroma_host="127.0.0.1", chroma_port=srv.port)


def comparable(answer) -> dict:
    """What must not depend on the store: the evidence and how the question was read."""
    return {"abstained": answer.abstained, "kind": answer.kind, "answer": answer.answer,
            "citations": [(q.path, q.start, q.end, q.text, q.side, round(q.score, 4)) for q in answer.citations]}


def dev_questions() -> list[str]:
    dev = REPO.parent / "shared" / "eval" / "dev.jsonl"
    if not dev.exists():
        return ["What does Day 2 look like?", "Who asked for AWS?"]
    return [json.loads(line)["question"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def twin_indexes(tmp_path_factory, embedder):
    """The real corpus indexed twice, embedded and on a server: (embedded engine, server engine, server)."""
    root = tmp_path_factory.mktemp("twins")
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    srv = ChromaServer(root / "chroma").start()
    try:
        local, _ = Engine.build(make_settings(corpus, root / "embedded"), embedder)
        served, report = Engine.build(make_settings(corpus, root / "served", chroma_host="127.0.0.1",
                                                    chroma_port=srv.port), embedder)
        assert report.chunks > 0 and report.chunks == local.store.count()
        yield local, served, srv
    finally:
        srv.stop()


def test_server_index_answers_like_the_embedded_one(twin_indexes):
    local, served, _ = twin_indexes
    questions = dev_questions()
    kinds = set()
    for question in questions:
        here, there = local.ask(question), served.ask(question)
        assert comparable(there) == comparable(here), question
        assert all(verifies(q.path, q.start, q.end, q.text) for q in there.citations)
        kinds.add(there.kind)
    assert "fact" in kinds


def test_cli_uses_the_server_from_the_environment(twin_indexes):
    local, served, srv = twin_indexes
    env = dict(os.environ, RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT=str(srv.port),
               RAG_CORPUS_DIR=str(served.settings.corpus_dir), RAG_INDEX_DIR=str(served.settings.index_dir))
    done = subprocess.run([sys.executable, "-m", "rag", "ingest"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "embedded 0 chunks" in done.stdout  # the server already holds this corpus: nothing re-embedded
    question = "What does Day 2 look like?"
    done = subprocess.run([sys.executable, "-m", "rag", "ask", question, "--json"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = local.ask(question)
    assert not printed["abstained"] and printed["kind"] == expected.kind
    assert [(c["path"], c["start"], c["end"], c["quote"]) for c in printed["citations"]] == \
        [(q.path, q.start, q.end, q.text) for q in expected.citations]


def test_a_second_client_of_the_server_keeps_the_keyword_index_it_rebuilt(twin_indexes, tmp_path, embedder):
    _, served, _ = twin_indexes
    elsewhere = served.settings.with_(index_dir=tmp_path / "second-client")  # another machine, same server
    engine = Engine.open(elsewhere, embedder)
    question = "What does Day 2 look like?"
    assert comparable(engine.ask(question)) == comparable(served.ask(question))
    assert (tmp_path / "second-client" / "keyword.npz").exists()  # so the next start loads it instead


def test_server_down_at_start_is_a_clear_error(tmp_path, embedder):
    settings = make_settings(write_corpus(tmp_path / "corpus"), tmp_path / "index",
                             chroma_host="127.0.0.1", chroma_port=free_port())  # nothing listens there
    with pytest.raises(StoreUnavailable, match="cannot reach the Chroma server at 127.0.0.1"):
        Engine.open(settings, embedder)
    with pytest.raises(StoreUnavailable, match="chroma run"):
        ingest(settings, embedder)


def test_cli_with_server_down_prints_one_line_and_exits_1(tmp_path):
    env = dict(os.environ, RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT=str(free_port()),
               RAG_CORPUS_DIR=str(write_corpus(tmp_path / "corpus")), RAG_INDEX_DIR=str(tmp_path / "index"))
    for command in (["ingest"], ["ask", "What does Day 2 look like?", "--json"]):
        done = subprocess.run([sys.executable, "-m", "rag", *command], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 1, command
        assert "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("rag: error:")]
        assert len(errors) == 1 and "cannot reach the Chroma server" in errors[0], done.stderr
        assert done.stdout == ""


def test_server_dying_mid_session_then_restarting(tmp_path, server, embedder):
    settings = remote(make_settings(write_corpus(tmp_path / "corpus"), tmp_path / "index"), server)
    engine, _ = Engine.build(settings, embedder)
    before = [comparable(engine.ask(q)) for q in SMALL_QUESTIONS]
    assert not all(a["abstained"] for a in before)

    server.kill()
    with pytest.raises(StoreUnavailable) as failure:
        engine.ask(SMALL_QUESTIONS[0])
    assert isinstance(failure.value, RagError)
    message = str(failure.value)
    assert f"127.0.0.1:{server.port}" in message and "chroma run" in message and "\n" not in message

    server.start()  # same --path, same port
    assert [comparable(engine.ask(q)) for q in SMALL_QUESTIONS] == before
    reopened = Engine.open(settings, embedder)
    assert [comparable(reopened.ask(q)) for q in SMALL_QUESTIONS] == before
    assert ingest(settings, embedder).chunks_embedded == 0  # the index survived whole


def test_server_dying_during_ingest_is_repaired_by_the_next_ingest(tmp_path, server, embedder):
    corpus = write_corpus(tmp_path / "corpus")
    settings = remote(make_settings(corpus, tmp_path / "index"), server)
    reference, _ = Engine.build(make_settings(corpus, tmp_path / "embedded"), embedder)

    def die_after_first_write(fraction, message):
        if message.startswith("embedded") and server.proc.poll() is None:
            server.kill()

    with pytest.raises(StoreUnavailable):
        ingest(settings, embedder, die_after_first_write)
    server.start()
    with pytest.raises(IndexCorrupt, match="did not finish"):  # refused, not half-answered
        Engine.open(settings, embedder)
    report = ingest(settings, embedder)
    assert report.chunks == reference.store.count()
    engine = Engine.open(settings, embedder)
    assert [comparable(engine.ask(q)) for q in SMALL_QUESTIONS] == \
        [comparable(reference.ask(q)) for q in SMALL_QUESTIONS]
