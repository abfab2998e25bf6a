"""A learned reading of an LLM-worded turn: the probability that a candidate must not see it.

The bundled MiniLM fine-tuned on the labelled turns of every writer read so far (training/train_turn_classifier.py;
its delta: interviewer/data/turn_classifier.npz), merged into the packaged weights and built as the same fused int8
graph as the key-point verifier. It reads a pair: what the turn must not give away (its kind, the probe or the
question, the targeted key points), then the turn. The turn check asks it last, after the wording rules and the
similarity checks have passed a turn (turn_check.TurnChecker).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.encoders.cross_encoder import PairGraph
from interviewer.engine.turn_thresholds import shipped_thresholds

DELTA = "turn_classifier.npz"
VERSION = "turn-classifier-1"


def pair_of(kind: str, ask: str, targets: Sequence[str], turn: str) -> tuple[str, str]:
    """The pair the model reads: what the turn is for and must not give away, then the turn."""
    what = "follow-up asking" if kind == "follow_up" else "transition before the question"
    return f"{what}: {ask} | must not state: {' | '.join(targets)}", turn


class TurnModel:
    """P(bad) of a turn; thread-safe (one model run per call, about 2 ms once the graph is built)."""

    def __init__(self, delta: Path | None = None, threads: int = 1, max_length: int = 160):
        self.graph = PairGraph(VERSION, delta, DELTA, max_length, threads)

    def p_bad(self, kind: str, ask: str, targets: Sequence[str], turn: str) -> float:
        delta = self.graph.ensure()
        z = self.graph.pooled(*pair_of(kind, ask, targets, turn)) @ delta["head.weight"].astype(np.float32)
        z = z + delta["head.bias"].astype(np.float32)
        p = np.exp(z - z.max())
        return float(p[1] / p.sum())


def shipped() -> bool:
    """Whether the package carries a trained turn model."""
    return resources.files("interviewer.data").joinpath(DELTA).is_file()


_SHARED: list[TurnModel] = []
_SHARED_LOCK = threading.Lock()


def shared_turn_model() -> TurnModel | None:
    """The process's turn model (None when the package ships none)."""
    if not shipped():
        return None
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(TurnModel())
        return _SHARED[0]


def model_for_checks() -> TurnModel | None:
    """The process's turn model when the shipped thresholds ask for it (`learned_bad`), else None."""
    return shared_turn_model() if shipped_thresholds().learned_bad is not None else None
