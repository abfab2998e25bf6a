"""Issue 20's other reproductions through the app's API: deleted data stays deleted, starts cannot lock everyone
out, bad text is cleaned, every turn error is counted, and recruiter sign-in backs off."""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update

from interviewer.ops.monitoring import TURN_ERRORS
from interviewer.sessions.identity import profile_of_key
from interviewer.storage.store import sessions

from .candidate_app import candidate_app, client, fn_index, new_browser, raw_call
from .helpers import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]
START = ("", False, "junior", "ml-foundations", 1, "", 0, True, False)  # name, consent, ... (after the key)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with candidate_app(tmp_path_factory.mktemp("limits")) as (url, svc):
        svc.storage.add_user("rec", "recruiter-pass")
        svc.storage.add_user("rec2", "recruiter-pass")
        yield url, svc


def gone(path: Path, timeout_s: float = 5.0) -> bool:
    """Whether `path` disappears within the timeout (the server removes it just after the last byte is sent)."""
    try:
        return wait_until(lambda: not path.exists(), timeout_s, what=f"{path} to be removed")
    except AssertionError:
        return False


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_exports_and_scorecards_are_private_one_shot_and_gone_after_deletion(app):
    url, svc = app
    data = svc.settings.data_dir
    c, key = new_browser(url, "10.2.0.1")
    c.predict(key, *START, api_name="/start")
    for _ in range(4):  # the answer, then any follow-up
        out = c.predict(
            key, [], "A decision tree splits data on the most informative feature.", api_name="/answer"
        )
        if "finished" in out[5]:
            break
    assert "finished" in out[5]
    card_md, card_json = out[3], out[4]
    export = c.predict(key, api_name="/export_my_data")
    files = [Path(f["path"]) for f in (card_md, card_json, export)]
    tmp = data / "gradio-tmp"
    assert os.environ["GRADIO_TEMP_DIR"] == str(tmp)
    for path in files:
        assert path.is_relative_to(tmp / "downloads") and _mode(path) == 0o600
    assert _mode(data) == 0o700 and _mode(tmp) == 0o700 and _mode(data / "interviewer.db") == 0o600

    # A download is served once; a ranged request leaves it for the rest of the download.
    first = httpx.get(card_md["url"])
    assert first.status_code == 200 and first.text.startswith("# Interview scorecard")
    assert gone(files[0]) and httpx.get(card_md["url"]).status_code == 403
    assert httpx.get(card_json["url"], headers={"Range": "bytes=0-9"}).status_code == 206
    assert files[1].exists() and httpx.get(card_json["url"]).status_code == 200 and gone(files[1])

    # Deleting the profile removes the export not yet downloaded, and clears the Scorecard tab.
    out = c.predict(key, "DELETE", api_name="/delete_my_data")
    # (status, chat, radar, scorecard, its two files, the export, ...): the page shows nothing of it any more
    assert out[0] == "Deleted your profile and 1 sessions." and out[1] == [] and out[2] == ""
    assert out[3] == "Your data was deleted." and out[4] is None and out[5] is None and out[6] is None
    assert httpx.get(export["url"]).status_code == 403 and not files[2].exists()
    assert not any((tmp / "downloads").rglob("*.json"))
    assert svc.storage.profile(profile_of_key(key)) is None
    legacy = Path("/tmp/gradio")
    assert not legacy.exists() or not any(legacy.rglob(files[0].name))  # no copy in the shared /tmp folder


def test_starts_from_one_address_cannot_lock_everyone_out(app):
    from gradio_client.exceptions import AppError

    url, svc = app
    attacker = client(url, "10.2.1.1")
    statuses, started = [], []
    for _ in range(6):  # a fresh key for every start, as a script would
        key = attacker.predict("", api_name="/profile_key")[0]
        out = attacker.predict(key, *START[:4], 3, *START[5:], api_name="/start")
        statuses.append(out[-1])
        started += [r["id"] for r in svc.storage.sessions_of(profile_of_key(key))]
    assert sum("active" in s for s in statuses) == 4 and "open from your network" in statuses[-1]

    victim, vkey = new_browser(url, "10.2.1.2")
    assert "active" in victim.predict(vkey, *START, api_name="/start")[-1]

    # Half an hour of quiet later the attacker's sessions are idle and count no more; the starts still do.
    def idle_all() -> None:
        with svc.storage.engine.begin() as conn:
            stale = time.time() - 1900
            conn.execute(update(sessions).where(sessions.c.id.in_(started)).values(updated=stale))

    def start_fresh() -> str:
        key = attacker.predict("", api_name="/profile_key")[0]
        status = attacker.predict(key, *START, api_name="/start")[-1]
        started.extend(r["id"] for r in svc.storage.sessions_of(profile_of_key(key)))
        return str(status)

    idle_all()
    assert all("active" in start_fresh() for _ in range(4))
    idle_all()
    assert all("active" in start_fresh() for _ in range(2))  # 10 starts in the hour from this address
    assert "started from your network in the last hour" in start_fresh()
    assert "active" in victim.predict(vkey, *START, api_name="/start")[-1]  # the victim never noticed

    one, key = new_browser(url, "10.2.1.3")
    for _ in range(2):
        assert "active" in one.predict(key, *START[:4], 3, *START[5:], api_name="/start")[-1]
    assert "already have 2 interviews open" in one.predict(key, *START, api_name="/start")[-1]
    with pytest.raises(AppError, match="profile key"):
        one.predict("", *START, api_name="/start")  # no key, no interview


