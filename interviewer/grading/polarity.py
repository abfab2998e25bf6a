"""Grading a corpus question's answer from what it says about each key point, not from how similar it sounds.

The matcher (grader.py) ranks the answer's units for every key point; here the verifier reads the best of them, the
verdict model turns that into states / contradicts / absent, and the level model turns the verdicts at all three
levels into a level, its plausible range and a 0-5 score. A contradicted point earns nothing and is quoted back in
the feedback; a misconception counts only when the verifier reads a unit as stating it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from interviewer.domain.grades import Criterion, StatedMisconception
from interviewer.domain.questions import KeyPoint, Verdict
from interviewer.domain.target import Target
from interviewer.grading.level_model import VERDICT_ORDER, LevelModel, level_features, score_features
from interviewer.grading.verdicts import Reading, VerdictModel, read_points
from interviewer.grading.verifier import PointVerifier


@dataclass
class Scored:
    """What scoring an answer produced, before guards, flags and feedback are applied."""

    score: float
    reference_match: float
    criteria: list[Criterion]
    level: Verdict
    level_probs: np.ndarray | None = None
    misconception: float = 0.0
    readings: list[Reading] = field(default_factory=list)
    stated: StatedMisconception | None = None
    """The misconception the flag's similarity rule found and the unit that reads like it."""


class PolarityScorer:
    def __init__(self, verifier: PointVerifier, verdicts: VerdictModel | None, levels: LevelModel):
        self.verifier = verifier
        self.verdicts = verdicts
        self.levels = levels

    def score(self, target: Target, units: list[str], match: np.ndarray, reference_match: float) -> Scored:
        """`match` holds the matcher's probabilities of the key points, then the misconceptions, against `units`."""
        assert target.level is not None, "only questions asked at a level are graded by their key points"
        kps = target.key_points
        readings = read_points(self.verifier, [k.text for k in kps], units, match[: len(kps)], self.verdicts)
        criteria = [_criterion(k, r, units) for k, r in zip(kps, readings, strict=True)]
        # The verifier's reading of the misconceptions costs a run each (about 50 of a 250 ms grade on a CPU without
        # VNNI) and only a score that weighs it needs it; the shipped one does not (round 4's choice, docs/grader.md).
        needs_wrong = "misconception" in self.levels.score_features
        wrong = self.misconception(target, units, match[len(kps) :]) if needs_wrong else 0.0
        levels = [k.level for k in kps]
        weights = [k.weight for k in kps]
        states = [0.0 if r.verdict == "contradicts" else r.states for r in readings]
        contra = [r.contradicts for r in readings]
        p = self.levels.level_probs(level_features(levels, weights, states, contra, reference_match))
        x = score_features(
            target.level,
            levels,
            weights,
            states,
            contra,
            p,
            reference_match,
            wrong,
            self.levels.score_features,
            self.levels.reference_span,
        )
        level: Verdict = VERDICT_ORDER[int(np.argmax(p))]
        return Scored(self.levels.score_of(x), reference_match, criteria, level, p, wrong, readings)

    def misconception(self, target: Target, units: list[str], match: np.ndarray) -> float:
        """How surely the answer states one of the question's known misconceptions (its best-matching unit read)."""
        if not units or not len(match):
            return 0.0
        pairs = [
            (text, units[int(np.argmax(row))]) for text, row in zip(target.misconceptions, match, strict=True)
        ]
        return max((float(p[1]) for p in self.verifier.probs_many(pairs)), default=0.0)


def _criterion(kp: KeyPoint, reading: Reading, units: list[str]) -> Criterion:
    verdict = reading.verdict
    at = reading.contradicts_unit if verdict == "contradicts" else reading.states_unit
    met = 0.0 if verdict == "contradicts" else reading.states
    return Criterion(
        id=kp.id,
        level=kp.level,
        weight=kp.weight,
        met=round(met, 3),
        evidence=units[at] if verdict != "absent" and at >= 0 else "",
        verdict=verdict,
    )


def make_polarity(kind: str, threads: int = 1, workers: int = 0) -> PolarityScorer | None:
    """The shipped verifier with its fitted models, or None (hashed test embeddings, or nothing shipped)."""
    from interviewer.grading.verifier import make_verifier

    verifier = make_verifier(kind, threads, workers)
    levels = LevelModel.load()
    if verifier is None or levels is None:
        return None
    return PolarityScorer(verifier, VerdictModel.load(), levels)
