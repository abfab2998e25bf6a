"""50 sessions at once through the app's real HTTP API, and a kill -9 of the app process mid-interview."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from interviewer.sessions.identity import new_key, profile_of_key

from .browser import served_app
from .helpers import ROOT, free_port, start_server

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]


def test_fifty_concurrent_sessions_keep_complete_and_separate_transcripts():
    from gradio_client import Client

    with served_app() as (url, svc):

        def one(i: int) -> tuple[str, list[str]]:
            client = Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
            key = new_key()
            client.predict(
                key, f"cand{i}", False, "junior", "ml-foundations", 6, "", 0, False, False, api_name="/start"
            )
            said = [
                f"candidate {i} answer {k}: gradient descent moves weights against the gradient"
                for k in range(3)
            ]
            for text in said:
                client.predict(key, [], text, api_name="/answer")
            return profile_of_key(key), said

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(one, range(50)))
        for profile, said in results:
            sessions = svc.storage.sessions_of(profile)
            assert len(sessions) == 1, profile
            turns = svc.storage.transcript(sessions[0]["id"])
            mine = [t["text"] for t in turns if t["role"] == "candidate"]
            assert mine == said, profile  # complete, in order, and nobody else's
            state = svc.storage.load_session(sessions[0]["id"])
            assert len(state.turns) == len(turns)


def _start(data: Path, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """app.py in its own process on `port`, returned once the page is served."""
    env = dict(
        os.environ,
        **(extra_env or {}),
        GRADIO_SERVER_PORT=str(port),
        INTERVIEWER_DATA_DIR=str(data),
        INTERVIEWER_CORPUS_DIR=str(ROOT / "corpus"),
        INTERVIEWER_RUBRICS_DIR=str(ROOT / "rubrics"),
    )
    return start_server([sys.executable, str(ROOT / "app.py")], f"http://127.0.0.1:{port}/", 120, env=env)


def test_a_session_cut_by_kill_9_resumes_where_it_stopped(tmp_path):
    from gradio_client import Client

    from interviewer.storage.store import Storage

    data = tmp_path / "data"
    with served_app(data_dir=data):  # builds the index once, then closes
        pass
    shutil.rmtree(data / "files", ignore_errors=True)
    port = free_port()
    proc = _start(data, port)
    client = Client(
        f"http://127.0.0.1:{port}/", verbose=False, download_files=False, httpx_kwargs={"timeout": 300}
    )
    key = new_key()
    client.predict(key, "crash", False, "junior", "ml-foundations", 3, "", 0, True, False, api_name="/start")
    client.predict(key, [], "My first answer is about splitting data on features.", api_name="/answer")
    store = Storage(f"sqlite:///{data / 'interviewer.db'}")
    sid = store.sessions_of(profile_of_key(key))[0]["id"]
    before = store.transcript(sid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    port = free_port()  # a fresh port: the killed process's socket may linger
    proc = _start(data, port)
    try:
        client = Client(
            f"http://127.0.0.1:{port}/", verbose=False, download_files=False, httpx_kwargs={"timeout": 300}
        )
        out = client.predict(key, sid, api_name="/resume")
        assert "Resumed" in str(out)
        after = store.transcript(sid)
        assert after[: len(before)] == before  # nothing committed was lost
        assert any("My first answer" in t["text"] for t in after)
        out = client.predict(key, [], "My second answer continues the same interview.", api_name="/answer")
        assert any("second answer" in t["text"] for t in store.transcript(sid))
    finally:
        proc.kill()
        proc.wait()
