"""SIGKILL in the middle of `rag ingest`: the next run repairs the index, which then equals a clean build.

A corpus of 15 generated documents changes before every round (documents edited, one
deleted, one added), then a real `python -m rag ingest` subprocess is killed with
SIGKILL at a random moment after it has taken the index lock (the model is loaded by
then, so the kill lands in the writes: deletions, embedding, Chroma upserts, document
rows, the keyword index or the identity). After each kill, `ingest` runs again and the
index must equal a clean build of the same corpus: the same ids with the same content
hash in the chunks, sentences and docs collections, the same keyword index rows, and a
complete identity. The last round also compares the answers.

The killed index is never opened in this process (Chroma caches a client per path, which
would not see the subprocess's writes): each repair runs on a copy under a fresh path.
The next round's subprocess goes on from the killed state, so later kills also land in
runs that are themselves repairing an earlier kill.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.config import Settings
from rag.engine import Engine
from rag.indexing import ingest
from rag.keyword import KeywordIndex
from rag.store import Store
from tiny_corpus import make_settings

KILLS = 10  # the issue asks for 10 random points
MAX_ROUNDS = 16  # a round whose ingest finishes before the kill counts as no kill; bounded
START_TIMEOUT_S = 120  # interpreter + model load until the lock is taken, on a busy machine
ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
QUESTIONS = ["How often is the lighthouse lamp cleaned?", "What do the beekeepers record?",
             "Why does the glacier survey use stakes?"]

TOPICS = ["lighthouse", "beekeeping", "glacier", "orchard", "railway", "observatory", "vineyard", "harbour",
          "bakery", "library", "foundry", "dairy", "weather station", "ferry", "quarry", "apiary", "sawmill",
          "printing press", "canal lock", "windmill"]
_VERBS = ["inspects", "records", "repairs", "measures", "cleans", "reports", "schedules", "checks"]
_OBJECTS = ["the lamp", "the stakes", "the hives", "the ledgers", "the gauges", "the rails", "the barrels",
            "the pumps", "the moorings", "the ovens"]
_WHEN = ["every morning", "twice a week", "before each winter", "after every storm", "at the end of each month",
         "whenever the inspector visits", "at dawn", "on the first day of spring"]


def document(topic: str, version: int) -> str:
    """A short document about `topic`; each version words some sentences differently."""
    rng = random.Random(f"{topic}/{version}")
    title = f"Notes from the {topic}"
    paragraphs, entry = [], 0
    for _ in range(2):
        sentences = []
        for entry in range(entry + 1, entry + 3):  # numbered: no two sentences tie
            sentences.append(f"Entry {entry}: the {topic} crew {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
                             f"{rng.choice(_WHEN)}.")
        paragraphs.append(" ".join(sentences))
    return f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"


class Corpus:
    """The generated corpus on disk, changed a little each round."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder, self.rng = folder, rng
        self.versions = {topic: 0 for topic in TOPICS[:15]}
        folder.mkdir(parents=True)
        for topic in self.versions:
            self._write(topic)

    def _write(self, topic: str) -> None:
        (self.folder / f"{topic.replace(' ', '-')}.txt").write_text(document(topic, self.versions[topic]),
                                                                     encoding="utf-8")

    def change(self) -> None:
        """Edit a third of the documents, delete one and add one."""
        present = sorted(self.versions)
        for topic in self.rng.sample(present, len(present) // 3):
            self.versions[topic] += 1
            self._write(topic)
        gone = self.rng.choice(present)
        (self.folder / f"{gone.replace(' ', '-')}.txt").unlink()
        del self.versions[gone]
        new = self.rng.choice([t for t in TOPICS if t not in self.versions and t != gone])
        self.versions[new] = self.rng.randint(0, 3)
        self._write(new)


def _sha(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def index_snapshot(settings: Settings) -> dict:
    """What an index holds, by id: a content hash per row of each collection, the keyword rows, the identity.

    Vectors are left out: the same text embedded in another batch differs in the last bits.
    """
    store = Store(settings)
    out = {}
    for name, collection in (("chunks", store.chunks), ("sentences", store.sentences), ("docs", store.docs)):
        rows = collection.get(include=["documents", "metadatas"])
        out[name] = {i: _sha(d, m) for i, d, m in zip(rows["ids"], rows["documents"], rows["metadatas"])}
    keyword = KeywordIndex.load(Path(settings.index_dir))
    terms = {j: t for t, j in keyword.vocab.items()} if keyword else {}
    out["keyword"] = None if keyword is None else {
        cid: _sha(sorted((terms[j], float(v)) for j, v in zip(keyword.matrix[r].indices, keyword.matrix[r].data)))
        for r, cid in enumerate(keyword.ids)}
    identity = store.identity()
    out["identity"] = {k: identity.get(k) for k in ("corpus", "model", "fingerprint", "complete")}
    return out


def differences(got: dict, want: dict) -> list[str]:
    """Readable differences between two snapshots (empty when equal)."""
    out = []
    for part in want:
        g, w = got.get(part), want[part]
        if g == w:
            continue
        if isinstance(w, dict) and isinstance(g, dict) and part != "identity":
            out.append(f"{part}: {len(set(g) - set(w))} extra, {len(set(w) - set(g))} missing, "
                       f"{sum(g[k] != w[k] for k in set(g) & set(w))} changed")
        else:
            out.append(f"{part}: {g} != {w}")
    return out


def quoted(engine: Engine) -> list:
    return [[(q.path, q.start, q.end, q.text) for q in engine.ask(question).citations] for question in QUESTIONS]


class Lineage:
    """One corpus and the index that the killed subprocesses write, with the round awaiting its check."""

    def __init__(self, root: Path, rng: random.Random):
        self.root = root
        self.corpus = Corpus(root / "corpus", rng)
        self.killed = root / "killed"  # only ever written by the subprocesses
        self.rounds = 0
        self.pending: tuple[Settings, Settings, str] | None = None  # (clean, copy of the killed index, log line)


def start_ingest(lineage: Lineage) -> subprocess.Popen:
    (lineage.killed / ".ingest.lock").unlink(missing_ok=True)  # its reappearance marks the lock taken
    with open(lineage.root / f"ingest-{lineage.rounds}.log", "w") as err:
        return subprocess.Popen([sys.executable, "-m", "rag", "ingest", "--corpus", str(lineage.corpus.folder),
                                 "--index", str(lineage.killed)], env=ENV, stdout=subprocess.DEVNULL, stderr=err)


def check_pending(lineage: Lineage, embedder, seed: int) -> None:
    """Re-run ingest on the copy of the killed index; it must then equal the clean build."""
    if lineage.pending is None:
        return
    clean, repaired, line = lineage.pending
    ingest(repaired, embedder)
    diff = differences(index_snapshot(repaired), index_snapshot(clean))
    assert not diff, f"seed {seed}, {line}: {diff}"
    lineage.pending = None


def test_sigkill_at_random_points_then_a_rerun_equals_a_clean_build(tmp_path, embedder):
    """Two corpora take turns, so that one's checks run while the other's subprocess loads the model."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    lineages = [Lineage(tmp_path / name, rng) for name in ("a", "b")]
    window = None  # seconds from taking the lock to the end of an ingest, as observed so far
    kills, rounds, log = 0, 0, []
    began = time.monotonic()
    while kills < KILLS and rounds < MAX_ROUNDS:
        this, other = lineages[rounds % 2], lineages[1 - rounds % 2]
        rounds += 1
        if this.rounds:
            this.corpus.change()
        this.rounds += 1
        proc = start_ingest(this)
        try:
            # While it starts up: a clean build of the same corpus state, and the other corpus's check.
            clean = make_settings(this.corpus.folder, this.root / f"clean-{this.rounds}")
            t0 = time.monotonic()
            ingest(clean, embedder)
            window = window or time.monotonic() - t0
            check_pending(other, embedder, seed)
            lock, deadline = this.killed / ".ingest.lock", time.monotonic() + START_TIMEOUT_S
            while not lock.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            assert lock.exists(), f"round {rounds}: ingest never took the lock: {proc.args}"
            locked = time.monotonic()
            delay = rng.uniform(0.0, window)
            time.sleep(delay)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != -signal.SIGKILL:  # it finished first: then it must have finished well
            assert proc.returncode == 0, (this.root / f"ingest-{this.rounds}.log").read_text()
            window = min(window, time.monotonic() - locked)
        log.append(f"round {rounds}: {'killed' if proc.returncode == -signal.SIGKILL else 'finished'} "
                   f"{delay:.2f}s after taking the lock")
        repaired = make_settings(this.corpus.folder, this.root / f"repaired-{this.rounds}")
        shutil.copytree(this.killed, repaired.index_dir)
        this.pending = (clean, repaired, log[-1])
    last = lineages[(rounds - 1) % 2]
    for lineage in lineages:
        check_pending(lineage, embedder, seed)

    elapsed = time.monotonic() - began
    assert kills == KILLS, f"seed {seed}: only {kills} kills in {rounds} rounds ({elapsed:.0f}s): {log}"
    # The answers, too, are those of the clean build (the vector search included).
    clean, repaired = (make_settings(last.corpus.folder, last.root / f"{kind}-{last.rounds}")
                       for kind in ("clean", "repaired"))
    assert quoted(Engine.open(repaired, embedder)) == quoted(Engine.open(clean, embedder))
    print(f"\n{kills} kills in {rounds} rounds, {elapsed:.0f}s (seed {seed}):\n" + "\n".join(log))
