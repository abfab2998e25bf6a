"""The two halves of the benchmark's train questions, for cross-fitting the verifier.

The level and score models must be fitted on readings by a verifier that never saw those answers, yet the shipped
verifier should learn from every train answer. So `make fit-verifier` trains one verifier per half (the evidence of
that half's questions plus everything else) to read the other half's answers for fitting, and ships a third trained
on both halves. Questions, not answers, are split, so that no question's answers sit on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable

FOLDS = 2
VERDICT_ONLY_WRITERS = ("x5-careerswitch", "x6-researcher", "x7-veteran", "x8-secondlang")
"""Writers of training/data/train_answers/ whose answers no verifier learns from, so that `make fit-verifier` rebuilds
the verifier that ships: they were written after it was trained, mostly to fool the grader. Training the verifier on
them (round 4) and the verdict model on its readings of them (`fit_grades.py --verdict-extra`, round 5) were tried
and not kept (docs/grader.md)."""


def fold_of(item_ids: Iterable[str], folds: int = FOLDS) -> dict[str, int]:
    """Each question's half: the questions sorted by id, dealt out in turn."""
    return {q: i % folds for i, q in enumerate(sorted(set(item_ids)))}
