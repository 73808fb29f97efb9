#!/usr/bin/env python3
"""Score `rag eval` answers on the ClapNQ question set that `prepare_clapnq.py` writes.

Usage (from the repo root, so that citation paths open):
    python bench/score_clapnq.py QUESTIONS.jsonl RESULTS.jsonl [--sweep] [--steps 20]
                                 [--plot FILE.png] [--json]

QUESTIONS.jsonl: {"id", "question", "kind": "fact" | "unanswerable", "gold_sentences": [...],
"gold_file"} a line. RESULTS.jsonl: one answer a line as `rag eval` writes it, with "id",
"abstained", "support" and "citations" [{"path", "quote", "start", "end", ...}].

What is measured:
  - Answerable hit rate: over answerable questions that have gold sentences, the share that did
    not abstain and cite at least one quote that *matches* a gold sentence. Questions without gold
    sentences (ClapNQ dev has one) are left out and counted separately.
  - Gold-file rate (extra): the share of those questions with a citation from the gold passage file.
  - Unanswerable abstention rate: the share of unanswerable questions where `abstained` is true.
  - Mean quoted characters per non-abstained answer (all questions): how much text a reader gets.
  - Verbatim failures: a citation fails unless the file at `path`, read as UTF-8 from the working
    directory, holds `quote` exactly at [start:end]. Any failure makes the exit status 1.

Match rule (quote vs gold sentence). Both are normalised first: curly quotes and the PTB-style
`` and '' made plain ", dashes made -, white space collapsed, lower-cased. They match when
  (a) the quote contains the gold sentence, or
  (b) the gold sentence contains the quote and the quote is at least MIN_OVERLAP (20) characters,
      so that a stray fragment ("Belgian", "Proclamation No.") cannot score on its own, or
  (c) their longest common substring is at least 60% of the shorter of the two and at least
      MIN_OVERLAP characters. This forgives the library splitting sentences differently from
      ClapNQ's tokenizer (a quote that merges two gold sentences, or drops a trailing clause).

--sweep: a trade-off table of abstention thresholds t, taken at evenly spaced quantiles of the
observed `support` values (--steps of them, plus the minimum). For each t, an answer counts as
abstained iff support < t; the recorded `abstained` flag is ignored. An answerable question is a
hit at t when support >= t and its recorded citations match gold; an unanswerable one scores when
support < t. A result without `support` keeps its recorded decision (support taken as -inf if it
abstained, +inf if not). Caveat: an answer the bot itself abstained on usually carries no
citations, so thresholds below the bot's own cannot gain hits; run `rag eval` with abstention
disabled (threshold 0) to see the whole curve. --plot draws the curve with matplotlib if it is
installed, and otherwise says so and skips it.

--json prints one JSON object (summary, and the sweep rows with --sweep) instead of text.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from difflib import SequenceMatcher
from pathlib import Path

MIN_OVERLAP = 20          # characters; shorter overlaps are too weak to count as evidence
LCS_SHARE = 0.6           # longest common substring / shorter string, for rule (c)

_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def norm(text: str) -> str:
    """Lower-case, plain quotes and dashes, collapsed white space (ClapNQ uses `` and '' for quotes)."""
    text = text.translate(_PLAIN).replace("``", '"').replace("''", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def quote_matches(quote: str, gold: str) -> bool:
    """The match rule of the module docstring; both arguments already normalised."""
    if not quote or not gold:
        return False
    if gold in quote:
        return True
    if quote in gold:
        return len(quote) >= MIN_OVERLAP
    shorter = min(len(quote), len(gold))
    match = SequenceMatcher(None, quote, gold, autojunk=False).find_longest_match(
        0, len(quote), 0, len(gold))
    return match.size >= MIN_OVERLAP and match.size >= LCS_SHARE * shorter


def is_hit(result: dict, gold_sentences: list[str]) -> bool:
    """Whether any citation of the result matches any gold sentence (abstention not considered)."""
    golds = [norm(g) for g in gold_sentences]
    for citation in result.get("citations") or []:
        quote = norm(str(citation.get("quote", "")))
        if any(quote_matches(quote, g) for g in golds):
            return True
    return False


def verbatim_problem(citation: dict, cache: dict[str, str | None]) -> str | None:
    """None when the citation is verbatim, else why not."""
    try:
        path, quote = str(citation["path"]), citation["quote"]
        start, end = int(citation["start"]), int(citation["end"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"malformed citation: {exc!r}"
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            cache[path] = None
    text = cache[path]
    if text is None:
        return f"cannot read {path}"
    if not isinstance(quote, str) or not quote.strip():
        return f"empty quote in {path}"
    if text[start:end] != quote:
        return f"not verbatim: {path}[{start}:{end}] != {quote[:60]!r}"
    return None


def support_of(result: dict) -> float:
    """The result's support; a missing one keeps the recorded decision in the sweep."""
    value = result.get("support")
    if isinstance(value, (int, float)) and not math.isnan(value):
        return float(value)
    return -math.inf if result.get("abstained") else math.inf


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def score(questions: list[dict], results: list[dict]) -> tuple[dict, list[dict]]:
    """Return (summary, per-question rows); rows feed the sweep."""
    by_id = {str(r.get("id")): r for r in results}
    cache: dict[str, str | None] = {}
    rows, failures, quoted_chars = [], [], []
    missing = no_gold = 0
    for q in questions:
        result = by_id.get(str(q["id"]))
        if result is None:
            missing += 1
            result = {"abstained": True, "citations": []}   # a missing answer scores as a silent one
        citations = result.get("citations") or []
        for citation in citations:
            problem = verbatim_problem(citation, cache)
            if problem:
                failures.append(f"{q['id']}: {problem}")
        abstained = bool(result.get("abstained"))
        if not abstained:
            quoted_chars.append(sum(len(str(c.get("quote", ""))) for c in citations))
        answerable = q.get("kind") != "unanswerable"
        if answerable and not q.get("gold_sentences"):
            no_gold += 1
            continue
        rows.append({
            "id": q["id"], "answerable": answerable, "abstained": abstained,
            "support": support_of(result),
            "hit": answerable and is_hit(result, q["gold_sentences"]),
            "gold_file": answerable and any(Path(str(c.get("path", ""))).name == q.get("gold_file")
                                            for c in citations),
        })
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    summary = {
        "questions": len(questions),
        "missing_results": missing,
        "answerable_scored": len(ans),
        "answerable_without_gold": no_gold,
        "answerable_hit_rate": rate(sum(r["hit"] and not r["abstained"] for r in ans), len(ans)),
        "answerable_gold_file_rate": rate(sum(r["gold_file"] and not r["abstained"] for r in ans), len(ans)),
        "answerable_abstained_rate": rate(sum(r["abstained"] for r in ans), len(ans)),
        "unanswerable": len(una),
        "unanswerable_abstention_rate": rate(sum(r["abstained"] for r in una), len(una)),
        "mean_quoted_chars": (sum(quoted_chars) / len(quoted_chars)) if quoted_chars else None,
        "verbatim_failures": len(failures),
        "verbatim_failure_examples": failures[:10],
    }
    return summary, rows


