"""Issue 20's reproductions through the app's own API: a candidate's data is reachable only with their key.

Mallory knows Alice's name and session id, and even shares Alice's Gradio session (her session hash, so the server
hands Mallory's calls Alice's gr.State). She tries every candidate endpoint; a walk over the app's endpoints fails
on any candidate endpoint this file does not try.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from interviewer.sessions.identity import parse_key, profile_of_key

from .candidate_app import candidate_app, client, fn_index, new_browser, raw_call

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]

ALICE_JD = "ALICE-SECRET-JD: a team building search for legal documents"
RECRUITER = {
    "/recruiter_login", "/recruiter_open", "/recruiter_save", "/recruiter_diff", "/recruiter_rollback",
    "/recruiter_calibrate", "/recruiter_items", "/review_queue", "/review_open", "/review_save", "/recalibrate",
    "/calibration_history", "/calibration_rollback", "/ab_start", "/ab_report", "/ab_promote",
    "/recruiter_file_items", "/recruiter_open_item", "/recruiter_logout", "/recruiter_try_sample", "/ab_versions",
    "review_row",
}  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with candidate_app(tmp_path_factory.mktemp("secure")) as served:
        yield served


@dataclass
class Scene:
    """Alice mid-interview, and Mallory with her own key: once on her own page, once on Alice's."""

    url: str
    svc: Any
    alice: Any
    akey: str
    sid: str
    item: str
    mallory: Any
    mkey: str
    hijack: Any


@pytest.fixture(scope="module")
def scene(app):
    url, svc = app
    alice, akey = new_browser(url, "10.1.0.1")
    # A coding track with a timer: the page's private refreshes then have something to leak.
    alice.predict(akey, "alice", False, "junior", "coding", 3, ALICE_JD, 5, True, False, api_name="/start")
    alice.predict(akey, [], api_name="/skip")
    [row] = svc.storage.sessions_of(profile_of_key(akey))
    item = svc.storage.load_session(row["id"]).items[0].id
    mallory, mkey = new_browser(url, "10.1.0.2")
    hijack = client(url, "10.1.0.2")
    hijack.session_hash = alice.session_hash  # Mallory's calls now get Alice's gr.State
    return Scene(url, svc, alice, akey, row["id"], item, mallory, mkey, hijack)


def refused(call: Callable[[], Any]) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"profile key|No interview of yours|No interviews are stored|claimed"):
        call()


def _start(s: Scene) -> None:
    args = ("alice", True, "junior", "ml-foundations", 1, "", 0, True, False)
    refused(lambda: s.mallory.predict("alice", *args, api_name="/start"))  # a name is not a key
    refused(lambda: s.mallory.predict(s.sid, *args, api_name="/start"))
    s.mallory.predict(s.mkey, *args, api_name="/start")  # her own session: Alice's consent is not touched


def _on_alices_page(endpoint: str, *args: Any) -> Callable[[Scene], None]:
    """Mallory, on Alice's Gradio session, with her own key, then with Alice's name and session id as the key."""

    def attempt(s: Scene) -> None:
        for key in (s.mkey, "alice", s.sid):
            refused(lambda key=key: s.hijack.predict(key, *args, api_name=endpoint))

    return attempt


def _profile_key(s: Scene) -> None:
    for guess in ("alice", s.sid):
        got = s.mallory.predict(guess, api_name="/profile_key")[0]
        assert parse_key(got) and got != s.akey  # a fresh key, never Alice's


def _use_key(s: Scene) -> None:
    for guess in ("alice", s.sid, s.akey[:-1]):
        refused(lambda guess=guess: s.mallory.predict(guess, api_name="/use_key"))


def _claim(s: Scene) -> None:
    refused(lambda: s.mallory.predict(s.mkey, "alice", api_name="/claim_profile"))
    refused(lambda: s.mallory.predict("alice", "alice", api_name="/claim_profile"))


def _paused(s: Scene) -> None:
    assert s.sid not in str(s.mallory.predict(s.mkey, api_name="/paused_sessions"))
    assert s.sid not in str(s.hijack.predict(s.mkey, api_name="/paused_sessions"))
    refused(lambda: s.mallory.predict("alice", api_name="/paused_sessions"))


def _resume(s: Scene) -> None:
    refused(lambda: s.mallory.predict(s.mkey, s.sid, api_name="/resume"))
    refused(lambda: s.hijack.predict(s.mkey, s.sid, api_name="/resume"))
    refused(lambda: s.mallory.predict("alice", s.sid, api_name="/resume"))


def _history(s: Scene) -> None:
    table, _ = s.mallory.predict(s.mkey, api_name="/history")
    assert len(table["data"]) == len(s.svc.storage.sessions_of(profile_of_key(s.mkey)))  # only her own
    refused(lambda: s.mallory.predict("alice", api_name="/history"))


