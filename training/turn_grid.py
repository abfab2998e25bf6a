"""Every setting of the turn check's threshold grid read at once: which labelled turns each setting lets through.

`TurnChecker.states_answer` and `off_probe` compare a turn's measured features with the thresholds one setting at
a time; here the same comparisons are broadcast over the whole grid (one array axis per threshold, in the order
of the grid), so a fit, and a fit repeated with one set of turns left out, costs seconds instead of minutes. A
test checks that this reading agrees with `TurnChecker` on sampled settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from interviewer.engine import turn_claims
from interviewer.engine.turn_check import Features, Thresholds, proposed_beyond_probe


@dataclass(frozen=True)
class Case:
    """One labelled turn, measured once: its label, the wording rule it breaks ('' when none), its features."""

    good: bool
    rule: str
    kind: str
    features: Features
    group: str
    """Where the turn comes from (the fit half, or one blind set): fits can leave a group out."""


def _axis(values: Sequence[Any], axis: int, ndim: int) -> np.ndarray:
    """The grid values of one threshold, shaped to broadcast along `axis`; None (unused) as +inf."""
    arr = np.array([np.inf if v is None else v for v in values], dtype=np.float64)
    shape = [1] * ndim
    shape[axis] = len(values)
    return arr.reshape(shape)


def passes(case: Case, grid: Mapping[str, Sequence[Any]]) -> np.ndarray:
    """Whether each grid setting lets `case` through (boolean array with one axis per threshold of `grid`)."""
    names = list(grid)
    ndim = len(names)
    shape = tuple(len(v) for v in grid.values())
    if case.rule:
        return np.zeros(shape, dtype=bool)
    t = {name: _axis(grid[name], i, ndim) for i, name in enumerate(names)}
    f = case.features
    rejected = np.zeros(shape, dtype=bool)
    for i in range(len(f.statements) if f.answer_cos else 0):
        close = (f.answer_cos[i] >= t["answer_cos"]) & (
            f.answer_cos[i] - f.context_cos[i] >= t["answer_margin"]
        )
        hit = close | (f.answer_terms[i] >= t["answer_terms"])
        if f.verifier_states:
            hit = hit | (f.verifier_states[i] >= t["verifier_states"])
        form = f.claims[i] if f.claims else ""
        if form:
            worked = form in turn_claims.WORKED
            builds = form in turn_claims.GENERAL or (bool(f.premises) and f.premises[i])
            general = builds & (f.topic_cos[i] - f.context_cos[i] >= t["general_margin"])
            own = (f.novel_terms[i] >= t["claim_novel"]) | worked | general
            hit = hit | ((f.topic_cos[i] >= t["claim_cos"]) & own)
        rejected |= np.broadcast_to(hit, shape)
    if case.kind == "follow_up" and "question_states" in t:
        rejected |= np.broadcast_to(proposed_beyond_probe(f) >= t["question_states"], shape)
    if case.kind == "follow_up":
        off = (f.probe_cos < t["probe_cos"]) | (
            (f.probe_cos < t["probe_band"]) & (f.question_cos > f.probe_cos)
        )
        rejected |= np.broadcast_to(off, shape)
    return ~rejected


@dataclass
class Tally:
    """Per grid setting, how many good turns of a group pass and how many bad ones are rejected."""

    good_passed: np.ndarray
    bad_rejected: np.ndarray
    n_good: int = 0
    n_bad: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.good_passed + other.good_passed,
            self.bad_rejected + other.bad_rejected,
            self.n_good + other.n_good,
            self.n_bad + other.n_bad,
        )


def _proposes(case: Case, values: Sequence[Any]) -> np.ndarray:
    """Per value of the question_states threshold, whether it rejects `case` (TurnChecker.proposes_answer)."""
    limits = np.array([np.inf if v is None else v for v in values], dtype=np.float64)
    return proposed_beyond_probe(case.features) >= limits


def tally(cases: Sequence[Case], grid: Mapping[str, Sequence[Any]]) -> dict[str, Tally]:
    """The counts of every grid setting, per group of turns. The question_states threshold, when the grid has it,
    must be its last axis: it rejects on one number of its own, so it is applied to the rest of the grid's
    verdicts afterwards instead of broadcast through every comparison."""
    shape = tuple(len(v) for v in grid.values())
    names = list(grid)
    extra = names[-1] == "question_states"
    if "question_states" in names and not extra:
        raise ValueError("question_states must be the grid's last axis")
    base = {n: grid[n] for n in names[:-1]} if extra else grid
    out: dict[str, Tally] = {}
    for case in cases:
        t = out.setdefault(case.group, Tally(np.zeros(shape, np.int32), np.zeros(shape, np.int32)))
        ok = passes(case, base)
        if extra:
            rejects = _proposes(case, grid["question_states"]) & (case.kind == "follow_up")
            ok = ok[..., None] & ~rejects
        if case.good:
            t.good_passed += ok
            t.n_good += 1
        else:
            t.bad_rejected += ~ok
            t.n_bad += 1
    return out


def best(t: Tally, floor: float, objective: str = "balanced") -> int | None:
    """The flat index of the kept setting among those passing at least `floor` of the good turns: the best
    balanced accuracy (objective "balanced") or the most bad turns rejected ("reject"), ties to more good turns
    passed, then to the first in grid order (None when no setting passes the floor)."""
    pass_rate = t.good_passed.ravel() / t.n_good
    reject_rate = t.bad_rejected.ravel() / t.n_bad
    score = reject_rate if objective == "reject" else pass_rate + reject_rate
    allowed = pass_rate >= floor
    if not allowed.any():
        return None
    tied = allowed & (score == score[allowed].max())
    return int(np.flatnonzero(tied & (pass_rate == pass_rate[tied].max()))[0])


def setting(grid: Mapping[str, Sequence[Any]], index: int) -> Thresholds:
    """The thresholds at a flat grid index."""
    position = np.unravel_index(index, tuple(len(v) for v in grid.values()))
    return Thresholds(**{name: grid[name][int(i)] for name, i in zip(grid, position, strict=True)})


def rates(t: Tally, index: int) -> tuple[int, int, int, int]:
    """(good passed, good, bad rejected, bad) of a group at a flat grid index."""
    return int(t.good_passed.ravel()[index]), t.n_good, int(t.bad_rejected.ravel()[index]), t.n_bad
