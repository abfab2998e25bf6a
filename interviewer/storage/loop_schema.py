"""Tables of the review loop (review queue, labelled examples, A/B tests), created by storage migration 3.

The DDL below is the schema (portable to SQLite and PostgreSQL: string ids, no autoincrement); the Table objects
only build queries and live in their own MetaData, so `create_all` never creates them behind the migration's back.
Every row hangs off a session with ON DELETE CASCADE: deleting a candidate's data or the retention purge removes
their review items and the labelled examples made from them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

LOOP_DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS review_items (
        id VARCHAR(32) PRIMARY KEY,
        session_id VARCHAR(32) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        item VARCHAR(120) NOT NULL,
        question_id VARCHAR(120) NOT NULL,
        profile VARCHAR(80) NOT NULL,
        reasons TEXT NOT NULL,
        comment TEXT,
        status VARCHAR(16) NOT NULL,
        answer TEXT NOT NULL,
        machine_score DOUBLE PRECISION NOT NULL,
        machine_level VARCHAR(10) NOT NULL,
        machine_grade TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        reviewer VARCHAR(80),
        human_score DOUBLE PRECISION,
        human_level VARCHAR(10),
        review_reason TEXT,
        reviewed_at DOUBLE PRECISION,
        UNIQUE (session_id, item))""",
    "CREATE INDEX IF NOT EXISTS ix_review_items_status ON review_items (status)",
    """CREATE TABLE IF NOT EXISTS labelled_examples (
        id VARCHAR(32) PRIMARY KEY,
        review_id VARCHAR(32) NOT NULL REFERENCES review_items(id) ON DELETE CASCADE,
        question_id VARCHAR(120) NOT NULL,
        answer TEXT NOT NULL,
        raw_score DOUBLE PRECISION NOT NULL,
        raw_level VARCHAR(10) NOT NULL,
        shares TEXT NOT NULL,
        flags TEXT NOT NULL,
        human_score DOUBLE PRECISION NOT NULL,
        human_level VARCHAR(10) NOT NULL,
        reviewer VARCHAR(80) NOT NULL,
        at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ab_experiments (
        id VARCHAR(32) PRIMARY KEY,
        name VARCHAR(120) NOT NULL,
        version_a INTEGER NOT NULL,
        version_b INTEGER NOT NULL,
        share DOUBLE PRECISION NOT NULL,
        status VARCHAR(16) NOT NULL,
        author VARCHAR(80) NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        ended DOUBLE PRECISION,
        winner VARCHAR(1))""",
    """CREATE TABLE IF NOT EXISTS ab_assignments (
        session_id VARCHAR(32) PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        experiment_id VARCHAR(32) NOT NULL REFERENCES ab_experiments(id) ON DELETE CASCADE,
        arm VARCHAR(1) NOT NULL,
        version INTEGER NOT NULL,
        at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_ab_assignments_experiment ON ab_assignments (experiment_id)",
]

loop_metadata = MetaData()

review_items = Table(
    "review_items",
    loop_metadata,
    Column("id", String(32), primary_key=True),
    Column("session_id", String(32), nullable=False),
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
)
labelled_examples = Table(
    "labelled_examples",
    loop_metadata,
    Column("id", String(32), primary_key=True),
    Column("review_id", String(32), nullable=False),
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
    loop_metadata,
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
    loop_metadata,
    Column("session_id", String(32), primary_key=True),
    Column("experiment_id", String(32), nullable=False),
    Column("arm", String(1), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", Float, nullable=False),
)
