"""The per-question timer on the server: when an answer's clock started, how long it took, whether it was late.

The page counts down and submits the draft at zero, but the engine is the authority: it measures every answer
with its own clock (injectable, so tests need no sleeping) and marks the late ones. Being late never changes a
grade; the feedback and the scorecard say so instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviewer.domain.session import ItemState

TIMER_GRACE_S = 15.0
"""Seconds allowed past the timer for the network and the page's auto-submit before an answer is over time."""


@dataclass(frozen=True)
class AnswerTime:
    """How long one answer took and whether it was over time."""

    seconds: float
    limit_s: int
    over: bool


def mmss(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def start(item: ItemState | None, now: float) -> None:
    """Start (or restart, after a pause) the clock of the item's open question or follow-up."""
    if item is not None:
        item.asked_at = now


def record(item: ItemState, limit_s: int, now: float, grace_s: float = TIMER_GRACE_S) -> AnswerTime | None:
    """Add the time of the answer arriving at `now` to the item, and mark it over time when it came too late."""
    if item.asked_at is None:  # asked before answers were timed (a session stored by an older version)
        return None
    took = max(0.0, now - item.asked_at)
    item.time_s = round((item.time_s or 0.0) + took, 1)
    over = bool(limit_s) and took > limit_s + grace_s
    item.over_time = item.over_time or over
    return AnswerTime(seconds=took, limit_s=limit_s, over=over)


def over_time_note(t: AnswerTime | None) -> str:
    """The feedback line for a late answer ('' when it was in time)."""
    if t is None or not t.over:
        return ""
    return (
        f"Over time: you answered after {mmss(t.seconds)}, with {mmss(t.limit_s)} on the timer. The answer is "
        "graded as usual, and the scorecard notes that it went over."
    )
