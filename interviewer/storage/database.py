"""Opening the database safely: SQLite's pragmas and private file mode, and the lock that serialises migrations
between app processes that start together."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

MIGRATION_LOCK = 72120601  # any fixed number: the PostgreSQL advisory lock that serialises migrations


def lock_for_migration(conn: Connection) -> None:
    """Hold the database's write lock until this transaction ends: a second process waits, then finds the
    schema current."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite has not begun one yet: DDL comes first here


def private_sqlite_file(database: str | None) -> None:
    """Make the SQLite file (created empty if new) and its WAL files readable by the app's user only (0600)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists():
                os.chmod(file, 0o600)
    except OSError:
        pass  # a missing or read-only folder: SQLite says so, with the storage error that explains it


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Set on every new SQLite connection: WAL, foreign keys (for the cascades), normal sync."""
    cur = dbapi_conn.cursor()
    cur.execute(
        "PRAGMA journal_mode=WAL"
    )  # readers do not block the writer; several app processes can share it
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
