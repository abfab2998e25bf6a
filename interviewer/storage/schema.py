"""The one schema source: every table of storage as a SQLAlchemy Table, and the numbered migrations, which are
derived from these Tables (a test checks that a migrated old database equals a fresh one).

store.py reads and writes these tables. Every review-loop row hangs off a session with ON DELETE CASCADE, so
deleting a candidate's data or the retention purge removes their review items and labelled examples too.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

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
    Column("number", Integer),  # the version's number within its file (migration 5); set on every insert
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
turns_by_session = Index("ix_turns_session", turns.c.session_id)
file_version_numbers = Index(
    "ux_file_versions_number", file_versions.c.path, file_versions.c.number, unique=True
)

# The review loop (migration 3): portable to SQLite and PostgreSQL (string ids, no autoincrement).
review_items = Table(
    "review_items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("item", String(120), nullable=False),
    Column("question_id", String(120), nullable=False),
    Column("profile", String(80), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("comment", Text),
    Column("status", String(16), nullable=False),
    Column("answer", Text, nullable=False),
    Column("machine_score", Float, nullable=False),
    Column("machine_level", String(10), nullable=False),
    Column("machine_grade", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("reviewer", String(80)),
    Column("human_score", Float),
    Column("human_level", String(10)),
    Column("review_reason", Text),
    Column("reviewed_at", Float),
    UniqueConstraint("session_id", "item"),
    Index("ix_review_items_status", "status"),
)
labelled_examples = Table(
    "labelled_examples",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("review_id", String(32), ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", String(120), nullable=False),
    Column("answer", Text, nullable=False),
    Column("raw_score", Float, nullable=False),
    Column("raw_level", String(10), nullable=False),
    Column("shares", Text, nullable=False),
    Column("flags", Text, nullable=False),
    Column("human_score", Float, nullable=False),
    Column("human_level", String(10), nullable=False),
    Column("reviewer", String(80), nullable=False),
    Column("at", Float, nullable=False),
)
ab_experiments = Table(
    "ab_experiments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("version_a", Integer, nullable=False),
    Column("version_b", Integer, nullable=False),
    Column("share", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("author", String(80), nullable=False),
    Column("created", Float, nullable=False),
    Column("ended", Float),
    Column("winner", String(1)),
)
ab_assignments = Table(
    "ab_assignments",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("experiment_id", String(32), ForeignKey("ab_experiments.id", ondelete="CASCADE"), nullable=False),
    Column("arm", String(1), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_ab_assignments_experiment", "experiment_id"),
)
LOOP_TABLES = (review_items, labelled_examples, ab_experiments, ab_assignments)


def _create_turns_index(conn: Connection) -> None:
    turns_by_session.create(conn, checkfirst=True)


def _create_loop_tables(conn: Connection) -> None:
    """The review loop's tables and their indexes, from the Tables above (kept when they exist)."""
    for table in LOOP_TABLES:
        table.create(conn, checkfirst=True)


def _add_display_name(conn: Connection) -> None:
    """Profiles keyed by a secret's hash keep the typed name apart (a new database has the column already)."""
    if "display_name" not in {c["name"] for c in inspect(conn).get_columns("profiles")}:
        column = profiles.c.display_name
        conn.execute(
            text(f"ALTER TABLE profiles ADD COLUMN {column.name} {column.type.compile(conn.dialect)}")
        )


def _number_file_versions(conn: Connection) -> None:
    """Versions used to share one counter across files; number each file's versions 1, 2, 3... in save order."""
    if "number" not in {c["name"] for c in inspect(conn).get_columns("file_versions")}:
        column = file_versions.c.number
        conn.execute(
            text(f"ALTER TABLE file_versions ADD COLUMN {column.name} {column.type.compile(conn.dialect)}")
        )
    seen: dict[str, int] = {}
    for row_id, path in conn.execute(text("SELECT id, path FROM file_versions ORDER BY id")).all():
        seen[path] = seen.get(path, 0) + 1
        conn.execute(
            text("UPDATE file_versions SET number = :n WHERE id = :id"), {"n": seen[path], "id": row_id}
        )
    file_version_numbers.create(conn, checkfirst=True)


Migration = str | Callable[[Connection], None]

# Numbered migrations: each runs once, in order, inside a transaction. A new database gets every table above at
# once (create_all), then each step finds its work done. A step is a function that derives its change from the
# Tables above; a plain SQL string is allowed for a change no Table describes (a data fix).
MIGRATIONS: list[tuple[int, list[Migration]]] = [
    (2, [_create_turns_index]),
    (3, [_create_loop_tables]),  # review queue, labelled examples, A/B experiments and assignments
    (4, [_add_display_name]),  # profile keys: the typed name becomes a display name (sessions/identity.py)
    (5, [_number_file_versions]),  # edited files' versions numbered per file (review_loop/recruiting.py)
]
