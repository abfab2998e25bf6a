"""Storage through SQLAlchemy: a SQLite file under the data folder by default, any URL (PostgreSQL) when set.

Every turn is committed before its reply is shown: `save_session` writes the state, new turns and grades in one
transaction. Schema changes are numbered migrations applied at start-up, so an upgrade keeps old data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from interviewer.domain.session import SessionState
from interviewer.storage.database import (
    lock_for_migration,
    private_sqlite_file,
    sqlite_pragmas,
    sqlite_setup_lock,
    use_wal,
)
from interviewer.storage.profile_queries import ProfileRows
from interviewer.storage.recruiter_rows import RecruiterRows
from interviewer.storage.schema import (
    MIGRATIONS,
    grades,
    metadata,
    profiles,
    schema_version,
    sessions,
    turns,
)

__all__ = ["MIGRATIONS", "StaleSession", "Storage", "StorageError", "grades", "sessions", "turns"]


class StorageError(RuntimeError):
    """The database cannot be written; the message says what to check. No data was half-written."""


class StaleSession(RuntimeError):
    """The session was moved on elsewhere (another tab or app process) since this copy was loaded."""


def _continues(state: SessionState, idx: int, text: str, at: float) -> bool:
    """Whether `state` holds the stored last turn: it was loaded after that turn and extends it."""
    return idx < len(state.turns) and state.turns[idx].text == text and state.turns[idx].at == at


# Built once: a statement made per call costs SQLAlchemy more Python than the database spends running it.
_PROFILE_EXISTS = select(profiles.c.name).where(profiles.c.name == bindparam("p_name"))
_UPDATE_SESSION = update(sessions).where(sessions.c.id == bindparam("p_id"))
_STATE_OF = select(sessions.c.state).where(sessions.c.id == bindparam("p_id"))
_LAST_TURN = (
    select(turns.c.idx, turns.c.text, turns.c.at)
    .where(turns.c.session_id == bindparam("p_id"))
    .order_by(turns.c.idx.desc())
    .limit(1)
)
_GRADES_OF = select(grades.c.item, grades.c.grade).where(grades.c.session_id == bindparam("p_id"))
_UPDATE_GRADE = update(grades).where(
    grades.c.session_id == bindparam("p_sid"), grades.c.item == bindparam("p_item")
)


def _save_grades(conn: Connection, state: SessionState) -> None:
    """Write the grades that are new or changed since the last save (a turn changes one grade, or none)."""
    stored = {key: grade for key, grade in conn.execute(_GRADES_OF, {"p_id": state.id})}
    changed, added = [], []
    for item in state.items:
        if item.grade is None:
            continue
        body = item.grade.model_dump_json()
        if stored.get(item.id) == body:
            continue
        row = {
            "question_id": item.id,  # a scenario stage keeps its "scenario#stage" id
            "asked_level": item.level,
            "score": item.grade.score,
            "level": item.grade.level,
            "skipped": item.skipped,
            "grade": body,
            "at": time.time(),
        }
        if item.id in stored:
            changed.append({"p_sid": state.id, "p_item": item.id, **row})
        else:
            added.append({"session_id": state.id, "item": item.id, **row})
    if changed:
        conn.execute(_UPDATE_GRADE, changed)
    if added:
        conn.execute(insert(grades), added)


class Storage(ProfileRows, RecruiterRows):
    def __init__(self, url: str):
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, **kwargs)
        if not url.startswith("sqlite"):
            self.migrate()
            return
        database = self.engine.url.database
        event.listen(self.engine, "connect", sqlite_pragmas)
        with sqlite_setup_lock(database):  # one process at a time sets a new file up; see database.py
            private_sqlite_file(database)
            if database and database != ":memory:":
                with self._explained(), self.engine.connect() as conn:
                    use_wal(conn.connection.driver_connection)
            self.migrate()
            private_sqlite_file(database)  # the WAL and shared-memory files made just now

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        with self._explained(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _explained(self) -> Iterator[None]:
        """A read-only or full data folder raises a StorageError that says what to check."""
        try:
            yield
        except Exception as exc:
            text = str(exc).lower()
            if any(k in text for k in ("readonly", "read-only", "disk", "unable to open database")):
                raise StorageError(
                    f"cannot write the database ({self.url}): {exc}. Check that the data folder "
                    "is writable and the disk is not full."
                ) from exc
            raise

    def migrate(self) -> int:
        with self.tx() as conn:
            lock_for_migration(conn)  # app processes starting together must not migrate at the same time
            metadata.create_all(conn)
            current = conn.execute(select(schema_version.c.version)).scalars().all()
            version = max(current, default=0)
            if version == 0:
                conn.execute(insert(schema_version).values(version=1))
                version = 1
            for number, statements in MIGRATIONS:
                if number > version:
                    for stmt in statements:
                        stmt(conn) if callable(stmt) else conn.execute(text(stmt))
                    conn.execute(insert(schema_version).values(version=number))
                    version = number
        return version

    # -- profiles and sessions --------------------------------------------------------------------------------

    def ensure_profile(
        self,
        name: str,
        consent: bool | None = None,
        use_history: bool | None = None,
        display_name: str | None = None,
    ) -> dict[str, Any]:
        with self.tx() as conn:
            row = conn.execute(select(profiles).where(profiles.c.name == name)).mappings().first()
            if row is None:
                conn.execute(
                    insert(profiles).values(
                        name=name,
                        consent=bool(consent),
                        use_history=bool(use_history),
                        created=time.time(),
                        display_name=display_name,
                    )
                )
            else:
                given = (("consent", consent), ("use_history", use_history), ("display_name", display_name))
                changes = {k: v for k, v in given if v is not None}
                if changes:
                    conn.execute(update(profiles).where(profiles.c.name == name).values(**changes))
            return dict(conn.execute(select(profiles).where(profiles.c.name == name)).mappings().one())

    def save_session(self, state: SessionState) -> None:
        """State, new turns and changed grades in one transaction: either all of this turn is stored, or none."""
        state.updated = time.time()
        finished = state.status == "finished"
        graded = [i.grade.score for i in state.items if i.grade]
        with self.tx() as conn:
            if conn.execute(_PROFILE_EXISTS, {"p_name": state.profile}).first() is None:
                row = {"name": state.profile, "consent": False, "use_history": False, "created": time.time()}
                conn.execute(insert(profiles), row)
            values = {
                "profile": state.profile,
                "status": state.status,
                "track": state.setup.track,
                "target_level": state.setup.level,
                "state": state.model_dump_json(),
                "updated": state.updated,
                "score": round(sum(graded) / len(graded), 3) if finished and graded else None,
                "level": state.current_level,
            }
            if not conn.execute(_UPDATE_SESSION, {"p_id": state.id, **values}).rowcount:
                conn.execute(insert(sessions), {"id": state.id, "created": state.created, **values})
            last = conn.execute(_LAST_TURN, {"p_id": state.id}).first()
            if last is not None and not _continues(state, last.idx, last.text, last.at):
                raise StaleSession(state.id)  # another process moved this session on; nothing is overwritten
            start = last.idx + 1 if last is not None else 0
            new = [
                {
                    "session_id": state.id,
                    "idx": i,
                    "role": t.role,
                    "kind": t.kind,
                    "item": t.item,
                    "text": t.text,
                    "at": t.at,
                }
                for i, t in enumerate(state.turns)
                if i >= start
            ]
            if new:
                try:
                    conn.execute(insert(turns), new)
                except (
                    IntegrityError
                ) as exc:  # the same turn numbers were written by another process just now
                    raise StaleSession(state.id) from exc
            _save_grades(conn, state)

    def load_session(self, session_id: str) -> SessionState | None:
        with self.engine.connect() as conn:
            raw = conn.execute(_STATE_OF, {"p_id": session_id}).scalar()
        return SessionState.model_validate_json(raw) if raw else None

    def sessions_of(self, profile: str) -> list[dict[str, Any]]:
        q = (
            select(
                sessions.c.id,
                sessions.c.status,
                sessions.c.track,
                sessions.c.target_level,
                sessions.c.score,
                sessions.c.level,
                sessions.c.created,
                sessions.c.updated,
            )
            .where(sessions.c.profile == profile)
            .order_by(sessions.c.created)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def transcript(self, session_id: str) -> list[dict[str, Any]]:
        q = select(turns).where(turns.c.session_id == session_id).order_by(turns.c.idx)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def export_profile(self, name: str) -> dict[str, Any]:
        """Everything stored about a candidate, as plain JSON-ready data."""
        with self.engine.connect() as conn:
            prof = conn.execute(select(profiles).where(profiles.c.name == name)).mappings().first()
            ids = conn.execute(select(sessions.c.id).where(sessions.c.profile == name)).scalars().all()
        return {
            "profile": dict(prof) if prof else None,
            "sessions": [
                {
                    "id": i,
                    "state": json.loads(self.load_session(i).model_dump_json()),  # type: ignore[union-attr]
                    "turns": self.transcript(i),
                }
                for i in ids
            ],
        }

    def delete_profile(self, name: str) -> int:
        with self.tx() as conn:
            ids = conn.execute(select(sessions.c.id).where(sessions.c.profile == name)).scalars().all()
            for table in (turns, grades):
                conn.execute(delete(table).where(table.c.session_id.in_(ids)))
            conn.execute(delete(sessions).where(sessions.c.profile == name))
            conn.execute(delete(profiles).where(profiles.c.name == name))
        return len(ids)

    def purge_older_than(self, days: int) -> int:
        return len(self.purge_sessions_older_than(days))

    def purge_sessions_older_than(self, days: int) -> list[str]:
        """Delete the sessions with no turn for `days` days (0: none); their ids."""
        if days <= 0:
            return []
        cutoff = time.time() - days * 86400
        with self.tx() as conn:
            ids = list(conn.execute(select(sessions.c.id).where(sessions.c.updated < cutoff)).scalars().all())
            for table in (turns, grades):
                conn.execute(delete(table).where(table.c.session_id.in_(ids)))
            conn.execute(delete(sessions).where(sessions.c.id.in_(ids)))
        return ids

    def sessions_by_status(self) -> dict[str, int]:
        """How many sessions there are in each status (the /metrics gauge)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(sessions.c.status, func.count()).group_by(sessions.c.status)).all()
        return {status: int(n) for status, n in rows}
