"""The three parts of a question's fit to a posting (engine/job_match.py `fit_parts`), on a small made-up matrix."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.engine import job_match
from interviewer.engine.job_match import fit_parts


def test_each_part_reads_the_closeness_it_names_and_the_shipped_weights_add_them():
    # Rows: three requirement lines. Columns: q1's text, q1's alias, q1's two key points, then q2's text alone.
    sims = np.array(
        [
            [0.9, 0.2, 0.1, 0.3, 0.5],
            [0.4, 0.6, 0.7, 0.2, 0.1],
            [0.1, 0.3, 0.2, 0.8, 0.4],
        ]
    )
    owners = ["q1", "q1", "q1", "q1", "q2"]
    asks = np.array([True, True, False, False, True])
    parts = fit_parts(sims, owners, asks)
    assert parts["q1"] == pytest.approx((0.9, (0.7 + 0.8) / 2, (0.9 + 0.8) / 2))
    assert parts["q2"] == pytest.approx((0.5, 0.5, (0.5 + 0.4) / 2))  # no key points: its ask stands in
    fit = job_match._duty_fit(sims, owners, asks)
    ask, points, lines = parts["q1"]
    expected = job_match.ASK_WEIGHT * ask + job_match.POINTS_WEIGHT * points + job_match.LINES_WEIGHT * lines
    assert fit["q1"] == pytest.approx(expected)


def test_a_question_readers_kept_rejecting_loses_a_tie_and_unknown_questions_are_neutral(tmp_path):
    from interviewer.engine.question_priors import QuestionPriors

    priors = QuestionPriors(weight=1.0, priors={"often-kept": 0.8, "often-rejected": -1.2})
    assert priors.of("often-kept") > priors.of("never-judged") == 0.0 > priors.of("often-rejected")
    path = tmp_path / "priors.json"
    priors.save(path)
    assert QuestionPriors.load(path) == priors
    # No file: every question neutral.
    assert QuestionPriors.load(tmp_path / "missing.json").of("often-kept") == 0.0
    shipped = QuestionPriors.load()
    assert shipped.weight > 0 and shipped.priors and "sets 2-9" in shipped.trained_on
