"""The grade the grader returns: a documented model whose JSON is the contract of `interviewer grade`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from interviewer.domain.questions import LEVELS, Level, Verdict
from interviewer.domain.runs import RunResult

LEVEL_NEEDS_SCORE = 2.5
"""A grade names a level at or above the asked one only when its 0-5 score, as shown, reaches this; otherwise the
level is none. The score is relative to the asked level, so a level below it sits well with a low score (a mid answer
to a senior question scores about 2), but a level that claims the asked level's expectations are met is contradicted
by a score under "partial" (a fluent answer to the neighbouring question read as "senior" at 0.99). Chosen on the
benchmark's train answers (`training/fit_level_floor.py`: the grid 0 (no floor), 0.5, ..., 2.5, the value that
maximises exact agreement + within one - fooled rate there); dev and dev2 only decided whether it ships
(docs/grader.md, "A level the score does not support")."""


def supported_level(level: Verdict, score: float, asked: Level | None) -> Verdict:
    """`level`, or none when it is at or above the `asked` level and the score (to the two decimals a grade shows)
    is under LEVEL_NEEDS_SCORE."""
    if asked is None or level == "none" or LEVELS.index(level) < LEVELS.index(asked):
        return level
    return level if round(score, 2) >= LEVEL_NEEDS_SCORE else "none"


def consistent_grade(level: Verdict, score: float, asked: Level | None) -> tuple[Verdict, float]:
    """The level and score made to agree on whether the answer meets the `asked` level: a level at or above it needs
    a score of LEVEL_NEEDS_SCORE (`supported_level`), and a level below it, none included, shows a score of at most
    that. On the scale a 3 is "solid for the level", so a score above the midpoint of partial and solid claims what
    the level denies (a dev2 answer graded mid for a senior question scored 3.97). The cap was chosen on the
    benchmark's train answers (`training/fit_level_floor.py --cap`: grid 2.0-3.25, 2.5 maximised the goal there;
    docs/grader.md, "Level and score agree"). Coding grades take the floor alone (coding.code_grader.combine)."""
    level = supported_level(level, score, asked)
    if asked is not None and (level == "none" or LEVELS.index(level) < LEVELS.index(asked)):
        score = min(score, LEVEL_NEEDS_SCORE)
    return level, score


class Criterion(BaseModel):
    """One key point of the question and how well the answer covers it."""

    id: str
    """The key point's id (or `ref-N` for a clause of a reference answer)."""
    level: Level
    """The level whose answer is expected to make this point."""
    weight: float = 1.0
    met: float = Field(ge=0, le=1)
    """How well the answer covers the point, 0 (not at all) to 1 (fully)."""
    evidence: str = ""
    """A sentence or clause quoted verbatim from the answer, or empty when nothing supports the point."""
    verdict: Literal["states", "contradicts", "absent"] | None = None
    """Whether the answer states the point, says something incompatible with it, or leaves it out (None when the
    grade did not read polarity, e.g. against a bare reference answer). A contradicted point earns nothing and its
    evidence quotes what the answer said instead."""


class StatedMisconception(BaseModel):
    """A known misconception of the question that part of the answer reads close to (the `misconception` flag)."""

    text: str
    """The misconception, as the corpus words it."""
    evidence: str
    """The part of the answer that reads like it, verbatim."""


class Star(BaseModel):
    """Which parts of a STAR story a behavioural answer tells."""

    situation: bool = False
    task: bool = False
    action: bool = False
    result: bool = False

    @property
    def score(self) -> float:
        return (self.situation + self.task + 2 * self.action + self.result) / 5


class Grade(BaseModel):
    """A graded answer: score, level verdict, per-key-point evidence, flags and feedback."""

    question_id: str
    score: float = Field(ge=0, le=5)
    """0 to 5 against the question's own level (the scale's anchors are in rubrics/scale.yaml)."""
    level: Verdict
    """The level the answer demonstrates, decided from its key-point verdicts at all three levels (a model fitted
    on labelled interview answers), whatever level the question is asked at."""
    level_range: list[Verdict] = Field(default_factory=list)
    """The plausible range of that level, [lowest, highest] (empty when the grade gives none)."""
    level_probs: dict[str, float] = Field(default_factory=dict)
    """How likely each level is, by the fitted level model."""
    asked_level: Level | None = None
    criteria: list[Criterion]
    missed: list[str] = Field(default_factory=list)
    """Ids of the key points the answer did not cover, most important first."""
    flags: list[str] = Field(default_factory=list)
    """Guards that fired: empty, dont_know, too_short, gibberish, off_topic, keyword_list, injection, misconception,
    judge_disagrees, judge_failed; for code: no_code, load_error, tests_failed, timeout, resource_limit,
    sandbox_violation, not_run."""
    misconception: StatedMisconception | None = None
    """With the `misconception` flag: which misconception and the part of the answer that reads like it. The
    similarity rule behind the flag is right about one time in three on real answers (docs/grader.md), so the
    feedback shows both for the candidate to check rather than asserting the mistake."""
    confidence: float = Field(ge=0, le=1)
    """How sure the grader is: low near the level bars, on flags, or when the LLM judge disagrees."""
    reference_similarity: float = 0.0
    """p(correct) of the whole answer against the reference answer alone."""
    feedback: str = ""
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    star: Star | None = None
    dimensions: dict[str, float] = Field(default_factory=dict)
    """Per-competency scores 0-5 (trade_offs, production, communication, star, ...)."""
    graded_by: str = "rubric"
    """'rubric', or 'rubric+llm' when an LLM judge was combined in; '+tests' when code was run."""
    run: RunResult | None = None
    """For coding answers: the per-test results of running the code (hidden tests redacted)."""
    raw_score: float | None = None
    """The score before a calibration version adjusted it (None when no calibration layer ran)."""
    calibration: int = 0
    """The calibration version that set `score` and `level` (0: the shipped calibration)."""
