"""The Chroma embedding function over our own encoder (never Chroma's downloading default).

Kept apart from embeddings.py so that importing the encoder does not import chromadb (about 2 s at start-up).
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space

from interviewer.encoders.embeddings import Embedder, HashEmbedder, make_embedder


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
