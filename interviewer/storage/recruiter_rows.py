"""Storage for the recruiter side: accounts and sign-in, the audit log, versions of edited files, the rows item
analysis reads, and the history of calibration runs.

Mixed into `Storage` (which supplies `engine` and `tx`), like profile_queries.py, so store.py stays about sessions.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from interviewer.storage.schema import (
    audit,
    calibration_runs,
    file_versions,
    grades,
    profiles,
    sessions,
    users,
)


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 200_000).hex()
    return f"pbkdf2${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt, _ = stored.split("$")
    except ValueError:
        return False
    return secrets.compare_digest(hash_password(password, salt), stored)


class RecruiterRows:
    engine: Engine

    def tx(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def add_user(self, name: str, password: str, role: str = "recruiter") -> None:
        if len(password) < 8:
            raise ValueError("the password needs at least 8 characters")
        with self.tx() as conn:
            conn.execute(delete(users).where(users.c.name == name))
            conn.execute(
                insert(users).values(
                    name=name, role=role, password=hash_password(password), created=time.time()
                )
            )
            conn.execute(
                insert(audit).values(
                    actor="cli", action="add_user", detail=f"{name} ({role})", at=time.time()
                )
            )

    def authenticate(self, name: str, password: str) -> str | None:
        """The user's role when the password matches, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        return str(row["role"]) if row and check_password(password, row["password"]) else None

    def log(self, actor: str, action: str, detail: str = "") -> None:
        with self.tx() as conn:
            conn.execute(
                insert(audit).values(actor=actor, action=action, detail=detail[:2000], at=time.time())
            )

    def add_file_version(self, path: str, content: str, author: str, note: str = "") -> int:
        """Record a save of `path` and return its number within that file (1 for the file's first version)."""
        for attempt in range(5):
            try:
                with self.tx() as conn:
                    last = conn.execute(
                        select(func.max(file_versions.c.number)).where(file_versions.c.path == path)
                    ).scalar()
                    number = int(last or 0) + 1
                    conn.execute(
                        insert(file_versions).values(
                            path=path,
                            number=number,
                            content=content,
                            author=author,
                            note=note,
                            at=time.time(),
                        )
                    )
                return number
            except IntegrityError:  # another process saved this file at the same moment: next number
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def file_versions(self, path: str) -> list[dict[str, Any]]:
        """The saved versions of one file, newest first; `number` counts within the file."""
        q = select(file_versions).where(file_versions.c.path == path).order_by(file_versions.c.number.desc())
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def item_rows(self, consenting_only: bool = True) -> list[dict[str, Any]]:
        """Grades joined with their session's profile consent and final score (for item analysis)."""
        q = (
            select(
                grades.c.question_id,
                grades.c.score,
                grades.c.skipped,
                grades.c.session_id,
                sessions.c.score.label("session_score"),
            )
            .join(sessions, sessions.c.id == grades.c.session_id)
            .join(profiles, profiles.c.name == sessions.c.profile)
        )
        if consenting_only:
            q = q.where(profiles.c.consent.is_(True))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def add_calibration_run(self, author: str, source: str, metrics: dict[str, Any]) -> None:
        with self.tx() as conn:
            conn.execute(
                insert(calibration_runs).values(
                    author=author, source=source, metrics=json.dumps(metrics), at=time.time()
                )
            )
