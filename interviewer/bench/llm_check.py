"""`interviewer check-llm`: a fixed, timed run that qualifies the configured model for wording and for judging.

Wording: the model words follow-ups and the words before a question for a fixed set of dev answers, exactly as
in an interview (streamed through the sentence gate, checked, bounded by the turn budget). Judging: the rubric
grader alone and with the judge grade the same labelled dev answers of the shipped benchmark (never test
answers); the judge's gain is the drop in mean absolute error against the readers' scores, with a bootstrap
interval that resamples questions. The verdict recommends the judge only when that interval lies above zero.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from interviewer.engine.phrasing import Phraser, template, turn_context
from interviewer.evaluation.interviews import corpus_items, load, packaged_benchmark, target_of
from interviewer.grading.judge import NO_JUDGE_FLAGS, JudgedGrader
from interviewer.llm.checks import JudgeCheck, LLMCheck, WordingCheck
from interviewer.llm.providers import within

ANSWERS = 40
"""Labelled dev answers the judge is measured on (the issue asks for about 40)."""
WORDING_TURNS = 12
"""Follow-ups worded (and as many preambles): enough to tell 'mostly passes' from 'mostly fails'."""
PASS_GOAL = 0.8
"""Below this share of passing turns, most turns are templates anyway, after the LLM's wait."""
ERROR_KINDS = {
    "timeout",
    "rate_limit",
    "server",
    "stream",
    "length",
    "cancelled",
    "budget",
    "bad_output",
    "other",
}
"""Fallback reasons that are the call's failure (no proper finish), not the turn check's."""
Progress = Callable[[str], None]


def dev_answers(services: Any, n: int = ANSWERS) -> list[tuple[Any, Any]]:
    """(answer, target) for `n` dev answers to non-coding items, in a fixed order (SHA-256 of the answer id)."""
    items = corpus_items(services.corpus)
    rows = []
    for a in load(packaged_benchmark()):
        if a.split != "dev" or a.item_id not in items:
            continue
        target = target_of(items, a.item_id)
        if target.coding is None and target.key_points:
            rows.append((hashlib.sha256(a.id.encode()).hexdigest(), a, target))
    rows.sort(key=lambda r: r[0])
    return [(a, t) for _, a, t in rows[:n]]


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else 0.0


def check_wording(
    services: Any, phraser: Phraser, pairs: list[tuple[Any, Any]], budget_s: float, say: Progress
) -> WordingCheck:
    """Word a follow-up and a preamble after each of the first WORDING_TURNS answers, as an interview would."""
    seconds: list[float] = []
    worded = {"follow_up": 0, "preamble": 0}
    asked = {"follow_up": 0, "preamble": 0}
    reasons: Counter[str] = Counter()

    def timed(kind: str, word: Callable[..., str], *args: Any) -> None:
        before = len(phraser.failures)
        t0 = time.monotonic()
        word(*args, t0 + budget_s)  # the turn's deadline is the last argument of both
        seconds.append(time.monotonic() - t0)
        asked[kind] += 1
        if len(phraser.failures) > before:
            reasons[phraser.failures[-1]] += 1
        else:
            worded[kind] += 1

    chosen = pairs[:WORDING_TURNS]
    for i, (answer, target) in enumerate(chosen):
        text = answer.text[:1500]
        history = [
            {"role": "assistant", "content": target.question},
            {"role": "user", "content": f"<candidate>{text}</candidate>"},
        ]
        if target.probes:
            probe = target.probes[0][0]
            ctx = turn_context("follow_up", target, probe=probe, candidate=text)
            fallback = template("follow_up", answer.id, probe=probe)
            timed("follow_up", phraser.follow_up, fallback, probe, ctx, history, _sink)
        nxt = chosen[(i + 1) % len(chosen)][1]
        fallback = template("next_question", answer.id, ack="", question=nxt.question)
        pctx = turn_context("preamble", nxt)
        timed("preamble", phraser.preamble, fallback, nxt.question, nxt.topic, pctx, history, _sink)
        say(f"wording {i + 1}/{len(chosen)}: {dict(reasons) or 'all passed so far'}")
    total = sum(asked.values())
    errors = sum(n for r, n in reasons.items() if r in ERROR_KINDS)
    return WordingCheck(
        turns=total,
        finished=round(1 - errors / total, 3) if total else 0.0,
        passed=round(sum(worded.values()) / total, 3) if total else 0.0,
        follow_ups_passed=round(worded["follow_up"] / asked["follow_up"], 3) if asked["follow_up"] else 0.0,
        reasons=dict(reasons),
        p50_s=_percentile(seconds, 50),
        p95_s=_percentile(seconds, 95),
    )


