"""The key-point verifier: does one unit of an answer state a key point, contradict it, or leave it out?

Similarity between an answer's sentence and a key point cannot see polarity ("past keys and values are not cached"
matches "keys and values are cached and reused" at 1.00), the direction of cause and effect, or whether the sentence
explains a mechanism or only names it. The verifier reads the key point and the unit together: the bundled MiniLM
fine-tuned as a three-way cross-encoder by training/train_verifier.py (its delta: interviewer/data/verifier.npz),
merged into the packaged weights and built as the same fused int8 graph as the sentence encoder. It reads an answer's
note-style notation as words (grading/notation.py).

The grader asks it only about the few units the similarity matcher finds closest to each point.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from interviewer.encoders.cross_encoder import PairGraph
from interviewer.grading.notation import as_words

DELTA = "verifier.npz"
VERSION = "verifier-3"
LABELS = ("absent", "states", "contradicts")


class PointVerifier(Protocol):
    name: str

    def probs(self, point: str, unit: str) -> np.ndarray:
        """Probabilities of `absent`, `states` and `contradicts` for one key point and one answer unit."""
        ...

    def probs_many(self, pairs: Sequence[tuple[str, str]]) -> list[np.ndarray]:
        """`probs` of each (point, unit) pair, in order."""
        ...


class OneByOne:
    """`probs_many` as one `probs` after another, for verifiers with nothing to gain from running side by side."""

    def probs(self, point: str, unit: str) -> np.ndarray:
        raise NotImplementedError

    def probs_many(self, pairs: Sequence[tuple[str, str]]) -> list[np.ndarray]:
        return [self.probs(point, unit) for point, unit in pairs]


class Verifier:
    """The fine-tuned MiniLM verifier; thread-safe; recent pairs are remembered (a key point meets the same
    units again when an answer is graded twice, e.g. read with and without an injected part).

    The pairs of one answer run side by side on `workers` threads (one model run each, never batched: see
    PairGraph), so grading one answer uses the idle cores; the pool is shared by every answer being graded, so
    more candidates at once never run more than `workers` pairs together."""

    def __init__(
        self,
        threads: int = 1,
        delta: Path | None = None,
        max_length: int = 128,
        cache: int = 4096,
        workers: int = 0,
    ):
        self.name = f"minilm-{VERSION}"
        self.graph = PairGraph(f"minilm-{VERSION}", delta, DELTA, max_length, threads)
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache
        self._lock = threading.Lock()
        self.workers = workers or os.cpu_count() or 1
        self._pool: ThreadPoolExecutor | None = None

    def probs(self, point: str, unit: str) -> np.ndarray:
        return self.probs_many([(point, unit)])[0]

    def probs_many(self, pairs: Sequence[tuple[str, str]]) -> list[np.ndarray]:
        found: dict[tuple[str, str], np.ndarray] = {}
        with self._lock:
            for key in pairs:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    found[key] = hit
        missing = list(dict.fromkeys(key for key in pairs if key not in found))
        if len(missing) > 1 and self.workers > 1:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="verifier")
                pool = self._pool
            found.update(zip(missing, pool.map(self._run, missing), strict=True))
        else:
            found.update((key, self._run(key)) for key in missing)
        return [found[key] for key in pairs]

    def _run(self, key: tuple[str, str]) -> np.ndarray:
        point, unit = key
        delta = self.graph.ensure()
        z = self.graph.pooled(point, as_words(unit)) @ delta["head.weight"].astype(np.float32)
        z = z + delta["head.bias"].astype(np.float32)
        p = np.exp(z - z.max())
        p = (p / p.sum()).astype(np.float32)
        with self._lock:
            self._cache[key] = p
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return p


def shipped() -> bool:
    """Whether the package carries a trained verifier."""
    return resources.files("interviewer.data").joinpath(DELTA).is_file()


_SHARED: dict[str, Verifier] = {}
_SHARED_LOCK = threading.Lock()


def make_verifier(kind: str, threads: int = 1, workers: int = 0) -> PointVerifier | None:
    """The process's verifier for the configured embeddings (none with the hashed test embeddings)."""
    if kind != "onnx" or not shipped():
        return None
    with _SHARED_LOCK:
        if kind not in _SHARED:
            _SHARED[kind] = Verifier(threads=threads, workers=workers)
        return _SHARED[kind]
