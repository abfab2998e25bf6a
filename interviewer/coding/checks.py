"""Checks of a coding block that need the sandbox: its solution passes its own examples, hidden and random tests."""

from __future__ import annotations

from typing import Any

from interviewer.corpus.loader import Corpus


def coding_problems(edited: Corpus, current: Corpus | None, runner: Any) -> list[str]:
    """Problems of each coding block that is new or changed in `edited`, found by running its reference solution
    in the sandbox (the generator included); nothing when the sandbox cannot run here, since that is not the
    file's fault."""
    before = {q.id: q.coding for q in (current.questions if current else []) if q.coding}
    problems = []
    for q in edited.questions:
        if q.coding is None or before.get(q.id) == q.coding:
            continue
        run = runner.run(q.coding, q.coding.solution, guard=False)
        if run.status in ("unavailable", "busy"):
            continue
        drawn = [w for w in run.warnings if w.startswith("random tests could not be drawn")]
        problems += [f"{q.id}: {w}" for w in drawn]
        if run.status != "ok":
            problems.append(f"{q.id}: the reference solution did not finish its tests: {run.message}")
            continue
        for t in run.tests:
            if not t.passed:
                what = f"{t.call} returned {t.got}, expected {t.expected}" if t.kind == "example" else t.about
                problems.append(f"{q.id}: the reference solution fails {t.label} ({what}) {t.error}".strip())
    return problems
