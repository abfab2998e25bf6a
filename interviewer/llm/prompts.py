"""The prompt files (interviewer/prompts/*.yaml), read once through importlib.resources: prompts are data."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


def _load(name: str) -> dict:
    return dict(
        yaml.safe_load(resources.files("interviewer.prompts").joinpath(name).read_text(encoding="utf-8"))
    )


@lru_cache(maxsize=1)
def templates() -> dict[str, list[str]]:
    """The interviewer's varied wordings of each turn (templates.yaml)."""
    return _load("templates.yaml")


@lru_cache(maxsize=1)
def prompts() -> dict[str, str]:
    """System and turn prompts of the interviewer and the LLM judge (interviewer.yaml)."""
    return _load("interviewer.yaml")
