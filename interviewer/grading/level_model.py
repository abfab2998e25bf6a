"""The level an answer demonstrates and its 0-5 score, as functions of its key-point verdicts.

The level is reached step by step: the probability of reaching junior from the share of junior points stated (and
contradicted), of reaching mid given junior, of reaching senior given mid; each step sees every level's shares and
the answer's match with the reference answer, so one paraphrased junior point that the verifier missed lowers the
odds instead of breaking a ladder. The weights are
fitted on labelled interview answers (training/fit_grades.py), never set by hand. The score is a linear function of
the same evidence relative to the level the question is asked at, fitted on the readers' scores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.domain.questions import LEVELS, Level, Verdict

VERDICT_ORDER: tuple[Verdict, ...] = ("none", "junior", "mid", "senior")
LEVEL_FEATURES = (
    "states_junior",
    "states_mid",
    "states_senior",
    "contra_junior",
    "contra_mid",
    "contra_senior",
    "reference_match",
    "bias",
)
SCORE_FEATURES = (
    "states_due",
    "states_above",
    "contradicted",
    "level_vs_asked",
    "p_none",
    "reference_match",
    "misconception",
    "bias",
)
"""The score model's features before it named its own (still the default)."""
SCORE_FEATURE_CHOICES = (
    *SCORE_FEATURES[:-1],
    "expected_level",
    "expected_x_reference",
    "expected_x_low_reference",
    "expected_x_high_reference",
    "asked_mid",
    "asked_senior",
    "bias",
)
"""Every feature a score model may use; training/fit_grades.py chooses a subset on dev and the model names it."""
MODEL = "level_model.json"
RANGE_MASS = 0.8
"""The plausible range is the narrowest run of levels around the verdict holding this much probability."""


def level_features(
    levels: Sequence[str],
    weights: Sequence[float],
    states: Sequence[float],
    contra: Sequence[float],
    reference_match: float,
) -> np.ndarray:
    """LEVEL_FEATURES of an answer from its key points' levels, weights and verdict probabilities, and its match with
    the reference answer as a whole (a second opinion on every point at once, where one verdict can be misread)."""
    out = []
    for values in (states, contra):
        for lv in LEVELS:
            w = [wt for wt, pl in zip(weights, levels, strict=True) if pl == lv]
            v = [x for x, pl in zip(values, levels, strict=True) if pl == lv]
            out.append(float(np.dot(w, v) / sum(w)) if w else 0.0)
    return np.array([*out, reference_match, 1.0])


@dataclass
class LevelModel:
    steps: list[list[float]]
    """Logistic weights over LEVEL_FEATURES for reaching junior, mid given junior, senior given mid."""
    score: list[float]
    """Linear weights over `score_features` for the 0-5 score."""
    temperature: float = 1.0
    """Divides the steps' logits so that the stated confidence matches how often the level is right (fitted on
    held-out answers)."""
    level_features: list[str] = field(default_factory=lambda: list(LEVEL_FEATURES))
    score_features: list[str] = field(default_factory=lambda: list(SCORE_FEATURES))
    reference_span: tuple[float, float] = (0.0, 1.0)
    """The reference matches that `expected_x_low_reference` and `..._high_reference` run between (the middle of the
    training answers' matches: almost every answer matches its reference at 0.6 or more, so a weight on the raw
    match spends most of its range where no answer lies)."""
    trained_on: str = ""
    validation: dict[str, float] = field(default_factory=dict)

    def level_probs(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of none, junior, mid and senior."""
        z = np.array(self.steps) @ np.asarray(x, dtype=np.float64) / self.temperature
        reach = 1.0 / (1.0 + np.exp(-z))
        p = np.empty(4)
        carried = 1.0
        for k in range(3):
            p[k] = carried * (1.0 - reach[k])
            carried *= reach[k]
        p[3] = carried
        return p

    def score_of(self, x: np.ndarray) -> float:
        return float(np.clip(np.asarray(x, dtype=np.float64) @ np.array(self.score), 0.0, 5.0))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> LevelModel | None:
        source = path or resources.files("interviewer.data").joinpath(MODEL)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (FileNotFoundError, OSError):
            return None
        named = data.get("score_features", SCORE_FEATURES)
        lo, hi = data.setdefault("reference_span", (0.0, 1.0))
        if (
            tuple(data.get("level_features", ())) != LEVEL_FEATURES
            or not set(named) <= set(SCORE_FEATURE_CHOICES)
            or len(named) != len(data.get("score", ()))
            or not 0.0 <= lo < hi <= 1.0
        ):
            raise ValueError(f"{MODEL} was fitted on other features; refit it with training/fit_grades.py")
        data["reference_span"] = (lo, hi)
        return cls(**data)


def score_features(
    asked: Level,
    levels: Sequence[str],
    weights: Sequence[float],
    states: Sequence[float],
    contra: Sequence[float],
    level_p: np.ndarray,
    reference_match: float,
    misconception: float,
    names: Sequence[str] = SCORE_FEATURES,
    reference_span: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """The score features `names` (a model's `score_features`) of an answer to a question asked at `asked`.

    `expected_x_low_reference` and `expected_x_high_reference` split the expected level between the two ends of
    `reference_span`: with weights >= 0 on both, the score rises with the level at every match, faster where the
    answer also reads like the reference."""
    rank = LEVELS.index(asked)
    due = [i for i, lv in enumerate(levels) if LEVELS.index(lv) <= rank]
    above = [i for i, lv in enumerate(levels) if LEVELS.index(lv) > rank]

    def share(idx: list[int], values: Sequence[float]) -> float:
        w = sum(weights[i] for i in idx)
        return sum(weights[i] * values[i] for i in idx) / w if w else 0.0

    expected = float(np.dot(level_p, np.arange(4)))
    lo, hi = reference_span
    towards_high = float(np.clip((reference_match - lo) / (hi - lo), 0.0, 1.0))
    values = {
        "states_due": share(due, states),
        "states_above": share(above, states),
        "contradicted": share(list(range(len(levels))), contra),
        "level_vs_asked": expected - (rank + 1),
        "p_none": float(level_p[0]),
        "reference_match": reference_match,
        "misconception": misconception,
        "expected_level": expected,
        "expected_x_reference": expected * reference_match,
        "expected_x_low_reference": expected * (1.0 - towards_high),
        "expected_x_high_reference": expected * towards_high,
        "asked_mid": float(asked == "mid"),
        "asked_senior": float(asked == "senior"),
        "bias": 1.0,
    }
    return np.array([values[n] for n in names])


def plausible_range(p: np.ndarray, mass: float = RANGE_MASS) -> tuple[str, str]:
    """The narrowest contiguous run of levels around the most likely one that holds `mass` of the probability."""
    lo = hi = int(np.argmax(p))
    while p[lo : hi + 1].sum() < mass:
        left = p[lo - 1] if lo > 0 else -1.0
        right = p[hi + 1] if hi < len(p) - 1 else -1.0
        if left >= right:
            lo -= 1
        else:
            hi += 1
    return VERDICT_ORDER[lo], VERDICT_ORDER[hi]
