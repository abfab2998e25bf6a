"""Which unit of an answer the verifier reads for each key point.

The verifier reads one unit (sentence, clause or sentence pair) per key point, so the grade depends on picking the
unit where the answer makes that point. The matcher's probability alone picks the unit holding a reader's quoted
evidence for 0.69 of the points of the benchmark's train answers; a ranker fitted on where readers found the
evidence in other answers (training/fit_unit_ranker.py) picks it for 0.78. It sees the matcher's features of each
unit against the point, how much better the unit matches the question's other points, and the unit's length.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.grading.features import FEATURES as MATCH_FEATURES

FEATURES = ("match_logit", "others_logit", "log_words", "match_gap", *MATCH_FEATURES, "bias")
MODEL = "unit_ranker.json"


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def ranker_features(
    rows: np.ndarray, match: np.ndarray, others: np.ndarray, n_words: np.ndarray
) -> np.ndarray:
    """FEATURES of every unit for one key point: the matcher's feature rows (units x MATCH_FEATURES), its
    probability that each unit states the point, the best such probability for any other point, words per unit."""
    z = _logit(match)
    return np.column_stack([z, _logit(others), np.log1p(n_words), z - z.max(), rows, np.ones(len(z))])


def others_best(match: np.ndarray) -> np.ndarray:
    """For each point (row of `match`, points x units) and unit, the best match of that unit with another point."""
    n = len(match)
    if n < 2:
        return np.zeros_like(match)
    out = np.empty_like(match)
    for i in range(n):
        out[i] = np.delete(match, i, axis=0).max(axis=0)
    return out


@dataclass
class UnitRanker:
    """A softmax over a point's units, linear in FEATURES; fitted by training/fit_unit_ranker.py."""

    weights: list[float]
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    trained_on: str = ""
    validation: dict[str, float] = field(default_factory=dict)

    def orders(self, rows: np.ndarray, match: np.ndarray, n_words: np.ndarray, top: int) -> list[list[int]]:
        """The `top` best units of each key point, best first: `rows` (units x points x MATCH_FEATURES) and
        `match` (points x units) are the matcher's."""
        w = np.array(self.weights)
        others = others_best(match)
        out = []
        for i in range(len(match)):
            s = ranker_features(rows[:, i, :], match[i], others[i], n_words) @ w
            out.append(np.argsort(-s, kind="stable")[:top].tolist())
        return out

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> UnitRanker | None:
        """The shipped ranker (None when the package carries none: the matcher's order is used)."""
        source = path or resources.files("interviewer.data").joinpath(MODEL)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (FileNotFoundError, OSError):
            return None
        if tuple(data.get("features", ())) != FEATURES or len(data.get("weights", ())) != len(FEATURES):
            raise ValueError(
                f"{MODEL} was fitted on other features; refit it with training/fit_unit_ranker.py"
            )
        return cls(**data)


def read_orders(
    ranker: UnitRanker | None, rows: np.ndarray | None, match: np.ndarray, n_words: np.ndarray, top: int
) -> list[list[int]]:
    """The units the verifier reads for each key point, best first: the ranker's, or without one (or without the
    matcher's feature rows) the matcher's."""
    if ranker is None or rows is None:
        return [np.argsort(-row, kind="stable")[:top].tolist() for row in match]
    return ranker.orders(rows, match, n_words, top)
