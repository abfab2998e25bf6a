"""Key-point verdicts, the level model and repetition, with a scripted verifier (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.domain.questions import KeyPoint
from interviewer.domain.target import Target
from interviewer.grading.guards import drop_repeats
from interviewer.grading.level_model import (
    LEVEL_FEATURES,
    SCORE_FEATURES,
    LevelModel,
    level_features,
    plausible_range,
    score_features,
)
from interviewer.grading.polarity import PolarityScorer
from interviewer.grading.verdicts import read_points
from interviewer.grading.verifier import OneByOne


class ScriptedVerifier(OneByOne):
    """Says `states` for units containing the point's marker word, `contradicts` for units that negate it."""

    name = "scripted"

    def probs(self, point: str, unit: str) -> np.ndarray:
        marker = point.split()[0].lower()
        text = unit.lower()
        if marker in text and " not " in f" {text} ":
            return np.array([0.05, 0.05, 0.9])
        if marker in text:
            return np.array([0.05, 0.9, 0.05])
        return np.array([0.9, 0.05, 0.05])


class CountingVerifier(ScriptedVerifier):
    """The scripted verifier, keeping every (point, unit) pair it was asked to read."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []

    def probs(self, point: str, unit: str) -> np.ndarray:
        self.read.append((point, unit))
        return super().probs(point, unit)


def _target() -> Target:
    kps = [
        KeyPoint(id="cache", level="junior", text="caching keeps past keys and values for reuse"),
        KeyPoint(id="memory", level="mid", text="memory grows linearly with the sequence length"),
        KeyPoint(id="paging", level="senior", text="paging stores the cache in fixed blocks"),
    ]
    return Target(
        id="q",
        question="What does the KV cache do?",
        references=["..."],
        key_points=kps,
        level="junior",
        misconceptions=("recompute everything at each step",),
    )


def _model() -> LevelModel:
    # Reaching a level needs most of that level's points and none of its contradictions (the match with the
    # reference answer is left out); the score follows the points stated at or below the asked level.
    steps = [
        [8, 0, 0, -8, 0, 0, 0, -4],
        [0, 8, 0, 0, -8, 0, 0, -4],
        [0, 0, 8, 0, 0, -8, 0, -4],
    ]
    score = [3.0, 1.0, -2.0, 0.5, -1.0, 0.0, -1.0, 0.5]
    return LevelModel(steps=[list(map(float, s)) for s in steps], score=score)


def test_a_negated_point_is_contradicted_earns_nothing_and_quotes_the_answer():
    scorer = PolarityScorer(ScriptedVerifier(), None, _model())
    units = ["Caching does not keep anything between steps.", "Memory grows with length."]
    match = np.array([[0.9, 0.1], [0.1, 0.9], [0.2, 0.1], [0.1, 0.1]])
    out = scorer.score(_target(), units, match, 0.5)
    by_id = {c.id: c for c in out.criteria}
    assert by_id["cache"].verdict == "contradicts" and by_id["cache"].met == 0.0
    assert by_id["cache"].evidence == units[0]
    assert by_id["memory"].verdict == "states" and by_id["memory"].met > 0.5
    assert by_id["paging"].verdict == "absent" and by_id["paging"].evidence == ""
    assert out.level == "none"  # the junior point is contradicted: no level, however good the rest


def test_the_level_follows_the_verdicts_at_all_three_levels():
    scorer = PolarityScorer(ScriptedVerifier(), None, _model())
    units = ["Caching keeps keys.", "Memory grows linearly.", "Paging uses blocks."]
    match = np.eye(4, 3)
    full = scorer.score(_target(), units, match, 0.8)
    assert full.level == "senior"
    junior_only = scorer.score(_target(), units[:1], match[:, :1], 0.8)
    # a complete junior answer earns junior, whatever it leaves out above
    assert junior_only.level == "junior"
    assert full.score > junior_only.score


def test_a_misconception_counts_only_when_the_verifier_reads_it_stated():
    scorer = PolarityScorer(ScriptedVerifier(), None, _model())
    match = np.array([[0.1], [0.1], [0.1], [0.95]])
    stated = scorer.score(_target(), ["Recompute everything at each step, always."], match, 0.5)
    rebutted = scorer.score(_target(), ["We do not recompute everything at each step."], match, 0.5)
    assert stated.misconception > 0.8
    assert rebutted.misconception < 0.2


def test_misconceptions_are_read_only_for_a_score_that_weighs_them():
    """Each misconception costs the verifier a run; the shipped score does not weigh it, so it is not read."""
    units = ["Recompute everything at each step, always."]
    match = np.array([[0.1], [0.1], [0.1], [0.95]])
    weighs = _model()
    names = [n for n in weighs.score_features if n != "misconception"]
    plain = LevelModel(steps=weighs.steps, score=[0.0] * len(names), score_features=names)
    counting = CountingVerifier()
    assert PolarityScorer(counting, None, weighs).score(_target(), units, match, 0.5).misconception > 0.8
    assert "recompute everything at each step" in [point for point, _ in counting.read]
    counting.read.clear()
    PolarityScorer(counting, None, plain).score(_target(), units, match, 0.5)
    points = [point for point, _ in counting.read]
    assert len(points) == 3 and "recompute everything at each step" not in points


def test_read_points_reads_only_the_top_units():
    units = [f"unit {i}" for i in range(6)]
    match = np.tile(np.linspace(0, 1, 6), (2, 1))
    counting = CountingVerifier()
    read_points(counting, ["a point", "b point"], units, match, None, top=2)
    calls = [unit for _, unit in counting.read]
    assert sorted(set(calls)) == ["unit 4", "unit 5"] and len(calls) == 4


def test_level_probabilities_sum_to_one_and_the_range_holds_their_mass():
    model = _model()
    for x in np.random.default_rng(0).random((20, len(LEVEL_FEATURES))):
        x[-1] = 1.0
        p = model.level_probs(x)
        assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
        lo, hi = plausible_range(p)
        order = ["none", "junior", "mid", "senior"]
        assert p[order.index(lo) : order.index(hi) + 1].sum() >= 0.8 - 1e-9
    assert len(model.score_features) == len(model.score) == len(SCORE_FEATURES)


def test_a_score_model_computes_the_features_it_names_in_its_order(tmp_path):
    args = ("mid", ["junior", "mid", "senior"], [1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    p, ref = np.array([0.0, 0.0, 1.0, 0.0]), 0.5
    named = score_features(*args, p, ref, 0.0, ("asked_senior", "expected_x_reference", "states_due", "bias"))
    assert named == pytest.approx(
        [0.0, 1.0, 1.0, 1.0]
    )  # expected level 2 (mid) times the reference match 0.5
    assert score_features(*args, p, ref, 0.0) == pytest.approx(
        score_features(*args, p, ref, 0.0, SCORE_FEATURES)
    )  # without names: the features every earlier model was fitted on
    path = tmp_path / "level_model.json"
    LevelModel(steps=_model().steps, score=[1.0, 2.0], score_features=["states_due", "bias"]).save(path)
    assert LevelModel.load(path).score_features == ["states_due", "bias"]
    LevelModel(steps=_model().steps, score=[1.0, 2.0], score_features=["shoe_size", "bias"]).save(path)
    with pytest.raises(ValueError, match="refit"):
        LevelModel.load(path)


def test_level_features_weigh_points_within_their_level():
    x = level_features(["junior", "junior", "mid"], [2.0, 1.0, 1.0], [1.0, 0.0, 0.5], [0.0, 1.0, 0.0], 0.4)
    assert x[:3] == pytest.approx([2 / 3, 0.5, 0.0])
    assert x[3:6] == pytest.approx([1 / 3, 0.0, 0.0])
    assert x[6] == 0.4  # the match with the reference answer, then the bias


def test_a_repeated_sentence_is_read_once():
    once = "Dropout randomly zeroes activations during training so the network cannot rely on one unit."
    text, dropped = drop_repeats(" ".join([once] * 5))
    assert dropped == 4 and text == once
    varied = "Precision is TP over predicted positives. Recall is TP over actual positives."
    assert drop_repeats(varied) == (varied, 0)


def test_feedback_corrects_a_contradicted_point_and_never_praises_it():
    from interviewer.domain.grades import Criterion, Grade
    from interviewer.grading.feedback import build_feedback

    wrong = "Caching does not keep anything between steps."
    grade = Grade(
        question_id="q",
        score=1.0,
        level="none",
        criteria=[
            Criterion(id="cache", level="junior", met=0.0, evidence=wrong, verdict="contradicts"),
            Criterion(id="memory", level="mid", met=0.9, evidence="Memory grows linearly.", verdict="states"),
        ],
        missed=["cache"],
        confidence=0.8,
    )
    build_feedback(grade, _target(), None, wrong)
    assert f'You said "{wrong}"; in fact, caching keeps past keys and values for reuse.' in grade.feedback
    assert grade.strengths == ['"Memory grows linearly."']


def test_the_shipped_verifier_reads_pairs_side_by_side_exactly_as_one_after_another():
    from interviewer.grading.verifier import Verifier, shipped

    if not shipped():
        pytest.skip("no trained verifier in the package")
    point = "Caching keeps past keys and values so each new token computes only its own query, key and value."
    units = [
        "The keys and values of earlier tokens are stored and reused at every decoding step.",
        "Past keys and values are not cached; every step recomputes attention over the whole prefix.",
        "Beam search keeps the four best partial outputs.",
    ]
    pairs = [(point, u) for u in units] * 2
    alone = [Verifier(workers=1, cache=0).probs(p, u) for p, u in pairs]
    together = Verifier(workers=2, cache=0).probs_many(pairs)
    assert len(together) == len(pairs)
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(together[0], together[2])  # different pairs, different readings


def test_with_the_shipped_levels_a_stated_point_never_lowers_the_odds_of_any_level():
    """Stating more of a level's points never lowers the probability of reaching junior, mid or senior, and
    contradicting more never raises it (round 4's steps weighed stated junior points against mid and senior)."""
    model = LevelModel.load()
    assert model is not None
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = np.r_[
            rng.uniform(0, 1, 7), 1.0
        ]  # three stated shares, three contradicted, the reference match, bias
        reach = lambda v: np.cumsum(model.level_probs(v)[::-1])[::-1][1:]  # noqa: E731  P(>= junior, mid, senior)
        for i in range(6):
            more = x.copy()
            more[i] = min(1.0, x[i] + 0.3)
            moved = reach(more) - reach(x)
            assert (moved >= -1e-12).all() if i < 3 else (moved <= 1e-12).all(), (i, x.round(2), moved)


def test_the_expected_level_is_split_between_the_ends_of_the_reference_span():
    args = ("mid", ["junior", "mid", "senior"], [1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    p, names = np.array([0.0, 0.0, 1.0, 0.0]), ("expected_x_low_reference", "expected_x_high_reference")
    assert score_features(*args, p, 0.5, 0.0, names) == pytest.approx([1.0, 1.0])  # span 0-1: the raw match
    assert score_features(*args, p, 0.85, 0.0, names, (0.8, 0.9)) == pytest.approx([1.0, 1.0])
    assert score_features(*args, p, 0.5, 0.0, names, (0.8, 0.9)) == pytest.approx(
        [2.0, 0.0]
    )  # below: all low
    assert score_features(*args, p, 0.95, 0.0, names, (0.8, 0.9)) == pytest.approx([0.0, 2.0])


def test_a_score_model_with_an_empty_reference_span_is_refused(tmp_path):
    path = tmp_path / "level_model.json"
    LevelModel(steps=_model().steps, score=[1.0], score_features=["bias"], reference_span=(0.9, 0.9)).save(
        path
    )
    with pytest.raises(ValueError, match="refit"):
        LevelModel.load(path)


def test_the_shipped_score_never_falls_as_the_level_rises():
    """A higher level, all else equal, never lowers the 0-5 score, whatever the match with the reference answer: round
    4's fit fell with the level below a match of 0.7, so a correct senior point added to a weak answer lowered it."""
    model = LevelModel.load()
    assert model is not None
    levels, weights = ["junior", "mid", "senior"], [1.0, 1.0, 1.0]
    for asked in ("junior", "mid", "senior"):
        for states in ([0.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, 1.0, 1.0]):
            for match in np.linspace(0.0, 1.0, 11):
                scores = [
                    model.score_of(
                        score_features(
                            asked,
                            levels,
                            weights,
                            states,
                            [0.0] * 3,
                            p,
                            match,
                            0.0,
                            model.score_features,
                            model.reference_span,
                        )
                    )
                    for p in np.eye(4)  # none, junior, mid, senior for certain
                ]
                assert scores == sorted(scores), (asked, states, round(match, 1), scores)