def _sink(piece: str) -> None:
    """Streamed words go nowhere: the run measures what would be shown, not how it looks."""


def gain_interval(
    rubric_err: np.ndarray, judged_err: np.ndarray, groups: list[str], resamples: int = 2000
) -> tuple[float, float]:
    """95% bootstrap interval of mean(rubric_err - judged_err), resampling whole questions."""
    rng = np.random.default_rng(0)
    names = sorted(set(groups))
    index = {g: np.array([i for i, x in enumerate(groups) if x == g]) for g in names}
    diff = rubric_err - judged_err
    stats = []
    for _ in range(resamples):
        picked = rng.choice(len(names), size=len(names), replace=True)
        rows = np.concatenate([index[names[k]] for k in picked])
        stats.append(float(diff[rows].mean()))
    lo, hi = np.percentile(stats, [2.5, 97.5])
    return round(float(lo), 3), round(float(hi), 3)


def check_judge(
    services: Any, pairs: list[tuple[Any, Any]], budget_s: float, max_tokens: int, say: Progress
) -> JudgeCheck:
    """Grade each answer with the rubric grader alone and with the judge; compare both with the readers."""
    judge = JudgedGrader(services.rubric_grader, services.llm, max_tokens)
    human, rubric, judged, groups, seconds = [], [], [], [], []
    calls = valid = 0
    for i, (answer, target) in enumerate(pairs):
        base = services.rubric_grader.grade(target, answer.text)
        t0 = time.monotonic()
        with within(t0 + budget_s):
            graded = judge.grade(target, answer.text)
        if not set(base.flags) & NO_JUDGE_FLAGS:
            calls += 1
            seconds.append(time.monotonic() - t0)
            valid += "judge_failed" not in graded.flags
        human.append(answer.label.score)
        rubric.append(base.score)
        judged.append(graded.score)
        groups.append(answer.item_id)
        if (i + 1) % 5 == 0:
            say(f"judge {i + 1}/{len(pairs)}: {valid}/{calls} usable replies")
    h, r, j = (np.array(x, dtype=float) for x in (human, rubric, judged))
    rubric_err, judged_err = np.abs(r - h), np.abs(j - h)
    return JudgeCheck(
        answers=len(pairs),
        questions=len(set(groups)),
        valid_json=round(valid / calls, 3) if calls else 0.0,
        mae_rubric=round(float(rubric_err.mean()), 3),
        mae_judged=round(float(judged_err.mean()), 3),
        gain=round(float((rubric_err - judged_err).mean()), 3),
        gain_ci=gain_interval(rubric_err, judged_err, groups),
        p50_s=_percentile(seconds, 50),
    )


def run_check(services: Any, answers: int = ANSWERS, say: Progress = lambda _: None) -> LLMCheck:
    """The whole run against the configured model; raises ValueError when no LLM is configured."""
    s = services.settings
    if s.llm == "none":
        raise ValueError(
            "no LLM configured: set INTERVIEWER_LLM=openai, INTERVIEWER_LLM_BASE_URL and INTERVIEWER_LLM_MODEL"
        )
    t0 = time.monotonic()
    pairs = dev_answers(services, answers)
    phraser = Phraser(services.llm, services.phraser.checker, s.llm_history_tokens, s.llm_max_tokens)
    wording = check_wording(services, phraser, pairs, s.llm_turn_budget_s, say)
    judge = check_judge(services, pairs, s.llm_turn_budget_s, s.llm_judge_max_tokens, say)
    return LLMCheck(
        model=s.llm_model,
        base_url=s.llm_base_url,
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - t0, 1),
        wording=wording,
        judge=judge,
        recommend_wording=wording.passed >= PASS_GOAL,
        recommend_judge=judge.gain_ci[0] > 0,
    )
