"""The scorer's learned part: a regularised logistic model over FEATURES, fitted on train rows only.

Fitting lives here (not in a notebook) so that `training/fit_grader.py` and recalibration share it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.grading.features import FEATURES


@dataclass
class Logistic:
    """p(correct) = sigmoid(coef . (x - mean) / scale + bias)."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    bias: float

    def prob(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        idx = [FEATURES.index(f) for f in self.features]
        z = (x[:, idx] - np.array(self.mean)) / np.array(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.bias)))


def reference_words(x: np.ndarray) -> np.ndarray:
    """Words in the reference, recovered from the length features (log_len - len_ratio = log(1 + ref words))."""
    x = np.atleast_2d(x)
    return np.expm1(x[:, FEATURES.index("log_len")] - x[:, FEATURES.index("len_ratio")])


@dataclass
class ScoreModel:
    """Two regimes: a short reference (a key point, a one-line answer) and a long, multi-part reference answer.

    Matching one claim and covering a multi-part answer reward different things (length, coverage), so each has
    its own logistic model; `gate_words` splits them. Chosen by question-grouped cross-validation on train rows.
    """

    short: Logistic
    long: Logistic
    gate_words: float = 30.0
    cuts: dict[str, list[float]] = field(default_factory=dict)
    """Shipped score thresholds (0-5 scale) that cut scores into label sets, e.g. '2way' or '3way'."""
    trained_on: str = ""
    validation: dict[str, float] = field(default_factory=dict)
    point: list[float] = field(default_factory=lambda: [1.0, 0.0])
    """Platt scaling (a, b) that reads prob() of one answer span against one key point as 'the span states it'.

    Fitted by training/fit_keypoints.py on our own corpus: a question's reference answer states its key points;
    the other answers of the same topic do not.
    """
    point_by_kind: dict[str, list[float]] = field(default_factory=dict)
    """`point` for the questions of one kind (say 'behavioural': a concrete story against abstract key points), kept
    only where it reads held-out questions of that kind better than `point` does (training/fit_keypoints.py)."""
    point_validation: dict[str, float] = field(default_factory=dict)
    cross: dict[str, list[float]] = field(default_factory=dict)
    """Per regime ('short', 'long'), [a, b0, b1, c] of `stack`: how the cross-encoder's verdict joins the
    features' probability. Fitted by training/fit_grader.py on train rows the cross-encoder was not trained on.
    A regime without one (or an empty dict) uses the features alone."""
    cross_validation: dict[str, float] = field(default_factory=dict)

    def regime(self, x: np.ndarray) -> str:
        """'short' or 'long': which regime the reference of feature row `x` falls in."""
        return "short" if float(reference_words(x)[0]) <= self.gate_words else "long"

    def weighs_cross(self, x: np.ndarray, close: float) -> bool:
        """Whether the cross-encoder's verdict would count at all for feature row `x` (else it need not run)."""
        abcd = self.cross.get(self.regime(x))
        return abcd is not None and abcd[1] + abcd[2] * close > 0

    def with_cross(self, x: np.ndarray, p: float, p_cross: float, close: float) -> float:
        """The features' probability `p` for feature row `x`, joined with the cross-encoder's verdict."""
        abcd = self.cross.get(self.regime(x))
        if abcd is None:
            return p
        return float(stack(abcd, np.array([p]), np.array([p_cross]), np.array([close]))[0])

    def prob(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return np.where(reference_words(x) <= self.gate_words, self.short.prob(x), self.long.prob(x))

    def point_prob(self, x: np.ndarray, kind: str = "") -> np.ndarray:
        """How likely each row's answer span states its key point (of a question of `kind`)."""
        return platt(self.prob(x), self.point_by_kind.get(kind, self.point))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path | None = None) -> ScoreModel:
        if path is None:
            text = resources.files("interviewer.data").joinpath("score_model.json").read_text()
        else:
            text = Path(path).read_text()
        raw = json.loads(text)
        raw["short"], raw["long"] = Logistic(**raw["short"]), Logistic(**raw["long"])
        return cls(**raw)


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))


def platt(p: np.ndarray, ab: list[float]) -> np.ndarray:
    z = logit(p)
    return 1.0 / (1.0 + np.exp(-(ab[0] * z + ab[1])))


