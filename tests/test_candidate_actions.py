"""The candidate's actions as named results (TurnView), driven without a browser or Gradio's event loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.domain.session import Setup
from interviewer.sessions.identity import Caller, new_key, profile_of_key
from interviewer.ui.candidate_actions import CandidateActions
from interviewer.ui.turn_view import NO_CARD_TEXT, UNCHANGED, TurnView


@pytest.fixture
def actions(loop_services):
    return CandidateActions(loop_services)


def caller() -> Caller:
    return Caller(profile_of_key(new_key()), "10.2.0.1")


def test_a_view_sends_only_the_parts_it_changes():
    view = TurnView(chat=[], status="Nothing to end.")
    assert view.values(lambda: "same", with_answer=False) == [
        [],
        "same",
        "same",
        "same",
        "same",
        "Nothing to end.",
    ]
    assert len(TurnView().values(lambda: None)) == 7 and TurnView().radar is UNCHANGED


def test_a_whole_interview_through_the_actions(actions):
    me = caller()
    state, view = actions.start(me, "Ada", False, False, Setup(level="junior", track="general", questions=1))
    assert state["id"] and view.chat and view.status == f"Session {state['id']}: active"
    assert (view.radar, view.card, view.card_md_file) == (
        "",
        NO_CARD_TEXT,
        None,
    )  # the card waits for the end
    assert view.answer is UNCHANGED
    view = actions.message(me, state, view.chat, "I don't know.")
    assert view.answer == "" and view.chat[-1]["role"] == "assistant"
    view = actions.end(me, state, view.chat)
    assert view.status == "Interview finished: see the Scorecard tab."
    assert view.radar and view.card not in ("", NO_CARD_TEXT)  # the Scorecard tab is filled
    assert Path(view.card_md_file).is_file() and Path(view.card_json_file).is_file()


def test_no_session_yet_keeps_the_typed_answer(actions):
    view = actions.message(caller(), {}, [], "my answer")
    assert (view.status, view.answer, view.chat) == ("Start an interview first.", "my answer", [])
    assert actions.pause(caller(), {}, []).status == "Nothing to pause."
    assert actions.end(caller(), {}, []).status == "Nothing to end."


def test_another_callers_session_is_refused(actions):
    from interviewer.sessions.identity import AccessError

    state, _ = actions.start(caller(), "", False, False, Setup(level="mid", questions=1))
    with pytest.raises(AccessError):
        actions.message(caller(), state, [], "an answer")
