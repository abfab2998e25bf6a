"""Storage: every turn committed, resume after a restart, migrations keep data, export and delete, retention.

The tests that take the `store` fixture run twice: on a SQLite file and on a real PostgreSQL server on loopback.
Long (about 300 lines) because each storage promise gets its own test on both databases.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from interviewer.domain.session import Setup
from interviewer.sessions.service import LimitError, SessionService
from interviewer.storage.store import MIGRATIONS, StaleSession, Storage, StorageError, grades, sessions


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.slow, pytest.mark.server])])
def store(request, tmp_path):
    if request.param == "sqlite":
        return Storage(f"sqlite:///{tmp_path / 'db.sqlite'}")
    return Storage(request.getfixturevalue("pg_database"))


@pytest.fixture
def service(services, store):
    return SessionService(services.engine, store, rate_per_minute=100, max_open=50)


def test_every_turn_is_stored_before_the_reply_returns(service, store):
    state, _ = service.start("ada", Setup(level="junior", track="general", questions=2))
    for msg in ["hint", "It splits data by features."]:
        state, _ = service.reply(state.id, msg)
        stored = store.transcript(state.id)
        assert [t["text"] for t in stored] == [t.text for t in state.turns]
    assert store.load_session(state.id).model_dump() == state.model_dump()


def test_grade_rows_follow_the_state_and_only_changed_ones_are_rewritten(service, store):
    state, _ = service.start("gi", Setup(level="mid", track="general", questions=3))
    state, _ = service.reply(state.id, "It splits the data by the feature that best separates the classes.")
    while sum(1 for i in state.items if i.grade) < 2:
        state, _ = service.reply(state.id, "skip")

    def rows() -> dict[str, Any]:
        with store.engine.connect() as conn:
            got = conn.execute(select(grades).where(grades.c.session_id == state.id)).mappings().all()
        return {r["item"]: dict(r) for r in got}

    before = rows()
    graded = {i.id: i for i in state.items if i.grade}
    assert len(graded) >= 2 and set(before) == set(graded)
    for item_id, row in before.items():
        assert json.loads(row["grade"]) == graded[item_id].grade.model_dump(mode="json")
        assert row["skipped"] == graded[item_id].skipped
    first, second = list(graded)[:2]
    state.items[[i.id for i in state.items].index(first)].grade.score = 4.5  # a re-grade of one answer
    store.save_session(state)
    after = rows()
    assert after[first]["score"] == 4.5 and json.loads(after[first]["grade"])["score"] == 4.5
    assert after[first]["at"] > before[first]["at"]
    assert after[second] == before[second], "an unchanged grade is not written again"


def test_a_new_process_resumes_where_the_session_stopped(service, store, services, tmp_path):
    state, _ = service.start("bo", Setup(level="mid", track="general", questions=3))
    service.reply(state.id, "I would look at the data first and then pick a baseline model.")
    fresh = SessionService(services.engine, Storage(store.url))  # as after a restart
    restored = fresh.storage.load_session(state.id)
    assert restored is not None and len(restored.turns) == len(store.transcript(state.id))
    _, events = fresh.resume(state.id)
    assert events[-1].kind == "question"


def test_a_session_moved_on_elsewhere_is_not_overwritten(service, store, services):
    """Two app processes (or tabs) answer the same session: the later save is refused, nothing is lost."""
    state, _ = service.start("al", Setup(level="mid", track="general", questions=3))
    elsewhere = SessionService(services.engine, Storage(store.url))  # another process, loaded first
    stale = elsewhere.storage.load_session(state.id)
    service.reply(state.id, "Answered in the first tab.")
    services.engine.reply(stale, "Answered in the second tab.")
    with pytest.raises(StaleSession):
        elsewhere.storage.save_session(stale)
    stored = store.load_session(state.id)
    said = [t["text"] for t in store.transcript(state.id) if t["role"] == "candidate"]
    assert said == ["Answered in the first tab."]
    assert [t.text for t in stored.turns] == [t["text"] for t in store.transcript(state.id)]
    with pytest.raises(LimitError, match="Resume"):  # what the candidate sees: a way on, not a traceback
        elsewhere._save(stale)


def test_sessions_are_listed_per_profile_and_only_theirs(service, store):
    a, _ = service.start("cy", Setup(questions=1))
    service.start("di", Setup(questions=1))
    assert [r["id"] for r in store.sessions_of("cy")] == [a.id]


def test_export_and_delete_everything_of_a_candidate(service, store):
    s, _ = service.start("ed", Setup(questions=1))
    service.reply(s.id, "some answer about overfitting and regularisation")
    data = store.export_profile("ed")
    assert data["profile"]["name"] == "ed" and data["sessions"][0]["turns"]
    assert store.delete_profile("ed") == 1
    assert store.export_profile("ed") == {"profile": None, "sessions": []}
    assert store.transcript(s.id) == []


def test_retention_purges_old_sessions(service, store):
    s, _ = service.start("fi", Setup(questions=1))
    with store.engine.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.id == s.id).values(updated=time.time() - 40 * 86400))
    assert store.purge_older_than(30) == 1 and store.load_session(s.id) is None


def test_rate_and_open_session_limits_say_what_to_do(services, store):
    svc = SessionService(services.engine, store, rate_per_minute=2, max_open=1)
    s, _ = svc.start("gu", Setup(questions=3))
    svc.reply(s.id, "hint")
    svc.reply(s.id, "hint")
    with pytest.raises(LimitError, match="wait a moment"):
        svc.reply(s.id, "hint")
    assert len(store.transcript(s.id)) == len(store.load_session(s.id).turns)
    with pytest.raises(LimitError, match="Too many interviews"):
        svc.start("hu", Setup(questions=1))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.slow, pytest.mark.server])])
def empty_url(request, tmp_path):
    """The URL of a database nobody has opened yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    return request.getfixturevalue("pg_database")


