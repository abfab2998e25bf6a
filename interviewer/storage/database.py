"""Opening the database safely: SQLite's pragmas and private file mode, and the locks that serialise setting up
the database between app processes that start together."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def _is_file(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


@contextmanager
def sqlite_setup_lock(database: str | None) -> Iterator[None]:
    """Hold an exclusive lock on `<file>.lock` while this process sets the SQLite file up (WAL, migrations).

    App processes that start together on a new file each used to switch it to WAL as they connected. SQLite
    refuses that switch at once, without waiting out its busy timeout, while another connection is writing
    to the file in rollback mode (which is what the first process's own switch does), so one process in a few
    died with "database is locked". Set-up now happens one process at a time; the others wait here, then find
    the file in WAL mode and the schema current.
    """
    if not _is_file(database):
        yield
        return
    try:
        fd = os.open(f"{database}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    except OSError:  # a read-only or full folder: nothing can be set up there, and SQLite's error says why
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def use_wal(dbapi_conn: Any, timeout_s: float = 30.0) -> None:
    """Switch the file to WAL mode, which SQLite keeps in the file (readers then never block the writer, and
    several app processes can share it). Retried while a connection outside the set-up lock is writing in
    rollback mode: SQLite refuses the switch at once then, instead of waiting."""
    deadline, pause = time.monotonic() + timeout_s, 0.01
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Set on every new SQLite connection: foreign keys (for the cascades) and normal sync. WAL is set once, in
    set-up (`use_wal`): the file keeps it, and setting it again on each connection is what raced."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
