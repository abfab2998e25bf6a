"""Profile keys, identity and the ownership rules of the profile service, without Gradio or a server.

The service runs on a real SQLite file, the real engine and a real downloads folder; only the clock is moved.
Long (about 380 lines) because it covers every candidate action's ownership rule, one test each.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from interviewer.config import load_settings
from interviewer.domain.session import Setup
from interviewer.sessions.downloads import Downloads
from interviewer.sessions.identity import (
    AccessError,
    Caller,
    RequestInfo,
    browser_secret,
    format_key,
    identify,
    key_profile,
    legacy_name,
    new_key,
    parse_key,
    profile_of_key,
    scrub,
    scrub_all,
)
from interviewer.sessions.limits import Backoff, StartLog
from interviewer.sessions.profiles import ProfileService
from interviewer.sessions.service import LimitError, SessionService
from interviewer.storage.store import Storage, sessions

SETUP = Setup(level="junior", track="ml-foundations", questions=2)


# -- keys and identity ---------------------------------------------------------------------------------------


def test_a_key_is_random_checksummed_and_forgiving_about_its_format():
    key = new_key()
    assert key.startswith("ik-") and len(parse_key(key) or "") == 32
    assert new_key() != key
    body = parse_key(key)
    assert parse_key(key.upper().replace("-", " ")) == body  # case, spaces and dashes do not matter
    assert format_key(body) == key
    typo = key[:-1] + ("0" if key[-1] != "0" else "1")
    assert parse_key(typo) is None  # the checksum catches a mistyped character
    for junk in ("", "anonymous", "bob", None, 42, key[:-5], "ik-" + "g" * 36):
        assert parse_key(junk) is None


def test_the_profile_id_is_a_hash_that_never_holds_the_key():
    key = new_key()
    profile = profile_of_key(key)
    assert profile.startswith("k:") and parse_key(key) not in profile
    assert profile == key_profile(parse_key(key)) and profile != profile_of_key(new_key())
    assert ":" in profile and ":" not in legacy_name("k:" + profile)  # an old typed name can never collide
    with pytest.raises(ValueError):
        profile_of_key("bob")


def test_old_names_normalise_as_the_old_version_did():
    assert legacy_name(" bob ") == legacy_name("bob!!") == "bob"
    assert legacy_name("") == legacy_name("!!!") == "anonymous"


def test_identity_by_key_by_sign_in_header_and_by_gradio_login(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    key = new_key()
    caller = identify(settings, key, RequestInfo(peer="10.1.1.1"))
    assert caller == Caller(profile_of_key(key), "10.1.1.1")
    for bad in ("", "alice", None, "0123456789ab"):
        with pytest.raises(AccessError, match="profile key"):
            identify(settings, bad, RequestInfo(peer="10.1.1.1"))

    header = settings.model_copy(update={"candidate_sign_in": "header", "trust_forwarded_for": True})
    req = RequestInfo(headers={"X-Forwarded-User": "ann@example.org", "X-Forwarded-For": "6.6.6.6, 10.0.0.9"})
    ann = identify(header, key, req)
    assert ann.signed_in_as == "ann@example.org" and ann.profile.startswith("u:")
    assert ann.ip == "10.0.0.9"  # the entry our proxy appended, not what the client claimed
    with pytest.raises(AccessError, match="Sign in first"):
        identify(header, key, RequestInfo(headers={"X-Forwarded-For": "10.0.0.9"}))

    gradio = settings.model_copy(update={"candidate_sign_in": "gradio"})
    assert identify(gradio, "", RequestInfo(username="ann@example.org")).profile == ann.profile
    with pytest.raises(AccessError, match="login page"):
        identify(gradio, key, RequestInfo(peer="10.1.1.1"))
    assert identify(
        settings, key, RequestInfo(headers={"X-Forwarded-For": "1.2.3.4"}, peer="9.9.9.9")
    ).ip == (
        "9.9.9.9"  # without trust_forwarded_for the header is ignored
    )


def test_lone_surrogates_are_replaced_and_pairs_joined():
    assert scrub("a\ud800b") == "a\ufffdb"
    assert scrub("smile \ud83d\ude00") == "smile \U0001f600"
    assert scrub("plain") == "plain" and scrub(None) == ""
    assert scrub_all([{"content": "x\udfff"}, "\ud800"]) == [{"content": "x\ufffd"}, "\ufffd"]
    for text in (scrub("a\ud800b"), scrub("\udc80" * 3)):
        text.encode("utf-8")  # storable and sendable


def test_the_browser_secret_is_made_once_and_kept_private(tmp_path):
    settings = load_settings(data_dir=tmp_path / "d")
    first = browser_secret(settings)
    assert len(first) >= 32 and browser_secret(settings) == first
    assert stat.S_IMODE(os.stat(tmp_path / "d" / "browser-secret").st_mode) == 0o600
    assert browser_secret(settings.model_copy(update={"browser_secret": "shared"})) == "shared"


# -- the service --------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def svc(services, tmp_path):
    """A profile service on its own database and downloads folder, with small limits."""
    settings = services.settings.model_copy(
        update={
            "data_dir": tmp_path,
            "max_open_per_key": 2,
            "max_starts_per_hour_per_key": 4,
            "max_open_per_ip": 3,
            "max_starts_per_hour_per_ip": 5,
        }
    )
    store = Storage(f"sqlite:///{tmp_path / 'db.sqlite'}")
    sessions_ = SessionService(services.engine, store, rate_per_minute=1000, max_open=50, idle_s=1800)
    downloads = Downloads(tmp_path / "tmp", ttl_s=3600)
    return ProfileService(settings, store, sessions_, downloads, now=Clock(), sweep_every_s=None)


def _caller(ip: str = "10.0.0.1") -> Caller:
    return Caller(profile_of_key(new_key()), ip)


def _age(store: Storage, session_id: str, seconds: float) -> None:
    """Pretend the session's last turn was `seconds` ago."""
    with store.engine.begin() as conn:
        conn.execute(
            update(sessions).where(sessions.c.id == session_id).values(updated=time.time() - seconds)
        )


