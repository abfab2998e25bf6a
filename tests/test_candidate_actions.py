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


def test_streamed_words_empty_the_answer_box_once_and_leave_later_typing_alone():
    """With an LLM the interviewer's words stream in for seconds; only the first empties the answer box (the answer
    is taken), so what the candidate starts typing meanwhile is not wiped by the next word or the final view."""
    from types import SimpleNamespace

    from interviewer.ui.candidate import CandidateTab

    def message(caller, sess, history, text, on_token=None):
        for word in ("Why ", "does ", "it ", "work?"):
            on_token(word)
        return TurnView(chat=[{"role": "assistant", "content": "Why does it work?"}], answer="")

    tab = SimpleNamespace(message=message)
    views = list(CandidateTab.streamed(tab, None, {"id": "s1"}, [], "my answer"))  # type: ignore[arg-type]
    assert [v.answer for v in views] == ["", UNCHANGED, UNCHANGED, UNCHANGED, UNCHANGED]
    assert views[2].chat[-1]["content"] == "Why does it "
    assert views[-1].chat[-1]["content"] == "Why does it work?"


def test_a_reply_without_streamed_words_still_empties_the_answer_box():
    from types import SimpleNamespace

    from interviewer.ui.candidate import CandidateTab

    def message(caller, sess, history, text, on_token=None):
        return TurnView(chat=[], answer="")  # the template, with no LLM words

    views = list(CandidateTab.streamed(SimpleNamespace(message=message), None, {"id": "s1"}, [], "x"))  # type: ignore[arg-type]
    assert [v.answer for v in views] == [""]
