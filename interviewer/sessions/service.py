"""Sessions as the UI and the CLI use them: the engine plus storage and limits. Nothing is shown unsaved."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from typing import Any

from interviewer.domain.session import Event, SessionState, Setup
from interviewer.engine.engine import Engine
from interviewer.storage.store import StaleSession, Storage, StorageError

log = logging.getLogger(__name__)


class LimitError(RuntimeError):
    """A limit was hit (rate, open sessions, ...); the message tells the candidate what to do."""


class SessionService:
    def __init__(
        self,
        engine: Engine,
        storage: Storage,
        rate_per_minute: int = 30,
        max_open: int = 200,
        runner: Any = None,
        idle_s: float = 1800.0,
    ):
        self.engine = engine
        self.runner = runner
        self.storage = storage
        self.rate_per_minute = rate_per_minute
        self.max_open = max_open
        self.idle_s = idle_s
        """A session with no turn for this long no longer counts as open (it can still be resumed)."""
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def _lock(self, session_id: str) -> threading.Lock:
        with self._guard:
            return self._locks[session_id]

    def start(self, profile: str, setup: Setup) -> tuple[SessionState, list[Event]]:
        if self.storage.open_sessions(since=time.time() - self.idle_s) >= self.max_open:
            raise LimitError("Too many interviews are open right now; try again in a few minutes.")
        prof = self.storage.ensure_profile(
            profile, use_history=setup.use_history if setup.use_history else None
        )
        steer = self.weak_topics(profile) if (setup.use_history or prof.get("use_history")) else []
        state, events = self.engine.start(setup, profile=profile, steer_topics=steer)
        self._save(state)
        return state, events

    def reply(
        self, session_id: str, message: str, on_token: Any = None, time_up: float | None = None
    ) -> tuple[SessionState, list[Event]]:
        with self._lock(session_id):
            state = self._load(session_id)
            self._check_rate(session_id)
            events = self.engine.reply(state, message, on_token=on_token, time_up=time_up)
            self._save(state)  # committed before the reply is returned to be shown
            return state, events

    def run_examples(self, session_id: str, code: str) -> Any:
        """Run code against the visible examples of the session's current coding question (no grading)."""
        from interviewer.domain.runs import RunResult

        state = self._load(session_id)
        item = state.current
        question = self.engine.corpus.by_id.get(item.id) if item and state.status != "finished" else None
        if question is None or question.coding is None or self.runner is None:
            return RunResult(status="unavailable", message="The current question is not a coding question.")
        self._check_rate(session_id)
        return self.runner.run(question.coding, code, include_hidden=False)

    def pause(self, session_id: str) -> tuple[SessionState, list[Event]]:
        return self._act(session_id, self.engine.pause)

    def resume(self, session_id: str) -> tuple[SessionState, list[Event]]:
        return self._act(session_id, self.engine.resume)

    def end(self, session_id: str) -> tuple[SessionState, list[Event]]:
        return self._act(session_id, lambda s: self.engine.wrap_up(s, early=s.status != "finished"))

    def _act(self, session_id: str, fn: Any) -> tuple[SessionState, list[Event]]:
        with self._lock(session_id):
            state = self._load(session_id)
            events = fn(state)
            self._save(state)
            return state, events

    def _save(self, state: SessionState) -> None:
        try:
            self.storage.save_session(state)
        except StaleSession as exc:
            raise LimitError(
                "This interview moved on in another tab or window. Press Resume to continue from there; "
                "your answer is still in the box."
            ) from exc
        except StorageError as exc:  # full or read-only data folder: the operator's log gets the details
            log.error("%s", exc)
            raise LimitError(
                "That could not be saved just now (the server cannot write its data). What you typed is still "
                "in the box: send it again in a moment. Nothing said before was lost."
            ) from exc

    def _load(self, session_id: str) -> SessionState:
        state = self.storage.load_session(session_id)
        if state is None:
            raise LimitError(f"No interview with id {session_id!r}; start a new one.")
        state.resolve_ids(self.engine.corpus.resolve)  # saved before this round's merges: today's ids
        return state

    def _check_rate(self, session_id: str) -> None:
        now = time.monotonic()
        recent = self._recent[session_id]
        while recent and now - recent[0] > 60:
            recent.popleft()
        if len(recent) >= self.rate_per_minute:
            raise LimitError(
                f"That's more than {self.rate_per_minute} messages a minute; wait a moment and send it "
                "again (nothing was lost)."
            )
        recent.append(now)

    def weak_topics(self, profile: str, limit: int = 3) -> list[str]:
        """Topics with the lowest mean score over the candidate's finished sessions."""
        scores: dict[str, list[float]] = defaultdict(list)
        for row in self.storage.sessions_of(profile):
            state = self.storage.load_session(row["id"])
            if state is None:
                continue
            for item in state.items:
                if item.grade is not None:
                    scores[item.topic].append(item.grade.score)
        means = {t: sum(v) / len(v) for t, v in scores.items() if v}
        return [t for t in sorted(means, key=lambda t: means[t]) if means[t] < 3.0][:limit]