def quantile(sorted_values: list[float], p: float) -> float:
    """Linear-interpolated quantile of an already sorted, non-empty list."""
    pos = p * (len(sorted_values) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def sweep(rows: list[dict], steps: int) -> list[dict]:
    """Hit and abstention rates for thresholds at the quantiles of the finite support values."""
    finite = sorted(r["support"] for r in rows if math.isfinite(r["support"]))
    if not finite:
        return []
    thresholds = sorted({quantile(finite, i / steps) for i in range(steps + 1)})
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    table = []
    for t in thresholds:
        hit = rate(sum(r["hit"] and r["support"] >= t for r in ans), len(ans))
        abst = rate(sum(r["support"] < t for r in una), len(una))
        # The mean of the two rates is one simple single-number view of the trade-off.
        balanced = (hit + abst) / 2 if hit is not None and abst is not None else None
        table.append({"threshold": t, "answerable_hit_rate": hit,
                      "unanswerable_abstention_rate": abst, "balanced": balanced})
    return table


def pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{100 * value:5.1f}%"


def print_summary(s: dict) -> None:
    print(f"questions: {s['questions']}  (missing results: {s['missing_results']})")
    print(f"answerable hit rate:          {pct(s['answerable_hit_rate'])}  of {s['answerable_scored']}"
          f"  (gold file cited {pct(s['answerable_gold_file_rate'])}, abstained {pct(s['answerable_abstained_rate'])};"
          f" {s['answerable_without_gold']} without gold skipped)")
    print(f"unanswerable abstention rate: {pct(s['unanswerable_abstention_rate'])}  of {s['unanswerable']}")
    mean = s["mean_quoted_chars"]
    print(f"mean quoted chars per answer: {'n/a' if mean is None else f'{mean:.0f}'}")
    print(f"verbatim failures:            {s['verbatim_failures']}")
    for example in s["verbatim_failure_examples"]:
        print(f"  {example}")


def print_sweep(table: list[dict]) -> None:
    if not table:
        print("sweep: no numeric `support` values in the results")
        return
    best = max((r for r in table if r["balanced"] is not None), key=lambda r: r["balanced"], default=None)
    print("\nthreshold  answerable-hit  unanswerable-abstain  balanced")
    for r in table:
        mark = "  <- best balanced" if r is best else ""
        balanced = "  n/a" if r["balanced"] is None else f"{100 * r['balanced']:5.1f}%"
        print(f"{r['threshold']:9.4f}  {pct(r['answerable_hit_rate']):>14}  "
              f"{pct(r['unanswerable_abstention_rate']):>20}  {balanced:>8}{mark}")


def plot(table: list[dict], path: Path) -> bool:
    """Draw hit rate against abstention rate; False (with a message) when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")            # no display here; write the file only
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed; skipped {path}", file=sys.stderr)
        return False
    rows = [r for r in table if r["answerable_hit_rate"] is not None
            and r["unanswerable_abstention_rate"] is not None]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([r["unanswerable_abstention_rate"] for r in rows],
            [r["answerable_hit_rate"] for r in rows], marker="o")
    for r in rows[:: max(1, len(rows) // 6)]:
        ax.annotate(f"{r['threshold']:.2f}", (r["unanswerable_abstention_rate"], r["answerable_hit_rate"]),
                    fontsize=7, textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("unanswerable abstention rate")
    ax.set_ylabel("answerable hit rate")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("ClapNQ dev: abstention threshold trade-off")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--sweep", action="store_true", help="print the abstention-threshold trade-off table")
    parser.add_argument("--steps", type=int, default=20, help="number of quantile steps in the sweep")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="plot the sweep (needs matplotlib)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of text")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")

    summary, rows = score(read_jsonl(args.questions), read_jsonl(args.results))
    table = sweep(rows, args.steps) if (args.sweep or args.plot) else []
    if args.json:
        out = {"summary": summary}
        if args.sweep:
            out["sweep"] = table
        print(json.dumps(out, indent=1))
    else:
        print_summary(summary)
        if args.sweep:
            print_sweep(table)
    if args.plot:
        if table and plot(table, args.plot):
            print(f"plot written to {args.plot}", file=sys.stderr)
        elif not table:
            print("--plot: no numeric `support` values; nothing to plot", file=sys.stderr)
    return 1 if summary["verbatim_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
