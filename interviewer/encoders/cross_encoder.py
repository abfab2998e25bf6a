"""A cross-encoder: the bundled MiniLM, fine-tuned to read a reference answer and an answer together.

The sentence encoder compares two texts through vectors made apart; a cross-encoder attends across both, so it can
see a negation, a swapped cause and effect or a claim about the wrong object that averaged word vectors miss. It
was fine-tuned on train rows of the shared ASAG sets by training/train_cross_encoder.py, which saves only a small
delta (low-rank adapters, norms, biases, a linear head: interviewer/data/cross_encoder.npz). Here the delta is
merged into the packaged weights and built with the sentence encoder's fused int8 graph.

It weighs in on the match with the reference answer only: one model run per reference, never one per answer unit.
"""

from __future__ import annotations

import io
import logging
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from interviewer.encoders import minilm_graph
from interviewer.encoders.embeddings import cached_build, packaged_model, tokenizer_file

VERSION = "lora-1"
DELTA = "cross_encoder.npz"
QUESTIONS = "cross_encoder_questions.npz"
"""Vectors of the questions the cross-encoder was trained on (written by training/fit_grader.py --cross)."""

log = logging.getLogger(__name__)


class PairScorer(Protocol):
    name: str

    def prob(self, reference: str, answer: str, question: str = "") -> float:
        """How likely `answer` to `question` is a correct answer, judged against `reference`."""
        ...

    def closeness(self, question: np.ndarray) -> float:
        """Cosine of a question's vector to the nearest question the scorer was trained on."""
        ...


def merged_weights(base: dict[str, np.ndarray], delta: Any) -> dict[str, np.ndarray]:
    """The packaged weights with the fine-tuned delta applied: W + A B for adapters, replaced norms and biases."""
    out = dict(base)
    for key in delta.files:
        if key.startswith(("meta.", "head.")) or key.endswith(".lora_b"):
            continue
        if key.endswith(".lora_a"):
            name = key.removesuffix(".lora_a")
            out[name + ".weight"] = base[name + ".weight"] + delta[key] @ delta[name + ".lora_b"]
        elif key in base:
            out[key] = delta[key].astype(np.float32)
        else:
            raise ValueError(f"{DELTA}: {key!r} names no weight of the packaged model")
    return out


def first_segment(reference: str, question: str, reads_question: bool) -> str:
    """What an answer is read against: the reference, and then the question if the delta was trained to read it.

    The question comes last so that a pair too long to fit loses the question's end before the reference's.
    """
    return f"{reference} [SEP] {question}" if reads_question and question else reference


def data_bytes(name: str) -> bytes:
    return resources.files("interviewer.data").joinpath(name).read_bytes()


def delta_bytes() -> bytes:
    return data_bytes(DELTA)


class Arrays(dict[str, np.ndarray]):
    """An npz file's arrays, all read at load. NpzFile reads each array on access, parsing its header with
    ast.literal_eval, and the verifier's worker threads reading it at once trip CPython 3.11's parser
    ("AST constructor recursion depth mismatch")."""

    @property
    def files(self) -> list[str]:
        return list(self)


def _load_npz(raw: bytes) -> Arrays:
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        return Arrays({key: npz[key] for key in npz.files})


class PairGraph:
    """The packaged MiniLM with a fine-tuned delta merged in, reading a pair of texts; built and cached on first use.

    One pair per run, never batched: the int8 products quantize their input with one scale per call, so a pair
    batched with others would be read a little differently depending on its neighbours.
    """

    def __init__(self, stem: str, delta: Path | None, default: str, max_length: int, threads: int):
        self.stem, self.delta_path, self.default = stem, delta, default
        self.max_length, self.threads = max_length, threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self.delta: Any = None

    def _load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        raw = self.delta_path.read_bytes() if self.delta_path else data_bytes(self.default)
        delta = _load_npz(raw)
        source = packaged_model()

        def build() -> bytes:
            weights = merged_weights(minilm_graph.packaged_weights(source), delta)
            return minilm_graph.quantized(minilm_graph.fused_graph(weights, segments=True))

        model = cached_build(
            f"{self.stem}-{minilm_graph.VERSION}-{minilm_graph.weight_layout()}",
            [source.read_bytes(), raw],
            build,
        )
        tok = Tokenizer.from_file(str(tokenizer_file()))
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_length)  # the longer text of the pair is cut first
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if self.threads:
            opts.intra_op_num_threads = self.threads
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
        self._tokenizer = tok
        self.delta = delta

    def ensure(self) -> Any:
        """The delta's arrays (its head and metadata), loading the model first if needed."""
        with self._lock:
            if self._session is None:
                self._load()
        return self.delta

    def pooled(self, first: str, second: str) -> np.ndarray:
        """The mean of the last hidden states of one pair."""
        self.ensure()
        enc = self._tokenizer.encode(first, second)
        ids = np.array([enc.ids], dtype=np.int64)
        feed = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
        }
        return self._session.run(None, feed)[0][0].mean(axis=0)


class CrossEncoder:
    """Reads (reference, answer) pairs through the fine-tuned graph and says how likely the answer is correct."""

    def __init__(
        self, max_length: int = 256, threads: int = 1, delta: Path | None = None, encoder: str | None = None
    ):
        self.name = f"minilm-cross-{VERSION}"
        self.graph = PairGraph(f"minilm-cross-{VERSION}", delta, DELTA, max_length, threads)
        self.encoder = encoder
        """Name of the sentence encoder whose question vectors `closeness` is given."""
        self._known: np.ndarray | None = None

    def prob(self, reference: str, answer: str, question: str = "") -> float:
        delta = self.graph.ensure()
        reads_question = "meta.reads_question" in delta.files and bool(delta["meta.reads_question"])
        pooled = self.graph.pooled(first_segment(reference, question, reads_question), answer)
        z = float(pooled @ delta["head.weight"].astype(np.float32)) + float(delta["head.bias"][0])
        return 1.0 / (1.0 + float(np.exp(-z)))

    def closeness(self, question: np.ndarray) -> float:
        if self._known is None:
            self._known = _known_questions(self.encoder)
        if not len(self._known):
            return 0.0
        return float((self._known @ question).max())


def _known_questions(encoder: str | None) -> np.ndarray:
    """The training questions' vectors; none (closeness 0: the cross-encoder is not trusted) if another encoder
    made them than the one whose vectors they are compared with."""
    data = _load_npz(resources.files("interviewer.data").joinpath(QUESTIONS).read_bytes())
    if encoder is not None and str(data["embedder"]) != encoder:
        log.warning(
            "%s was made by %s, not %s: the cross-encoder is left out", QUESTIONS, data["embedder"], encoder
        )
        return np.zeros((0, data["vectors"].shape[1]), np.float32)
    return data["vectors"].astype(np.float32)


_SHARED: dict[str, CrossEncoder] = {}
_SHARED_LOCK = threading.Lock()


def make_cross_encoder(kind: str, threads: int = 1, encoder: str | None = None) -> PairScorer | None:
    """The process's cross-encoder for the configured embeddings: the fine-tuned MiniLM, or none with fake ones."""
    if kind != "onnx":
        return None  # the hashed test embeddings have no model to fine-tune; the feature scorer works alone
    with _SHARED_LOCK:
        if kind not in _SHARED:
            _SHARED[kind] = CrossEncoder(threads=threads, encoder=encoder)
        return _SHARED[kind]
