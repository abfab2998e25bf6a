"""The two seams the layers meet at: what any grader offers and what the session service offers.

Each wrapper implements these methods itself (no forwarding through `__getattr__`), so a reader sees in one
class everything it does, and mypy checks each one against the protocol at the composition root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from interviewer.domain.grades import Grade
from interviewer.domain.runs import RunResult
from interviewer.domain.session import Event, SessionState, Setup
from interviewer.domain.target import Target


class Grader(Protocol):
    """Grades one answer against a target. The rubric grader, the LLM judge, the coding grader and the
    calibrated grader all offer exactly this; the engine needs nothing more."""

    def grade(self, target: Target, answer: str) -> Grade: ...

    def prepare_soon(self, target: Target) -> None:
        """Encode what grading `target` needs ahead of the answer (in the background; may do nothing)."""
        ...


Turn = tuple[SessionState, list[Event]]
"""A session as saved after an action, and what the interviewer said in it."""


class Sessions(Protocol):
    """The session service as the profile service and the CLI use it: every action saves before it returns."""

    def start(self, profile: str, setup: Setup) -> Turn: ...

    def reply(
        self,
        session_id: str,
        message: str,
        on_token: Callable[[str], None] | None = None,
        time_up: float | None = None,
    ) -> Turn: ...

    def run_examples(self, session_id: str, code: str) -> RunResult: ...

    def pause(self, session_id: str) -> Turn: ...

    def resume(self, session_id: str) -> Turn: ...

    def end(self, session_id: str) -> Turn: ...
