"""Typed models of the domain: questions, key points, probes, scenarios, glossary, tracks and rubrics.

Files in corpus/ and rubrics/ are validated into these models; everything downstream reads only them.
"""

from __future__ import annotations

import ast
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["junior", "mid", "senior"]
Verdict = Literal["none", "junior", "mid", "senior"]
Kind = Literal["concept", "coding", "case", "behavioural"]
LEVELS: tuple[Level, ...] = ("junior", "mid", "senior")
KINDS: tuple[Kind, ...] = ("concept", "coding", "case", "behavioural")

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Strict(BaseModel):
    """Base for file models: unknown fields are an error, so a typo in a YAML key is caught."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not a valid id: use lower-case letters, digits, '-', '_' or '.'")
    return value


class KeyPoint(Strict):
    """One thing a good answer says, at the level where it is expected."""

    id: str = Field(description="Short id, unique within its question, e.g. 'split-criterion'.")
    level: Level = Field(description="The level whose answer is expected to make this point.")
    text: str = Field(min_length=8, description="The point, stated as a candidate might say it.")
    weight: float = Field(default=1.0, gt=0, le=5, description="Relative importance within its level.")
    terms: list[str] = Field(default_factory=list, description="Technical terms that signal this point.")
    asks: Literal["fact", "mechanism", "reason"] = Field(
        default="fact",
        description="What the point asks for: a fact, or a mechanism or reason that naming its terms does not meet.",
    )

    _id = field_validator("id")(_check_id)


class Probe(Strict):
    """A follow-up question that digs into named key points."""

    text: str = Field(min_length=8)
    targets: list[str] = Field(min_length=1, description="Ids of the key points this probe digs into.")


def generator_problem(source: str) -> str:
    """What is wrong with a coding block's generator source ('' when it defines `generate(rng)`)."""
    if not source.strip():
        return "is missing"
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return f"does not parse: {exc.msg} (line {exc.lineno})"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "generate":
            if len(node.args.posonlyargs) + len(node.args.args) != 1:
                return "defines generate() with other parameters than the one `rng`"
            return ""
    return "does not define `def generate(rng):` at its top level"


class CodeExample(Strict):
    """One call of the candidate's function and the value it must return (both Python expressions)."""

    call: str
    expected: str


class CodingSpec(Strict):
    """What a coding question needs to be run: signature, starter code, visible examples, hidden tests."""

    language: Literal["python"] = "python"
    function: str = Field(description="Name of the function the candidate writes.")
    signature: str = Field(description="The def line, e.g. 'def dedupe(xs: list[int]) -> list[int]:'.")
    starter: str = Field(default="", description="Starter or buggy code shown to the candidate.")
    examples: list[CodeExample] = Field(default_factory=list, description="Shown to the candidate.")
    tests: list[CodeExample] = Field(default_factory=list, description="Hidden tests.")
    solution: str = Field(
        default="", description="A correct solution, never shown; checks that the tests hold."
    )
    generator: str = Field(
        default="",
        description="Python defining `generate(rng)`, which returns the arguments of one call as a tuple, drawn"
        " with `rng` (a random.Random). Hidden tests drawn from it at run time are checked against `solution`.",
    )
    allow_numpy: bool = False

    @model_validator(mode="after")
    def _generator_defines_generate(self) -> CodingSpec:
        if self.generator and generator_problem(self.generator):
            raise ValueError(self.generator_help())
        return self

    def generator_help(self) -> str:
        """What is wrong with the generator and exactly what to write instead ('' when it is fine)."""
        problem = generator_problem(self.generator)
        if not problem:
            return ""
        return (
            f"coding.generator {problem}. Add to the coding block a `generator: |` whose Python defines"
            f" `def generate(rng):` returning a tuple of arguments for one call of {self.function}(), drawn"
            " with rng (a random.Random), e.g. `return ([rng.randint(0, 9) for _ in range(rng.randint(0,"
            " 6))],)`; hidden tests are drawn from it at run time and checked against `solution`"
            " (corpus/README.md)"
        )