def test_every_action_on_someone_elses_session_is_refused_and_changes_nothing(svc):
    alice, mallory = _caller(), _caller("10.0.0.2")
    state, _ = svc.start(alice, "alice", False, False, SETUP)
    before = svc.storage.transcript(state.id)
    attempts = [
        lambda: svc.reply(mallory, state.id, "my answer"),
        lambda: svc.reply(mallory, state.id, "skip"),
        lambda: svc.reply(mallory, state.id, "", time_up=time.time()),
        lambda: svc.pause(mallory, state.id),
        lambda: svc.resume(mallory, state.id),
        lambda: svc.end(mallory, state.id),
        lambda: svc.run_examples(mallory, state.id, "def f(): pass"),
        lambda: svc.state(mallory, state.id),
        lambda: svc.write_scorecard(mallory, state, "# card", "{}"),
        lambda: svc.reply(mallory, "no-such-session", "x"),
        lambda: svc.reply(mallory, None, "x"),
    ]
    for attempt in attempts:
        with pytest.raises(AccessError, match="No interview of yours"):
            attempt()
    assert svc.current(mallory, state.id) is None
    assert svc.sessions_of(mallory) == [] and svc.resumable(mallory) == []
    assert svc.delete(mallory) == 0
    assert svc.storage.transcript(state.id) == before
    assert svc.storage.load_session(state.id).status == "active"
    assert [r["id"] for r in svc.sessions_of(alice)] == [state.id]
    svc.reply(alice, state.id, "It splits the data on features.")  # the owner goes on as before
    assert len(svc.storage.transcript(state.id)) > len(before)


def test_consent_and_display_name_belong_to_the_callers_profile_only(svc):
    alice, bob = _caller(), _caller()
    svc.start(alice, "bob", True, False, SETUP)
    svc.start(bob, "bob", False, False, SETUP)  # the same typed name: two profiles
    assert svc.storage.profile(alice.profile)["consent"] is True
    assert svc.storage.profile(bob.profile)["consent"] is False
    assert svc.storage.profile(bob.profile)["display_name"] == "bob"
    assert svc.storage.profile("bob") is None


