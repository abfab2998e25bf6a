"""LLM-worded turns: checked before they are shown, streamed only sentence by sentence once checked, bounded
by the turn budget, with the judge beside the wording; and the validator's rates on the labelled turns."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

from interviewer.config import load_settings
from interviewer.domain.session import Setup
from interviewer.engine.engine import Engine
from interviewer.engine.phrasing import Phraser
from interviewer.engine.planner import Planner
from interviewer.engine.turn_check import TurnChecker, shipped_thresholds
from interviewer.engine.turn_model import shared_turn_model
from interviewer.grading.judge import JudgedGrader
from interviewer.grading.verifier import make_verifier
from interviewer.llm.providers import OpenAIChat
from interviewer.ops.monitoring import REGISTRY

from .helpers import ROOT
from .llm_server import ScriptedLLM, Step, polite_interviewer, reply

pytestmark = pytest.mark.server
ANSWER = "It splits the data on features to reduce impurity, I think, and predicts at leaves."


def _fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("interviewer_llm_fallbacks_total", {"reason": reason}) or 0.0


@pytest.fixture
def server():
    srv = ScriptedLLM(respond=polite_interviewer).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_engine(server, services, tmp_path):
    def build(budget_s: float = 20.0, judge: bool = False, timeout_s: float = 5.0) -> Engine:
        settings = load_settings(
            data_dir=tmp_path,
            llm="openai",
            llm_base_url=server.url,
            llm_model="test-model",
            llm_timeout_s=timeout_s,
            llm_turn_budget_s=budget_s,
        )
        llm = OpenAIChat(settings)
        phraser = Phraser(llm, TurnChecker(services.embedder), 2000, 80)
        return Engine(
            services.corpus,
            services.rubric_grader,
            Planner(services.corpus, services.embedder),
            phraser,
            services.embedder,
            judge=JudgedGrader(services.rubric_grader, llm, 300) if judge else None,
            llm_budget_s=budget_s,
        )

    return build


def _start(engine: Engine, questions: int = 3):
    """A session whose current question is the decision-tree one (ANSWER covers part of it)."""
    state, events = engine.start(Setup(level="junior", track="ml-foundations", questions=questions))
    state.current.id, state.current.level = "mlf-decision-tree", "junior"
    return state, events


def test_start_skip_and_hint_answer_at_once_without_the_llm(server, make_engine):
    engine = make_engine()
    state, _ = _start(engine)
    engine.reply(state, "hint")
    engine.reply(state, "skip")
    assert server.requests == [] and engine.target(state.current).question in state.turns[-1].text


def test_a_good_follow_up_streams_after_its_check_and_is_kept(server, make_engine):
    engine = make_engine()
    state, _ = _start(engine)
    shown: list[str] = []
    events = engine.reply(state, ANSWER, on_token=shown.append)
    follow = next(e for e in events if e.kind == "follow_up")
    assert follow.text.startswith("Okay, thanks.") and follow.data["probe"] in follow.text
    assert "".join(shown).strip() == follow.text.strip()
    system = server.requests[-1]["messages"][0]
    assert system["role"] == "system" and "Follow-up question:" in system["content"]
    last = server.requests[-1]["messages"][-1]
    assert last["role"] == "user" and last["content"].startswith("<candidate>")  # the answer is data, last


BAD_FOLLOW_UPS = {
    "third_person": "Interesting. Now the candidate should explain how the tree chooses where to split.",
    "instruction_echo": "As instructed, here is my follow-up: how does the tree choose its split?",
    "reveals_grading": "You missed a key point on the rubric. How does the tree choose its split?",
    "no_question": "Good. Trees are a classic starting point for tabular data.",
    "truncated": "Okay. How does the tree choose where to",
}


@pytest.mark.parametrize("reason", sorted(BAD_FOLLOW_UPS))
def test_a_follow_up_that_fails_its_check_never_reaches_the_candidate(server, make_engine, reason):
    engine = make_engine()
    state, _ = _start(engine)
    before = _fallbacks(reason)
    server.script(reply(BAD_FOLLOW_UPS[reason]))
    shown: list[str] = []
    events = engine.reply(state, ANSWER, on_token=shown.append)
    follow = next(e for e in events if e.kind == "follow_up")
    assert follow.text not in BAD_FOLLOW_UPS[reason] and follow.data["probe"] in follow.text  # the template
    assert not any(
        bad in "".join(shown) for bad in ("candidate", "instructed", "rubric", "tabular", "where to")
    )
    assert engine.phraser.failures[-1] == reason and _fallbacks(reason) == before + 1


def test_a_follow_up_that_states_a_key_point_is_replaced(server, make_engine):
    engine = make_engine()
    state, _ = _start(engine)
    target = engine.target(state.current)
    leak = next(k.text for k in target.key_points if k.level == "junior")
    server.script(reply(f"Okay. {leak} So what would you say about that?"))
    events = engine.reply(state, ANSWER, on_token=lambda t: None)
    follow = next(e for e in events if e.kind == "follow_up")
    assert leak not in follow.text and engine.phraser.failures[-1] == "states_answer"


def test_the_words_before_a_question_are_checked_and_the_question_is_verbatim(server, make_engine, corpus):
    engine = make_engine()
    state, _ = _start(engine, questions=3)
    state.current.probes_asked = ["x", "y"]  # no follow-up left: the answer moves on to the next question
    engine.reply(state, ANSWER, on_token=lambda t: None)
    question = next(e for e in reversed(state.turns) if e.role == "interviewer")
    asked = engine.target(state.current).question
    assert question.text.startswith("Thanks, let's move on to the next one.") and question.text.endswith(
        asked
    )
    assert "Follow-up question" not in server.requests[-1]["messages"][0]["content"]
    assert asked not in json.dumps(server.requests[-1]["messages"])  # the LLM never sees the next question


def test_a_turn_never_runs_past_its_budget_by_more_than_a_second(server, make_engine):
    engine = make_engine(budget_s=2.0, timeout_s=10.0)
    state, _ = _start(engine)
    server.script(Step(content="Okay. " + "and then " * 40 + "what?", word_delay=0.1))
    t0 = time.monotonic()
    events = engine.reply(state, ANSWER, on_token=lambda t: None)
    took = time.monotonic() - t0
    assert took < 2.0 + 1.0, f"the turn took {took:.2f} s"
    assert any(e.kind == "follow_up" for e in events) and engine.phraser.failures[-1] == "budget"


def test_the_judge_runs_beside_the_wording_not_in_front_of_it(server, make_engine, corpus):
    def slow_both(body):
        json_mode = body.get("response_format") == {"type": "json_object"}
        return Step(content='{"points": []}' if json_mode else polite_interviewer(body), delay=1.2)

    server.respond = slow_both
    engine = make_engine(judge=True)
    state, _ = _start(engine)
    t0 = time.monotonic()
    engine.reply(state, ANSWER, on_token=lambda t: None)
    took = time.monotonic() - t0
    assert len(server.requests) == 2 and took < 2.2, f"judge and wording took {took:.2f} s together"
    assert "judge_failed" in state.items[0].grade.flags  # an empty judgement leaves the rubric grade


def test_the_wording_never_sees_the_rubric_and_history_is_trimmed(server, make_engine):
    engine = make_engine()
    state, _ = _start(engine, questions=3)
    target = engine.target(state.current)
    for _ in range(2):
        engine.reply(state, "word " * 900, on_token=lambda t: None)
    sent = json.dumps([r["messages"] for r in server.requests])
    assert target.references[0] not in sent
    assert all(k.text not in sent for k in target.key_points)
    from interviewer.llm.tokens import count

    history = server.requests[-1]["messages"][1:]
    assert sum(count(m["content"]) for m in history) <= 2000


def test_small_talk_inside_a_scenario_is_redirected_not_graded(services):
    engine = Engine(
        services.corpus,
        services.rubric_grader,
        Planner(services.corpus, services.embedder),
        Phraser(OpenAIChat.__new__(OpenAIChat), None),
        services.embedder,
    )
    state, _ = engine.start(Setup(level="senior", track="system-design", questions=4))
    for _ in range(8):
        if state.scenario:
            break
        engine.reply(state, "skip")
    assert state.scenario, "the track's plan has a scenario"
    item = state.current
    events = engine.reply(state, "did you watch the football last night?")
    assert [e.kind for e in events] == ["redirect"] and state.current is item
    assert item.grade is None and item.answers == []


# -- the validator on turns written by someone else -----------------------------------------------------------


def _examples():
    spec = importlib.util.spec_from_file_location("turn_examples", ROOT / "training" / "turn_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_validator_meets_its_goals_on_the_measure_half(services, corpus):
    """The shipped thresholds were fitted on the fit half only; on the other half good turns must pass (goal
    0.90; 0.95 kept) and bad ones be rejected (goal 0.95). The shipped file's figures must be what the code gives."""
    examples = _examples()
    spec = importlib.util.spec_from_file_location("fit_turn_check", ROOT / "training" / "fit_turn_check.py")
    assert spec and spec.loader
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    rows = examples.split(examples.load_turns())["measure"]
    thresholds = shipped_thresholds()
    verifier = make_verifier("onnx") if thresholds.uses_verifier() else None
    model = shared_turn_model() if thresholds.learned_bad is not None else None
    report = fit.measure(TurnChecker(services.embedder, thresholds, verifier, model), rows, corpus)
    assert report["good_passed"] >= 0.95 and report["bad_rejected"] >= 0.95
    shipped = json.loads((ROOT / "interviewer" / "data" / "turn_check.json").read_text())["rates"]["measure"]
    assert (shipped["good_passed"], shipped["bad_rejected"]) == (
        report["good_passed"],
        report["bad_rejected"],
    )


def test_the_blind_sets_already_read_are_reported_as_fitting_data_not_as_a_measure():
    """Each blind set was read once as a measure; since they are fitted on, the shipped file must say so."""
    shipped = json.loads((ROOT / "interviewer" / "data" / "turn_check.json").read_text())
    assert "llm_turns_blind.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind2.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind3.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind4.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind5.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind6.jsonl" in shipped["thresholds"]["fitted_on"]
    assert "llm_turns_blind7.jsonl" in shipped["thresholds"]["fitted_on"]
    assert set(shipped["rates"]) == {
        "fit",
        "measure",
        "blind_used_for_fitting",
        "blind2_used_for_fitting",
        "blind3_used_for_fitting",
        "blind4_used_for_fitting",
        "blind5_used_for_fitting",
        "blind6_used_for_fitting",
        "blind7_used_for_fitting",
    }
    assert _examples().fitting_rows()[-1]["written_by"] == "blind-set-7"
