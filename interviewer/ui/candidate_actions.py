"""What each candidate action does to the page, as a TurnView (ui/turn_view.py): start, answer, pause, end and
resume through the profile service, which checks ownership and limits. No Gradio components here: CandidateTab
(ui/candidate.py) wires these to buttons."""

from __future__ import annotations

from typing import Any

from interviewer.domain.session import Setup
from interviewer.engine.scorecard import build_scorecard
from interviewer.sessions.identity import scrub, scrub_all
from interviewer.sessions.service import LimitError
from interviewer.ui.charts import question_scores_svg
from interviewer.ui.complaints import session_reviews, session_reviews_data
from interviewer.ui.messages import candidate_message, event_messages, radar_svg, transcript_messages
from interviewer.ui.turn_view import ScorecardView, TurnView, after_turn


class CandidateActions:
    """The candidate's actions on one app's services; each returns the page's new view."""

    def __init__(self, services: Any):
        self.services = services
        self.corpus = services.corpus
        self.profiles = services.profiles

    def scorecard(self, caller: Any, st: Any) -> ScorecardView:
        """Build the finished session's scorecard and write its two downloads (private, short-lived)."""
        card = build_scorecard(st, self.corpus)
        markdown = card.markdown() + session_reviews(
            self.services, st
        )  # reviewed grades next to the machine's
        body = card.to_json(session_reviews_data(self.services, st))
        md_path, json_path = self.profiles.write_scorecard(caller, st, markdown, body)
        charts = radar_svg(card.competencies) + question_scores_svg(card.questions)  # issue 27, item 14
        return charts, markdown, str(md_path), str(json_path)

    def after(self, caller: Any, st: Any, events: list[Any], history: list[Any], show: bool) -> TurnView:
        return after_turn(st, events, history, show, lambda s: self.scorecard(caller, s))

    def start(
        self, caller: Any, name: str, consent: bool, use_history: bool, setup: Setup
    ) -> tuple[dict, TurnView]:
        """Start a session; the page's new state and what it shows."""
        try:
            st, events = self.profiles.start(caller, name, consent, use_history, setup)
        except LimitError as exc:
            return {}, TurnView(chat=[], status=str(exc))
        return {"id": st.id, "feedback": setup.feedback}, self.after(caller, st, events, [], setup.feedback)

    def message(
        self,
        caller: Any,
        sess: dict[str, Any],
        history: list[Any],
        text: str,
        on_token: Any = None,
        time_up: float | None = None,
    ) -> TurnView:
        """Send one message of the page's session; the answer box is emptied once the answer is saved."""
        text = scrub(text)  # a lone surrogate would make the reply itself unsendable
        if not (sess or {}).get("id"):
            return TurnView(chat=history, status="Start an interview first.", answer=text)
        history = scrub_all(history or [])
        shown = [*history, *([candidate_message(text)] if (text or "").strip() else [])]
        try:
            st, events = self.profiles.reply(caller, sess["id"], text, on_token=on_token, time_up=time_up)
        except LimitError as exc:
            return TurnView(chat=history, status=str(exc), answer=text)
        if not events:  # a time-up that crossed an answer sent in its last second: the page stays as it is
            return TurnView()
        view = self.after(caller, st, events, shown, sess.get("feedback", True))
        view.answer = ""
        return view

    def pause(self, caller: Any, sess: dict[str, Any], history: list[Any]) -> TurnView:
        if not (sess or {}).get("id"):
            return TurnView(chat=history, status="Nothing to pause.")
        st, events = self.profiles.pause(caller, sess["id"])
        return TurnView(
            chat=[*scrub_all(history or []), *event_messages(events)], status=f"Session {st.id} paused."
        )

    def end(self, caller: Any, sess: dict[str, Any], history: list[Any]) -> TurnView:
        if not (sess or {}).get("id"):
            return TurnView(chat=history, status="Nothing to end.")
        st, events = self.profiles.end(caller, sess["id"])
        return self.after(caller, st, events, scrub_all(history or []), False)

    def resume(self, caller: Any, session_id: str | None) -> tuple[dict, TurnView]:
        try:
            st, events = self.profiles.resume(caller, session_id)
        except LimitError as exc:
            return {}, TurnView(chat=[], status=str(exc))
        history = transcript_messages(st.turns[:-1]) + event_messages(events[-1:])
        return {"id": st.id, "feedback": st.setup.feedback}, TurnView(
            chat=history, status=f"Resumed session {st.id}."
        )
