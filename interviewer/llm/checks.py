"""The verdicts of `interviewer check-llm`, kept per model in one JSON file under the data folder.

The app reads the configured model's verdict to tell the operator what the measurements recommend; nothing here
turns a setting on or off by itself (INTERVIEWER_LLM_WORDING and INTERVIEWER_LLM_JUDGE stay the operator's).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field


class WordingCheck(BaseModel):
    """How the model worded the fixed follow-ups and preambles."""

    turns: int = Field(description="Wording calls made (follow-ups and preambles).")
    finished: float = Field(description="Share of calls that ended with a proper finish (format compliance).")
    passed: float = Field(description="Share of turns that passed the turn check and would be shown.")
    follow_ups_passed: float = Field(description="Share of the follow-ups alone that passed.")
    reasons: dict[str, int] = Field(description="Why the other turns fell back to their template, by reason.")
    p50_s: float = Field(description="Median seconds per wording call.")
    p95_s: float = Field(description="95th percentile seconds per wording call.")


class JudgeCheck(BaseModel):
    """The judge on labelled dev answers: does it move grades toward the human scores?"""

    answers: int = Field(description="Labelled answers graded with and without the judge.")
    questions: int = Field(description="Distinct questions among them (the bootstrap resamples these).")
    valid_json: float = Field(description="Share of judge calls that gave usable JSON (format compliance).")
    mae_rubric: float = Field(description="Mean absolute error of the rubric score against the human score.")
    mae_judged: float = Field(description="The same with the judge.")
    gain: float = Field(description="mae_rubric - mae_judged: above zero, the judge brings grades closer.")
    gain_ci: tuple[float, float] = Field(
        description="95% bootstrap interval of the gain (questions resampled)."
    )
    p50_s: float = Field(description="Median seconds per judge call.")


class LLMCheck(BaseModel):
    """One run of `interviewer check-llm` against one model."""

    model: str
    base_url: str
    checked_at: str = Field(description="When the run finished (UTC, ISO 8601).")
    seconds: float = Field(description="Wall time of the whole run.")
    wording: WordingCheck
    judge: JudgeCheck
    recommend_wording: bool = Field(description="At least 80% of the turns passed their check.")
    recommend_judge: bool = Field(description="The lower bound of the judge's gain is above zero.")

    @property
    def key(self) -> str:
        return model_key(self.model, self.base_url)

    def summary(self) -> str:
        """One line for the operator."""
        on = {True: "on", False: "off"}
        lo, hi = self.judge.gain_ci
        return (
            f"check-llm ({self.checked_at[:10]}): wording {on[self.recommend_wording]}"
            f" ({self.wording.passed:.0%} of turns passed their check), judge {on[self.recommend_judge]}"
            f" (error change {-self.judge.gain:+.2f} points, 95% CI {-hi:+.2f} to {-lo:+.2f})."
        )


def model_key(model: str, base_url: str) -> str:
    return f"{model} @ {base_url}"


def load_checks(path: Path) -> dict[str, LLMCheck]:
    """Every stored verdict by model key; an unreadable file counts as none (the next run rewrites it)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {k: LLMCheck.model_validate(v) for k, v in raw.items()}
    except (OSError, ValueError):
        return {}


def store_check(path: Path, check: LLMCheck) -> None:
    """Add or replace this model's verdict, writing the file atomically."""
    checks = load_checks(path)
    checks[check.key] = check
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {k: v.model_dump(mode="json") for k, v in checks.items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".llm_checks.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def verdict_for(path: Path, model: str, base_url: str) -> LLMCheck | None:
    return load_checks(path).get(model_key(model, base_url))
