"""A calibration version: a small correction on top of the shipped grader, fitted on reviewed grades.

The shipped ScoreModel (fitted on the shared train sets) stays as it is; a version adds two things:

- score: `a + b * raw`, clipped to 0-5. It is fitted by weighted least squares on reviewed examples plus
  pseudo-examples on the identity line, which stand for the shipped model: with a handful of reviews the
  correction stays near the identity, with many it follows the reviewers. That is a Gaussian prior centred on the
  shipped calibration, with the strength of `prior_weight` reviews.
- level bars: the share of each level's key-point weight an answer must meet, chosen on a grid to agree best with
  the reviewers' levels; ties go to the bars closest to the current ones, so bars move only when it helps.

Answers a guard flagged keep their verdict and never gain score from a correction: guards only ever lower a grade.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from interviewer.domain.grades import Grade
from interviewer.domain.questions import LEVELS, Verdict

VERDICTS: list[Verdict] = ["none", "junior", "mid", "senior"]
GUARDED = {
    "empty",
    "dont_know",
    "gibberish",
    "off_topic",
    "keyword_list",
    "injection",
    "too_short",
    "skipped",
}
BAR_GRID = np.round(np.arange(0.3, 0.91, 0.05), 2)


@dataclass
class Example:
    """A reviewed answer as the calibration sees it: the raw machine grade and the reviewer's verdict."""

    id: str
    question_id: str
    raw_score: float
    shares: dict[str, float | None]
    flags: list[str]
    human_score: float
    human_level: str
    raw_level: str = "none"
    """The grader's own verdict (what a version without refitted bars, or a guard, decides)."""


@dataclass
class Calibration:
    """Version 0 is the shipped calibration (identity score, the rubric's own level bars)."""

    version: int = 0
    offset: float = 0.0
    slope: float = 1.0
    bars: dict[str, float] | None = None
    """Per-level bars; None keeps the rubric's bars (and the grader's own verdict)."""
    created: float = 0.0
    author: str = "shipped"
    note: str = "shipped calibration (fitted on the shared train sets)"
    metrics: dict[str, Any] = field(default_factory=dict)

    def score(self, raw: float, flags: list[str] | tuple[str, ...] = ()) -> float:
        """The corrected 0-5 score; a guarded answer keeps the lower of raw and corrected."""
        adjusted = float(np.clip(self.offset + self.slope * raw, 0.0, 5.0))
        return round(min(raw, adjusted) if set(flags) & GUARDED else adjusted, 2)

    def level(self, shares: dict[str, float | None], flags: list[str], fallback: str) -> str:
        """The highest bar met under this version's bars (the grader's verdict when bars are not refitted)."""
        if self.bars is None or set(flags) & GUARDED:
            return fallback
        return level_from_shares(shares, self.bars)

    def apply(self, grade: Grade) -> Grade:
        """A copy of `grade` with this version's score and level; the raw score is kept on the grade."""
        raw = grade.raw_score if grade.raw_score is not None else grade.score
        out = grade.model_copy(deep=True)
        out.raw_score = raw
        out.calibration = self.version
        out.score = self.score(raw, grade.flags)
        out.level = self.level(level_shares(grade), grade.flags, grade.level)  # type: ignore[assignment]
        return out

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def level_shares(grade: Grade) -> dict[str, float | None]:
    """Per level, the met share of its key-point weight (None when the question has no points at that level)."""
    out: dict[str, float | None] = {}
    for lv in LEVELS:
        pts = [c for c in grade.criteria if c.level == lv]
        weight = sum(c.weight for c in pts)
        out[lv] = round(sum(c.weight * c.met for c in pts) / weight, 4) if pts and weight else None
    return out


def level_from_shares(shares: dict[str, float | None], bars: dict[str, float]) -> str:
    """Junior bar, then mid on top, then senior on top: the same rule as the grader's."""
    verdict = "none"
    for lv in LEVELS:
        share = shares.get(lv)
        if share is None:
            continue
        if share < bars[lv]:
            break
        verdict = lv
    return verdict


def fit_score(
    raw: np.ndarray, human: np.ndarray, prior_weight: float = 20.0, grid: int = 11
) -> tuple[float, float]:
    """Offset and slope of `human ~ a + b * raw`, shrunk toward the identity by `prior_weight` pseudo-reviews."""
    anchors = np.linspace(0.0, 5.0, grid)
    x = np.r_[np.asarray(raw, float), anchors]
    y = np.r_[np.asarray(human, float), anchors]
    w = np.r_[np.ones(len(raw)), np.full(grid, prior_weight / grid)]
    design = np.c_[np.ones_like(x), x] * np.sqrt(w)[:, None]
    (a, b), *_ = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)
    return round(float(a), 4), round(float(b), 4)


def fit_bars(examples: list[Example], start: dict[str, float]) -> dict[str, float]:
    """Level bars on a grid that agree best with the reviewers' levels; ties go to the bars nearest `start`."""
    usable = [e for e in examples if not set(e.flags) & GUARDED]
    if not usable:
        return dict(start)
    best, best_key = dict(start), (-1.0, 0.0)
    for combo in itertools.product(BAR_GRID, repeat=len(LEVELS)):
        bars: dict[str, float] = {lv: float(b) for lv, b in zip(LEVELS, combo, strict=True)}
        hits = sum(level_from_shares(e.shares, bars) == e.human_level for e in usable)
        distance = sum(abs(bars[lv] - start[lv]) for lv in LEVELS)
        key = (hits / len(usable), -distance)
        if key > best_key:
            best, best_key = bars, key
    return best


def agreement(cal: Calibration, examples: list[Example]) -> dict[str, float]:
    """How well a version agrees with reviewers: score MAE and RMSE, level accuracy (exact match)."""
    if not examples:
        return {"n": 0}
    pred = np.array([cal.score(e.raw_score, e.flags) for e in examples])
    human = np.array([e.human_score for e in examples])
    hits = [cal.level(e.shares, e.flags, e.raw_level) == e.human_level for e in examples]
    return {
        "n": len(examples),
        "score_mae": round(float(np.mean(np.abs(pred - human))), 4),
        "score_rmse": round(float(np.sqrt(np.mean((pred - human) ** 2))), 4),
        "level_accuracy": round(float(np.mean(hits)), 4),
    }