def fit_platt(p: np.ndarray, y: np.ndarray) -> list[float]:
    """(a, b) of the class-balanced logistic fit of y on logit(p): 0.5 is where both classes are equally likely."""
    from scipy.optimize import minimize

    z = logit(p)
    y = np.asarray(y, dtype=np.float64)
    w = np.where(y == 1, 0.5 / max(1.0, y.sum()), 0.5 / max(1.0, (1 - y).sum()))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        q = 1.0 / (1.0 + np.exp(-(ab[0] * z + ab[1])))
        ll = -(w * (y * np.log(q + 1e-9) + (1 - y) * np.log(1 - q + 1e-9))).sum()
        return float(ll), np.array([(w * (q - y) * z).sum(), (w * (q - y)).sum()])

    return [float(v) for v in minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B").x]


def stack(abcd: list[float], p: np.ndarray, p_cross: np.ndarray, close: np.ndarray) -> np.ndarray:
    """sigmoid(a logit(p) + max(0, b0 + b1 close) logit(p_cross) + c), element-wise.

    `close` is how near the question is to those the cross-encoder was trained on (cosine of question vectors):
    far from them it is weighed less, and never against its own verdict.
    """
    a, b0, b1, c = abcd
    weight = np.maximum(0.0, b0 + b1 * np.asarray(close, np.float64))
    return 1.0 / (1.0 + np.exp(-(a * logit(p) + weight * logit(p_cross) + c)))


def fit_stack(
    p: np.ndarray,
    p_cross: np.ndarray,
    close: np.ndarray,
    y: np.ndarray,
    use_cross: bool = True,
) -> list[float]:
    """[a, b0, b1, c] of `stack`: a logistic fit of soft targets y (no penalty: four numbers).

    Fitted without the clip at 0 (which only binds far from the training questions). Without `use_cross`, b0 and
    b1 are held at 0: the feature scorer alone, refitted (what the stack is weighed against).
    """
    from scipy.optimize import minimize

    lc = logit(np.asarray(p_cross, np.float64)) if use_cross else np.zeros(len(y))
    z = np.stack(
        [logit(np.asarray(p, np.float64)), lc, lc * np.asarray(close, np.float64), np.ones(len(y))], 1
    )
    y = np.asarray(y, dtype=np.float64)

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        q = 1.0 / (1.0 + np.exp(-(z @ b)))
        ll = -(y * np.log(q + 1e-9) + (1 - y) * np.log(1 - q + 1e-9)).mean()
        return float(ll), z.T @ (q - y) / len(y)

    return [float(v) for v in minimize(loss, np.array([1.0, 0.0, 0.0, 0.0]), jac=True, method="L-BFGS-B").x]


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    l2: float = 1.0,
    features: list[str] | None = None,
) -> Logistic:
    """Weighted logistic regression with soft targets in [0, 1] and an L2 penalty (L-BFGS)."""
    from scipy.optimize import minimize

    features = features or list(FEATURES)
    idx = [FEATURES.index(f) for f in features]
    x = np.asarray(x, dtype=np.float64)[:, idx]
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = (x - mu) / sd
    n = len(y)

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-(z @ b[:-1] + b[-1])))
        ll = -(w * (y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))).sum()
        grad = np.r_[z.T @ (w * (p - y)), (w * (p - y)).sum()]
        grad[:-1] += 2 * l2 * b[:-1] / n
        return ll + l2 * float(b[:-1] @ b[:-1]) / n, grad

    b = minimize(loss, np.zeros(len(idx) + 1), jac=True, method="L-BFGS-B").x
    return Logistic(features, mu.tolist(), sd.tolist(), b[:-1].tolist(), float(b[-1]))


def fit_score_model(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, gate_words: float = 30.0, l2: float = 1.0
) -> ScoreModel:
    """Fit both regimes; each side needs rows (a regime without rows borrows the other's model)."""
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    short = reference_words(x) <= gate_words
    models = {}
    for name, sel in (("short", short), ("long", ~short)):
        if sel.sum() >= 20:
            models[name] = fit_logistic(x[sel], y[sel], w[sel], l2=l2)
    if not models:
        raise ValueError("too few rows to fit a score model (need at least 20)")
    models.setdefault("short", models.get("long"))  # type: ignore[arg-type]
    models.setdefault("long", models["short"])
    return ScoreModel(short=models["short"], long=models["long"], gate_words=gate_words)


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for label in np.unique(y):
        tp = float(((pred == label) & (y == label)).sum())
        fp = float(((pred == label) & (y != label)).sum())
        fn = float(((pred != label) & (y == label)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def fit_cuts(scores: np.ndarray, labels: np.ndarray) -> list[float]:
    """Thresholds on the score that cut it into ordered labels 0..k-1, maximising macro-F1 (coordinate search)."""
    k = int(labels.max()) + 1
    grid = np.unique(np.quantile(scores, np.linspace(0.01, 0.99, 99)))
    cuts = list(np.quantile(scores, np.linspace(0, 1, k + 1)[1:-1]))
    for _ in range(3):
        for j in range(k - 1):
            lo = cuts[j - 1] if j else -np.inf
            hi = cuts[j + 1] if j + 1 < k - 1 else np.inf
            options = [g for g in grid if lo <= g <= hi] or [cuts[j]]
            cuts[j] = max(
                options, key=lambda t: macro_f1(labels, apply_cuts(scores, [*cuts[:j], t, *cuts[j + 1 :]]))
            )
    return [float(c) for c in cuts]


def apply_cuts(scores: np.ndarray, cuts: list[float]) -> np.ndarray:
    return np.searchsorted(np.asarray(cuts), np.asarray(scores), side="right")