def test_page_key_and_use_key(svc):
    fresh, stored = svc.page_key(None)
    assert parse_key(fresh) and not stored
    assert svc.page_key(fresh) == (fresh, False)
    with pytest.raises(AccessError, match="No interviews are stored"):
        svc.use_key(fresh)  # nothing saved under it yet
    caller = Caller(profile_of_key(fresh), "10.0.0.1")
    svc.start(caller, "", False, False, SETUP)
    assert svc.page_key(fresh) == (fresh, True)
    assert svc.use_key(fresh.upper()) == fresh
    for bad in ("alice", fresh[:-1]):
        with pytest.raises(AccessError, match="not a profile key"):
            svc.use_key(bad)


def test_an_old_name_keyed_profile_is_claimed_once_by_a_fresh_key(svc):
    old, _ = svc.sessions.start("bob", SETUP)  # as the version before profile keys stored it
    svc.sessions.pause(old.id)
    svc.sessions.start("anonymous", SETUP)
    first, second = _caller(), _caller()
    assert svc.claim(first, " bob!! ") == 1
    assert [r["id"] for r in svc.sessions_of(first)] == [old.id]
    assert svc.storage.profile("bob") is None and svc.storage.profile(first.profile)["display_name"] == "bob"
    assert svc.storage.load_session(old.id).profile == first.profile
    state, _ = svc.resume(first, old.id)  # the moved session goes on under the key
    svc.reply(first, state.id, "It splits the data.")
    with pytest.raises(AccessError, match="claimed already"):
        svc.claim(second, "bob")
    svc.sessions.start("carl", SETUP)
    with pytest.raises(AccessError, match="no interviews yet"):
        svc.claim(first, "carl")  # a key that has data cannot take a second old profile
    with pytest.raises(AccessError, match="anonymous"):
        svc.claim(second, "")
    off = ProfileService(
        svc.settings.model_copy(update={"allow_legacy_claims": False}),
        svc.storage,
        svc.sessions,
        svc.downloads,
    )
    with pytest.raises(AccessError, match="turned off"):
        off.claim(second, "carl")


def test_per_key_and_per_ip_limits(svc):
    one = _caller("10.0.0.5")
    first, _ = svc.start(one, "", False, False, SETUP)
    second, _ = svc.start(one, "", False, False, SETUP)
    with pytest.raises(LimitError, match="already have 2 interviews open"):
        svc.start(one, "", False, False, SETUP)
    _age(svc.storage, second.id, 1801)  # idle: no longer counted
    third, _ = svc.start(one, "", False, False, SETUP)
    svc.end(one, first.id)
    svc.end(one, third.id)
    fourth, _ = svc.start(one, "", False, False, SETUP)
    svc.end(one, fourth.id)
    with pytest.raises(LimitError, match="4 interviews in the last hour"):
        svc.start(one, "", False, False, SETUP)

    # One address with a fresh key for every start: open sessions, then starts per hour, are capped.
    ip = "10.0.0.7"
    started = [svc.start(_caller(ip), "", False, False, SETUP)[0].id for _ in range(3)]
    with pytest.raises(LimitError, match="open from your network"):
        svc.start(_caller(ip), "", False, False, SETUP)
    _age(svc.storage, started[0], 1801)
    started.append(svc.start(_caller(ip), "", False, False, SETUP)[0].id)
    _age(svc.storage, started[1], 1801)
    started.append(svc.start(_caller(ip), "", False, False, SETUP)[0].id)
    _age(svc.storage, started[2], 1801)
    with pytest.raises(LimitError, match="started from your network"):
        svc.start(_caller(ip), "", False, False, SETUP)
    svc.start(_caller("10.0.0.8"), "", False, False, SETUP)  # another address is not affected


def test_the_global_limit_counts_only_sessions_with_a_recent_turn_and_outlives_no_restart(services, tmp_path):
    store = Storage(f"sqlite:///{tmp_path / 'db.sqlite'}")
    first = SessionService(services.engine, store, max_open=3, idle_s=1800)
    ids = [first.start(f"p{i}", SETUP)[0].id for i in range(3)]
    first.pause(ids[0])  # paused just now: still counted
    with pytest.raises(LimitError, match="Too many interviews"):
        first.start("late", SETUP)
    for sid in ids:
        _age(store, sid, 1801)
    restarted = SessionService(services.engine, Storage(store.url), max_open=3, idle_s=1800)
    restarted.start("late", SETUP)  # old open sessions no longer lock anyone out after a restart
    assert store.open_sessions() == 4 and store.open_sessions(since=time.time() - 1800) == 1


