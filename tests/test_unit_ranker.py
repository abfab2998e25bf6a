"""The unit ranker: which unit of the answer the verifier reads for each key point."""

from __future__ import annotations

import json

import numpy as np
import pytest

from interviewer.grading.features import FEATURES as MATCH_FEATURES
from interviewer.grading.unit_ranker import FEATURES, UnitRanker, others_best, read_orders


def _rows(units: int, points: int) -> np.ndarray:
    return np.zeros((units, points, len(MATCH_FEATURES)))


def test_without_a_ranker_the_matcher_order_is_read():
    match = np.array([[0.1, 0.9, 0.5], [0.7, 0.2, 0.3]])
    assert read_orders(None, _rows(3, 2), match, np.ones(3), 2) == [[1, 2], [0, 2]]
    ranker = UnitRanker(weights=[1.0] + [0.0] * (len(FEATURES) - 1))
    assert read_orders(ranker, None, match, np.ones(3), 1) == [[1], [0]]  # no feature rows: the matcher's


def test_the_ranker_can_prefer_a_unit_the_matcher_ranks_second():
    match = np.array([[0.8, 0.7]])
    rows = _rows(2, 1)
    rows[1, 0, MATCH_FEATURES.index("sem_recall")] = 1.0  # the second unit covers more of the point
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("match_logit")] = 1.0
    weights[FEATURES.index("sem_recall")] = 5.0
    ranker = UnitRanker(weights=weights)
    assert read_orders(None, rows, match, np.ones(2), 1) == [[0]]
    assert read_orders(ranker, rows, match, np.ones(2), 1) == [[1]]


def test_a_unit_that_matches_another_point_better_is_seen():
    match = np.array([[0.2, 0.9], [0.8, 0.1], [0.3, 0.4]])
    others = others_best(match)
    assert others[0].tolist() == [0.8, 0.4] and others[1].tolist() == [0.3, 0.9]
    assert others_best(match[:1]).tolist() == [[0.0, 0.0]]


def test_a_ranker_fitted_on_other_features_is_refused(tmp_path):
    path = tmp_path / "unit_ranker.json"
    path.write_text(json.dumps({"weights": [1.0, 2.0], "features": ["match_logit", "bias"]}))
    with pytest.raises(ValueError, match="refit"):
        UnitRanker.load(path)
    assert UnitRanker.load(tmp_path / "missing.json") is None


def test_the_shipped_ranker_finds_the_readers_evidence_more_often_than_the_matcher():
    ranker = UnitRanker.load()
    assert ranker is not None and len(ranker.weights) == len(FEATURES)
    v = ranker.validation  # measured on the benchmark's train answers, which it was not fitted on
    assert v["ranker_top1"] > v["matcher_top1"] + 0.05
    assert v["ranker_top1_contradicts"] > v["matcher_top1_contradicts"]
