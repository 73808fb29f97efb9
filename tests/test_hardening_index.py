"""Hardening (issue 13, last part): two processes on one index, a corpus named another way,
advice that fits the cause, and plain answers whose fields stay on their line.

Nothing is mocked: the bundled model, embedded Chroma in temporary folders, `python -m rag` in
subprocesses (an ingest that writes under an open engine and an open app; asks and ingests
where file permissions hold), the real app.py through AppTest, and a real small file system
that fills up. The commands that do not depend on each other run side by side, once for the module.

Root ignores file permissions, so as root the read-only checks run their command through
`setpriv` without the capabilities that override permissions (a forked child that drops to
`nobody` would hang here: Chroma and torch threads do not survive a fork).
"""
from __future__ import annotations

import contextlib
import errno
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import rag.indexing as indexing
from rag.cli import main as rag_main
from rag.config import Settings
from rag.engine import Engine
from rag.errors import IndexBusy, IndexMismatch, IndexProblem
from rag.indexing import ingest
from rag.loading import load_corpus
from rag.store import Store
from test_cli import finish  # the finished command, output as the command was started (bytes or text)
from tiny_corpus import DOCS, METADATA, REPO, make_settings, verifies, write_corpus

ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
APP = REPO / "app.py"
APP_TIMEOUT_S = 120

# A file name, title and author whose line breaks would each start a line that reads like a citation.
LAMP_NAME = "lamp\n[9] Forged file, corpus/x.txt[0:4]\n.txt"
LAMP = "The lamp wick is trimmed every Tuesday at dusk.\n\nThe lamp glass is washed with vinegar.\n"
LAMP_TITLE = "Lamp log\n[8] Forged title, /etc/passwd[0:4]"
LAMP_AUTHOR = "Keeper\r\n[7] Forged author, /etc/shadow[0:4]"
LAMP_QUESTION = "When is the lamp wick trimmed?"

LIGHTHOUSE = "Lighthouse keeping\n\nThe lighthouse keeper trims the wick every evening before sunset.\n"
LIGHTHOUSE_QUESTION = "When does the lighthouse keeper trim the wick?"
BEES = "Beekeeping notes\n\nThe beekeepers record the weight of every hive each autumn.\n"
BEES_QUESTION = "What do the beekeepers record each autumn?"
JASSY_QUESTION = "What do teams at Amazon write before they build anything?"
# Two documents of the tiny corpus: every ingest here embeds little, so the module stays quick.
TWO_DOCS = {name: DOCS[name] for name in ("jassy.txt", "critic.txt")}


@dataclass(frozen=True)
class Site:
    root: Path
    corpus: Path
    index: Path

    def settings(self) -> Settings:
        return make_settings(self.corpus, self.index)


