"""The review queue: doubtful machine grades and candidates' complaints wait here for a recruiter's verdict.

A grade enters the queue when its confidence is low, when a guard or the judge flagged it (injection, keyword
list, judge disagreement), or when the candidate says it is wrong. A recruiter's review stores the right score and
level with a reason; it is shown to the candidate next to the machine grade and becomes a labelled example that
recalibration learns from. The machine grade itself is never overwritten.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, insert, select, update

from interviewer.domain.grades import Grade
from interviewer.domain.session import SessionState
from interviewer.review_loop.calibration import GUARDED, VERDICTS, Example, level_from_shares, level_shares
from interviewer.storage.schema import labelled_examples, review_items
from interviewer.storage.store import Storage

LOW_CONFIDENCE = 0.55
REVIEW_FLAGS = ("injection", "keyword_list", "judge_disagrees")
NOT_DOUBTFUL = {"empty", "dont_know", "skipped"}


class ReviewError(ValueError):
    """A review or complaint cannot be accepted; the message says why."""


def doubt_reasons(grade: Grade) -> list[str]:
    """Why a machine grade should be looked at by a person (empty when it need not be)."""
    if set(grade.flags) & NOT_DOUBTFUL:
        return []
    reasons = [f for f in REVIEW_FLAGS if f in grade.flags]
    if grade.confidence < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    return reasons


def item_answer(state: SessionState, item_id: str) -> tuple[Any, str]:
    """The item of a session and the answer text it was graded on (answers joined as the engine does)."""
    for item in state.items:
        if item.id == item_id:
            return item, "\n\n".join(item.answers)
    raise ReviewError(f"no question {item_id!r} in session {state.id}")


class ReviewQueue:
    def __init__(self, storage: Storage, rubric_bars: dict[str, float], resolve: Callable[[str], str] = str):
        self.storage = storage
        self.rubric_bars = rubric_bars
        self.resolve = resolve
        """Rows keep the question id they were made with; they are read with the id in use now."""

    def _row(self, row: Any) -> dict[str, Any]:
        return {**row, "question_id": self.resolve(row["question_id"])}

    # -- entering the queue -----------------------------------------------------------------------------------

    def consider(self, state: SessionState) -> list[str]:
        """Queue every doubtful graded item of a saved session that is not queued yet; returns the new ids."""
        doubtful = {i.id: r for i in state.items if i.grade is not None and (r := doubt_reasons(i.grade))}
        if not doubtful:  # most turns: no need to ask the database what is queued
            return []
        queued = self._queued_items(state.id)
        return [
            self._enqueue(state, item, reasons, "")
            for item, reasons in doubtful.items()
            if item not in queued
        ]

    def complain(self, state: SessionState, item_id: str, comment: str = "") -> str:
        """A candidate says the grade of `item_id` is wrong: queue it (or add the complaint to its entry)."""
        item, _ = item_answer(state, item_id)
        if item.grade is None:
            raise ReviewError("that question has no grade yet")
        comment = (comment or "").strip()[:2000]
        with self.storage.tx() as conn:
            row = (
                conn.execute(
                    select(review_items).where(
                        review_items.c.session_id == state.id, review_items.c.item == item_id
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            self._enqueue(state, item_id, ["candidate"], comment)
            return "Thanks: a recruiter will review this grade. The reviewed grade will appear on your scorecard."
        if row["status"] == "reviewed":
            raise ReviewError(
                "a recruiter has already reviewed this grade; see the reviewed grade on the scorecard"
            )
        reasons = sorted({*json.loads(row["reasons"]), "candidate"})
        with self.storage.tx() as conn:
            conn.execute(
                update(review_items)
                .where(review_items.c.id == row["id"])
                .values(reasons=json.dumps(reasons), comment=comment or row["comment"])
            )
        return "Thanks: this grade was already waiting for review; your comment was added."

    def _enqueue(self, state: SessionState, item_id: str, reasons: list[str], comment: str) -> str:
        item, answer = item_answer(state, item_id)
        grade: Grade = item.grade
        rid = uuid.uuid4().hex
        with self.storage.tx() as conn:
            conn.execute(
                insert(review_items).values(
                    id=rid,
                    session_id=state.id,
                    item=item_id,
                    question_id=grade.question_id,
                    profile=state.profile,
                    reasons=json.dumps(sorted(reasons)),
                    comment=comment,
                    status="open",
                    answer=answer,
                    machine_score=grade.score,
                    machine_level=grade.level,
                    machine_grade=grade.model_dump_json(),
                    created=time.time(),
                )
            )
        return rid

    def _queued_items(self, session_id: str) -> set[str]:
        with self.storage.engine.connect() as conn:
            q = select(review_items.c.item).where(review_items.c.session_id == session_id)
            return set(conn.execute(q).scalars())

    # -- reviewing --------------------------------------------------------------------------------------------

    def open_items(self, limit: int = 200) -> list[dict[str, Any]]:
        q = (
            select(review_items)
            .where(review_items.c.status == "open")
            .order_by(review_items.c.created)
            .limit(limit)
        )
        with self.storage.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(q).mappings()]

    def get(self, review_id: str) -> dict[str, Any]:
        with self.storage.engine.connect() as conn:
            row = conn.execute(select(review_items).where(review_items.c.id == review_id)).mappings().first()
        if row is None:
            raise ReviewError(f"no review item {review_id!r}")
        return self._row(row)

    def review(self, review_id: str, reviewer: str, score: float, level: str, reason: str) -> dict[str, Any]:
        """Store a recruiter's verdict and the labelled example made from it; returns the updated item."""
        row = self.get(review_id)
        if not 0 <= float(score) <= 5:
            raise ReviewError("the score must be between 0 and 5")
        if level not in VERDICTS:
            raise ReviewError(f"the level must be one of {', '.join(VERDICTS)}")
        if not (reason or "").strip():
            raise ReviewError("give a reason for the reviewed grade (the candidate sees it)")
        grade = Grade.model_validate_json(row["machine_grade"])
        raw = grade.raw_score if grade.raw_score is not None else grade.score
        shares = level_shares(grade)
        guarded = bool(set(grade.flags) & GUARDED)
        raw_level = grade.level if guarded else level_from_shares(shares, self.rubric_bars)
        now = time.time()
        with self.storage.tx() as conn:
            done = conn.execute(
                update(review_items)
                .where(review_items.c.id == review_id, review_items.c.status == "open")
                .values(
                    status="reviewed",
                    reviewer=reviewer,
                    human_score=round(float(score), 2),
                    human_level=level,
                    review_reason=reason.strip()[:2000],
                    reviewed_at=now,
                )
            ).rowcount
            if not done:
                raise ReviewError("this grade was already reviewed")
            conn.execute(
                insert(labelled_examples).values(
                    id=uuid.uuid4().hex,
                    review_id=review_id,
                    question_id=row["question_id"],
                    answer=row["answer"],
                    raw_score=raw,
                    raw_level=raw_level,
                    shares=json.dumps(shares),
                    flags=json.dumps(grade.flags),
                    human_score=round(float(score), 2),
                    human_level=level,
                    reviewer=reviewer,
                    at=now,
                )
            )
        self.storage.log(reviewer, "review", f"{review_id} {row['question_id']} -> {score} {level}")
        return self.get(review_id)

    # -- reading results --------------------------------------------------------------------------------------

    def reviewed_for_sessions(self, session_ids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
        """Reviewed items of these sessions, keyed by (session id, item id)."""
        if not session_ids:
            return {}
        q = select(review_items).where(
            review_items.c.session_id.in_(session_ids), review_items.c.status == "reviewed"
        )
        with self.storage.engine.connect() as conn:
            return {(r["session_id"], r["item"]): self._row(r) for r in conn.execute(q).mappings()}

    def size(self, status: str = "open") -> int:
        q = select(func.count()).select_from(review_items).where(review_items.c.status == status)
        with self.storage.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def examples(self) -> list[Example]:
        """Every labelled example (reviewed grade), oldest first."""
        with self.storage.engine.connect() as conn:
            rows = conn.execute(select(labelled_examples).order_by(labelled_examples.c.at)).mappings().all()
        return [
            Example(
                id=r["id"],
                question_id=self.resolve(r["question_id"]),
                raw_score=r["raw_score"],
                shares=json.loads(r["shares"]),
                flags=json.loads(r["flags"]),
                human_score=r["human_score"],
                human_level=r["human_level"],
                raw_level=r["raw_level"],
            )
            for r in rows
        ]

    def add_example(self, example: Example, reviewer: str, session_id: str) -> None:
        """Store a labelled example directly (imports and tests); it is tied to a reviewed queue entry."""
        now = time.time()
        with self.storage.tx() as conn:
            conn.execute(
                insert(review_items).values(
                    id=example.id,
                    session_id=session_id,
                    item=f"import-{example.id}",
                    question_id=example.question_id,
                    profile="import",
                    reasons=json.dumps(["import"]),
                    status="reviewed",
                    answer="",
                    machine_score=example.raw_score,
                    machine_level=example.raw_level,
                    machine_grade="{}",
                    created=now,
                    reviewer=reviewer,
                    human_score=example.human_score,
                    human_level=example.human_level,
                    review_reason="imported",
                    reviewed_at=now,
                )
            )
            conn.execute(
                insert(labelled_examples).values(
                    id=example.id,
                    review_id=example.id,
                    question_id=example.question_id,
                    answer="",
                    raw_score=example.raw_score,
                    raw_level=example.raw_level,
                    shares=json.dumps(example.shares),
                    flags=json.dumps(example.flags),
                    human_score=example.human_score,
                    human_level=example.human_level,
                    reviewer=reviewer,
                    at=now,
                )
            )
