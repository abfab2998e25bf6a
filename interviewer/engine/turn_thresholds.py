"""The turn check's fitted thresholds (training/fit_turn_check.py), shipped in interviewer/data/turn_check.json."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field


class Thresholds(BaseModel):
    """Where a statement counts as giving the answer away, and a follow-up as off its probe (fitted)."""

    answer_cos: float = Field(0.62, description="A statement this close (cosine) to an answer text ...")
    answer_margin: float = Field(
        0.12, description="... and this much closer to it than to the context, states it."
    )
    answer_terms: int = Field(
        3, description="A statement with this many answer words absent from the context."
    )
    probe_cos: float = Field(
        0.3, description="A follow-up whose best clause is less close to its probe is off it."
    )
    probe_band: float = Field(
        0.0,
        description="Below this closeness to its probe, a follow-up closer to the main question than to the probe "
        "is off it: it goes back over the question instead of asking the probe (0: never).",
    )
    claim_cos: float = Field(
        2.0, description="A statement that asserts by its form (turn_claims) this close to the topic ..."
    )
    claim_novel: int = Field(
        99, description="... with this many content words the context does not contain, states an answer."
    )
    general_margin: float = Field(
        9.0,
        description="A general claim (turn_claims.GENERAL: 'X usually beats Y', 'Isn't X just Y?') or a premise a "
        "question builds on, this much closer to the topic than to the context, states an answer at claim_cos "
        "whatever words it brings (9: never).",
    )
    verifier_states: float | None = Field(
        None, description="With the verifier: P(states) of a statement for any answer text at or above this."
    )
    question_states: float | None = Field(
        None,
        description="With the verifier: a follow-up whose question proposes or takes as given a statement "
        "(turn_propositions) with P(states) of a probe's key point at or above this hands the answer over.",
    )
    learned_bad: float | None = Field(
        None,
        description="With the learned turn model (turn_model.py): a turn it reads as bad with P(bad) at or above "
        "this is refused, after every other check has passed it.",
    )
    fitted_on: str = Field("", description="What the thresholds were fitted on.")

    def uses_verifier(self) -> bool:
        """Whether these thresholds read the key-point verifier (a checker without it skips those checks)."""
        return self.verifier_states is not None or self.question_states is not None


@lru_cache(maxsize=1)
def shipped_thresholds() -> Thresholds:
    path = resources.files("interviewer.data").joinpath("turn_check.json")
    if not path.is_file():
        return Thresholds()
    return Thresholds.model_validate(json.loads(path.read_text(encoding="utf-8"))["thresholds"])
