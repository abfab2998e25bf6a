"""The per-question timer in the engine, on a fake clock: late answers are marked, never lost nor marked down."""

from __future__ import annotations

import json

import pytest

from interviewer.domain.session import Setup
from interviewer.engine.engine import Engine
from interviewer.engine.scorecard import build_scorecard
from interviewer.engine.timing import TIMER_GRACE_S

LIMIT = 120


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def engine(services, clock):
    e = services.engine
    return Engine(e.corpus, e.grader, e.planner, e.phraser, e.embedder, e.max_answer_tokens, clock=clock)


def _partial(engine, state) -> str:
    """An on-topic answer that makes the first junior key point only (usually graded in the middle)."""
    kp = next(k for k in engine.target(state.current).key_points if k.level == "junior")
    return f"I think it comes down to this: {kp.text}"


def _feedback(events) -> str:
    return "\n".join(e.text for e in events if e.kind == "feedback")


def test_an_answer_in_time_is_not_flagged(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=2, timer_s=LIMIT))
    clock.advance(
        LIMIT + TIMER_GRACE_S - 1
    )  # past the timer, inside the grace for the network and auto-submit
    out = engine.reply(state, _partial(engine, state))
    item = state.items[0]
    assert not item.over_time and item.time_s == pytest.approx(LIMIT + TIMER_GRACE_S - 1)
    assert "Over time" not in _feedback(out)


def test_a_late_answer_is_flagged_and_graded_exactly_as_in_time(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=2, timer_s=LIMIT))
    late = state.model_copy(deep=True)
    answer = _partial(engine, state)
    start = clock.now

    clock.now = start + 30
    in_time_events = engine.reply(state, answer)
    clock.now = start + LIMIT + TIMER_GRACE_S + 1
    late_events = engine.reply(late, answer)

    on_time, over = state.items[0], late.items[0]
    assert not on_time.over_time and over.over_time
    assert over.time_s == pytest.approx(LIMIT + TIMER_GRACE_S + 1)
    assert over.grade is not None and on_time.grade is not None
    assert over.grade.score == on_time.grade.score and over.grade.level == on_time.grade.level
    assert over.answers == [answer]  # nothing lost
    assert "Over time" in _feedback(late_events) and "graded as usual" in _feedback(late_events)
    assert "Over time" not in _feedback(in_time_events)
    assert [e.data.get("over_time") for e in late_events if e.kind == "feedback"] == [True]


def test_paused_time_does_not_count_and_resume_restarts_the_clock(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=2, timer_s=LIMIT))
    clock.advance(LIMIT - 10)
    engine.pause(state)
    clock.advance(3600)  # an hour away
    engine.resume(state)
    clock.advance(LIMIT - 10)  # the full time again after the resume
    engine.reply(state, _partial(engine, state))
    assert not state.items[0].over_time and state.items[0].time_s == pytest.approx(LIMIT - 10)

    # A message sent while paused (without pressing Resume) resumes too: the pause still does not count.
    clock.advance(5)
    engine.pause(state)
    clock.advance(3600)
    engine.reply(state, _partial(engine, state))
    assert not any(i.over_time for i in state.items)


def test_each_follow_up_gets_its_own_clock(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=6, timer_s=LIMIT))
    for _ in range(6):
        n = len(state.items)
        clock.advance(LIMIT - 5)
        out = engine.reply(state, _partial(engine, state))
        if any(e.kind == "follow_up" for e in out):
            break
        assert len(state.items) > n
    else:
        pytest.fail("no partial answer drew a follow-up")
    clock.advance(LIMIT - 5)  # twice the timer on this question, but each answer had the full time
    engine.reply(state, "I would also check it on held-out data before trusting it.")
    assert not any(i.over_time for i in state.items)
    assert state.items[n - 1].time_s == pytest.approx(2 * (LIMIT - 5))


