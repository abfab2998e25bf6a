"""A served app for the candidate security tests, and clients that call it as a browser, an API user or an attacker.

Hashed test embeddings keep the index build to a second or two: these tests are about who may do what, not about
grades. X-Forwarded-For is trusted, so each client can come from its own address on loopback.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .browser import free_port
from .helpers import repo_settings

LIMITS = {
    "max_requests_per_minute": 1000,
    "max_open_sessions": 40,
    "max_open_per_key": 2,
    "max_starts_per_hour_per_key": 6,
    "max_open_per_ip": 4,
    "max_starts_per_hour_per_ip": 10,
    "login_free_attempts": 2,
    "login_backoff_max_s": 30.0,
    "trust_forwarded_for": True,
}


@contextmanager
def candidate_app(data_dir: Path, **overrides: Any):
    from interviewer.services import Services
    from interviewer.ui.app import build_app, launch_options

    settings = repo_settings(
        data_dir,
        embeddings="fake",
        **{**LIMITS, **overrides},
    )
    svc = Services(settings)
    svc.index_sync.ensure(progress=False)
    demo = build_app(svc)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(svc, demo),
    )
    try:
        yield f"http://127.0.0.1:{port}/", svc
    finally:
        demo.close()


def client(url: str, ip: str) -> Any:
    """A gradio_client Client whose requests come from `ip` (through the trusted proxy header)."""
    from gradio_client import Client

    return Client(
        url,
        verbose=False,
        download_files=False,
        headers={"X-Forwarded-For": ip},
        httpx_kwargs={"timeout": 120},
    )


def new_browser(url: str, ip: str) -> tuple[Any, str]:
    """A client and the profile key the page gives a browser on its first visit."""
    c = client(url, ip)
    return c, c.predict("", api_name="/profile_key")[0]


def fn_index(url: str, api_name: str) -> int:
    """The fn_index the page itself uses for an event, private ones included."""
    import httpx

    config = httpx.get(url + "config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def raw_call(url: str, ip: str, fn: int, data: list[Any], session_hash: str) -> dict[str, Any]:
    """Call an event by fn_index over plain HTTP as the page does; the final message (success, output).

    The body is sent with JSON escapes (`\\ud800`), so text that no UTF-8 client library would encode reaches the
    server exactly as a hostile page could send it.
    """
    import httpx

    body = {"data": data, "fn_index": fn, "session_hash": session_hash, "event_data": None}
    headers = {"X-Forwarded-For": ip, "Content-Type": "application/json"}
    with httpx.Client(timeout=120, headers=headers) as http:
        joined = http.post(url + "gradio_api/queue/join", content=json.dumps(body).encode("ascii"))
        event = joined.json()["event_id"]
        params = {"session_hash": session_hash}
        with http.stream("GET", url + "gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg.get("event_id") == event and msg.get("msg") == "process_completed":
                        return dict(msg)
    raise AssertionError("the event stream ended before the call completed")
