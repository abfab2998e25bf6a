"""Key-point verdicts: does the answer state a point, contradict it, or leave it out?

For each key point the similarity matcher ranks the answer's units (sentences, clauses, neighbouring pairs) and the
verifier reads the few it ranks highest together with the point. A small fitted model turns those readings into
probabilities of `absent`, `states` and `contradicts`: a negated or inverted sentence that matches a point word for
word is read as contradicting it, and a sentence that only names the point's terms as leaving it out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.grading.verifier import PointVerifier

VERDICTS = ("absent", "states", "contradicts")
TOP_UNITS = 1
"""Units the verifier reads per key point, best match first. Each read is one model run of a short pair (~8 ms on
one core). Two units scored better on dev in round 5 (docs/grader.md) but not on test, and cost the app its
throughput: turn p95 at 10 turns/s 232 -> 429 ms (goal 250), saturation 25 -> 15 turns/s (goal 20)."""
FEATURES = (
    "best_states",
    "best_contradicts",
    "best_match",
    "states_at_match",
    "contradicts_at_match",
    "bias",
)
MODEL = "verdict_model.json"


@dataclass
class Reading:
    """What the verifier and the matcher say of one key point against one answer."""

    probs: np.ndarray
    """Probabilities of absent, states and contradicts (the fitted model's, or the verifier's own without one)."""
    states_unit: int = -1
    """Index of the unit that best states the point (-1: no unit was read)."""
    contradicts_unit: int = -1
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))

    @property
    def verdict(self) -> str:
        return VERDICTS[int(np.argmax(self.probs))]

    @property
    def states(self) -> float:
        return float(self.probs[1])

    @property
    def contradicts(self) -> float:
        return float(self.probs[2])


@dataclass
class VerdictModel:
    """A multinomial logistic model over FEATURES; fitted by training/fit_grades.py on labelled answers."""

    weights: list[list[float]]
    """One row per feature, one column per verdict."""
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    trained_on: str = ""
    validation: dict[str, float] = field(default_factory=dict)

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(x) @ np.array(self.weights)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> VerdictModel | None:
        """The shipped model (None when the package carries none)."""
        source = path or resources.files("interviewer.data").joinpath(MODEL)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (FileNotFoundError, OSError):
            return None
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"{MODEL}: its features {data.get('features')} are not {FEATURES}; refit it")
        return cls(**data)


def point_features(verified: np.ndarray, match: np.ndarray) -> np.ndarray:
    """FEATURES of one key point from the verifier's readings (k x 3) of its top units and their match scores."""
    if not len(verified):
        return np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    at = int(np.argmax(match))
    return np.array(
        [
            verified[:, 1].max(),
            verified[:, 2].max(),
            match.max(),
            verified[at, 1],
            verified[at, 2],
            1.0,
        ]
    )


def read_points(
    verifier: PointVerifier,
    points: list[str],
    units: list[str],
    match: np.ndarray,
    model: VerdictModel | None,
    top: int = TOP_UNITS,
) -> list[Reading]:
    """One Reading per key point; `match` holds the matcher's probabilities, shape (points, units)."""
    if not units:
        return [Reading(np.array([1.0, 0.0, 0.0])) for _ in points]
    orders = [np.argsort(-match[i], kind="stable")[:top] for i in range(len(points))]
    pairs = [(p, units[j]) for p, order in zip(points, orders, strict=True) for j in order]
    read = iter(verifier.probs_many(pairs))
    out = []
    for i, order in enumerate(orders):
        verified = np.stack([next(read) for _ in order])
        x = point_features(verified, match[i, order])
        probs = model.probs(x)[0] if model is not None else _plain(verified)
        out.append(
            Reading(
                probs=probs,
                states_unit=int(order[int(np.argmax(verified[:, 1]))]),
                contradicts_unit=int(order[int(np.argmax(verified[:, 2]))]),
                features=x,
            )
        )
    return out


def _plain(verified: np.ndarray) -> np.ndarray:
    """The verifier's own reading without a fitted model: the strongest states and contradicts among the units."""
    s, c = float(verified[:, 1].max()), float(verified[:, 2].max())
    a = max(0.0, 1.0 - s - c)
    total = a + s + c
    return np.array([a, s, c]) / total if total else np.array([1.0, 0.0, 0.0])