def _graded(s: Scene) -> None:
    assert s.item not in str(s.hijack.predict(s.mkey, api_name="/graded_questions"))
    refused(lambda: s.hijack.predict("alice", api_name="/graded_questions"))


def _complain(s: Scene) -> None:
    assert s.item in str(
        s.alice.predict(s.akey, api_name="/graded_questions")
    )  # the page now offers the item
    assert "Start or resume" in s.hijack.predict(s.mkey, s.item, "unfair", api_name="/complain")
    assert not [r for r in s.svc.loop.queue.open_items() if r["session_id"] == s.sid]
    refused(lambda: s.hijack.predict("alice", s.item, "unfair", api_name="/complain"))


def _reviews(s: Scene) -> None:
    assert "Start or resume" in s.hijack.predict(s.mkey, api_name="/my_reviews")
    refused(lambda: s.hijack.predict(s.sid, api_name="/my_reviews"))


def _export(s: Scene) -> None:
    got = s.mallory.predict(s.mkey, api_name="/export_my_data")
    text = httpx.get(got["url"]).text
    assert s.sid not in text and "ALICE-SECRET-JD" not in text
    refused(lambda: s.mallory.predict("alice", api_name="/export_my_data"))


def _delete(s: Scene) -> None:
    refused(lambda: s.mallory.predict("alice", "DELETE", api_name="/delete_my_data"))
    refused(lambda: s.mallory.predict(s.sid, "DELETE", api_name="/delete_my_data"))
    out = s.hijack.predict(s.mkey, "DELETE", api_name="/delete_my_data")  # deletes her own profile only
    assert out[0] == "Deleted your profile and 1 sessions."


def _voice(s: Scene) -> None:
    """Transcribing into, hearing and reading the delivery of Alice's interview (issue 28)."""
    import tempfile
    from pathlib import Path

    from gradio_client import handle_file

    from .voice_clips import noise

    clip = noise(Path(tempfile.mkdtemp()) / "mallory.wav")
    _on_alices_page("/transcribe", handle_file(str(clip)), True)(s)
    _on_alices_page("/speak", True)(s)
    _on_alices_page("/delivery")(s)
    assert s.svc.profiles.voice_files.records(profile_of_key(s.akey), s.sid) == []


def _private_refresh(name: str, leaks: Callable[[Any], bool]) -> Callable[[Scene], None]:
    """The page's own refreshes (not in the API docs, still callable by fn_index): nothing for another key."""

    def attempt(s: Scene) -> None:
        fn = fn_index(s.url, name)
        inputs = {
            "countdown": [s.akey, None],
            "coding_panel": [s.akey, None, None, None],
            "restore": [s.akey],
        }[name]
        own = raw_call(s.url, "10.1.0.1", fn, inputs, s.alice.session_hash)
        assert own["success"] and leaks(own["output"]["data"])  # the owner sees it: the check is not vacuous
        for key in (s.mkey, "alice", s.sid):
            got = raw_call(s.url, "10.1.0.2", fn, [key, *inputs[1:]], s.alice.session_hash)
            assert got["success"] and not leaks(got["output"]["data"]), (name, key)

    return attempt


ATTEMPTS: dict[str, Callable[[Scene], None]] = {
    "/profile_key": _profile_key,
    "/use_key": _use_key,
    "/claim_profile": _claim,
    "/start": _start,
    "/answer": _on_alices_page("/answer", [], "Mallory's answer in Alice's interview"),
    "/answer_enter": _on_alices_page("/answer_enter", [], "Mallory's answer in Alice's interview"),
    "/hint": _on_alices_page("/hint", []),
    "/skip": _on_alices_page("/skip", []),
    "/pause": _on_alices_page("/pause", []),
    "/end": _on_alices_page("/end", []),
    "/time_up": _on_alices_page("/time_up", [], "a draft", "", ""),
    "/run_examples": _on_alices_page("/run_examples", "def f(x):\n    return x\n"),
    "/submit_code": _on_alices_page("/submit_code", [], "def f(x):\n    return x\n", "linear"),
    "/paused_sessions": _paused,
    "/resume": _resume,
    "/history": _history,
    "/graded_questions": _graded,
    "/complain": _complain,
    "/my_reviews": _reviews,
    "/export_my_data": _export,
    "/transcribe": _voice,
    "/speak": _voice,
    "/delivery": _voice,
    "countdown": _private_refresh("countdown", lambda out: out[0].get("state") == "running"),
    "coding_panel": _private_refresh("coding_panel", lambda out: out[0].get("visible") is True),
    "restore": _private_refresh("restore", lambda out: "ALICE-SECRET-JD" in str(out)),  # a reloaded page
    "/delete_my_data": _delete,  # last: it removes Mallory's own profile
}


