"""Storage queries for candidate profiles and the session limits: counts, owners, and moving a profile's sessions.

Mixed into `Storage` (which supplies `engine` and `tx`); kept apart so the storage module stays one thing.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from interviewer.storage.schema import profiles, sessions

_OWNER = select(sessions.c.profile, sessions.c.status, sessions.c.updated).where(
    sessions.c.id == bindparam("p_id")
)


class ProfileRows:
    engine: Engine

    def tx(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def open_sessions(
        self, since: float = 0.0, profile: str | None = None, ids: list[str] | None = None
    ) -> int:
        """Unfinished sessions with a turn at or after `since` (any by default), of one profile or all, among
        `ids` when given."""
        if ids is not None and not ids:
            return 0
        q = select(func.count()).where(sessions.c.status != "finished", sessions.c.updated >= since)
        if profile is not None:
            q = q.where(sessions.c.profile == profile)
        if ids is not None:
            q = q.where(sessions.c.id.in_(ids))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def started_since(self, profile: str, since: float) -> int:
        """Sessions a profile started at or after `since`."""
        q = select(func.count()).where(sessions.c.profile == profile, sessions.c.created >= since)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def owner_of(self, session_id: str) -> dict[str, Any] | None:
        """The profile, status and last turn time of a session, without loading its state (None: no such one)."""
        with self.engine.connect() as conn:
            row = conn.execute(_OWNER, {"p_id": session_id}).mappings().first()
        return dict(row) if row else None

    def profile(self, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(profiles).where(profiles.c.name == name)).mappings().first()
        return dict(row) if row else None

    def unfinished_before(self, cutoff: float) -> list[str]:
        """Ids of unfinished sessions whose last turn is older than `cutoff`."""
        q = select(sessions.c.id).where(sessions.c.status != "finished", sessions.c.updated < cutoff)
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars().all())

    def move_profile(self, old: str, new: str, display_name: str) -> int:
        """Give profile `old`'s sessions to the new profile `new` (made here) and remove `old`; the number of
        sessions moved. Raises KeyError when `old` is gone (claimed at the same moment by someone else)."""
        with self.tx() as conn:
            row = conn.execute(select(profiles).where(profiles.c.name == old)).mappings().first()
            if row is None:
                raise KeyError(old)
            conn.execute(
                insert(profiles).values(
                    name=new,
                    consent=row["consent"],
                    use_history=row["use_history"],
                    created=row["created"],
                    display_name=display_name,
                )
            )
            moved = conn.execute(
                select(sessions.c.id, sessions.c.state).where(sessions.c.profile == old)
            ).all()
            for sid, raw in moved:  # the stored state names its profile too; the next save writes it back
                body = json.loads(raw)
                body["profile"] = new
                conn.execute(
                    update(sessions).where(sessions.c.id == sid).values(profile=new, state=json.dumps(body))
                )
            conn.execute(
                text("UPDATE review_items SET profile = :new WHERE profile = :old"), {"new": new, "old": old}
            )
            if not conn.execute(delete(profiles).where(profiles.c.name == old)).rowcount:
                raise KeyError(old)  # rolls the whole move back
        return len(moved)