def _open_when_released(url: str, barrier: Any) -> None:
    barrier.wait()
    Storage(url)


def test_app_processes_starting_together_on_a_new_database_all_start(empty_url):
    """Several app processes (scale-out) create the schema at the same moment: one migrates, the others wait."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_open_when_released, args=(empty_url, barrier)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    with Storage(empty_url).engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert versions == list(range(1, max(v for v, _ in MIGRATIONS) + 1))


def test_a_new_sqlite_file_being_written_in_rollback_mode_does_not_stop_start_up(tmp_path):
    """The start-up race, made certain: while another connection writes to a file still in rollback mode,
    SQLite refuses `PRAGMA journal_mode=WAL` at once (no busy wait); start-up must wait and go on."""
    import sqlite3
    import threading

    path = tmp_path / "fresh.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # committed from a timer
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE outside (x)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # what each app process used to run first
        sqlite3.connect(path, timeout=5).execute("PRAGMA journal_mode=WAL")
    threading.Timer(1.0, lambda: other.execute("COMMIT")).start()
    store = Storage(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert store.migrate() == max(v for v, _ in MIGRATIONS)


def test_migrations_upgrade_an_old_database_and_keep_its_data(store, services):
    s, _ = SessionService(services.engine, store).start("iv", Setup(questions=1))
    with store.engine.begin() as conn:  # pretend it was written by version 1 of the schema
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
        conn.execute(text("DROP INDEX IF EXISTS ix_turns_session"))
        for table in ("ab_assignments", "ab_experiments", "labelled_examples", "review_items"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE profiles DROP COLUMN display_name"))  # added by migration 4
    upgraded = Storage(store.url)
    assert upgraded.migrate() == max(v for v, _ in MIGRATIONS)
    assert upgraded.load_session(s.id) is not None
    with upgraded.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_items")).scalar() == 0  # recreated
    assert upgraded.profile("iv")["display_name"] is None  # the old profile, kept, with the new column


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_data_folder_gives_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    store = Storage(f"sqlite:///{folder / 'db.sqlite'}")
    folder.chmod(0o500)
    (folder / "db.sqlite").chmod(0o400)
    try:
        with pytest.raises(StorageError, match="writable"):
            store.add_user("x", "longpassword")
    finally:
        folder.chmod(0o700)


def in_private_mount(mount: str, probe: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `mount`, then the Python `probe` on `folder`, in a private mount namespace (as root, permissions do
    not bind, so a read-only or full folder has to be a real mount)."""
    script = f"{mount} && {sys.executable} -c '{probe}' {folder}"
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )


