"""Stage 6b: the evidence scorer, a seam that `Engine` is given.

A `Scorer` turns the feature rows of candidate windows (`rag.evidence.FEATURES`) into
probabilities that each window answers the question. The one implementation has two
linear parts whose weights live in `rag/scorer.json`:

* a ranker, a conditional logit over all features, which orders the windows of one
  question (its softmax puts the most mass on the gold windows);
* a logistic regression over the best rank score and what the question's candidates
  offer at best (`ANSWERABILITY`: the best sentence similarity, idf coverage, chunk
  similarity and BM25, the share of terms the corpus never uses and the share its
  windows hold together, whether every window lacks the expected answer type): the
  probability that an answer built from the best window quotes the evidence.

A window's probability is its question's (that of the best window) lowered by how far its
rank score falls below the best one's, in logit units: the order within a question is the
ranker's, and the best window carries the question's probability.

Both are fitted by `bench/fit_scorer.py` on labelled questions (ClapNQ's gold sentences and
unanswerable questions, and the development sets); scoring is a dot product in numpy, so
answering imports no learning library. The file also carries the abstention threshold chosen on
cross-validation folds (`Settings.min_support` defaults to it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import IndexCorrupt

WEIGHTS = Path(__file__).with_name("scorer.json")
# What the probability looks at besides the best rank score: a feature's largest (or smallest)
# value among the question's windows.
ANSWERABILITY = (("sent_max", np.max), ("idf_cover", np.max), ("sent_cover", np.max), ("chunk_sim", np.max),
                 ("bm25", np.max), ("unknown_terms", np.max), ("pool_cover", np.max), ("type_miss", np.min))


class Scorer(Protocol):
    features: tuple[str, ...]  # the columns it expects, in order

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row of `rows`: the candidate windows (x features) of one question."""


@dataclass(frozen=True)
class LogisticScorer:
    features: tuple[str, ...]
    mean: np.ndarray  # standardisation applied before the weights
    scale: np.ndarray
    rank_coef: np.ndarray  # the ranker: standardised features -> rank score
    coef: np.ndarray  # the probability: [rank score, *ANSWERABILITY] -> logit
    intercept: float
    threshold: float  # the abstention threshold chosen with the fit

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> "LogisticScorer":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(tuple(data["features"]), np.asarray(data["mean"], np.float64),
                       np.asarray(data["scale"], np.float64), np.asarray(data["rank_coef"], np.float64),
                       np.asarray(data["coef"], np.float64), float(data["intercept"]), float(data["threshold"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"cannot read the scorer weights {path} ({exc}): reinstall the package") from None

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        ranks = self.rank_scores(rows)
        question = float(self.design(rows, ranks) @ self.coef + self.intercept)
        return 1.0 / (1.0 + np.exp(-(question + ranks - ranks.max())))

    def rank_scores(self, rows: np.ndarray) -> np.ndarray:
        return ((np.asarray(rows, np.float64) - self.mean) / self.scale) @ self.rank_coef

    def design(self, rows: np.ndarray, ranks: np.ndarray | None = None) -> np.ndarray:
        """The inputs of the question's probability: the best rank score and the ANSWERABILITY values.

        `ranks`: the rows' rank scores, when the caller has them already.
        """
        rows = np.asarray(rows, np.float64)
        ranks = self.rank_scores(rows) if ranks is None else ranks
        index = {name: i for i, name in enumerate(self.features)}
        return np.array([ranks.max()] + [float(pick(rows[:, index[name]])) for name, pick in ANSWERABILITY])
