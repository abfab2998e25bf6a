"""The tables of storage and the numbered migrations that change them (storage.py reads and writes them)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

from interviewer.storage.loop_schema import LOOP_DDL

metadata = MetaData()

profiles = Table(
    "profiles",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("consent", Boolean, nullable=False, default=False),
    Column("use_history", Boolean, nullable=False, default=False),
    Column("created", Float, nullable=False),
    Column("display_name", String(80)),  # what the candidate typed; the key column is "name"
)
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "profile", String(80), ForeignKey("profiles.name", ondelete="CASCADE"), index=True, nullable=False
    ),
    Column("status", String(16), nullable=False),
    Column("track", String(40), nullable=False),
    Column("target_level", String(10), nullable=False),
    Column("score", Float),
    Column("level", String(10)),
    Column("state", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False, index=True),
)
turns = Table(
    "turns",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("role", String(12), nullable=False),
    Column("kind", String(20)),
    Column("item", String(120)),
    Column("text", Text, nullable=False),
    Column("at", Float, nullable=False),
)
grades = Table(
    "grades",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("item", String(120), primary_key=True),
    Column("question_id", String(120), index=True, nullable=False),
    Column("asked_level", String(10)),
    Column("score", Float, nullable=False),
    Column("level", String(10), nullable=False),
    Column("skipped", Boolean, nullable=False, default=False),
    Column("grade", Text, nullable=False),
    Column("at", Float, nullable=False),
)
users = Table(
    "users",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password", String(200), nullable=False),
    Column("created", Float, nullable=False),
)
file_versions = Table(
    "file_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", String(300), index=True, nullable=False),
    Column("content", Text, nullable=False),
    Column("author", String(80), nullable=False),
    Column("note", String(300)),
    Column("at", Float, nullable=False),
)
calibration_runs = Table(
    "calibration_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author", String(80), nullable=False),
    Column("source", String(300)),
    Column("metrics", Text, nullable=False),
    Column("at", Float, nullable=False),
)
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("actor", String(80), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text),
    Column("at", Float, nullable=False),
)
schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True))


def _add_display_name(conn: Connection) -> None:
    """Profiles keyed by a secret's hash keep the typed name apart (a new database has the column already)."""
    if "display_name" not in {c["name"] for c in inspect(conn).get_columns("profiles")}:
        conn.execute(text("ALTER TABLE profiles ADD COLUMN display_name VARCHAR(80)"))


Migration = str | Callable[[Connection], None]

# Numbered migrations: each runs once, in order, inside a transaction. Version 1 is the tables above. A step is an
# SQL statement, or a function for a change that must look at the schema first.
MIGRATIONS: list[tuple[int, list[Migration]]] = [
    (2, ["CREATE INDEX IF NOT EXISTS ix_turns_session ON turns (session_id)"]),
    (3, [*LOOP_DDL]),  # review queue, labelled examples, A/B experiments and assignments (loop_tables.py)
    (4, [_add_display_name]),  # profile keys: the typed name becomes a display name (profiles.py)
]