def test_a_second_client_with_the_name_and_session_id_is_refused_on_every_endpoint(scene):
    s, store = scene, scene.svc.storage
    before = {
        "turns": store.transcript(s.sid),
        "state": store.load_session(s.sid).model_dump(),
        "profile": store.profile(profile_of_key(s.akey)),
        "sessions": store.sessions_of(profile_of_key(s.akey)),
    }
    for endpoint, attempt in ATTEMPTS.items():
        try:
            attempt(s)
        except AssertionError as exc:
            raise AssertionError(f"{endpoint}: {exc}") from exc
    assert store.transcript(s.sid) == before["turns"]
    assert store.load_session(s.sid).model_dump() == before["state"]
    assert store.profile(profile_of_key(s.akey)) == before["profile"]  # consent and display name untouched
    assert before["profile"]["consent"] is False and before["profile"]["display_name"] == "alice"
    assert store.sessions_of(profile_of_key(s.akey)) == before["sessions"]
    # Alice carries on (Mallory's own deletion emptied the shared page's state, so she resumes first), and a
    # second device with her key finds the interview.
    assert "Resumed" in str(s.alice.predict(s.akey, s.sid, api_name="/resume"))
    out = s.alice.predict(s.akey, [], "I would keep a running total in one pass.", api_name="/answer")
    assert "active" in out[5] or "finished" in out[5]
    other, _ = new_browser(s.url, "10.1.0.3")
    assert other.predict(s.akey, api_name="/use_key")[0] == s.akey
    assert s.sid in str(other.predict(s.akey, api_name="/paused_sessions"))


def test_every_candidate_endpoint_is_tried_by_the_cross_client_test(app):
    """Walks client.view_api() (and the page's config, for the undocumented and private events)."""
    url, _ = app
    documented = set(
        client(url, "10.9.0.1").view_api(return_format="dict", print_info=False)["named_endpoints"]
    )
    config = httpx.get(url + "config").json()
    events = {
        "/" + d["api_name"] if d.get("api_visibility") != "private" else re.sub(r"_\d+$", "", d["api_name"])
        for d in config["dependencies"]
        if d.get("backend_fn") and d.get("api_name")
    }
    assert documented <= events
    candidate = events - RECRUITER
    untried = sorted(candidate - set(ATTEMPTS))
    assert not untried, f"candidate endpoints the cross-client test does not try: {untried}"
    assert set(ATTEMPTS) <= candidate  # and it tries no endpoint that has gone


def test_a_typed_name_is_only_a_display_name(app):
    url, svc = app
    profiles = []
    for ip, name in (
        ("10.1.1.1", "dora!!"),
        ("10.1.1.2", " dora "),
        ("10.1.1.3", ""),
        ("10.1.1.4", "anonymous"),
    ):
        c, key = new_browser(url, ip)
        c.predict(key, name, False, "junior", "ml-foundations", 1, "", 0, True, False, api_name="/start")
        table, _ = c.predict(key, api_name="/history")
        assert len(table["data"]) == 1  # their own session only, whatever the name
        profiles.append(profile_of_key(key))
    assert len(set(profiles)) == 4
    assert svc.storage.profile("dora") is None and svc.storage.profile("anonymous") is None
    assert [svc.storage.profile(p)["display_name"] for p in profiles] == ["dora!!", "dora", None, "anonymous"]


def test_an_old_name_keyed_profile_is_claimed_once_by_a_browser_without_data(app):
    from gradio_client.exceptions import AppError
    from sqlalchemy import text

    from interviewer.domain.session import Setup

    url, svc = app
    old, _ = svc.sessions.start("bob", Setup(level="junior", track="ml-foundations", questions=2))
    svc.sessions.pause(old.id)
    svc.sessions.start("carl", Setup(level="junior", track="ml-foundations", questions=1))
    first, k1 = new_browser(url, "10.1.2.1")
    assert "Claimed 1 interviews" in first.predict(k1, "bob!!", api_name="/claim_profile")
    assert old.id in str(first.predict(k1, api_name="/paused_sessions"))
    assert "Resumed" in str(first.predict(k1, old.id, api_name="/resume"))
    second, k2 = new_browser(url, "10.1.2.2")
    with pytest.raises(AppError, match="claimed already"):
        second.predict(k2, "bob", api_name="/claim_profile")
    with pytest.raises(AppError, match="anonymous"):
        second.predict(k2, "", api_name="/claim_profile")
    with pytest.raises(AppError, match="no interviews yet"):
        first.predict(k1, "carl", api_name="/claim_profile")  # once per key
    with svc.storage.engine.connect() as conn:
        claims = conn.execute(text("SELECT detail FROM audit WHERE action = 'claim'")).scalars().all()
    assert len(claims) == 1 and "'bob'" in claims[0]  # a record of who took which name, for disputes
