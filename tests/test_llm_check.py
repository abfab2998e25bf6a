"""`interviewer check-llm` against the scripted loopback server: what it measures, recommends and stores."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from interviewer.bench.llm_check import dev_answers, gain_interval, run_check
from interviewer.config import load_settings
from interviewer.engine.turn_check import TurnChecker
from interviewer.evaluation.interviews import load, packaged_benchmark
from interviewer.llm.checks import store_check, verdict_for
from interviewer.llm.providers import OpenAIChat
from interviewer.ui.candidate import llm_status

from .llm_server import ScriptedLLM, polite_interviewer

pytestmark = pytest.mark.server


def _quoting_judge(body):
    """A judge that credits every key point with the answer's first words (a real quote)."""
    user = body["messages"][-1]["content"]
    answer = user.split("<answer>", 1)[1].split("</answer>", 1)[0]
    quote = " ".join(answer.split()[:6])
    ids = re.findall(r"^- (\S+) \(", user, re.M)
    return json.dumps({"points": [{"id": i, "met": 1, "quote": quote} for i in ids]})


def _services(services, url, tmp_path):
    settings = load_settings(
        data_dir=tmp_path, llm="openai", llm_base_url=url, llm_model="scripted", llm_turn_budget_s=5.0
    )
    return SimpleNamespace(
        settings=settings,
        llm=OpenAIChat(settings),
        corpus=services.corpus,
        rubric_grader=services.rubric_grader,
        phraser=SimpleNamespace(checker=TurnChecker(services.embedder)),
    )


def test_dev_answers_are_dev_only_fixed_and_gradable(services):
    pairs = dev_answers(services, 40)
    split = {a.id: a.split for a in load(packaged_benchmark())}
    assert len(pairs) == 40 and all(split[a.id] == "dev" for a, _ in pairs)
    assert [a.id for a, _ in pairs] == [a.id for a, _ in dev_answers(services, 40)]
    assert all(t.coding is None and t.key_points for _, t in pairs)


def test_a_polite_model_is_recommended_for_wording_and_the_verdict_is_shown(services, tmp_path):
    def respond(body):
        if body.get("response_format") == {"type": "json_object"}:
            return _quoting_judge(body)
        return polite_interviewer(body)

    server = ScriptedLLM(respond=respond).start()
    try:
        svc = _services(services, server.url, tmp_path)
        check = run_check(svc, answers=6)
    finally:
        server.stop()
    w, j = check.wording, check.judge
    assert w.turns >= 6 and w.finished == 1.0 and w.passed >= 0.8 and check.recommend_wording
    assert j.answers == 6 and j.valid_json > 0.5
    assert check.recommend_judge == (j.gain_ci[0] > 0)
    assert all(m["max_tokens"] for m in server.requests)  # every call bounded
    store_check(svc.settings.llm_check_path, check)
    stored = verdict_for(svc.settings.llm_check_path, "scripted", server.url)
    assert stored == check
    status = llm_status(SimpleNamespace(settings=svc.settings))
    assert "check-llm" in status and "wording on" in status


def test_a_model_that_answers_instead_of_asking_is_kept_off(services, tmp_path):
    def respond(body):
        if body.get("response_format") == {"type": "json_object"}:
            return "Sure! Here is my assessment of the candidate."  # not JSON
        return "The answer is that you split on the feature with the lowest impurity."

    server = ScriptedLLM(respond=respond).start()
    try:
        check = run_check(_services(services, server.url, tmp_path), answers=4)
    finally:
        server.stop()
    assert check.wording.passed == 0.0 and not check.recommend_wording
    assert check.judge.valid_json == 0.0 and check.judge.gain == 0.0 and not check.recommend_judge


def test_the_judge_is_recommended_only_when_the_whole_interval_is_a_gain():
    rng = np.random.default_rng(1)
    rubric_err = rng.uniform(0.5, 1.5, 40)
    groups = [f"q{i % 10}" for i in range(40)]
    lo, hi = gain_interval(rubric_err, rubric_err - 0.4, groups)
    assert 0.39 < lo <= hi < 0.41  # a steady gain
    lo, hi = gain_interval(rubric_err, rubric_err + rng.normal(0, 0.5, 40), groups)
    assert lo < 0 < hi  # noise: not shown to help


def test_check_llm_refuses_without_an_llm(services, tmp_path):
    svc = SimpleNamespace(settings=load_settings(data_dir=tmp_path, llm="none"))
    with pytest.raises(ValueError, match="INTERVIEWER_LLM=openai"):
        run_check(svc)
