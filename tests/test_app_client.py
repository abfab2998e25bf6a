"""The app through its real HTTP API with gradio_client: a whole interview, and the recruiter role enforced."""

from __future__ import annotations

import socket

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from interviewer.config import load_settings
    from interviewer.services import Services
    from interviewer.ui.app import build_app
    from tests.conftest import ROOT

    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("appdata"),
        corpus_dir=ROOT / "corpus",
        rubrics_dir=ROOT / "rubrics",
        max_requests_per_minute=1000,
    )
    svc = Services(settings)
    svc.ensure_index(progress=False)
    svc.storage.add_user("rec", "recruiter-pass")
    demo = build_app(svc)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})


def test_a_whole_interview_over_http(client):
    out = client.predict("tester", True, "junior", "ml-foundations", 2, "", 0, True, False, api_name="/start")
    chat = out[0]
    assert chat and chat[-1]["role"] == "assistant" and "?" in str(chat[-1]["content"])
    for _ in range(12):
        out = client.predict([], "I don't know", api_name="/answer")
        status = out[5]
        if "finished" in status:
            break
    assert "finished" in status
    assert "Overall score" in out[2]  # scorecard markdown
    assert "<svg" in out[1] or "<ul>" in out[1]


def test_candidate_cannot_call_recruiter_endpoints(client):
    out = client.predict("corpus/questions/mlops.yaml", "x: 1", api_name="/recruiter_save")
    assert "Refused" in str(out[0])
    out = client.predict("corpus/questions/mlops.yaml", api_name="/recruiter_open")
    assert "Refused" in str(out[1]) and out[0] == ""


def test_recruiter_login_then_open_a_file(client):
    assert "Signed in" in client.predict("rec", "recruiter-pass", api_name="/recruiter_login")
    out = client.predict("corpus/questions/mlops.yaml", api_name="/recruiter_open")
    assert "questions:" in out[0]


def test_wrong_password_is_refused(client):
    assert "Wrong" in client.predict("rec", "nope", api_name="/recruiter_login")
    assert "Refused" in str(client.predict("corpus/questions/mlops.yaml", "x", api_name="/recruiter_save")[0])
