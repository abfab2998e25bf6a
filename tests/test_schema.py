"""One schema source: storage/schema.py's Tables. A fresh database and an old one brought up by the migrations
must both have exactly those tables, columns, indexes, unique constraints and foreign keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from interviewer.storage.schema import LOOP_TABLES, MIGRATIONS, metadata
from interviewer.storage.store import Storage


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.slow, pytest.mark.server])])
def new_url(request, tmp_path) -> Callable[[], str]:
    """Makes the URL of a database nobody has opened yet, on SQLite or on the test PostgreSQL server."""
    names = iter(range(100))
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path / f'db{next(names)}.sqlite'}"
    server = request.getfixturevalue("pg_server")

    def make() -> str:
        name = "s_" + uuid.uuid4().hex[:12]
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        return server.rsplit("/", 1)[0] + "/" + name

    return make


def shape(store: Storage) -> dict[str, Any]:
    """What the database holds, as comparable plain data (names sorted; types as the dialect reports them)."""
    insp = inspect(store.engine)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        out[table] = {
            "columns": sorted(
                (c["name"], c["nullable"], str(c["type"]).split("(")[0]) for c in insp.get_columns(table)
            ),
            "primary_key": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in insp.get_foreign_keys(table)
            ),
        }
    return out


def source_shape() -> dict[str, Any]:
    """The same data, read from the Tables of the schema source."""
    out: dict[str, Any] = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        out[table.name] = {
            "columns": sorted(c.name for c in table.columns),
            "primary_key": sorted(c.name for c in table.primary_key.columns),
            "indexes": sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
            "foreign_keys": sorted(
                (fk.parent.name, fk.column.table.name, fk.ondelete) for fk in table.foreign_keys
            ),
        }
    return out


def test_a_fresh_database_is_the_schema_source(new_url):
    store = Storage(new_url())
    store.migrate()
    got, want = shape(store), source_shape()
    assert sorted(got) == sorted(want)
    for name, table in want.items():
        assert [c[0] for c in got[name]["columns"]] == table["columns"], name
        assert got[name]["primary_key"] == table["primary_key"], name
        named = {i for i in got[name]["indexes"] if (i[0] or "").startswith(("ix_", "ux_"))}
        assert named == set(table["indexes"]), name
        fks = {(cols[0], ref, (ondelete or "").upper()) for cols, ref, ondelete in got[name]["foreign_keys"]}
        assert fks == {
            (col, ref, (ondelete or "").upper()) for col, ref, ondelete in table["foreign_keys"]
        }, name
    assert ("session_id", "item") in got["review_items"]["unique"]


def test_an_old_database_migrated_up_equals_a_fresh_one(new_url):
    url = new_url()
    old = Storage(url)
    old.migrate()
    with (
        old.engine.begin() as conn
    ):  # what version 1 of the schema had: no loop tables, index or display name
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
        conn.execute(text("DROP INDEX IF EXISTS ix_turns_session"))
        for table in reversed(LOOP_TABLES):
            conn.execute(text(f"DROP TABLE {table.name}"))
        conn.execute(text("ALTER TABLE profiles DROP COLUMN display_name"))
    assert "review_items" not in inspect(old.engine).get_table_names()
    old.engine.dispose()
    upgraded = Storage(url)
    assert upgraded.migrate() == max(v for v, _ in MIGRATIONS)
    fresh = Storage(new_url())
    fresh.migrate()
    assert shape(upgraded) == shape(fresh)
