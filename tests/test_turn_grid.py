"""The fitting grid read at once (training/turn_grid.py) agrees with the checker's own reading, setting by setting."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np

from interviewer.engine.turn_check import Features, TurnChecker

ROOT = Path(__file__).resolve().parents[1]
GRID: dict[str, list[Any]] = {
    "answer_cos": [0.5, 0.65, 2.0],
    "answer_margin": [0.0, 0.1],
    "answer_terms": [3, 5],
    "probe_cos": [0.0, 0.2, 0.5],
    "probe_band": [0.0, 0.55],
    "claim_cos": [0.3, 0.4, 2.0],
    "claim_novel": [2, 4],
    "general_margin": [9.0, 0.0],
    "verifier_states": [None, 0.7],
}
FORMS = ["", "", "copula", "law", "generic", "leading", "example", "relative", "after_question"]


def _grid_module() -> Any:
    if str(ROOT / "training") not in sys.path:
        sys.path.insert(0, str(ROOT / "training"))
    return importlib.import_module("turn_grid")


def _features(rng: random.Random) -> Features:
    n = rng.randrange(0, 4)
    return Features(
        statements=[f"statement {i}" for i in range(n)],
        answer_cos=[rng.uniform(0.2, 0.9) for _ in range(n)],
        context_cos=[rng.uniform(0.1, 0.9) for _ in range(n)],
        answer_terms=[rng.randrange(0, 7) for _ in range(n)],
        verifier_states=[rng.random() for _ in range(n)] if rng.random() < 0.5 else [],
        claims=[rng.choice(FORMS) for _ in range(n)],
        premises=[rng.random() < 0.3 for _ in range(n)],
        topic_cos=[rng.uniform(0.1, 0.9) for _ in range(n)],
        novel_terms=[rng.randrange(0, 8) for _ in range(n)],
        probe_cos=rng.uniform(0.0, 1.0),
        question_cos=rng.uniform(0.0, 1.0),
    )


def test_every_grid_setting_reads_each_turn_as_the_checker_does():
    grid_module = _grid_module()
    rng = random.Random(26)
    cases = [
        grid_module.Case(rng.random() < 0.5, "", rng.choice(["follow_up", "preamble"]), _features(rng), "g")
        for _ in range(60)
    ]
    shape = tuple(len(v) for v in GRID.values())
    for index in range(int(np.prod(shape))):
        checker = TurnChecker(cast(Any, None), grid_module.setting(GRID, index))
        for case in cases:
            f = case.features
            ok = not checker.states_answer(f) and (case.kind != "follow_up" or not checker.off_probe(f))
            assert bool(grid_module.passes(case, GRID).ravel()[index]) == ok


def test_the_kept_setting_passes_the_floor_then_scores_best():
    grid_module = _grid_module()
    # settings: passed 9, 10, 10, 8 of 10 good turns; rejected 9, 5, 7, 10 of 10 bad ones
    tally = grid_module.Tally(np.array([9, 10, 10, 8]), np.array([9, 5, 7, 10]), n_good=10, n_bad=10)
    assert grid_module.best(tally, 0.9) == 0  # balanced accuracy 1.8 against 1.5 and 1.7
    assert grid_module.best(tally, 0.95) == 2
    assert grid_module.best(tally, 0.8, "reject") == 3
    assert grid_module.best(tally, 0.95, "reject") == 2
    assert grid_module.best(tally, 1.01) is None
