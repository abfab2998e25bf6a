"""With an LLM, the interviewer's reply reaches the browser while it is being written."""

from __future__ import annotations

import itertools

import pytest

from .helpers import repo_settings
from .llm_server import ScriptedLLM, polite_interviewer
from .test_app_client import free_port

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory):
    from interviewer.services import Services
    from interviewer.ui.app import build_app

    server = ScriptedLLM(respond=polite_interviewer).start()
    settings = repo_settings(
        tmp_path_factory.mktemp("streamdata"),
        llm="openai",
        llm_base_url=server.url,
        llm_model="test-model",
        llm_api_key="k",
        llm_timeout_s=60,  # the scripted server answers at once; on a loaded 2-core machine 5 s ran out (CI)
        # The turn budget counts from the answer's arrival, so it covers grading too; beside `test_bench` on two
        # cores the default 20 s ran out before the wording began (CI) and the template was used instead.
        llm_turn_budget_s=120,
        max_requests_per_minute=1000,
    )
    svc = Services(settings)
    svc.index_sync.ensure(progress=False)
    demo = build_app(svc)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", server, svc
    demo.close()
    server.stop()


def test_the_reply_streams_then_the_whole_turn_arrives(llm_app):
    from gradio_client import Client

    url, server, svc = llm_app
    client = Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 120})
    key = client.predict("", api_name="/profile_key")[0]
    client.predict(
        key, "streamer", False, "junior", "ml-foundations", 2, "", 0, True, False, api_name="/start"
    )
    job = client.submit(
        key, [], "Overfitting is when a model memorises its training data.", api_name="/answer"
    )
    final = job.result()
    updates = job.outputs()
    assert any(r.get("stream") for r in server.requests)  # the phrasing was asked for as a stream
    partial = [u for u in updates[:-1] if "writing" in str(u[5])]
    # several growing partial replies before the final one (else: why the template was used instead)
    assert len(partial) >= 2, f"template used: {svc.phraser.failures}"
    texts = [_text(u[0][-1]["content"]) for u in partial]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts)) and len(texts[-1]) > len(texts[0])
    assert final[0][-1]["role"] == "assistant" and "writing" not in str(final[5])


def _text(content: object) -> str:
    """A chat message's text, whether Gradio sent it as a string or as a list of parts."""
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)