def test_time_up_submits_the_draft_as_the_answer_and_no_draft_as_a_skip(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=3, timer_s=LIMIT))
    clock.advance(LIMIT)
    first_clock = state.current.asked_at
    out = engine.reply(state, "hint", time_up=first_clock)  # a draft is an answer, whatever it says
    assert state.items[0].answers == ["hint"] and state.items[0].grade is not None
    assert "Time ran out" in out[0].text and not any(e.kind == "hint" for e in out)
    while state.current is state.items[0] and state.awaiting == "follow_up":
        engine.reply(state, "skip")
    second = state.current
    clock.advance(LIMIT)
    out = engine.reply(state, "", time_up=second.asked_at)
    assert second.skipped and "skipped" in out[0].text and state.current is not second
    assert not [t for t in state.turns if t.role == "candidate" and not t.text]


def test_a_time_up_that_crosses_an_answer_is_dropped(engine, clock):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=3, timer_s=LIMIT))
    counted_from = state.current.asked_at
    clock.advance(LIMIT - 1)
    engine.reply(state, _partial(engine, state))  # sent in the last second
    before = state.model_dump_json()
    clock.advance(1)
    assert engine.reply(state, _partial(engine, state), time_up=counted_from) == []
    assert state.model_dump_json() == before  # not submitted again to the follow-up or the next question


def test_the_countdown_value_follows_the_session(engine, clock):
    from interviewer.ui.timer import OFF, timer_value

    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=2, timer_s=LIMIT))
    running = timer_value(state, clock())
    assert running["state"] == "running" and running["seconds"] == LIMIT
    clock.advance(20)
    assert timer_value(state, clock()) == {
        **running,
        "seconds": LIMIT - 20,
    }  # same key: the page keeps counting
    engine.pause(state)
    assert timer_value(state, clock())["state"] == "paused"
    clock.advance(600)
    engine.resume(state)
    resumed = timer_value(state, clock())
    assert resumed["seconds"] == LIMIT and resumed["key"] != running["key"]  # a new key: the page restarts
    engine.wrap_up(state)
    assert timer_value(state, clock()) == OFF
    untimed, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=1))
    assert timer_value(untimed, clock()) == OFF


def test_the_setup_takes_fractional_minutes_up_to_an_hour():
    import gradio as gr

    from interviewer.ui.timer import timer_seconds

    assert (timer_seconds(0.5), timer_seconds(0), timer_seconds(None), timer_seconds(60)) == (30, 0, 0, 3600)
    for bad in (61, -1, float("nan")):
        with pytest.raises(gr.Error, match="between 0 and 60 minutes"):
            timer_seconds(bad)


def test_time_up_on_a_coding_question_sends_the_code_not_the_starter(services):
    from interviewer.ui.timer import draft_answer

    state, _ = services.sessions.start("timer-coder", Setup(level="junior", track="coding", questions=1))
    spec = services.corpus.by_id[state.current.id].coding
    assert draft_answer(services, state, "", spec.starter or "", "") == ""  # nothing typed: a skip
    code = (spec.starter or "") + "\n# my edit\n"
    sent = draft_answer(services, state, "a note", code, "linear time")
    assert "# my edit" in sent and "linear time" in sent and "a note" in sent


def test_the_scorecard_shows_time_per_question_and_which_went_over(engine, clock, corpus):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=2, timer_s=LIMIT))
    clock.advance(65)
    engine.reply(state, "skip")
    clock.advance(LIMIT + TIMER_GRACE_S + 60)
    engine.reply(state, _partial(engine, state))
    engine.wrap_up(state)
    card = build_scorecard(state, corpus)

    data = json.loads(card.to_json())
    assert data["timer_s"] == LIMIT
    assert [(q["time_s"], q["over_time"]) for q in data["questions"]] == [
        (65.0, False),
        (LIMIT + TIMER_GRACE_S + 60, True),
    ]
    md = card.markdown()
    assert "| time |" in md and "| 1:05 |" in md and "| 3:15 (over time) |" in md
    assert "Timer: 2:00 per answer. Over time: question 2." in md
    assert "not taken off the score" in md


def test_without_a_timer_nothing_is_over_time(engine, clock, corpus):
    state, _ = engine.start(Setup(level="junior", track="ml-foundations", questions=1))
    clock.advance(3600)
    out = engine.reply(state, _partial(engine, state))
    assert not state.items[0].over_time and "Over time" not in _feedback(out)
    assert "Timer:" not in build_scorecard(state, corpus).markdown()
