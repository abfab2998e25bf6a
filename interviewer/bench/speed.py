"""`interviewer bench`: speed and memory on the embedded defaults with no LLM. Measures; never asserts.

Keys (DESIGN.md): cores, embed_texts_per_s, grade_answers_per_s, grade_vs_embed_ratio, index_full_s,
reindex_unchanged_s, turn_p50_ms_1, turn_p95_ms_1, turn_p50_ms_50, turn_p95_ms_50, turn_p99_ms_50,
saturation_turns_per_s, cold_start_s, rss_mb, and the llm_* keys of llm_speed.py; also ready_s (process start to
GET /ready: model and grader loaded), after which the HTTP load starts, as a load balancer would wait for it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.config import load_settings


def _answers() -> list[tuple[str, str]]:
    from interviewer.bench.simulate import scripts

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
    from interviewer.domain.target import Target
    from interviewer.encoders.embeddings import OnnxMiniLM
    from interviewer.grading.grader import RubricGrader

    answers = _answers()
    threads = services.settings.encoder_threads  # as the app runs it
    fresh = OnnxMiniLM(threads=threads)
    fresh.embed(["warm up"])
    t = time.perf_counter()
    fresh.embed([a for _, a in answers])
    embed_s = time.perf_counter() - t
    timed = _Timed(OnnxMiniLM(threads=threads))
    base = services.rubric_grader
    grader = RubricGrader(
        timed, base.model, base.rubric, base.nearest_other, cross=base.cross, polarity=base.polarity
    )
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
        **_grade_150_words(services, grader),
        "embed_texts_per_s": round(len(answers) / embed_s, 1),
        "grade_answers_per_s": round(len(answers) / grade_s, 1),
        "grade_ms_per_answer": round(1000 * grade_s / len(answers), 1),
        "grade_vs_embed_ratio": round(timed.seconds / grade_s, 3),
    }


def _grade_150_words(services: Any, grader: Any, most: int = 40) -> dict[str, float]:
    """p50/p95 of grading one 150-word answer: dev answers of the labelled set cut to their first 150 words, each
    graded once after its question's texts are cached (as in a session, where they are encoded when asked)."""
    from interviewer.evaluation import interviews

    items = interviews.corpus_items(services.corpus)
    dev = [a for a in interviews.load(interviews.packaged_benchmark()) if a.split == "dev"]
    chosen = [(a.item_id, " ".join(a.text.split()[:150])) for a in dev if len(a.text.split()) >= 150][:most]
    times = []
    for item_id, text in chosen:
        target = interviews.target_of(items, item_id)
        grader.grade(target, target.question)
        t = time.perf_counter()
        grader.grade(target, text)
        times.append(1000 * (time.perf_counter() - t))
    if not times:
        return {}
    return {
        "grade_p50_ms_150w": round(float(np.percentile(times, 50)), 1),
        "grade_p95_ms_150w": round(float(np.percentile(times, 95)), 1),
    }


def bench_index(services: Any) -> dict[str, float]:
    from interviewer.services import Services

    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        s = load_settings(
            data_dir=tmp, corpus_dir=services.settings.corpus_dir, rubrics_dir=services.settings.rubrics_dir
        )
        from interviewer.encoders.embeddings import OnnxMiniLM

        svc = Services(s)
        svc.__dict__["embedder"] = OnnxMiniLM(
            threads=s.encoder_threads
        )  # a cold model and cache: the process-wide one is warm by now
        t = time.perf_counter()
        svc.index_sync.ensure(progress=False)
        full = time.perf_counter() - t
        again = Services(s)  # a new process's view: loads and validates the files, then compares hashes
        t = time.perf_counter()
        again.index_sync.ensure(progress=False)
        return {"index_full_s": round(full, 2), "reindex_unchanged_s": round(time.perf_counter() - t, 3)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_turns_in_process(services: Any, turns: int = 40) -> dict[str, float]:
    from interviewer.bench.simulate import Candidate, simulation_engine
    from interviewer.domain.session import Setup

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


def run_bench(services: Any, quick: bool = False) -> dict[str, Any]:
    services.index_sync.ensure(progress=False)
    services.load_encodings(build=True)  # what `interviewer index` (and so `make run`) leaves for the app
    result: dict[str, Any] = {"cores": os.cpu_count() or 1}
    for name, fn in (("grading", bench_grading), ("index", bench_index), ("turns", bench_turns_in_process)):
        print(f"bench: {name}", file=sys.stderr)
        result.update(fn(services))
    print("bench: HTTP load (50 sessions, Poisson arrivals)", file=sys.stderr)
    from interviewer.bench.http_turns import bench_http

    result.update(bench_http(services, seconds=8.0 if quick else 20.0))
    if not quick:  # the contract test's run: the LLM part alone takes minutes on 2 cores
        print("bench: LLM turns (llama.cpp + SmolLM2-135M on loopback)", file=sys.stderr)
        from interviewer.bench.llm_speed import bench_llm

        result.update(bench_llm(services))
    print("bench: voice (Whisper base and piper; turns while transcribing)", file=sys.stderr)
    from interviewer.bench.voice_speed import bench_turns_while_transcribing, bench_voice_models

    result.update(bench_voice_models(services))
    result.update(bench_turns_while_transcribing(services, seconds=8.0 if quick else 20.0))
    return result