def test_paused_sessions_end_after_paused_days(svc):
    caller = _caller()
    state, _ = svc.start(caller, "", False, False, SETUP)
    svc.pause(caller, state.id)
    _age(svc.storage, state.id, 15 * 86400)
    assert svc.resumable(caller) == []
    with pytest.raises(LimitError, match="had no turn for 14 days"):
        svc.resume(caller, state.id)
    assert svc.storage.load_session(state.id).status == "finished"

    other, _ = svc.start(_caller(), "", False, False, SETUP)
    _age(svc.storage, other.id, 15 * 86400)
    assert svc.sweep()["ended"] == 1
    assert svc.storage.load_session(other.id).status == "finished"


def test_downloads_are_private_and_removed_on_delete_expiry_and_retention(svc, tmp_path):
    caller = _caller()
    state, _ = svc.start(caller, "", False, False, SETUP)
    md, body = svc.write_scorecard(caller, state, "# card", "{}")
    export = svc.export(caller)
    for path in (md, body, export):
        assert svc.downloads.holds(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert md.parent != export.parent  # each download in its own unguessable folder
    assert str(caller.profile) not in str(export)

    svc.now.t = time.time() + 3601  # an hour on: past the downloads' time to live
    assert svc.sweep()["files"] == 3 and not export.exists()
    svc.now.t = time.time()

    md, body = svc.write_scorecard(caller, state, "# card", "{}")
    _age(svc.storage, state.id, 400 * 86400)
    svc.sessions.end(state.id)  # ended long ago: past retention
    _age(svc.storage, state.id, 400 * 86400)
    result = svc.sweep()
    assert result["purged"] == 1 and not md.exists() and not body.exists()

    state, _ = svc.start(caller, "", False, False, SETUP)
    export = svc.export(caller)
    assert svc.delete(caller) == 1 and not export.exists()
    assert svc.sessions_of(caller) == [] and svc.storage.profile(caller.profile) is None


def test_the_database_file_is_private(tmp_path):
    Storage(f"sqlite:///{tmp_path / 'db.sqlite'}").add_user("x", "longpassword")
    for name in ("db.sqlite", "db.sqlite-wal", "db.sqlite-shm"):
        if (tmp_path / name).exists():
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name


# -- in-memory limits ----------------------------------------------------------------------------------------


def test_start_log_forgets_after_an_hour():
    clock = Clock()
    log = StartLog(clock=clock)
    log.add("ip", "a")
    clock.t += 1000
    log.add("ip", "b")
    assert log.recent("ip") == ["a", "b"] and log.recent("ip", window_s=500) == ["b"]
    clock.t += 3000
    assert log.recent("ip") == ["b"] and log.recent("other") == []


def test_backoff_doubles_after_the_free_failures_and_resets():
    clock = Clock()
    backoff = Backoff(free=2, max_s=10, clock=clock)
    assert backoff.failed("n", "i") == 1 and backoff.wait_s("n", "i") == 0
    assert backoff.failed("n", "i") == 2 and backoff.wait_s("n") == pytest.approx(1)
    backoff.failed("n")
    assert backoff.wait_s("n") == pytest.approx(2) and backoff.wait_s("i") == pytest.approx(1)
    for _ in range(10):
        backoff.failed("n")
    assert backoff.wait_s("n") == pytest.approx(10)  # capped
    clock.t += 4
    assert backoff.wait_s("n", "other") == pytest.approx(6)
    backoff.succeeded("n")
    assert backoff.wait_s("n") == 0
    clock.t += 11
    assert backoff.failed("i") == 1  # a quiet spell as long as the longest wait starts afresh


def test_downloads_only_touch_their_own_folder(tmp_path):
    downloads = Downloads(tmp_path, ttl_s=60)
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    path = downloads.write("k:1", "my-data.json", "{}")
    assert not downloads.remove(outside) and outside.exists()
    assert not downloads.holds(Path(str(path.parent) + "/../../../keep.txt"))
    assert downloads.remove(path) and not path.parent.exists()
