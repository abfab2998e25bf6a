"""`interviewer bench`: speed and memory on the embedded defaults with no LLM. Measures; never asserts.

Keys (DESIGN.md): cores, embed_texts_per_s, grade_answers_per_s, grade_vs_embed_ratio, index_full_s,
reindex_unchanged_s, turn_p50_ms_1, turn_p95_ms_1, turn_p50_ms_50, turn_p95_ms_50, turn_p99_ms_50,
saturation_turns_per_s, cold_start_s, rss_mb.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from .config import load_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers() -> list[tuple[str, str]]:
    from .simulate import scripts

    out = []
    for qid, script in scripts().items():
        for profile in ("strong", "mid", "junior", "weak"):
            out.append((qid, script[profile]))
    return out


class _Timed:
    """Wraps an embedder and adds up the wall time spent inside it."""

    def __init__(self, inner: Any):
        self.inner, self.seconds, self.name = inner, 0.0, inner.name

    def embed(self, texts: list[str]) -> Any:
        t = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t

    def passages(self, texts: list[str]) -> Any:
        t = time.perf_counter()
        try:
            return self.inner.passages(texts)
        finally:
            self.seconds += time.perf_counter() - t


def bench_grading(services: Any) -> dict[str, float]:
    from .embeddings import OnnxMiniLM
    from .grading.grader import RubricGrader
    from .grading.target import Target

    answers = _answers()
    fresh = OnnxMiniLM()
    fresh.embed(["warm up"])
    t = time.perf_counter()
    fresh.embed([a for _, a in answers])
    embed_s = time.perf_counter() - t
    timed = _Timed(OnnxMiniLM())
    base = getattr(services.grader, "base", services.grader)
    grader = RubricGrader(timed, base.model, base.rubric, base.nearest_other)
    targets = {qid: Target.of(services.corpus.by_id[qid]) for qid, _ in answers}
    grader.grade(targets[answers[0][0]], "warm up the caches of the question and its key points")
    for tgt in targets.values():  # question and key-point encodings are cached in a real session too
        grader.grade(tgt, tgt.question)
    timed.seconds = 0.0
    t = time.perf_counter()
    for qid, a in answers:
        grader.grade(targets[qid], a)
    grade_s = time.perf_counter() - t
    return {
        "embed_texts_per_s": round(len(answers) / embed_s, 1),
        "grade_answers_per_s": round(len(answers) / grade_s, 1),
        "grade_ms_per_answer": round(1000 * grade_s / len(answers), 1),
        "grade_vs_embed_ratio": round(timed.seconds / grade_s, 3),
    }


def bench_index(services: Any) -> dict[str, float]:
    from .services import Services

    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        s = load_settings(
            data_dir=tmp, corpus_dir=services.settings.corpus_dir, rubrics_dir=services.settings.rubrics_dir
        )
        from .embeddings import OnnxMiniLM

        svc = Services(s)
        svc.__dict__["embedder"] = OnnxMiniLM()  # a cold model and cache: the process-wide one is warm by now
        t = time.perf_counter()
        svc.ensure_index(progress=False)
        full = time.perf_counter() - t
        again = Services(s)  # a new process's view: loads and validates the files, then compares hashes
        t = time.perf_counter()
        again.ensure_index(progress=False)
        return {"index_full_s": round(full, 2), "reindex_unchanged_s": round(time.perf_counter() - t, 3)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_turns_in_process(services: Any, turns: int = 40) -> dict[str, float]:
    from .engine.state import Setup
    from .simulate import Candidate, simulation_engine

    engine = simulation_engine(services)
    times: list[float] = []
    while len(times) < turns:
        state, _ = engine.start(Setup(level="mid", track="ml-foundations", questions=4))
        cand = Candidate("mid")
        while state.status != "finished" and len(times) < turns:
            msg = cand.reply(state)
            t = time.perf_counter()
            engine.reply(state, msg)
            times.append(1000 * (time.perf_counter() - t))
    return {
        "turn_p50_ms_1": round(float(np.percentile(times, 50)), 1),
        "turn_p95_ms_1": round(float(np.percentile(times, 95)), 1),
    }


def _start_app(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = _free_port()
    env = dict(
        os.environ,
        GRADIO_SERVER_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        INTERVIEWER_DATA_DIR=str(data_dir),
        INTERVIEWER_MAX_REQUESTS_PER_MINUTE="100000",
        INTERVIEWER_MAX_OPEN_SESSIONS="100000",
    )
    app = Path(__file__).resolve().parent.parent / "app.py"
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(app)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    import httpx

    while time.perf_counter() - t < 120:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, url, time.perf_counter() - t
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the app did not start within 120 s")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _load(url: str, sessions: int, rate: float, seconds: float) -> list[float]:
    """Answers arriving as a Poisson process at `rate` turns/s in total, spread over `sessions` open sessions."""
    from gradio_client import Client

    from .simulate import scripts

    answers = [s["junior"] for s in scripts().values()]
    clients = []
    for i in range(sessions):
        c = Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
        c.predict(f"bench{i}", False, "mid", "general", 12, "", 0, True, False, api_name="/start")
        clients.append(c)
    latencies: list[float] = []
    lock = threading.Lock()
    rng = np.random.default_rng(1)
    threads, t_end, i = [], time.perf_counter() + seconds, 0

    def one(client: Any, text: str) -> None:
        t = time.perf_counter()
        with contextlib.suppress(Exception):
            client.predict([], text, api_name="/answer")
        with lock:
            latencies.append(1000 * (time.perf_counter() - t))

    while time.perf_counter() < t_end:
        time.sleep(float(rng.exponential(1 / rate)))
        th = threading.Thread(target=one, args=(clients[i % sessions], answers[i % len(answers)]))
        th.start()
        threads.append(th)
        i += 1
    for th in threads:
        th.join(timeout=60)
    return latencies


def bench_http(services: Any, seconds: float = 20.0) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="bench-app-"))
    shutil.copytree(services.settings.chroma_path, data / "chroma", dirs_exist_ok=True)
    proc, url, cold = _start_app(data)
    try:
        lat = _load(url, 50, 10.0, seconds)
        out = {
            "cold_start_s": round(cold, 2),
            "turn_p50_ms_50": round(float(np.percentile(lat, 50)), 1),
            "turn_p95_ms_50": round(float(np.percentile(lat, 95)), 1),
            "turn_p99_ms_50": round(float(np.percentile(lat, 99)), 1),
            "http_turns_measured": len(lat),
        }
        saturation = 0.0
        for rate in (5.0, 10.0, 15.0, 20.0, 30.0, 40.0):
            p95 = float(np.percentile(_load(url, 50, rate, seconds / 2), 95))
            print(f"bench: {rate:.0f} turns/s -> p95 {p95:.0f} ms", file=sys.stderr)
            if p95 > 1000:
                break
            saturation = rate
        out["saturation_turns_per_s"] = saturation
        out["rss_mb"] = _rss_mb(proc.pid)
        return out
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def run_bench(services: Any, quick: bool = False) -> dict[str, Any]:
    services.ensure_index(progress=False)
    result: dict[str, Any] = {"cores": os.cpu_count() or 1}
    for name, fn in (("grading", bench_grading), ("index", bench_index), ("turns", bench_turns_in_process)):
        print(f"bench: {name}", file=sys.stderr)
        result.update(fn(services))
    print("bench: HTTP load (50 sessions, Poisson arrivals)", file=sys.stderr)
    result.update(bench_http(services, seconds=8.0 if quick else 20.0))
    return result
