"""Session state: plain, serialisable data, so a session can be stored after every turn and resumed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from interviewer.domain.grades import Grade
from interviewer.domain.questions import Level

Status = Literal["active", "paused", "finished"]
EventKind = Literal[
    "greeting",
    "question",
    "follow_up",
    "feedback",
    "hint",
    "clarification",
    "repeat",
    "notice",
    "redirect",
    "stage",
    "wrap_up",
    "scorecard",
    "tests",
]


class Setup(BaseModel):
    """What the candidate chose before the interview."""

    level: Level = "mid"
    track: str = "general"
    questions: int = Field(
        default=5, ge=1, le=20, description="Number of questions (a scenario counts as one)."
    )
    job_description: str = Field(default="", max_length=20000)
    feedback: bool = Field(default=True, description="Show feedback after each answer.")
    use_history: bool = Field(
        default=False, description="Let weak topics of earlier sessions steer the plan."
    )
    timer_s: int = Field(
        default=0,
        ge=0,
        le=3600,
        description="Seconds allowed per answer (each question and follow-up); 0 = none. The page counts down "
        "and submits the draft at zero; the engine marks answers that arrive later as over time.",
    )


class Event(BaseModel):
    """Something the interviewer says; the UI turns events into chat messages."""

    kind: EventKind
    text: str
    data: dict[str, Any] = Field(default_factory=dict)


class Turn(BaseModel):
    role: Literal["interviewer", "candidate"]
    text: str
    kind: str = ""
    item: str = ""
    at: float = Field(default_factory=time.time)


class ItemState(BaseModel):
    """One asked question, or one stage of a scenario, and everything the candidate said about it."""

    id: str
    """Question id, or '<scenario id>#<stage id>'."""
    level: Level
    topic: str
    kind: str
    answers: list[str] = Field(default_factory=list)
    probes_asked: list[str] = Field(default_factory=list)
    hints: int = 0
    skipped: bool = False
    grade: Grade | None = None
    asked_at: float | None = None
    """When the clock of the question (or of its latest follow-up) started; a resume restarts it."""
    time_s: float | None = None
    """Seconds the candidate took over the answers to this item (paused time excluded); None: not measured."""
    over_time: bool = False
    """An answer arrived after the timer plus the grace; it was graded as usual."""


class SessionState(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    profile: str = "anonymous"
    setup: Setup = Field(default_factory=Setup)
    status: Status = "active"
    current_level: Level = "mid"
    streak: int = 0
    """Positive after strong answers, negative after weak ones; the level moves at +/-2 (hysteresis)."""
    level_path: list[Level] = Field(default_factory=list)
    items: list[ItemState] = Field(default_factory=list)
    slots_used: int = 0
    scenario: str = ""
    """Id of the scenario under way, if any."""
    scenario_stage: int = 0
    awaiting: Literal["answer", "follow_up", "none"] = "none"
    turns: list[Turn] = Field(default_factory=list)
    steer_topics: list[str] = Field(default_factory=list)
    created: float = Field(default_factory=time.time)
    updated: float = Field(default_factory=time.time)

    @property
    def current(self) -> ItemState | None:
        return self.items[-1] if self.items else None

    def asked_ids(self) -> set[str]:
        return {i.id for i in self.items}

    def resolve_ids(self, resolve: Callable[[str], str]) -> None:
        """Point the items of a stored session at the ids in use now (a merged question's id becomes its
        successor's), so the engine, the planner and the scorecard find them in today's corpus."""
        self.scenario = resolve(self.scenario) if self.scenario else ""
        for item in self.items:
            item.id = resolve(item.id)
        for turn in self.turns:
            turn.item = resolve(turn.item) if turn.item else ""

    def say(self, event: Event, at: float | None = None) -> Event:
        turn = Turn(
            role="interviewer", text=event.text, kind=event.kind, item=self.current.id if self.current else ""
        )
        if at is not None:
            turn.at = at
        self.turns.append(turn)
        return event
