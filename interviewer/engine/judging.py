"""The LLM judge's grade of one answer, worked out in a thread beside the turn's wording, never in front of it.

The turn waits for it only until its deadline; a judgement that has not landed by then is dropped (the rubric
grade stands) and counted as late.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time

from interviewer.domain.grades import Grade
from interviewer.domain.ports import Grader
from interviewer.domain.target import Target
from interviewer.llm.providers import within
from interviewer.ops.monitoring import LLM_JUDGE

log = logging.getLogger(__name__)


class Judging:
    def __init__(self, judge: Grader, target: Target, answer: str, deadline: float):
        self.deadline = deadline
        self._grade: Grade | None = None
        self._thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._work, judge, target, answer),
            name="judge",
            daemon=True,
        )
        self._thread.start()

    def _work(self, judge: Grader, target: Target, answer: str) -> None:
        try:
            with within(self.deadline):
                self._grade = judge.grade(target, answer)
        except Exception:  # the rubric grade stands; the operator's log says why
            log.exception("the LLM judge raised")

    def result(self) -> Grade | None:
        """The judged grade, or None when it failed or is still out at the deadline."""
        self._thread.join(timeout=max(0.0, self.deadline - time.monotonic()))
        grade = self._grade
        if self._thread.is_alive() or grade is None:
            LLM_JUDGE.labels("late" if self._thread.is_alive() else "failed").inc()
            return None
        LLM_JUDGE.labels("failed" if "judge_failed" in grade.flags else "used").inc()
        return grade
