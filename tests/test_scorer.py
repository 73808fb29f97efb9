"""The scorer's weights reproduce from their script and data, and the scorer ranks real evidence first."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from conftest import ROOT
from rag.evidence import FEATURES
from rag.scoring import WEIGHTS, LogisticScorer


def test_the_weights_file_reproduces_from_its_script():
    sys.path.insert(0, str(ROOT / "bench"))
    import fit_scorer

    committed = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    refitted = json.loads(json.dumps(fit_scorer.fit()))  # the same rounding as the written file
    assert refitted["features"] == committed["features"] == list(FEATURES)
    assert refitted["threshold"] == committed["threshold"]
    for key in ("mean", "scale", "coef"):
        assert np.allclose(refitted[key], committed[key], atol=1e-5), key
    assert refitted["intercept"] == pytest.approx(committed["intercept"], abs=1e-5)
    assert refitted["cross_validation"] == committed["cross_validation"]


def test_the_calibrated_threshold_met_its_targets_out_of_fold():
    cv = json.loads(WEIGHTS.read_text(encoding="utf-8"))["cross_validation"]
    assert cv["answerable_hit"] >= 0.9 and cv["unanswerable_abstained"] >= 0.5


def test_probabilities_rise_with_the_evidence():
    scorer = LogisticScorer.load()
    weak = dict.fromkeys(FEATURES, 0.0) | {"units": 1.0, "log_chars": 4.5, "chunk_rank": 0.2}
    strong = weak | {"sent_max": 0.8, "sent_mean": 0.8, "sent_first": 0.8, "chunk_sim": 0.7, "idf_cover": 1.0,
                     "idf_cover_title": 1.0, "bm25": 0.8, "chunk_rank": 1.0}
    p_weak, p_strong = scorer.probabilities(np.array([[weak[f] for f in FEATURES], [strong[f] for f in FEATURES]]))
    assert 0.0 <= p_weak < p_strong <= 1.0
    assert p_weak < scorer.threshold < p_strong
