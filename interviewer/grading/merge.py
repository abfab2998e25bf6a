"""One grade for a question answered over several turns (the first answer, then answers to follow-ups).

Each new answer is graded together with the earlier ones, and that reading is the item's grade. Two things keep it
fair to the candidate: a key point met in any reading stays met, so a follow-up answer is credited to the point its
probe asked about even when the whole reads a little weaker; and the score and level never fall below what the
earlier answers earned. The flags are those of the latest reading: text aimed at the grader in an earlier answer
is left out of it (the item went to review when that answer was graded), so later feedback does not repeat the
warning.
"""

from __future__ import annotations

from interviewer.domain.grades import Criterion, Grade
from interviewer.domain.questions import Rubric
from interviewer.domain.target import Target
from interviewer.grading.feedback import build_feedback


def _better(new: Criterion, old: Criterion | None) -> Criterion:
    return old if old is not None and old.met > new.met else new


def merge_turns(previous: Grade, fresh: Grade, target: Target, rubric: Rubric | None, text: str) -> Grade:
    """The item's grade after `fresh` (the reading of every answer so far, `text`) given the grade before it."""
    base = fresh if fresh.score >= previous.score else previous
    earlier = {c.id: c for c in previous.criteria}
    criteria = [_better(c, earlier.get(c.id)) for c in fresh.criteria]
    still = set(previous.missed)
    missed = [pid for pid in fresh.missed if pid in still]
    flags, stated = fresh.flags, fresh.misconception
    if (
        criteria == base.criteria
        and missed == base.missed
        and flags == base.flags
        and stated == base.misconception
    ):
        return base  # nothing to carry over: the grade as read (the engine tells a kept grade by identity)
    grade = base.model_copy(
        update={"criteria": criteria, "missed": missed, "flags": flags, "misconception": stated}
    )
    build_feedback(grade, target, rubric, text)
    return grade
