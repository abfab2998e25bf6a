"""Closing the loop, wired once: the review queue, calibration versions, A/B tests, and the session and grader
layers that feed them. Services builds one `Loop`; the UI and the CLI call its objects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from interviewer.domain.grades import Grade
from interviewer.domain.ports import Grader
from interviewer.domain.session import Event, SessionState, Setup
from interviewer.domain.target import Target
from interviewer.ops.monitoring import GRADE_SECONDS, GRADES, REVIEWS, SESSION_ID, session_context, timed
from interviewer.review_loop.ab_tests import ABTests
from interviewer.review_loop.queue import ReviewQueue
from interviewer.review_loop.recalibration import CalibrationStore, Recalibrator
from interviewer.sessions.service import SessionService
from interviewer.storage.store import Storage

log = logging.getLogger("interviewer.review_loop.loop")


class Loop:
    """The review loop's parts over one database and one folder of calibration versions."""

    def __init__(
        self,
        storage: Storage,
        calibrations: CalibrationStore,
        rubric_bars: dict[str, float],
        resolve: Callable[[str], str] = str,
    ):
        self.storage = storage
        self.calibrations = calibrations
        self.rubric_bars = rubric_bars
        """The rubric's level bars (junior, mid, senior) that reviewed levels are read against."""
        self.resolve = resolve
        """A stored question id -> the id in use now (the corpus's id map)."""

    @cached_property
    def queue(self) -> ReviewQueue:
        return ReviewQueue(self.storage, self.rubric_bars, self.resolve)

    @cached_property
    def ab(self) -> ABTests:
        return ABTests(self.storage, self.calibrations)

    @cached_property
    def recalibrator(self) -> Recalibrator:
        return Recalibrator(self.calibrations, self.queue.examples, self.rubric_bars)

    def version_for_current_session(self) -> int:
        """The calibration version for the session being served: its A/B arm's, else the active one."""
        session_id = SESSION_ID.get()
        if session_id:
            version = self.ab.version_for(session_id)
            if version is not None:
                return version
        return self.calibrations.active_version()


class CalibratedGrader:
    """Wraps the grader: times it, applies the session's calibration version, counts verdicts by level.

    Bare-reference grades (`interviewer eval` rows, no asked level) and code graded by running tests are left as
    they were made: the versions are fitted on reviewed interview answers and say nothing about other data.
    """

    def __init__(self, inner: Grader, loop: Loop):
        self.inner = inner
        self.loop = loop

    def prepare_soon(self, target: Target) -> None:
        self.inner.prepare_soon(target)

    def grade(self, target: Target, answer: str) -> Grade:
        t0 = time.perf_counter()
        grade: Grade = self.inner.grade(target, answer)
        if target.level is not None and "+tests" not in grade.graded_by:  # code run by tests: kept as graded
            version = self.loop.version_for_current_session()
            try:
                grade = self.loop.calibrations.get(version).apply(grade)
            except KeyError:
                log.error("calibration version missing; shipped grade kept", extra={"version": version})
        GRADE_SECONDS.observe(time.perf_counter() - t0)
        GRADES.labels(grade.level).inc()
        log.info(
            "graded",
            extra={
                "question_id": grade.question_id,
                "score": grade.score,
                "verdict": grade.level,
                "flags": grade.flags,
                "calibration": grade.calibration,
            },
        )
        return grade


class LoopSessions(SessionService):
    """Sessions that are timed, logged with their id, put into A/B arms at start and fed to the review queue."""

    def __init__(self, *args: Any, loop: Loop, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.loop = loop

    def start(self, profile: str, setup: Setup) -> tuple[SessionState, list[Event]]:
        with timed("start"):
            state, events = super().start(profile, setup)  # saved: the assignment can refer to it
            arm = self.loop.ab.assign(state.id)
        with session_context(state.id):
            log.info("session started", extra={"track": setup.track, "target_level": setup.level, "arm": arm})
        return state, events

    def reply(
        self, session_id: str, message: str, on_token: Any = None, time_up: float | None = None
    ) -> tuple[SessionState, list[Event]]:
        with session_context(session_id), timed("reply"):
            state, events = super().reply(session_id, message, on_token, time_up)
            self._review(state)
            log.info("turn", extra={"status": state.status, "events": [e.kind for e in events]})
        return state, events

    def _act(self, session_id: str, fn: Any) -> tuple[SessionState, list[Event]]:
        with session_context(session_id), timed("action"):
            state, events = super()._act(session_id, fn)
            self._review(state)
        return state, events

    def _review(self, state: SessionState) -> None:
        """Queue the doubtful grades of the saved turn; a failure here never loses the candidate's turn."""
        try:
            new = self.loop.queue.consider(state)
        except Exception:
            log.exception("could not queue grades for review")
            return
        if new:
            REVIEWS.labels("queued").inc(len(new))
            log.info("queued for review", extra={"review_ids": new})
