"""The HTTP part of `interviewer bench`: the real app in its own process, driven over Gradio's queue API.

The load generator shares the machine with the app, so it is kept light: one pooled HTTP client speaking the
queue protocol directly (join, then read the event stream until the call completes), not a gradio_client per
session with its own threads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

READ_S = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start app.py on a free port; return it, its URL and the seconds until the page was served."""
    import httpx

    port = _free_port()
    env = dict(
        os.environ,
        GRADIO_SERVER_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        INTERVIEWER_DATA_DIR=str(data_dir),
        INTERVIEWER_MAX_REQUESTS_PER_MINUTE="100000",
        INTERVIEWER_MAX_OPEN_SESSIONS="100000",
        INTERVIEWER_MAX_OPEN_PER_IP="100000",  # every simulated candidate comes from loopback
        INTERVIEWER_MAX_STARTS_PER_HOUR_PER_IP="100000",
    )
    app = Path(__file__).resolve().parents[2] / "app.py"
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(app)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - t < 120:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, url, time.perf_counter() - t
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the app did not start within 120 s")


def wait_ready(url: str, started: float, timeout_s: float = 120.0) -> float:
    """Seconds from `started` until GET /ready says the model and grader are loaded (what a load balancer's
    readiness probe waits for before it routes candidates to a new process)."""
    import httpx

    while time.perf_counter() - started < timeout_s:
        try:
            if httpx.get(url + "ready", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the app was not ready within {timeout_s:.0f} s")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class QueueClient:
    """Calls named endpoints of a Gradio app as one browser session would (state stays on the server)."""

    def __init__(self, http: Any, url: str, endpoints: dict[str, tuple[int, list[bool]]]):
        self.http, self.url, self.endpoints = http, url, endpoints
        self.session_hash = uuid.uuid4().hex[:12]

    @staticmethod
    def endpoints_of(http: Any, url: str) -> dict[str, tuple[int, list[bool]]]:
        """api_name -> (fn_index, which inputs are gr.State) from the app's config."""
        config = http.get(url + "config").json()
        kinds = {c["id"]: c.get("type") for c in config["components"]}
        return {
            d["api_name"]: (d["id"], [kinds.get(i) == "state" for i in d["inputs"]])
            for d in config["dependencies"]
            if d.get("api_name")
        }

    def call(self, api_name: str, *data: Any) -> list[Any]:
        fn, is_state = self.endpoints[api_name]
        given = iter(data)
        payload = [None if state else next(given) for state in is_state]
        body = {"data": payload, "fn_index": fn, "session_hash": self.session_hash, "event_data": None}
        event = self.http.post(self.url + "gradio_api/queue/join", json=body).json()["event_id"]
        params = {"session_hash": self.session_hash}
        with self.http.stream("GET", self.url + "gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event and msg.get("msg") == "process_completed":
                    if not msg.get("success"):
                        raise RuntimeError(f"{api_name} failed: {msg.get('output')}")
                    return list(msg["output"]["data"])
        raise RuntimeError(f"{api_name}: the event stream ended before the call completed")


def unique(answer: str, tag: str) -> str:
    """The answer with every sentence made new: real candidates never repeat one, so no turn may be served from
    the encoder's cache of sentences it has seen."""
    parts = re.split(r"(?<=[.!?])\s+", answer.strip())
    return " ".join(f"{p.rstrip('.!?')} (take {tag})." for p in parts if p)


def load(url: str, sessions: int, rate: float, seconds: float) -> tuple[list[float], int]:
    """Answers arriving as a Poisson process at `rate` turns/s over `sessions` open sessions: latencies, errors."""
    import httpx

    from interviewer.bench.simulate import scripts
    from interviewer.sessions.identity import new_key

    answers = [s[p] for s in scripts().values() for p in ("strong", "mid", "junior", "weak")]
    limits = httpx.Limits(max_connections=4 * sessions, max_keepalive_connections=2 * sessions)
    http = httpx.Client(timeout=300, limits=limits)
    endpoints = QueueClient.endpoints_of(http, url)
    clients = [QueueClient(http, url, endpoints) for _ in range(sessions)]
    keys = [new_key() for _ in clients]  # each candidate's browser holds its own profile key
    for i, c in enumerate(clients):
        c.call("start", keys[i], f"bench{i}", False, "mid", "general", 12, "", 0, True, False)
    time.sleep(READ_S)  # the candidates read their first question (the app prepares its grading meanwhile)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    busy = [threading.Lock() for _ in clients]  # a person answers one question at a time
    rng = np.random.default_rng(1)
    threads, t_end, i = [], time.perf_counter() + seconds, 0

    def one(k: int, text: str) -> None:
        nonlocal errors
        with busy[k]:
            t = time.perf_counter()
            try:
                clients[k].call("answer", keys[k], [], text)
            except Exception:
                with lock:
                    errors += 1
                return
            with lock:
                latencies.append(1000 * (time.perf_counter() - t))

    while time.perf_counter() < t_end:
        time.sleep(float(rng.exponential(1 / rate)))
        text = unique(answers[i % len(answers)], f"{rate:g}/{i}")
        th = threading.Thread(target=one, args=(i % sessions, text), daemon=True)
        th.start()
        threads.append(th)
        i += 1
    for th in threads:
        th.join(timeout=120)
    http.close()
    return latencies, errors


def bench_http(services: Any, seconds: float = 20.0) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="bench-app-"))
    shutil.copytree(services.settings.chroma_path, data / "chroma", dirs_exist_ok=True)
    started = time.perf_counter()
    proc, url, cold = start_app(data)
    try:
        ready = wait_ready(url, started)
        lat, errors = load(url, 50, 10.0, seconds)
        out: dict[str, float] = {
            "cold_start_s": round(cold, 2),
            "ready_s": round(ready, 2),
            "turn_p50_ms_50": round(float(np.percentile(lat, 50)), 1),
            "turn_p95_ms_50": round(float(np.percentile(lat, 95)), 1),
            "turn_p99_ms_50": round(float(np.percentile(lat, 99)), 1),
            "http_turns_measured": len(lat),
            "http_errors": errors,
        }
        saturation = 0.0
        for rate in (5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0):
            lat, errors = load(url, 50, rate, seconds / 2)
            p95 = float(np.percentile(lat, 95)) if lat else float("inf")
            print(f"bench: {rate:.0f} turns/s -> p95 {p95:.0f} ms, {errors} errors", file=sys.stderr)
            if p95 > 1000 or errors:
                break
            saturation = rate
        out["saturation_turns_per_s"] = saturation
        out["rss_mb"] = _rss_mb(proc.pid)
        return out
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)
