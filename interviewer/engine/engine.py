"""The interview as a plain state machine: setup -> plan -> ask -> grade -> follow up -> adapt -> next -> wrap up.

`Engine.reply` takes the state and one candidate message and returns the interviewer's events; the state is
plain data, so the caller stores it after every turn and a session can be paused and resumed anywhere.

Length (about 310 lines): the state machine's transitions read best in one class; what each step says (follow_ups),
what a message means (intents), the next question (planner) and the wording (phrasing) already live apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from interviewer.corpus.loader import Corpus
from interviewer.domain.grades import Grade
from interviewer.domain.ports import Grader
from interviewer.domain.questions import LEVELS
from interviewer.domain.session import Event, ItemState, SessionState, Setup, Turn
from interviewer.domain.target import Target
from interviewer.domain.text import clean
from interviewer.encoders.embeddings import Embedder
from interviewer.engine import timing
from interviewer.engine.follow_ups import (
    ack_text,
    hint_event,
    pick_probe,
    small_talk,
    text_to_grade,
    zero_grade,
)
from interviewer.engine.intents import Intent, classify
from interviewer.engine.judging import Judging
from interviewer.engine.phrasing import Phraser, template, turn_context
from interviewer.engine.planner import Planner, level_after
from interviewer.grading.merge import merge_turns
from interviewer.llm import tokens
from interviewer.llm.providers import TokenCallback


class Engine:
    def __init__(
        self,
        corpus: Corpus,
        grader: Grader,
        planner: Planner,
        phraser: Phraser,
        embedder: Embedder,
        max_answer_tokens: int = 1200,
        clock: Callable[[], float] = time.time,
        timer_grace_s: float = timing.TIMER_GRACE_S,
        judge: Grader | None = None,
        llm_budget_s: float = 20.0,
    ):
        self.corpus = corpus
        self.grader = grader
        self.planner = planner
        self.phraser = phraser
        self.embedder = embedder
        """The sentence encoder the scorecard's study plan reuses."""
        self.max_answer_tokens = max_answer_tokens
        self.clock = clock
        self.timer_grace_s = timer_grace_s
        self.judge = judge
        """The grader with the LLM judge (None when the judge is off): runs beside the wording of a streamed turn."""
        self.llm_budget_s = llm_budget_s
        """The most an LLM (wording and judge) may add to one turn, in seconds."""

    # -- public API -------------------------------------------------------------------------------------------

    def start(
        self, setup: Setup, profile: str = "anonymous", steer_topics: list[str] | None = None
    ) -> tuple[SessionState, list[Event]]:
        self.corpus.track(setup.track)  # unknown track: KeyError with the known ones
        state = SessionState(
            profile=profile, setup=setup, current_level=setup.level, steer_topics=steer_topics or []
        )
        track = self.corpus.track(setup.track)
        greet = template("greeting", state.id, level=setup.level, track=track.name, n=setup.questions)
        events = [state.say(Event(kind="greeting", text=greet))]
        events += self._next(state, first=True)
        return state, events

    def reply(
        self,
        state: SessionState,
        message: str,
        on_token: TokenCallback | None = None,
        time_up: float | None = None,
    ) -> list[Event]:
        """The interviewer's answer to one message. `time_up`: the page's countdown ran out and sent the draft;
        it is the start of the clock it counted from (`ItemState.asked_at`)."""
        if state.status == "finished":
            return [Event(kind="notice", text=template("finished", state.id))]
        if time_up is not None and (state.current is None or state.current.asked_at != time_up):
            return []  # a countdown of a question answered meanwhile (sent in the last second): nothing to do
        now = self.clock()
        deadline = time.monotonic() + self.llm_budget_s
        events: list[Event] = []
        if state.status == "paused":  # a message resumes the interview, and paused time never counts
            state.status = "active"
            timing.start(state.current, now)
        text = clean(message)
        if not text and time_up is None:
            return [Event(kind="notice", text="Please type an answer, or 'skip', 'hint' or 'repeat'.")]
        text, was_cut = tokens.cut(text, self.max_answer_tokens)
        if was_cut:
            events.append(
                Event(kind="notice", text=template("cut_notice", state.id, limit=self.max_answer_tokens))
            )
        if text:
            state.turns.append(
                Turn(role="candidate", text=text, item=state.current.id if state.current else "", at=now)
            )
        intent = classify(text, self.corpus.glossary)
        item = state.current
        if item is None or state.awaiting == "none":
            return [*events, *self._next(state)]
        salt = f"{state.id}:{len(state.turns)}"
        if time_up is not None:  # the draft is the answer, whatever it says; no draft at all is a skip
            intent = Intent(kind="answer" if text else "skip")
            events.append(
                state.say(Event(kind="notice", text=template("time_up" if text else "time_up_empty", salt)))
            )
        if intent.kind == "end":
            return [*events, *self.wrap_up(state, early=True)]
        if intent.kind == "pause":
            return [*events, *self.pause(state)]
        if intent.kind == "repeat":
            return [
                *events,
                state.say(
                    Event(kind="repeat", text=template("repeat", salt, question=self._asked_text(state)))
                ),
            ]
        if intent.kind == "clarify":
            if intent.entry:
                msg = template("clarify", salt, term=intent.entry.term, definition=intent.entry.definition)
            else:
                msg = template("clarify_unknown", salt)
            return [*events, state.say(Event(kind="clarification", text=msg, data={"term": intent.term}))]
        if intent.kind == "hint":
            return [*events, hint_event(state, item, self.target(item), salt)]
        if intent.kind == "chat":
            msg = template("redirect", salt, question=self._asked_text(state))
            return [*events, state.say(Event(kind="redirect", text=msg))]
        if intent.kind == "skip":
            timing.record(item, state.setup.timer_s, now, self.timer_grace_s)
            item.skipped = True
            item.grade = zero_grade(item, self.target(item), "skipped")
            return [*events, *self._finish_item(state, item, template("skip", salt))]
        took = timing.record(item, state.setup.timer_s, now, self.timer_grace_s)
        return [*events, *self._answer(state, item, text, on_token, took, deadline)]

    def pause(self, state: SessionState) -> list[Event]:
        state.status = "paused"
        return [state.say(Event(kind="notice", text=template("paused", state.id)))]

    def resume(self, state: SessionState) -> list[Event]:
        if state.status == "finished":
            return [Event(kind="notice", text=template("finished", state.id))]
        state.status = "active"
        text = template("resumed", state.id, question=self._asked_text(state))
        return [self._ask(state, Event(kind="question", text=text, data=self.coding_data(state)))]

    def coding_data(self, state: SessionState) -> dict[str, Any]:
        """The open coding question's signature, starter and examples for the page ({} for other questions):
        a resumed coding question needs them as much as a new one."""
        item = state.current
        question = self.corpus.by_id.get(item.id) if item is not None and state.awaiting == "answer" else None
        if question is None or question.coding is None:
            return {}
        return {"coding": question.coding.model_dump(exclude={"tests", "solution"})}

    def wrap_up(self, state: SessionState, early: bool = False) -> list[Event]:
        from interviewer.engine.scorecard import build_scorecard

        state.status = "finished"
        state.awaiting = "none"
        card = build_scorecard(state, self.corpus, self.embedder)
        text = template("ended_early" if early else "wrap_up", state.id)
        return [
            state.say(Event(kind="wrap_up", text=text)),
            Event(kind="scorecard", text=card.markdown(), data=card.model_dump()),
        ]

    # -- answers ----------------------------------------------------------------------------------------------

    def target(self, item: ItemState) -> Target:
        if "#" in item.id:
            sid, stage_id = item.id.split("#", 1)
            scenario = self.corpus.scenario(sid)
            stage = next(s for s in scenario.stages if s.id == stage_id)
            return Target.of(stage, level=item.level, kind="case", topic=scenario.topic)
        return Target.of(self.corpus.by_id[item.id])

    def _answer(
        self,
        state: SessionState,
        item: ItemState,
        text: str,
        on_token: TokenCallback | None,
        took: timing.AnswerTime | None = None,
        deadline: float = 0.0,
    ) -> list[Event]:
        """Grade an answer, then follow up or move on. With the judge on and a streamed turn, the judge works
        beside the wording and its grade replaces the rubric's when it lands within the turn budget."""
        target = self.target(item)
        item.answers.append(text)
        answer = text_to_grade(item.answers)
        judging = None
        if self.judge is not None and on_token is not None and target.coding is None:
            judging = Judging(self.judge, target, answer, deadline)
        previous = item.grade
        fresh = self.grader.grade(target, answer)
        grade = self._credited(previous, fresh, item, target, answer)
        if grade is not previous and small_talk(grade, text, len(item.answers)):
            item.answers.pop()  # a remark to the interviewer, not an answer: the question stands
            msg = template("redirect", f"{state.id}:{len(state.turns)}", question=self._asked_text(state))
            return [state.say(Event(kind="redirect", text=msg))]
        item.grade = grade
        head: list[Event] = []
        if grade is not previous and grade.run is not None:
            from interviewer.coding.report import run_markdown

            run = grade.run.model_dump(include={"status", "tests", "violations"})
            head.append(state.say(Event(kind="tests", text=run_markdown(grade.run), data={"run": run})))
        probe = pick_probe(target, grade, item)
        if probe:
            item.probes_asked.append(probe)
            state.awaiting = "follow_up"
            fallback = template("follow_up", f"{state.id}:{len(state.turns)}", probe=probe)
            ctx = turn_context("follow_up", target, probe=probe, candidate=text)
            words = self.phraser.follow_up(fallback, probe, ctx, self._history(state), on_token, deadline)
            tail = [self._ask(state, Event(kind="follow_up", text=words, data={"probe": probe}))]
            self._settle(item, judging, previous)
        else:
            if judging is not None and self._ends_after(state):
                self._settle(
                    item, judging, previous
                )  # the scorecard comes next: it must carry the judged grade
                judging = None
            # The word on the answer follows this answer's grade: a weak follow-up answer is not "clear" because
            # the credit the question already earned is kept.
            tail = self._finish_item(state, item, ack_text(fresh, state, item.level), on_token, deadline)
            self._settle(item, judging, previous)
        feedback = "\n\n".join(t for t in (item.grade.feedback, timing.over_time_note(took)) if t)
        if state.setup.feedback and feedback:
            data = {
                "score": item.grade.score,
                "level": item.grade.level,
                "over_time": bool(took and took.over),
                "quotes": list(item.grade.strengths),  # the page shows these quoted passages as written
            }
            head.append(Event(kind="feedback", text=feedback, data=data))
        return [*head, *tail]

    def _credited(
        self, previous: Grade | None, fresh: Grade, item: ItemState, target: Target, answer: str
    ) -> Grade:
        """The item's grade after another answer: a follow-up answer is credited to the key point it covers, and
        nothing earned before is taken away (code is graded as a whole, by its tests: kept or replaced)."""
        if previous is None or len(item.answers) < 2 or target.coding is not None:
            return self._kept(previous, fresh, item)
        return merge_turns(previous, fresh, target, self.corpus.rubric, answer)

    @staticmethod
    def _kept(previous: Grade | None, new: Grade, item: ItemState) -> Grade:
        """A weak follow-up answer does not take away credit already earned."""
        if previous is not None and previous.score > new.score and len(item.answers) > 1:
            return previous
        return new

    def _settle(self, item: ItemState, judging: Judging | None, previous: Grade | None) -> None:
        """Put the judge's grade in place of this answer's rubric grade, when it landed in time."""
        if judging is None or item.grade is previous:
            return
        judged = judging.result()
        if judged is not None:
            item.grade = self._kept(previous, judged, item)

    def _finish_item(
        self,
        state: SessionState,
        item: ItemState,
        ack: str,
        on_token: TokenCallback | None = None,
        deadline: float = 0.0,
    ) -> list[Event]:
        grade = item.grade or zero_grade(item, self.target(item), "dont_know")
        if item.grade is None:
            item.grade = grade
        new_level, state.streak = level_after(state, grade.score, grade.level, item.level)
        note = ""
        if new_level != state.current_level:
            up = LEVELS.index(new_level) > LEVELS.index(state.current_level)
            note = template("harder" if up else "easier", state.id + str(len(state.items)))
            state.current_level = new_level
        state.level_path.append(state.current_level)
        return self._next(state, ack=ack, note=note, on_token=on_token, deadline=deadline)

    # -- asking -----------------------------------------------------------------------------------------------

    def _next(
        self,
        state: SessionState,
        first: bool = False,
        ack: str = "",
        note: str = "",
        on_token: TokenCallback | None = None,
        deadline: float = 0.0,
    ) -> list[Event]:
        """Ask the next stage, question or scenario, or wrap up. Only a main question after an answer may be
        introduced by the LLM (a streamed turn); everything else is said from templates at once."""
        salt = f"{state.id}:{len(state.turns)}"
        ack = f"{ack} {note}".strip()
        if state.scenario:
            scenario = self.corpus.scenario(state.scenario)
            if state.scenario_stage + 1 < len(scenario.stages):
                state.scenario_stage += 1
                stage = scenario.stages[state.scenario_stage]
                self._open_item(state, f"{scenario.id}#{stage.id}", scenario.topic, "case")
                text = template("stage", salt, ack=ack, name=stage.name.lower(), question=stage.text)
                where = {"scenario": scenario.id, "stage": stage.id}
                return [self._ask(state, Event(kind="stage", text=text, data=where))]
            state.scenario, state.scenario_stage = "", 0
        slots = self.planner.slots(state)
        if state.slots_used >= len(slots):
            return self.wrap_up(state)
        kind = slots[state.slots_used]
        if kind == "scenario":
            chosen = self.planner.next_scenario(state)
            if chosen is not None:
                state.slots_used += 1
                state.scenario, state.scenario_stage = chosen.id, 0
                stage = chosen.stages[0]
                self._open_item(state, f"{chosen.id}#{stage.id}", chosen.topic, "case")
                intro = template("scenario_intro", salt, brief=chosen.brief)
                text = f"{ack} {intro}\n\n{stage.text}".strip()
                where = {"scenario": chosen.id, "stage": stage.id}
                return [self._ask(state, Event(kind="stage", text=text, data=where))]
            kind = "case"
        question = self.planner.next_question(state, kind)
        if question is None:
            return self.wrap_up(state)
        state.slots_used += 1
        self._open_item(state, question.id, question.topic, question.kind, question.level)
        fallback = template(
            "first_question" if first else "next_question", salt, ack=ack, question=question.text
        )
        target = Target.of(question)
        text = self.phraser.preamble(
            fallback,
            question.text,
            question.topic,
            turn_context("preamble", target),
            self._history(state),
            None if first else on_token,
            deadline,
            note=note,
        )
        data: dict[str, Any] = {
            "id": question.id,
            "level": question.level,
            "topic": question.topic,
            "kind": question.kind,
        }
        if question.coding:
            data["coding"] = question.coding.model_dump(exclude={"tests", "solution"})
        return [self._ask(state, Event(kind="question", text=text, data=data))]

    def _ends_after(self, state: SessionState) -> bool:
        """Whether finishing the current item ends the interview (no stage, slot or question left)."""
        if state.scenario:
            scenario = self.corpus.scenario(state.scenario)
            if state.scenario_stage + 1 < len(scenario.stages):
                return False
        return state.slots_used >= len(self.planner.slots(state))

    def _ask(self, state: SessionState, event: Event) -> Event:
        """Say a question, stage or follow-up and start its clock (after an LLM has worded it, not before)."""
        now = self.clock()
        timing.start(state.current, now)
        return state.say(event, at=now)

    def _open_item(
        self, state: SessionState, item_id: str, topic: str, kind: str, level: str | None = None
    ) -> None:
        state.items.append(ItemState(id=item_id, level=level or state.current_level, topic=topic, kind=kind))
        state.awaiting = "answer"
        self.grader.prepare_soon(self.target(state.items[-1]))

    def _asked_text(self, state: SessionState) -> str:
        item = state.current
        if item is None:
            return ""
        if state.awaiting == "follow_up" and item.probes_asked:
            return item.probes_asked[-1]
        return self.target(item).question

    def _history(self, state: SessionState) -> list[dict[str, str]]:
        out = []
        for t in state.turns:
            if t.role == "candidate":
                out.append({"role": "user", "content": f"<candidate>{t.text}</candidate>"})
            else:
                out.append({"role": "assistant", "content": t.text})
        return out