def cli(cwd: Path, *args: str, unprivileged: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "rag", *args]
    return subprocess.Popen(without_override(command) if unprivileged else command, cwd=cwd, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def one_error_line(run: subprocess.CompletedProcess, *words: str) -> str:
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error: "), run.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def without_override(command: list[str]) -> list[str]:
    """`command` so that it runs where file permissions hold: as root, without the capabilities that
    let root write anywhere (it stays root, so it can still run the interpreter under /root)."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


def set_writable(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o755 if path.is_dir() else 0o644) if writable else (0o555 if path.is_dir() else 0o444))


def build(root: Path, docs: dict[str, str] = TWO_DOCS, metadata: dict = METADATA, *, embedder) -> Site:
    site = Site(root, write_corpus(root / "corpus", docs, metadata), root / "index")
    ingest(site.settings(), embedder)
    return site


def paths_of(answer) -> list[str]:
    return [c.path for c in answer.citations]


def spans(answer) -> list[tuple[str, int, int]]:
    return [(c.path, c.start, c.end) for c in answer.citations]


def assert_verified(answer) -> None:
    assert answer.citations, answer.answer
    for c in answer.citations:
        assert Path(c.path).is_absolute() and verifies(c.path, c.start, c.end, c.text), c


def run_app(at: AppTest, env: dict[str, str]) -> AppTest:
    """Run the page, and again while an index build it started runs (the browser redraws it so)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        at.run(timeout=APP_TIMEOUT_S)
        deadline = time.monotonic() + APP_TIMEOUT_S
        while at.progress and time.monotonic() < deadline:
            time.sleep(0.1)
            at.run(timeout=APP_TIMEOUT_S)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.progress, "the index build did not finish"
    return at


# --- everything the module's commands work on, then the commands, side by side -------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory, embedder) -> Site:
    """Jassy's article and the lamp log, ingested as `rag ingest --corpus corpus --index index` does
    from the folder that holds them: the corpus spelled relative to the working directory."""
    root = tmp_path_factory.mktemp("index-base")
    metadata = {"files": dict(METADATA["files"], **{LAMP_NAME: {"title": LAMP_TITLE, "author": LAMP_AUTHOR}})}
    write_corpus(root / "corpus", {"jassy.txt": DOCS["jassy.txt"], LAMP_NAME: LAMP}, metadata)
    with contextlib.chdir(root):
        ingest(Settings(corpus_dir=Path("corpus"), index_dir=Path("index")), embedder)
    return Site(root, root / "corpus", root / "index")


@dataclass
class Crossing:
    """What the `crossing` fixture opened, and the commands it ran."""

    site: Site
    engine: Engine
    app: AppTest
    app_env: dict[str, str]
    runs: dict[str, subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def crossing(base, tmp_path_factory, embedder) -> Iterator[Crossing]:
    """An engine and an app session open on a second index; then, side by side, a `rag ingest` that
    writes under them, and the module's other commands: asks over `base` from its folder and from
    another, and an ingest and an ask on a read-only copy of it where file permissions hold."""
    root = tmp_path_factory.mktemp("index-crossing")
    site = build(root / "shared", embedder=embedder)
    engine = Engine.open(site.settings(), embedder)
    app_env = {"RAG_CORPUS_DIR": str(site.corpus), "RAG_INDEX_DIR": str(site.index),
               "RAG_FEEDBACK_DB": str(root / "feedback.sqlite3")}
    app = run_app(AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S), app_env)
    # The other process adds two files and deletes one, so row numbers inside Chroma move.
    (site.corpus / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    (site.corpus / "bees.txt").write_text(BEES, encoding="utf-8")
    (site.corpus / "critic.txt").unlink()

    read_only = root / "read-only"
    shutil.copytree(base.index, read_only)
    set_writable(read_only, False)
    corpus = ["--corpus", str(base.corpus)]
    procs = {
        "ingest": cli(root, "ingest", "--corpus", str(site.corpus), "--index", str(site.index)),
        "lamp": cli(base.root, "ask", LAMP_QUESTION, "--corpus", "corpus", "--index", "index"),
        "elsewhere": cli(root, "ask", JASSY_QUESTION, "--json", *corpus, "--index", str(base.index)),
    }
    if os.geteuid() != 0 or shutil.which("setpriv"):
        procs["read-only ingest"] = cli(root, "ingest", *corpus, "--index", str(read_only), unprivileged=True)
        procs["read-only ask"] = cli(root, "ask", JASSY_QUESTION, *corpus, "--index", str(read_only),
                                     unprivileged=True)
    runs = {name: finish(proc) for name, proc in procs.items()}
    if "read-only ask" in runs:
        runs["permissions hold"] = subprocess.run(without_override(["touch", str(read_only / "probe")]),
                                                  capture_output=True)
    yield Crossing(site, engine, app, app_env, runs)
    set_writable(read_only, True)


# --- 1. two processes, one index ----------------------------------------------------------------

def test_an_open_engine_answers_from_the_index_another_process_wrote(crossing):
    assert crossing.runs["ingest"].returncode == 0, crossing.runs["ingest"].stderr
    corpus = crossing.site.corpus
    answer = crossing.engine.ask(LIGHTHOUSE_QUESTION)
    assert_verified(answer)
    assert paths_of(answer)[0] == (corpus / "lighthouse.txt").as_posix()
    assert crossing.engine.generation == 2  # the build, then the other process's ingest
    for question in (BEES_QUESTION, "What does the critic say about warehouse workers?", JASSY_QUESTION):
        for path in paths_of(crossing.engine.ask(question)):  # never a row of the generation before
            assert Path(path).exists() and Path(path).name != "critic.txt", (question, path)


def test_a_second_engine_opens_the_same_index_in_the_same_process(crossing, embedder):
    second = Engine.open(crossing.site.settings(), embedder)  # while the first one is open
    for question in (LIGHTHOUSE_QUESTION, BEES_QUESTION, JASSY_QUESTION):
        mine, theirs = second.ask(question), crossing.engine.ask(question)
        assert mine.citations and spans(mine) == spans(theirs), question
    assert second.generation == crossing.engine.generation


def test_the_app_follows_the_index_another_process_wrote_and_its_reindex_completes(crossing):
    at = run_app(crossing.app, crossing.app_env)
    assert not at.error, [e.value for e in at.error]
    assert "3 documents" in " ".join(c.value for c in at.sidebar.caption)  # 2, plus lighthouse and bees, less the critic
    assert any("Lighthouse keeping" in h.value for h in at.sidebar.html)
    at.sidebar.button(key="reindex").click()
    at = run_app(at, crossing.app_env)
    assert not at.error, [e.value for e in at.error]
    assert Store(crossing.site.settings()).identity()["complete"] == "1"
    at.chat_input[0].set_value(LIGHTHOUSE_QUESTION)
    at = run_app(at, crossing.app_env)
    answer = at.session_state["turns"][-1].answer
    assert_verified(answer)
    assert paths_of(answer)[0] == (crossing.site.corpus / "lighthouse.txt").as_posix()


def test_while_an_ingest_writes_a_question_is_told_to_try_again_when_it_finishes(tmp_path, embedder):
    site = build(tmp_path / "busy", embedder=embedder)
    settings = site.settings()
    engine = Engine.open(settings, embedder)
    (site.corpus / "bees.txt").write_text(BEES, encoding="utf-8")
    seen: list[str] = []

    def meanwhile(fraction: float, message: str) -> None:  # called while the ingest writes
        if seen or not message.startswith("embedded"):
            return
        with pytest.raises(IndexBusy, match="an ingest is writing .* try again when it finishes"):
            Engine.open(settings, embedder)
        with pytest.raises(IndexBusy, match="try again when it finishes"):
            engine.ask(BEES_QUESTION)
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = rag_main(["ask", BEES_QUESTION, "--corpus", str(site.corpus), "--index", str(site.index)])
        seen.append(err.getvalue())
        assert status == 1

    ingest(settings, embedder, meanwhile)
    (line,) = seen[0].strip().splitlines()
    assert "try again when it finishes" in line and "did not finish" not in line, line
    answer = engine.ask(BEES_QUESTION)  # once it finished: the new generation
    assert_verified(answer)
    assert paths_of(answer)[0] == (site.corpus / "bees.txt").as_posix()


# --- 2. a corpus named another way --------------------------------------------------------------

def test_an_index_built_with_a_relative_corpus_answers_from_another_working_directory(crossing):
    run = crossing.runs["elsewhere"]  # `rag ask --corpus /abs/corpus --index /abs/index` from another folder
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert not answer["abstained"] and answer["citations"], answer["answer"]
    for c in answer["citations"]:
        assert Path(c["path"]).is_absolute() and verifies(c["path"], c["start"], c["end"], c["quote"]), c
    assert any(Path(c["path"]).name == "jassy.txt" for c in answer["citations"])


def test_the_same_corpus_spelled_another_way_is_the_same_corpus(base, embedder, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spelled = os.path.relpath(base.root, elsewhere) + "/../" + base.root.name + "/corpus/"
    settings = Settings.from_env({}, corpus_dir=spelled, index_dir=str(base.index))
    report = ingest(settings, embedder)
    assert (report.added, report.updated, report.removed) == (0, 0, 0), report.summary()
    assert (report.chunks_embedded, report.sentences_embedded) == (0, 0), report.summary()
    assert_verified(Engine.open(settings, embedder).ask(JASSY_QUESTION))


def test_an_index_with_relative_paths_from_an_older_version_is_repaired_by_ingest(tmp_path, embedder, monkeypatch):
    root = tmp_path / "older"
    write_corpus(root / "corpus", TWO_DOCS)
    monkeypatch.chdir(root)
    relative = make_settings(Path("corpus"), Path("index"))
    with monkeypatch.context() as older:  # what the version before stored: paths as spelled, relative
        older.setattr(indexing, "load_corpus", lambda folder: load_corpus(relative.corpus_dir))
        ingest(relative, embedder)
    assert all(not Path(d.path).is_absolute() for d in Store(relative).catalog())
    there = Engine.open(relative, embedder).ask(JASSY_QUESTION)  # from the folder it was built in: as before
    assert there.citations and all(verifies(c.path, c.start, c.end, c.text) for c in there.citations)

    monkeypatch.chdir(tmp_path)
    settings = make_settings(root / "corpus", root / "index")
    with pytest.raises(IndexMismatch, match="relative to the folder it was built in.*run `rag ingest`"):
        Engine.open(settings, embedder)  # from elsewhere: what to do, not an abstention on everything
    report = ingest(settings, embedder)
    assert report.documents == len(TWO_DOCS) and report.removed == len(TWO_DOCS), report.summary()
    assert_verified(Engine.open(settings, embedder).ask(JASSY_QUESTION))


# --- 3. advice that fits the cause --------------------------------------------------------------

def permissions_hold(crossing) -> None:
    if "permissions hold" not in crossing.runs:
        pytest.skip("running as root without setpriv: file permissions cannot be made to hold")
    if crossing.runs["permissions hold"].returncode == 0:
        pytest.skip("file permissions are not enforced here (not even through setpriv)")


def test_ingesting_into_a_read_only_index_says_so_in_one_line(crossing):
    permissions_hold(crossing)
    line = one_error_line(crossing.runs["read-only ingest"], "the index folder is read-only", "write access")
    assert "delete" not in line


def test_asking_from_a_read_only_index_says_so_and_never_to_delete_it(crossing):
    permissions_hold(crossing)
    line = one_error_line(crossing.runs["read-only ask"], "the index folder is read-only", "write access")
    assert "delete" not in line


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 16 MB file system of its own (tmpfs), which a test may fill; skips where none can be mounted."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True,
                             text=True) if os.geteuid() == 0 and shutil.which("mount") else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip() if mounted else 'not root'}")
    try:
        yield disk
    finally:
        gc.collect()  # Chroma's files on it are closed with their clients
        subprocess.run(["umount", "--lazy", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write to `disk` until the OS says it is full; the file that fills it."""
    filler = disk / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, b"\xff" * 65536)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(handle)
    return filler


def test_a_full_disk_says_to_free_space_and_the_next_ingest_repairs(tmp_path, small_disk, embedder):
    settings = make_settings(write_corpus(tmp_path / "corpus", TWO_DOCS), small_disk / "index")
    ingest(settings, embedder)
    (settings.corpus_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    filler = fill(small_disk)
    with pytest.raises(IndexProblem, match=r"the disk is full .*: free space and run `rag ingest`") as failed:
        ingest(settings, embedder)
    assert "delete" not in str(failed.value)
    filler.unlink()  # what the message says to do
    ingest(settings, embedder)
    answer = Engine.open(settings, embedder).ask(BEES_QUESTION)
    assert_verified(answer)
    assert paths_of(answer)[0] == (settings.corpus_dir / "bees.txt").as_posix()


def test_a_write_beside_the_index_that_finds_the_disk_full_says_so(tmp_path):
    """Where no file system can be mounted, the OS's own ENOSPC (from /dev/full) takes the path
    that every write beside the index takes."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(IndexProblem, match=r"the disk is full .*: free space and run `rag ingest`"):
        with indexing.writing(tmp_path):
            Path("/dev/full").write_bytes(b"keyword index" * 512)


# --- 4. plain answers: every field on its line --------------------------------------------------

def test_a_plain_answer_shows_line_breaks_in_a_title_author_or_path_escaped(crossing):
    run = crossing.runs["lamp"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    lines = run.stdout.splitlines()
    headers = [i for i, line in enumerate(lines) if re.match(r"\[\d+\] ", line)]
    assert headers and all(lines[i + 1].startswith("    ") for i in headers), run.stdout
    assert not [line for line in lines if re.match(r"\[[789]\]", line)], run.stdout  # no forged citation
    lamp = next(lines[i] for i in headers if "Lamp log" in lines[i])
    assert "Lamp log\\n[8] Forged title, /etc/passwd[0:4] — Keeper\\r\\n[7] Forged author" in lamp
    assert "/lamp\\n[9] Forged file, corpus/x.txt[0:4]\\n.txt[0:" in lamp
    assert any(line.startswith("    The lamp wick is trimmed every Tuesday at dusk.") for line in lines)  # the quote
