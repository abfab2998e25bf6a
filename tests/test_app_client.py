"""The app through its real HTTP API with gradio_client: a whole interview, and the recruiter role enforced."""

from __future__ import annotations

import time

import pytest

from .helpers import free_port, repo_settings

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]


class ShiftedClock:
    """Real time plus an offset a test can move forward: a late answer without sleeping."""

    offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


CLOCK = ShiftedClock()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from interviewer.services import Services
    from interviewer.ui.app import build_app, launch_options

    settings = repo_settings(
        tmp_path_factory.mktemp("appdata"),
        max_requests_per_minute=1000,
    )
    svc = Services(settings, clock=CLOCK)
    svc.index_sync.ensure(progress=False)
    svc.storage.add_user("rec", "recruiter-pass")
    demo = build_app(svc)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(svc, demo),
    )
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})


@pytest.fixture
def key(client):
    """The profile key a new browser gets on its first visit."""
    return client.predict("", api_name="/profile_key")[0]


def test_a_whole_interview_over_http(client, key, corpus):
    out = client.predict(
        key, "tester", True, "junior", "ml-foundations", 2, "", 0, True, False, api_name="/start"
    )
    chat = out[0]
    assert chat and chat[-1]["role"] == "assistant"
    # The first question is asked verbatim (some are imperatives: "Walk me through ...", with no question mark).
    content = chat[-1]["content"]
    said = " ".join(c.get("text", "") for c in content) if isinstance(content, list) else str(content)
    assert any(q.text in said for q in corpus.questions)
    for _ in range(12):
        out = client.predict(key, [], "I don't know", api_name="/answer")
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
    out = client.predict("corpus/questions/mlops.yaml", "ops-save-load-models", api_name="/recruiter_open")
    assert out[0].startswith("- id: ops-save-load-models\n")  # one question, not the whole file


def test_wrong_password_is_refused(client):
    assert "Wrong" in client.predict("rec", "nope", api_name="/recruiter_login")
    assert "Refused" in str(client.predict("corpus/questions/mlops.yaml", "x", api_name="/recruiter_save")[0])


def test_a_late_answer_is_graded_and_marked_over_time(client, key):
    from interviewer.engine.timing import TIMER_GRACE_S

    client.predict(key, "late", False, "junior", "ml-foundations", 2, "", 0.5, True, False, api_name="/start")
    CLOCK.offset += 30 + TIMER_GRACE_S + 5  # the answer arrives 20 s after the timer and its grace
    answer = "A decision tree splits the data again and again on the feature that separates the classes best."
    out = client.predict(key, [], answer, api_name="/answer")
    chat = str(out[0])
    assert answer in chat and "Feedback (score" in chat
    assert "Over time: you answered after 0:5" in chat and "with 0:30 on the timer" in chat
    out = client.predict(key, [], api_name="/end")
    assert "(over time)" in out[2] and "Over time: question 1." in out[2]


def test_time_up_with_no_draft_skips_the_question(client, key):
    client.predict(
        key, "drill", False, "junior", "ml-foundations", 2, "", 0.5, True, False, api_name="/start"
    )
    out = client.predict(key, [], "", "", "", api_name="/time_up")  # key, chat, draft, code, explanation
    assert "counts as skipped" in str(out[0]) and "active" in out[5]


def test_a_timer_out_of_range_is_refused_with_what_to_enter(client, key):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="between 0 and 60 minutes"):
        client.predict(
            key, "long", False, "junior", "ml-foundations", 2, "", 90, True, False, api_name="/start"
        )