class GradingItem(Strict):
    """Anything the grader can grade: a reference answer and key points at three levels."""

    id: str
    text: str = Field(min_length=10)
    reference_answer: str = Field(min_length=20)
    key_points: list[KeyPoint] = Field(min_length=3)
    misconceptions: list[str] = Field(default_factory=list)
    probes: list[Probe] = Field(min_length=1, max_length=3)

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _key_points_cover_levels(self) -> GradingItem:
        ids = [k.id for k in self.key_points]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"key point ids repeat: {dupes}")
        missing = [lv for lv in LEVELS if not any(k.level == lv for k in self.key_points)]
        if missing:
            raise ValueError(f"key_points need at least one point at every level; none at {missing}")
        for probe in self.probes:
            unknown = [t for t in probe.targets if t not in ids]
            if unknown:
                raise ValueError(f"probe {probe.text[:40]!r} targets unknown key points {unknown}")
        return self

    def points_at(self, level: Level) -> list[KeyPoint]:
        return [k for k in self.key_points if k.level == level]


class Question(GradingItem):
    """A question of the bank, asked at one level, on one topic."""

    level: Level
    topic: str
    kind: Kind
    tags: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(
        default_factory=list,
        description="Other ways a candidate might phrase the question; indexed for search.",
    )
    coding: CodingSpec | None = None
    source_file: str = Field(default="", exclude=True, description="Set by the loader.")

    @model_validator(mode="after")
    def _misconceptions_present(self) -> Question:
        if not self.misconceptions:
            raise ValueError("misconceptions: give at least one common misconception")
        return self

    @model_validator(mode="after")
    def _coding_has_generator(self) -> Question:
        """A corpus coding question draws random hidden tests, so a table of its public answers cannot pass."""
        if self.coding is not None and self.coding.generator_help():
            raise ValueError(self.coding.generator_help())
        return self


class Stage(GradingItem):
    """One stage of a case scenario (understanding, approach, data, model, ...), graded like a question."""

    name: str


class Scenario(Strict):
    """A multi-turn case interview, run stage by stage."""

    id: str
    title: str
    topic: str
    brief: str = Field(min_length=40, description="The situation as told to the candidate.")
    levels: list[Level] = Field(default_factory=lambda: list(LEVELS))
    stages: list[Stage] = Field(min_length=3)
    source_file: str = Field(default="", exclude=True)

    _id = field_validator("id")(_check_id)


class GlossaryEntry(Strict):
    term: str
    aliases: list[str] = Field(default_factory=list)
    definition: str = Field(min_length=15)
    source_file: str = Field(default="", exclude=True)


class Track(Strict):
    """A named preset of topics and kinds."""

    id: str
    name: str
    description: str
    topics: list[str] = Field(min_length=1)
    kinds: dict[Kind, float] = Field(description="Share of each kind of question in a session.")
    scenarios: bool = Field(default=False, description="Whether a case scenario may be part of the session.")

    _id = field_validator("id")(_check_id)


# --- rubrics -----------------------------------------------------------------------------------------------


class LevelDefinition(Strict):
    level: Level
    summary: str
    expectations: list[str] = Field(min_length=1)
    coding: str = ""


class ScaleAnchor(Strict):
    score: int = Field(ge=0, le=5)
    label: str
    description: str


class LevelBars(Strict):
    """Share of a level's key-point weight that must be met for the bar of that level."""

    junior: float = Field(default=0.6, ge=0, le=1)
    mid: float = Field(default=0.5, ge=0, le=1)
    senior: float = Field(default=0.5, ge=0, le=1)
    met_threshold: float = Field(default=0.5, ge=0, le=1, description="A key point counts as met above this.")

    def for_level(self, level: Level) -> float:
        return float(getattr(self, level))


class Dimension(Strict):
    """A generic competency scored across questions (trade-offs, production concerns, communication, STAR)."""

    id: str
    name: str
    description: str
    topics: list[str] = Field(default_factory=list, description="Topics it applies to; empty means all.")
    kinds: list[Kind] = Field(default_factory=list, description="Kinds it applies to; empty means all.")
    signals: list[str] = Field(min_length=1, description="Phrases or ideas that show the dimension.")

    _id = field_validator("id")(_check_id)


class Rubric(Strict):
    """Everything in rubrics/: level definitions, the 0-5 scale, level bars and dimensions."""

    levels: list[LevelDefinition]
    scale: list[ScaleAnchor]
    bars: LevelBars = Field(default_factory=LevelBars)
    dimensions: list[Dimension] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Rubric:
        if sorted(a.score for a in self.scale) != list(range(6)):
            raise ValueError("scale: give exactly one anchor for each score 0, 1, 2, 3, 4 and 5")
        if sorted(d.level for d in self.levels) != sorted(LEVELS):
            raise ValueError("levels: define junior, mid and senior once each")
        return self
