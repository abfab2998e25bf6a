"""The Chroma index of questions, scenario stages and rubric criteria, rebuilt incrementally by content hash."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.config import Settings
from interviewer.corpus.loader import Corpus
from interviewer.encoders.embeddings import Embedder

COLLECTIONS = ("questions", "scenarios", "criteria", "answers")


class IndexError_(RuntimeError):
    """The vector store cannot be reached or written; the message says what to check."""


@dataclass
class Doc:
    id: str
    text: str
    meta: dict[str, Any]

    @property
    def hash(self) -> str:
        raw = json.dumps([self.text, self.meta], sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


def corpus_docs(corpus: Corpus) -> dict[str, list[Doc]]:
    """What goes into each collection: the text that is embedded and the metadata to filter by."""
    questions = [
        Doc(q.id, q.text, {"level": q.level, "topic": q.topic, "kind": q.kind, "question": q.id})
        for q in corpus.questions
    ]
    questions += [
        Doc(f"{q.id}@{i}", alias, {"level": q.level, "topic": q.topic, "kind": q.kind, "question": q.id})
        for q in corpus.questions
        for i, alias in enumerate(q.aliases)
    ]
    stages = [
        Doc(f"{s.id}#{st.id}", f"{s.title}: {st.text}", {"scenario": s.id, "stage": st.id, "topic": s.topic})
        for s in corpus.scenarios
        for st in s.stages
    ]
    rubric = corpus.rubric
    criteria = [
        Doc(f"level#{d.level}#{i}", e, {"kind": "level", "level": d.level, "topic": ""})
        for d in rubric.levels
        for i, e in enumerate(d.expectations)
    ]
    criteria += [
        Doc(f"scale#{a.score}", f"{a.label}: {a.description}", {"kind": "scale", "level": "", "topic": ""})
        for a in rubric.scale
    ]
    criteria += [
        Doc(
            f"dimension#{d.id}", f"{d.name}: {d.description}", {"kind": "dimension", "level": "", "topic": ""}
        )
        for d in rubric.dimensions
    ]
    # Reference answers, so a process can read their vectors instead of embedding them again (off-topic check).
    answers = [Doc(q.id, q.reference_answer, {"topic": q.topic, "level": q.level}) for q in corpus.questions]
    answers += [
        Doc(f"{s.id}#{st.id}", st.reference_answer, {"topic": s.topic, "level": ""})
        for s in corpus.scenarios
        for st in s.stages
    ]
    return {"questions": questions, "scenarios": stages, "criteria": criteria, "answers": answers}


def make_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        if settings.chroma_mode == "server":
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:
        raise IndexError_(f"cannot open {_where(settings)}: {exc}") from exc


def _where(settings: Settings) -> str:
    if settings.chroma_mode == "server":
        return f"the Chroma server at {settings.chroma_host}:{settings.chroma_port} (is `chroma run` up?)"
    return f"the index folder {settings.chroma_path} (is it writable?)"


@contextlib.contextmanager
def reaching(settings: Settings) -> Iterator[None]:
    """Turn a lost connection to the index (a Chroma server gone mid-run) into an IndexError_ that says where."""
    try:
        yield
    except IndexError_:
        raise
    except Exception as exc:
        if isinstance(exc, ConnectionError) or type(exc).__module__.split(".")[0] in ("httpx", "httpcore"):
            raise IndexError_(f"cannot reach {_where(settings)}: {exc}") from exc
        raise


class VectorIndex:
    """Owns the Chroma collections; one writer at a time per process (Chroma is not process-safe)."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._client: Any = None
        self._cols: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def collection(self, name: str) -> Any:
        if name not in self._cols:
            full = f"{self.settings.collection_prefix}-{name}"
            try:
                from interviewer.search.chroma_embedding import ChromaEmbedding

                self._cols[name] = self.client.get_or_create_collection(
                    full, embedding_function=ChromaEmbedding(self.embedder), metadata={"hnsw:space": "cosine"}
                )
            except Exception as exc:
                raise IndexError_(f"cannot open collection {full}: {exc}") from exc
        return self._cols[name]

    def count(self, name: str = "questions") -> int:
        with reaching(self.settings):
            return int(self.collection(name).count())

    def sync(
        self,
        corpus: Corpus,
        rebuild: bool = False,
        progress: bool = True,
        before_write: Callable[[], None] | None = None,
    ) -> dict[str, int]:
        """Bring every collection in line with the corpus; only changed documents are embedded.

        `before_write` runs once when something is about to change (validation that needs embeddings);
        when it raises, nothing is written and the last good index stays in use.
        """
        stats = {"added": 0, "updated": 0, "deleted": 0, "unchanged": 0}
        docs_by_name = corpus_docs(corpus)
        stamp = self._stamp(docs_by_name)
        if not rebuild and stamp is not None and _read(stamp[0]) == stamp[1]:
            # Synced by this or an earlier process and unchanged since: no need to open Chroma at start-up.
            stats["unchanged"] = sum(len(d) for d in docs_by_name.values())
            return stats
        with self._lock, reaching(self.settings):
            if stamp is not None:
                stamp[0].unlink(missing_ok=True)
            if before_write is not None and (rebuild or self._changed(corpus)):
                before_write()
            if rebuild:
                for name in COLLECTIONS:
                    full = f"{self.settings.collection_prefix}-{name}"
                    with contextlib.suppress(Exception):
                        self.client.delete_collection(full)
                    self._cols.pop(name, None)
            for name, docs in docs_by_name.items():
                self._sync_one(name, docs, stats, progress)
            if stamp is not None:
                stamp[0].write_text(stamp[1])
        return stats

    def _stamp(self, docs_by_name: dict[str, list[Doc]]) -> tuple[Path, str] | None:
        """Where this index records the corpus it was last synced with, and the corpus's fingerprint.

        Only for a local index folder: a Chroma server can be changed by other machines.
        """
        if self.settings.chroma_mode == "server":
            return None
        digest = hashlib.sha256(self.embedder.name.encode())
        for name in sorted(docs_by_name):
            for d in sorted(docs_by_name[name], key=lambda d: d.id):
                digest.update(f"{name}\0{d.id}\0{d.hash}\n".encode())
        path = self.settings.chroma_path / f"synced-{self.settings.collection_prefix}.txt"
        return path, digest.hexdigest()

    def _changed(self, corpus: Corpus) -> bool:
        for name, docs in corpus_docs(corpus).items():
            existing = self.collection(name).get(include=["metadatas"])
            have = {
                i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"], strict=True)
            }
            if have != {d.id: self._version(d) for d in docs}:
                return True
        return False

    def _version(self, doc: Doc) -> str:
        """What a stored vector was made from: the document's text and the model that embedded it.

        With the text's hash alone, a new embedding model left every vector of the old one in place.
        """
        return hashlib.sha256(f"{self.embedder.name}\0{doc.hash}".encode()).hexdigest()[:16]

    def _sync_one(self, name: str, docs: list[Doc], stats: dict[str, int], progress: bool) -> None:
        col = self.collection(name)
        existing = col.get(include=["metadatas"])
        have = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"], strict=True)}
        wanted = {d.id: d for d in docs}
        stale = [i for i in have if i not in wanted]
        if stale:
            col.delete(ids=stale)
            stats["deleted"] += len(stale)
        todo = [d for d in docs if have.get(d.id) != self._version(d)]
        stats["unchanged"] += len(docs) - len(todo)
        if not todo:
            return
        from tqdm import tqdm

        bar = tqdm(
            total=len(todo), desc=f"indexing {name}", file=sys.stderr, disable=not progress, leave=False
        )
        for i in range(0, len(todo), 64):
            batch = todo[i : i + 64]
            vectors = self.embedder.embed([d.text for d in batch])
            col.upsert(
                ids=[d.id for d in batch],
                documents=[d.text for d in batch],
                embeddings=[v.tolist() for v in vectors],
                metadatas=[{**d.meta, "hash": self._version(d)} for d in batch],
            )
            bar.update(len(batch))
        bar.close()
        for d in todo:
            stats["updated" if d.id in have else "added"] += 1

    def vectors(self, name: str) -> dict[str, np.ndarray]:
        """Every stored document's text and its vector, read without running the encoder."""
        with reaching(self.settings):
            got = self.collection(name).get(include=["documents", "embeddings"])
        return {
            d: np.asarray(e, dtype=np.float32)
            for d, e in zip(got["documents"], got["embeddings"], strict=True)
        }

    def query(
        self, name: str, text: str, k: int = 5, where: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Nearest documents to `text`, each with id, text, metadata and cosine distance."""
        col = self.collection(name)
        vector = self.embedder.embed([text])[0].tolist()
        with reaching(self.settings):
            n = max(1, min(k, col.count()))
            res = col.query(query_embeddings=[vector], n_results=n, where=where or None)
        return [
            {"id": i, "text": d, "distance": float(dist), **{k2: v for k2, v in m.items() if k2 != "hash"}}
            for i, d, m, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
