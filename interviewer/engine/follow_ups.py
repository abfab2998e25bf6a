"""What the interviewer says after an answer: a follow-up on a missed key point, a hint, an acknowledgement,
and the zero grade of a skipped or unanswered question. Plain functions of the question and the grade."""

from __future__ import annotations

from interviewer.domain.grades import Criterion, Grade
from interviewer.domain.questions import LEVELS
from interviewer.domain.session import Event, ItemState, SessionState
from interviewer.domain.target import Target
from interviewer.engine.phrasing import template
from interviewer.grading.guards import injection_segments

NO_FOLLOW_UP = {"empty", "dont_know", "gibberish", "off_topic", "skipped"}
SMALL_TALK_WORDS = 20
"""A short question back that the grader finds off the subject is a remark to the interviewer, not an answer."""
COMPLETE_AT = 4.5
MAX_FOLLOW_UPS = 2


def pick_probe(target: Target, grade: Grade, item: ItemState) -> str:
    """The probe about the first missed key point at or just above the asked level ('' for none)."""
    if (
        len(item.probes_asked) >= MAX_FOLLOW_UPS
        or grade.score >= COMPLETE_AT
        or set(grade.flags) & NO_FOLLOW_UP
    ):
        return ""
    limit = LEVELS.index(item.level) + 1
    by_id = {k.id: k for k in target.key_points}
    for pid in grade.missed:
        kp = by_id.get(pid)
        if kp is None or LEVELS.index(kp.level) > limit:
            continue
        for text, targets in target.probes:
            if pid in targets and text not in item.probes_asked:
                return text
    return ""


def small_talk(grade: Grade, text: str, answers: int) -> bool:
    """Whether a reply is small talk to redirect ('did you watch the match?'), not an answer to grade."""
    flags = set(grade.flags)
    return (
        answers == 1
        and "off_topic" in flags
        and "injection"
        not in flags  # text aimed at the grader is graded (and goes to review), never waved off
        and "?" in text
        and len(text.split()) <= SMALL_TALK_WORDS
    )


def hint_event(state: SessionState, item: ItemState, target: Target, salt: str) -> Event:
    """A nudge toward a missed key point (a probe not yet asked, or one of its terms), said into the state.
    During a follow-up, the nudge is about what the follow-up asks, not another gap of the question."""
    missed = item.grade.missed if item.grade else [k.id for k in target.key_points if k.level == item.level]
    item.hints += 1
    by_id = {k.id: k for k in target.key_points}
    if state.awaiting == "follow_up" and item.probes_asked:
        asked = item.probes_asked[-1]
        probed: list[str] = next((list(ids) for text, ids in target.probes if text == asked), [])
        terms = [t for pid in probed if pid in by_id for t in by_id[pid].terms]
        if terms:
            nudge = f"for this follow-up, think about where {terms[0]} comes in."
            return state.say(Event(kind="hint", text=template("hint", salt, nudge=nudge)))
        return state.say(
            Event(kind="hint", text=template("hint", salt, nudge=f"the follow-up asks: {asked}"))
        )
    for pid in missed:
        for text, targets in target.probes:
            if pid in targets and text not in item.probes_asked:
                return state.say(Event(kind="hint", text=template("hint", salt, nudge=text)))
        kp = by_id.get(pid)
        if kp and kp.terms:
            nudge = f"think about where {kp.terms[0]} comes in."
            return state.say(Event(kind="hint", text=template("hint", salt, nudge=nudge)))
    return state.say(Event(kind="hint", text=template("hint_none", salt)))


def ack_text(grade: Grade, state: SessionState, asked: str) -> str:
    """A word on the answer that agrees with its grade: praise only an answer that scores well and shows the
    level it was asked at, and no "good start" for an answer that shows no level."""
    shown = LEVELS.index(grade.level) if grade.level in LEVELS else -1
    if grade.score >= 3.5 and shown >= LEVELS.index(asked):
        key = "ack_strong"
    elif grade.score >= 2 and shown >= 0:
        key = "ack_partial"
    else:
        key = "ack_weak"
    if "dont_know" in grade.flags:
        key = "dont_know"
    return template(key, f"{state.id}:{len(state.turns)}")


def text_to_grade(answers: list[str]) -> str:
    """An item's answers as one text to grade. Sentences aimed at the grader in an earlier answer are left out:
    the grader stops reading at such a sentence, so keeping it would leave a later, honest follow-up answer
    ungraded and still flagged."""
    kept = []
    for text in answers[:-1]:
        cut = injection_segments(text)
        kept.append(text[: min(s.start for s in cut)].strip() if cut else text)
    return "\n\n".join(t for t in [*kept, *answers[-1:]] if t)


def zero_grade(item: ItemState, target: Target, flag: str) -> Grade:
    """The grade of a question that got no answer: every key point missed, flagged with why."""
    criteria = [Criterion(id=k.id, level=k.level, weight=k.weight, met=0.0) for k in target.key_points]
    return Grade(
        question_id=item.id,
        score=0.0,
        level="none",
        asked_level=item.level,
        criteria=criteria,
        missed=[c.id for c in criteria],
        flags=[flag],
        confidence=1.0,
    )
