"""Reading what a question proposes (turn_propositions) and holding it to the probe's key points with the verifier.

A polar question that names the method or the answer ("Could you X and see whether Y?") is, by its form, the same
as a probe that names its key term; what tells them apart is whether its content states the probe's point. Every
sentence here was written for these tests; none comes from a labelled set.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from interviewer.domain.target import Target
from interviewer.engine import turn_propositions
from interviewer.engine.phrasing import turn_context
from interviewer.engine.turn_check import (
    Features,
    Thresholds,
    TurnChecker,
    TurnContext,
    proposed_beyond_probe,
    shipped_thresholds,
)
from interviewer.engine.turn_rules import clauses
from interviewer.grading.verifier import OneByOne

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("question", "proposed"),
    [
        (
            "Could you log the prompt version beside every cached answer and compare them?",
            ["you log the prompt version beside every cached answer and compare them"],
        ),
        (
            "Did your ticket list the exact command, the full error and what you had already tried?",
            ["your ticket list the exact command, the full error and what you had already tried"],
        ),
        (
            "Shouldn't the retry budget cover the slowest region as well?",
            ["the retry budget cover the slowest region as well"],
        ),
        (
            "Since the replicas share one queue, would you scale on its depth?",
            ["the replicas share one queue", "you scale on its depth"],
        ),
        (
            "For the Polish market, would you reuse the English thresholds unchanged?",
            ["you reuse the English thresholds unchanged"],
        ),
    ],
)
def test_a_polar_question_and_its_premise_are_read_as_statements(question, proposed):
    assert turn_propositions.propositions(question) == proposed


@pytest.mark.parametrize(
    "question",
    [
        "How would you decide when to add a replica?",
        "What would you check first in the ticket?",
        "Would you run the audit on last month's logs or on something else?",
        "Would you retry the call, or not?",
        "Could you walk me through how the queue drains?",
        "Do you think the budget is enough?",
    ],
)
def test_an_open_question_or_an_open_choice_proposes_nothing(question):
    assert turn_propositions.propositions(question) == []


class _Scripted(OneByOne):
    """P(states) 0.9 for a unit that contains `phrase`, 0.1 otherwise; records what it was asked."""

    name = "scripted"

    def __init__(self, phrase: str):
        self.phrase = phrase
        self.asked: list[tuple[str, str]] = []

    def probs(self, point: str, unit: str) -> np.ndarray:
        self.asked.append((point, unit))
        states = 0.9 if self.phrase in unit else 0.1
        return np.array([1 - states, states, 0.0], dtype=np.float32)


def test_the_verifier_reads_the_proposition_against_the_probes_points_only():
    verifier = _Scripted("cut the reasoning off")
    points = ("Truncating the chain or planting an error in it shows whether the answer depends on it.",)
    leading = "Could you cut the reasoning off halfway and see whether the final answer moves?"
    assert turn_propositions.states_probe(verifier, leading, points) == pytest.approx(0.9)
    assert verifier.asked == [
        (points[0], "you cut the reasoning off halfway and see whether the final answer moves")
    ]
    assert (
        turn_propositions.states_probe(
            verifier, "How would you test that the answer uses its reasoning?", points
        )
        == 0
    )
    assert turn_propositions.states_probe(verifier, leading, ()) == 0


def test_a_proposal_at_or_above_question_states_is_refused_as_proposing_the_answer():
    checker = TurnChecker(cast(Any, None), Thresholds(question_states=0.85))
    assert checker.proposes_answer(Features(question_states=0.9))
    assert not checker.proposes_answer(Features(question_states=0.8))
    assert not TurnChecker(cast(Any, None), Thresholds()).proposes_answer(Features(question_states=1.0))
    assert Thresholds(question_states=0.85).uses_verifier() and not Thresholds().uses_verifier()


def test_a_question_proposes_only_what_its_probe_does_not_already_propose():
    assert proposed_beyond_probe(Features(question_states=0.9, probe_states=0.3)) == 0.9
    assert proposed_beyond_probe(Features(question_states=0.9, probe_states=0.9)) == 0.0
    checker = TurnChecker(cast(Any, None), Thresholds(question_states=0.85))
    assert not checker.proposes_answer(Features(question_states=0.95, probe_states=0.97))


def test_the_fitting_grid_reads_question_states_as_the_checker_does():
    if str(ROOT / "training") not in sys.path:
        sys.path.insert(0, str(ROOT / "training"))
    grid_module = importlib.import_module("turn_grid")
    grid: dict[str, list[Any]] = {
        "answer_cos": [2.0],
        "answer_margin": [0.0],
        "answer_terms": [99],
        "probe_cos": [0.0, 0.5],
        "probe_band": [0.0],
        "claim_cos": [2.0],
        "claim_novel": [99],
        "general_margin": [9.0],
        "verifier_states": [None],
        "question_states": [0.8, 0.9, None],
    }
    for kind in ("follow_up", "preamble"):
        for level in (0.0, 0.85, 0.95):
            f = Features(question_states=level, probe_states=0.9 if level == 0.85 else 0.0, probe_cos=0.6)
            case = grid_module.Case(False, "", kind, f, "g")
            tallied = grid_module.tally([case], grid)["g"].bad_rejected
            for index in range(6):
                checker = TurnChecker(cast(Any, None), grid_module.setting(grid, index))
                rejected = kind == "follow_up" and checker.proposes_answer(case.features)
                assert bool(tallied.ravel()[index]) == rejected
                assert bool(grid_module.passes(case, grid).ravel()[index]) == (not rejected)


@pytest.fixture(scope="module")
def shap(shap_follow_up) -> TurnContext:
    return shap_follow_up("LIME fits a local model.")


@pytest.fixture(scope="module")
def checker() -> TurnChecker:
    from interviewer.encoders.embeddings import make_embedder
    from interviewer.grading.verifier import make_verifier

    verifier = make_verifier("onnx")
    if verifier is None:
        pytest.skip("no trained verifier in the package")
    return TurnChecker(make_embedder("onnx"), shipped_thresholds(), verifier)


@pytest.mark.parametrize(
    "turn",
    [
        "Would you check that the attributions sum to the prediction minus the average prediction over the "
        "background data?",
        "Do the SHAP values for one loan add up to the model's output minus its expected output on the "
        "background set?",
    ],
)
def test_with_the_shipped_setting_a_question_that_hands_over_the_point_is_refused(checker, shap, turn):
    assert checker.thresholds.question_states is not None
    verdict = checker.check(turn, shap)
    assert (verdict.ok, verdict.reason) == (False, "proposes_answer")


@pytest.mark.parametrize(
    "turn",
    [
        "What should the SHAP values for one prediction add up to, and why would that help you?",
        "Take one applicant's prediction. What do its SHAP values total, and what does that buy you?",
        "Would you sum the attributions for one prediction, or look at something else first?",
    ],
)
def test_with_the_shipped_setting_a_question_that_asks_for_the_point_passes(checker, shap, turn):
    assert checker.check(turn, shap).ok


def test_a_polar_probe_restated_as_the_follow_up_passes(checker):
    """The verifier misses polarity ("Does X free you from Y?" reads as stating "X does not free you from Y"),
    so a follow-up that asks its polar probe again must not count as proposing the point."""
    from interviewer.config import load_settings
    from interviewer.corpus.loader import load_corpus

    settings = load_settings()
    target = Target.of(
        load_corpus(settings.corpus_dir, settings.rubrics_dir).by_id["ft-base-model-licensing"]
    )
    probe = "Does fine-tuning a model free you from its licence terms?"
    ctx = turn_context("follow_up", target, probe=probe, candidate="We fine-tuned an open model last year.")
    f = checker.features("So, does fine-tuning a model free you from its licence terms?", ctx)
    assert f.question_states >= (checker.thresholds.question_states or 1.0) and f.probe_states > 0
    assert checker.check("So, does fine-tuning a model free you from its licence terms?", ctx).ok


def test_a_streamed_question_that_hands_over_the_point_is_stopped_before_it_is_shown(checker, shap):
    shown = "Good, LIME fits a local model."
    leading = (
        "Do the SHAP values for one loan add up to the model's output minus its expected output on the "
        "background set?"
    )
    assert checker.sentence_failure(leading, shap, shown) == "proposes_answer"
    assert checker.sentence_failure("What do the SHAP values for one loan add up to?", shap, shown) == ""


def test_the_app_reads_turns_with_the_verifier_when_the_shipped_setting_does(services):
    """The shipped thresholds read question_states, so the app's checker must hold the verifier (without it the
    check is silently skipped)."""
    from interviewer.grading.verifier import shipped

    if not shipped() or services.settings.embeddings != "onnx":
        pytest.skip("no trained verifier, or hashed test embeddings")
    assert shipped_thresholds().uses_verifier()
    assert services.phraser.checker is not None and services.phraser.checker.verifier is not None


def test_a_polar_question_that_ends_on_the_word_right_is_no_tag():
    """Found by the author's own variants: "get X right?" closes a question, "..., right?" tags a statement."""
    asked = clauses("Is the speech model on its own enough to get rare drug names right?")
    assert [c.asks for c in asked] == [True]
    for tagged in (
        "The cache holds the keys, right?",
        "So the ranking stays the same right?",
        "Is that right?",
    ):
        assert not any(c.asks for c in clauses(tagged)), tagged
