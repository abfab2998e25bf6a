"""Every candidate action, checked: the session must belong to the caller, and the caller must be within limits.

The UI (and any other front end) calls this service and nothing below it for a candidate: it never hands a session
id or a profile straight to the session service or storage. Ownership is decided here from the caller's identity
(profiles.py), not from what the page shows. No Gradio here.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from interviewer.config import Settings
from interviewer.domain.ports import Sessions
from interviewer.domain.session import Event, SessionState, Setup
from interviewer.sessions.downloads import Downloads
from interviewer.sessions.identity import (
    ANONYMOUS,
    NOT_YOURS,
    AccessError,
    Caller,
    format_key,
    key_profile,
    legacy_name,
    new_key,
    parse_key,
    scrub,
)
from interviewer.sessions.limits import HOUR_S, StartLog
from interviewer.sessions.service import LimitError
from interviewer.sessions.voice_store import VoiceStore
from interviewer.storage.store import Storage

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 600.0


class ProfileService:
    """Every candidate action, checked for ownership and limits; the UI calls only this (no Gradio here)."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        sessions: Sessions,
        downloads: Downloads,
        now: Callable[[], float] = time.time,
        starts: StartLog | None = None,
        sweep_every_s: float | None = SWEEP_EVERY_S,
    ):
        self.settings = settings
        self.storage = storage
        self.sessions = sessions
        self.downloads = downloads
        self.voice_files = VoiceStore(settings.data_dir)
        """Voice answers' delivery records and opted-in recordings: exported, deleted and purged with the rest."""
        self.now = now
        self.starts = starts or StartLog()
        self.sweep_every_s = sweep_every_s
        """How often starts trigger a background `sweep` (None: only when called)."""
        self._sweep_lock = threading.Lock()
        self._last_sweep = 0.0

    @property
    def idle_s(self) -> float:
        return float(self.settings.session_idle_minutes * 60)

    # -- keys -------------------------------------------------------------------------------------------------

    def page_key(self, stored: Any) -> tuple[str, bool]:
        """The key a page should hold: its stored one when valid, else a new one (nothing is saved until the
        key starts an interview); and whether any data is stored under it."""
        body = parse_key(stored)
        if body is None:
            return new_key(), False
        return format_key(body), self.storage.profile(key_profile(body)) is not None

    def use_key(self, raw: Any) -> str:
        """A key pasted from another device, checked: well formed and known. Its display form."""
        body = parse_key(raw)
        if body is None:
            raise AccessError(
                "That is not a profile key. A key looks like ik-1a2b-...: copy it again from the device that "
                "shows it (the last group is a checksum, so a typo is caught here)."
            )
        if self.storage.profile(key_profile(body)) is None:
            raise AccessError(
                "No interviews are stored under that key (a key is saved when it starts its first interview). "
                "Check that you copied the whole key."
            )
        return format_key(body)

    def claim(self, caller: Caller, typed_name: Any) -> int:
        """Give a profile that an old version keyed by typed name to this caller, once; the sessions moved."""
        if not self.settings.allow_legacy_claims:
            raise AccessError("Claiming interviews by name is turned off on this server.")
        name = legacy_name(scrub(typed_name))
        if name == ANONYMOUS:
            raise AccessError(
                "Interviews saved as 'anonymous' were shared by everyone who left the name as it was, so nobody "
                "can claim them; the retention purge removes them."
            )
        if self.storage.profile(caller.profile) is not None:
            raise AccessError(
                "Only a key with no interviews yet can claim old ones, and this one has some. Claim them from a "
                "browser that has not started an interview yet."
            )
        claimed = f"No interviews are stored under the name {name!r}, or they were claimed already."
        if self.storage.profile(name) is None:
            raise AccessError(claimed)
        try:
            moved = self.storage.move_profile(name, caller.profile, display_name=name)
        except KeyError:
            raise AccessError(claimed) from None
        self.storage.log("candidate", "claim", f"name {name!r} -> {caller.profile} ({moved} sessions)")
        log.info("old profile claimed", extra={"sessions": moved})
        return moved

    # -- ownership --------------------------------------------------------------------------------------------

    def owned(self, caller: Caller, session_id: Any) -> dict[str, Any]:
        """The session's owner row when it is the caller's; AccessError otherwise (also for no such session)."""
        row = self.storage.owner_of(session_id) if isinstance(session_id, str) and session_id else None
        if row is None or row["profile"] != caller.profile:
            raise AccessError(NOT_YOURS)
        return row

    def state(self, caller: Caller, session_id: Any) -> SessionState:
        self.owned(caller, session_id)
        state = self.storage.load_session(session_id)
        if state is None:
            raise AccessError(NOT_YOURS)
        return state

    def current(self, caller: Caller, session_id: Any) -> SessionState | None:
        """The session if it is the caller's, else None (for refreshing what the page shows)."""
        try:
            return self.state(caller, session_id)
        except AccessError:
            return None

    # -- actions on a session ---------------------------------------------------------------------------------

    def start(
        self, caller: Caller, display_name: Any, consent: bool, use_history: bool, setup: Setup
    ) -> tuple[SessionState, list[Event]]:
        self.maybe_sweep()
        self._check_client_limits(caller)
        name = scrub(display_name).strip()[:80] or None
        setup = setup.model_copy(update={"job_description": scrub(setup.job_description)})
        self.storage.ensure_profile(
            caller.profile, consent=bool(consent), use_history=bool(use_history), display_name=name
        )
        state, events = self.sessions.start(caller.profile, setup)
        self.starts.add(caller.ip, state.id)
        return state, events

    def reply(
        self,
        caller: Caller,
        session_id: Any,
        text: Any,
        on_token: Any = None,
        time_up: float | None = None,
    ) -> tuple[SessionState, list[Event]]:
        self.owned(caller, session_id)
        return self.sessions.reply(session_id, scrub(text), on_token=on_token, time_up=time_up)

    def pause(self, caller: Caller, session_id: Any) -> tuple[SessionState, list[Event]]:
        self.owned(caller, session_id)
        return self.sessions.pause(session_id)

    def end(self, caller: Caller, session_id: Any) -> tuple[SessionState, list[Event]]:
        self.owned(caller, session_id)
        return self.sessions.end(session_id)

    def resume(self, caller: Caller, session_id: Any) -> tuple[SessionState, list[Event]]:
        row = self.owned(caller, session_id)
        if row["status"] != "finished" and row["updated"] < self.now() - self.settings.paused_days * 86400:
            self.sessions.end(session_id)
            raise LimitError(
                f"That interview had no turn for {self.settings.paused_days} days, so it has ended; its "
                "scorecard is under History. Start a new one."
            )
        return self.sessions.resume(session_id)

    def run_examples(self, caller: Caller, session_id: Any, code: Any) -> Any:
        self.owned(caller, session_id)
        return self.sessions.run_examples(session_id, scrub(code))

    # -- the caller's data ------------------------------------------------------------------------------------

    def sessions_of(self, caller: Caller) -> list[dict[str, Any]]:
        return self.storage.sessions_of(caller.profile)

    def resumable(self, caller: Caller) -> list[dict[str, Any]]:
        """The caller's unfinished sessions that have not expired."""
        cutoff = self.now() - self.settings.paused_days * 86400
        return [r for r in self.sessions_of(caller) if r["status"] != "finished" and r["updated"] >= cutoff]

    def write_scorecard(
        self, caller: Caller, state: SessionState, markdown: str, body: str
    ) -> tuple[Path, Path]:
        """The scorecard of one of the caller's sessions as two private, one-download files."""
        if state.profile != caller.profile:
            raise AccessError(NOT_YOURS)
        return (
            self.downloads.write(caller.profile, f"scorecard-{state.id}.md", markdown),
            self.downloads.write(caller.profile, f"scorecard-{state.id}.json", body),
        )

    def export(self, caller: Caller) -> Path:
        """Everything stored about the caller, as a private JSON file removed after its download."""
        data = self.storage.export_profile(caller.profile)
        data["voice_answers"] = self.voice_files.export(caller.profile)
        return self.downloads.write(caller.profile, "my-data.json", json.dumps(data, indent=1, default=str))

    def delete(self, caller: Caller) -> int:
        """Delete the caller's profile, sessions and download files; the number of sessions deleted."""
        count = int(self.storage.delete_profile(caller.profile))
        files = self.downloads.remove_profile(caller.profile) + self.voice_files.remove_profile(
            caller.profile
        )
        log.info("profile deleted", extra={"sessions": count, "files": files})
        return count

    # -- limits and clean-up ----------------------------------------------------------------------------------

    def _check_client_limits(self, caller: Caller) -> None:
        s, now = self.settings, self.now()
        idle_min = s.session_idle_minutes
        if self.storage.open_sessions(now - self.idle_s, profile=caller.profile) >= s.max_open_per_key:
            raise LimitError(
                f"You already have {s.max_open_per_key} interviews open (one counts until it ends or has had no "
                f"turn for {idle_min} minutes). End one, or resume it from 'Paused interviews'."
            )
        if self.storage.started_since(caller.profile, now - HOUR_S) >= s.max_starts_per_hour_per_key:
            raise LimitError(
                f"You started {s.max_starts_per_hour_per_key} interviews in the last hour; try again later."
            )
        recent = self.starts.recent(caller.ip)
        if len(recent) >= s.max_starts_per_hour_per_ip:
            raise LimitError(
                "Too many interviews were started from your network in the last hour; try later."
            )
        if self.storage.open_sessions(now - self.idle_s, ids=recent) >= s.max_open_per_ip:
            raise LimitError(
                "Too many interviews are open from your network right now; finish one, or try again in "
                f"{idle_min} minutes."
            )

    def maybe_sweep(self) -> None:
        """Run `sweep` in the background when the last one is older than `sweep_every_s`."""
        every = self.sweep_every_s
        if every is None or self.now() - self._last_sweep < every or self._sweep_lock.locked():
            return
        threading.Thread(target=self.sweep, name="sweep", daemon=True).start()

    def sweep(self) -> dict[str, int]:
        """End sessions with no turn for paused_days, purge sessions past retention_days with their files, and
        remove downloads past their time to live."""
        if not self._sweep_lock.acquire(blocking=False):
            return {}
        try:
            self._last_sweep = now = self.now()
            ended = 0
            for sid in self.storage.unfinished_before(now - self.settings.paused_days * 86400):
                try:
                    self.sessions.end(sid)
                    ended += 1
                except Exception:  # one broken session must not stop the clean-up of the others
                    log.exception("could not end an expired session", extra={"expired_session": sid})
            purged = self.storage.purge_sessions_older_than(self.settings.retention_days)
            files = self.downloads.remove_sessions(purged) + self.downloads.remove_expired(now)
            files += self.voice_files.remove_sessions(purged)
            result = {"ended": ended, "purged": len(purged), "files": files}
            if any(result.values()):
                log.info("sweep", extra=result)
            return result
        finally:
            self._sweep_lock.release()
