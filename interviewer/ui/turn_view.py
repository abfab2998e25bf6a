"""What one candidate action shows, as a named result: the chat, the Scorecard tab, the status line and the answer
box. Plain data (no Gradio), so the handlers' results are read by name and tested without a browser; the tab
turns a view into Gradio's output list in one place (`CandidateTab.send`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from interviewer.domain.session import Event, SessionState
from interviewer.ui.messages import event_messages


class Unchanged:
    """A part of the page that an action leaves as it is (Gradio gets no update for it)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = Unchanged()

NO_CARD_TEXT = "Finish an interview to see its scorecard."


@dataclass
class TurnView:
    """The page after a candidate action. Parts left UNCHANGED are not sent."""

    chat: Any = UNCHANGED
    """The chat's messages (a list of role/content dicts)."""
    radar: Any = UNCHANGED
    """The Scorecard tab's radar chart (SVG), '' while an interview runs."""
    card: Any = UNCHANGED
    """The scorecard as Markdown, or a line saying there is none yet."""
    card_md_file: Any = UNCHANGED
    """Path of the scorecard's Markdown download, or None."""
    card_json_file: Any = UNCHANGED
    """Path of the scorecard's JSON download, or None."""
    status: Any = UNCHANGED
    """The status line under the chat."""
    answer: Any = UNCHANGED
    """The answer box: '' once the answer is saved, the text kept when it was not."""

    def values(self, unchanged: Callable[[], Any], with_answer: bool = True) -> list[Any]:
        """The parts in output order, each UNCHANGED one replaced by `unchanged()` (Gradio's no-op update)."""
        names = [f.name for f in fields(self) if with_answer or f.name != "answer"]
        return [unchanged() if getattr(self, n) is UNCHANGED else getattr(self, n) for n in names]

    def without_scorecard(self) -> TurnView:
        """This view with the Scorecard tab emptied, as while an interview runs.

        Sent as values on every turn rather than left unchanged: Gradio rebuilds a component and its API schema for
        each update it receives, even an empty one, which cost about 8 ms of the event loop per turn under load.
        """
        self.radar, self.card, self.card_md_file, self.card_json_file = "", NO_CARD_TEXT, None, None
        return self


ScorecardView = tuple[str, str, str | None, str | None]
"""Radar SVG, Markdown, and the paths of the Markdown and JSON downloads."""


def after_turn(
    state: SessionState,
    events: list[Event],
    history: list[Any],
    show_feedback: bool,
    scorecard: Callable[[SessionState], ScorecardView],
) -> TurnView:
    """The page after an action that the session service saved: the new messages, and the scorecard once the
    interview has finished."""
    chat = [*history, *event_messages(events, show_feedback)]
    if state.status == "finished":
        radar, card, md_file, json_file = scorecard(state)
        return TurnView(chat, radar, card, md_file, json_file, "Interview finished: see the Scorecard tab.")
    return TurnView(chat, status=f"Session {state.id}: {state.status}").without_scorecard()