READ_ONLY_PROBE = """
import sys
from sqlalchemy import select, text, update

from interviewer.storage.store import MIGRATIONS, StaleSession, Storage, StorageError, grades, sessions
try:
    Storage("sqlite:///" + sys.argv[1] + "/db.sqlite").add_user("x", "longpassword")
except StorageError as exc:
    print(exc)
    sys.exit(3)
sys.exit(0)
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare")
def test_a_read_only_mounted_data_folder_gives_a_clear_error(tmp_path):
    """As root, permissions do not bind: mount the folder read-only in a private mount namespace instead."""
    folder = tmp_path / "ro"
    folder.mkdir()
    first = Storage(f"sqlite:///{folder / 'db.sqlite'}")
    first.add_user("first", "longpassword")
    first.engine.dispose()  # closed cleanly, as after a stopped app: no -wal or -shm file left
    assert sorted(p.name for p in folder.iterdir()) == [
        "db.sqlite",
        "db.sqlite.lock",
    ]  # the set-up lock stays
    run = in_private_mount(
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder}", READ_ONLY_PROBE, folder
    )
    assert run.returncode == 3, run.stderr[-2000:]
    assert "writable" in run.stdout and "Traceback" not in run.stderr


DISK_FULL_PROBE = """
import json, os, sqlite3, sys
from interviewer.domain.session import SessionState, Turn
from interviewer.storage.store import Storage, StorageError
folder = sys.argv[1]
filler = os.path.join(folder, "filler")
store = Storage("sqlite:///" + folder + "/db.sqlite")
with open(filler, "wb") as f:  # room that can be given back later
    f.write(os.urandom(256 * 1024))
saved, error = [], ""
for i in range(1000):
    state = SessionState(profile="p%d" % i)
    state.turns.append(Turn(role="candidate", text="answer %d " % i + "x" * 20000))
    try:
        store.save_session(state)
    except StorageError as exc:
        error = str(exc)
        break
    saved.append(state.id)
intact = all(store.load_session(i) is not None and store.transcript(i) for i in saved)
check = sqlite3.connect(folder + "/db.sqlite").execute("PRAGMA integrity_check").fetchone()[0]
os.remove(filler)
store.save_session(state)  # the refused turn, once there is room again
print(json.dumps({"saved": len(saved), "error": error, "intact": intact, "check": check,
                  "after": len(store.transcript(state.id))}))
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare")
def test_a_full_data_folder_gives_a_clear_error_and_keeps_what_was_stored(tmp_path):
    """A 1 MiB tmpfs as the data folder, in a private mount namespace: writes fail once it is full."""
    folder = tmp_path / "full"
    folder.mkdir()
    run = in_private_mount(f"mount -t tmpfs -o size=1m tmpfs {folder}", DISK_FULL_PROBE, folder)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["saved"] > 0 and "disk is not full" in result["error"]
    assert result["intact"] and result["check"] == "ok"
    assert result["after"] == 1  # saved once there was room: nothing the candidate wrote was lost


def test_a_failed_write_reaches_the_candidate_as_what_to_do(service, monkeypatch):
    state, _ = service.start("ha", Setup(questions=2))

    def full(_state):
        raise StorageError("cannot write the database: database or disk is full")

    monkeypatch.setattr(service.storage, "save_session", full)
    with pytest.raises(LimitError, match="still in the box"):
        service.reply(state.id, "An answer written while the disk is full.")


def test_recruiter_accounts_hash_passwords(store):
    store.add_user("rita", "correct horse battery")
    assert store.authenticate("rita", "correct horse battery") == "recruiter"
    assert store.authenticate("rita", "wrong password!") is None
    with pytest.raises(ValueError, match="8 characters"):
        store.add_user("short", "abc")


def test_weak_topics_of_earlier_sessions_steer_the_next_plan_when_opted_in(service):
    first, _ = service.start("jo", Setup(level="junior", track="ml-foundations", questions=2))
    weak_topic = first.current.topic
    service.reply(first.id, "I don't know")
    service.end(first.id)
    assert weak_topic in service.weak_topics("jo")
    steered, _ = service.start(
        "jo", Setup(level="junior", track="ml-foundations", questions=2, use_history=True)
    )
    assert steered.steer_topics and steered.current.topic in steered.steer_topics
