"""Scale-out as the README's deployment section describes it: two app processes sharing one Chroma server and one
PostgreSQL database, all real servers on loopback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from interviewer.services import Services
from interviewer.sessions.identity import new_key, profile_of_key
from interviewer.storage.store import Storage

from .browser import free_port, stop
from .helpers import repo_settings
from .test_chroma_server import start_chroma
from .test_concurrency import _start

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]


def _client(port: int):
    from gradio_client import Client

    url = f"http://127.0.0.1:{port}/"
    return Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})


def test_two_app_processes_share_a_chroma_server_and_a_postgresql_database(tmp_path, pg_database):
    chroma_port = free_port()
    chroma = start_chroma(tmp_path / "chroma", chroma_port)
    env = {
        "INTERVIEWER_DATABASE_URL": pg_database,
        "INTERVIEWER_CHROMA_HOST": "127.0.0.1",
        "INTERVIEWER_CHROMA_PORT": str(chroma_port),
    }
    apps = []
    try:
        settings = repo_settings(
            tmp_path / "build",
            chroma_host="127.0.0.1",
            chroma_port=chroma_port,
        )
        Services(settings).index_sync.ensure(
            progress=False
        )  # as `interviewer index` would, once, before the apps
        ports = [free_port(), free_port()]
        with ThreadPoolExecutor(2) as pool:  # both start at once: neither may trip over the other's schema
            apps = list(pool.map(lambda i: _start(tmp_path / f"app{i}", ports[i], env), range(2)))

        def one(i: int) -> tuple[str, list[str]]:
            client = _client(ports[i % 2])
            key = new_key()
            client.predict(
                key, f"c{i}", False, "junior", "ml-foundations", 6, "", 0, False, False, api_name="/start"
            )
            said = [
                f"candidate {i} answer {k}: a validation set guards against overfitting" for k in range(2)
            ]
            for text in said:
                client.predict(key, [], text, api_name="/answer")
            return profile_of_key(key), said

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(one, range(12)))
        store = Storage(pg_database)
        for profile, said in results:
            [session] = store.sessions_of(profile)
            turns = store.transcript(session["id"])
            assert [t["text"] for t in turns if t["role"] == "candidate"] == said, profile

        # A session paused on one process is resumed and continued on the other.
        first, second = _client(ports[0]), _client(ports[1])
        key = first.predict("", api_name="/profile_key")[0]
        first.predict(
            key, "mover", False, "junior", "ml-foundations", 4, "", 0, False, False, api_name="/start"
        )
        first.predict(key, [], "Answered on the first process.", api_name="/answer")
        first.predict(key, [], api_name="/pause")
        [session] = store.sessions_of(profile_of_key(key))
        listed = second.predict(key, api_name="/paused_sessions")  # the other process lists it
        assert session["id"] in str(listed), listed
        assert "Resumed" in str(second.predict(key, session["id"], api_name="/resume"))
        second.predict(key, [], "Answered on the second process.", api_name="/answer")
        said = [t["text"] for t in store.transcript(session["id"]) if t["role"] == "candidate"]
        assert said[0] == "Answered on the first process." and said[-1] == "Answered on the second process."
    finally:
        for app in apps:
            app.kill()
            app.wait()
        stop(chroma)
