"""The two halves of the benchmark's train questions, for cross-fitting the verifier.

The level and score models must be fitted on readings by a verifier that never saw those answers, yet the shipped
verifier should learn from every train answer. So `make fit-verifier` trains one verifier per half (the evidence of
that half's questions plus everything else) to read the other half's answers for fitting, and ships a third trained
on both halves. Questions, not answers, are split, so that no question's answers sit on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable

FOLDS = 2


def fold_of(item_ids: Iterable[str], folds: int = FOLDS) -> dict[str, int]:
    """Each question's half: the questions sorted by id, dealt out in turn."""
    return {q: i % folds for i, q in enumerate(sorted(set(item_ids)))}