def test_a_lone_surrogate_is_cleaned_and_every_turn_error_is_counted(app, monkeypatch):
    from gradio_client.exceptions import AppError

    url, svc = app
    c, key = new_browser(url, "10.2.2.1")
    c.predict(key, *START[:4], 3, *START[5:], api_name="/start")

    def errors() -> float:
        return sum(s.value for m in TURN_ERRORS.collect() for s in m.samples if s.name.endswith("_total"))

    before = errors()
    # Sent as raw JSON escapes, as a page could: no UTF-8 client library would encode a lone surrogate.
    reply = raw_call(
        url, "10.2.2.1", fn_index(url, "answer"), [key, None, [], "Trees \ud800 split data."], c.session_hash
    )
    assert reply["success"], reply
    [row] = svc.storage.sessions_of(profile_of_key(key))
    said = [t["text"] for t in svc.storage.transcript(row["id"]) if t["role"] == "candidate"]
    assert said == ["Trees \ufffd split data."] and errors() == before

    def broken(*args, **kwargs):
        raise RuntimeError("the grader fell over")

    monkeypatch.setattr(svc.engine, "reply", broken)  # inside the session service's timed block
    with pytest.raises(AppError):
        c.predict(key, [], "Another answer.", api_name="/answer")
    assert errors() == before + 1  # counted once, though two layers saw it
    monkeypatch.setattr(svc.profiles, "resumable", broken)  # outside it: counted by the page's handler
    with pytest.raises(AppError):
        c.predict(key, api_name="/paused_sessions")
    assert errors() == before + 2


class Kept(logging.Handler):
    """Keeps the records of one logger, whether or not the package's JSON logging was set up in this process."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Clock:
    t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_recruiter_sign_in_backs_off_after_failures_and_logs_them(app, monkeypatch):
    url, svc = app
    logger, kept = logging.getLogger("interviewer.ui.recruiter"), Kept()
    logger.addHandler(kept)
    clock = Clock()  # the back-off's own clock: a busy test machine must not let the wait run out mid-test
    monkeypatch.setattr(svc.login_backoff, "clock", clock)
    guesser = client(url, "10.2.3.1")
    assert "Wrong" in str(guesser.predict("rec2", "guess-1", api_name="/recruiter_login"))
    assert "Wrong" in str(guesser.predict("rec2", "guess-2", api_name="/recruiter_login"))
    refused = str(guesser.predict("rec2", "recruiter-pass", api_name="/recruiter_login"))
    assert "Too many failed sign-ins: wait 1 s" in refused  # even the right password waits
    elsewhere = client(url, "10.2.3.2")
    assert "Too many" in str(elsewhere.predict("rec2", "recruiter-pass", api_name="/recruiter_login"))
    assert "Too many" in str(guesser.predict("rec", "recruiter-pass", api_name="/recruiter_login"))
    assert "Signed in" in str(elsewhere.predict("rec", "recruiter-pass", api_name="/recruiter_login"))
    clock.t += 1.2
    assert "Signed in" in str(guesser.predict("rec2", "recruiter-pass", api_name="/recruiter_login"))

    with svc.storage.engine.connect() as conn:
        failed = conn.execute(text("SELECT detail FROM audit WHERE action = 'login_failed'")).scalars().all()
    assert len(failed) == 2 and all("10.2.3.1" in d for d in failed)
    logger.removeHandler(kept)
    logged = [r for r in kept.records if r.getMessage() == "recruiter sign-in failed"]
    assert len(logged) == 2 and logged[-1].ip == "10.2.3.1" and logged[-1].failures == 2
