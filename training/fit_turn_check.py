"""Fit the turn validator's thresholds on the `fit` half of the labelled LLM turns and the blind sets already read.

    .venv/bin/python training/fit_turn_check.py [--out interviewer/data/turn_check.json]

The wording rules (turn_rules) and the forms of assertion (turn_claims) are fixed; what is fitted is where a
statement counts as giving the answer away (closeness to an answer text, how much closer than to the context, how
many answer words it adds; for a statement that asserts by its form, its closeness to the topic and how many words
of its own it adds; for a general claim or a question's premise, how much closer to the topic than to the context
it must be to count without new words) and where a follow-up counts as off its probe (below a floor, or below a
band and closer to the main question than to its probe); with --verifier (the shipped fit), also where what a
follow-up's question proposes states its probe's key point (turn_propositions). The grid is coarse on purpose (a
few hundred turns). The first seven blind sets (training/turn_examples.BLIND_SETS) were each read once as a
measure and are fitting data since; they are reported beside the halves but are no measure (the eighth blind set
is never loaded here, only read once with `--blind`). Among the settings that pass at least
PASS_GOAL of the good fitting turns, the one with the best balanced accuracy (pass rate of good turns plus reject
rate of bad ones) is kept; ties go to the setting that passes more good turns, then to the first in grid order.
The measure half is read once, with the kept setting, and only reported.

    .venv/bin/python training/fit_turn_check.py --leave-one-out

chose that rule: for each floor of FLOORS and each objective (balanced accuracy, or the most bad turns rejected),
it fits on every fitting group but one writer's (the fit half's first writer, or one blind set) and reads the
turns left out (docs/llm.md, "After the fourth blind set"). The grid is read for every setting at once
(training/turn_grid.py).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import operator
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import turn_grid  # noqa: E402
from turn_examples import BLIND_SETS, blind_rows, load_turns, split  # noqa: E402

from interviewer.config import load_settings  # noqa: E402
from interviewer.corpus.loader import Corpus, load_corpus  # noqa: E402
from interviewer.encoders.embeddings import make_embedder  # noqa: E402
from interviewer.engine.phrasing import turn_context  # noqa: E402
from interviewer.engine.turn_check import (  # noqa: E402
    Thresholds,
    TurnChecker,
    TurnContext,
    shipped_thresholds,
)
from interviewer.engine.turn_model import shared_turn_model  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402

PASS_GOAL = 0.97
"""Share of good fitting turns a setting must pass. Left out in turn, each blind set read the same setting at every
floor from 0.91 to 0.97 under balanced accuracy (the floor never binds); maximising rejection under a floor of 0.95
or lower fails the pass goal on the second blind set (--leave-one-out)."""
FLOORS = (0.97, 0.95, 0.93, 0.91)
OBJECTIVES = ("balanced", "reject")
"""The floors compared by --leave-one-out (each: fit without one blind set at that floor, read the set)."""
GRID: dict[str, list[Any]] = {
    "answer_cos": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 2.0],
    "answer_margin": [-0.1, 0.0, 0.1, 0.2, 0.3],
    "answer_terms": [2, 3, 4, 5, 99],
    "probe_cos": [0.0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6],
    "probe_band": [0.0, 0.5, 0.55, 0.6],
    "claim_cos": [0.3, 0.4, 0.5, 0.6, 2.0],
    "claim_novel": [1, 2, 3, 4, 6],
    "general_margin": [9.0, 0.1, 0.05, 0.0, -0.05],
}
QUESTION_GRID = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95, None]
"""With --verifier: P(states) of a probe's key point for what a follow-up's question proposes (turn_propositions)
at which it hands the answer over. Tightest first: among settings tied on the fitting turns the first in grid
order is kept, so the content check is as tight as the fitting turns allow without costing a good turn. The
pattern checks were written after reading every fitting set, so on those sets it rarely adds a rejection and a
loose-first order kept it off whenever the fourth blind set was left out (docs/llm.md, "After the fourth blind
set"). The statements' own P(states) (`verifier_states`) is not fitted: good follow-ups' statements reach 0.91."""


def context_of(row: dict[str, Any], corpus: Corpus) -> TurnContext:
    ctx = turn_context(
        row["kind"],
        interviews.target_of(interviews.corpus_items(corpus), row["question_id"]),
        probe=row["probe"],
        candidate=row["candidate_answer"],
    )
    if row["kind"] == "follow_up" and not ctx.probe_points:
        ctx = TurnContext(**{**ctx.__dict__, "probe_points": tuple(row["target_texts"])})
    return ctx


def measure(checker: TurnChecker, rows: list[dict[str, Any]], corpus: Corpus) -> dict[str, Any]:
    """Pass rate of good turns, reject rate of bad ones (per kind of fault too), and the misread turns."""
    verdicts = [(r, checker.check(r["turn"], context_of(r, corpus))) for r in rows]
    good = [v.ok for r, v in verdicts if r["label"] == "good"]
    bad = [not v.ok for r, v in verdicts if r["label"] == "bad"]
    kinds: dict[str, list[bool]] = {}
    for r, v in verdicts:
        if r["label"] == "bad":
            kinds.setdefault(r["bad_kind"], []).append(not v.ok)
    return {
        "good": len(good),
        "bad": len(bad),
        "good_passed": round(sum(good) / len(good), 3),
        "bad_rejected": round(sum(bad) / len(bad), 3),
        "rejected_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items())},
        "misread": [
            {"label": r["label"], "bad_kind": r["bad_kind"], "turn": r["turn"], "reason": v.reason}
            for r, v in verdicts
            if v.ok != (r["label"] == "good")
        ],
    }


LEARNED_PASS = 0.95
"""Share of good fitting turns the checks and the learned model together must pass, each turn read by a model that
never saw its writer (room below it for the 0.90 goal on a fresh writer)."""
LEARNED_NOTE = "; learned_bad chosen"
LEARNED_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)


def choose_learned(
    checker: TurnChecker,
    fit_half: list[dict[str, Any]],
    blinds: dict[str, list[dict[str, Any]]],
    corpus: Corpus,
    folder: Path,
) -> tuple[float | None, dict[str, Any]]:
    """The learned model's threshold, from its out-of-writer readings (train_turn_classifier.py --leave-out) of
    every fitting turn the other checks pass: the one that refuses the most bad turns with LEARNED_PASS of good
    ones passed; and the rates per writer group at each threshold."""
    oof = {
        (r["group"], r["turn"]): r["p_bad"]
        for f in sorted(folder.glob("oof_*.jsonl"))
        for r in map(json.loads, f.read_text(encoding="utf-8").splitlines())
    }
    groups = {"fit": fit_half, **{f"llm_turns_{name}": rows for name, rows in blinds.items()}}
    seen = []
    for group, rows in groups.items():
        for r in rows:
            key = (group, r["turn"])
            if key not in oof:
                raise SystemExit(f"{folder}: no out-of-writer reading of a {group} turn; train that fold")
            passed = checker.check(r["turn"], context_of(r, corpus)).ok
            seen.append((group, r["label"] == "good", passed, oof[key]))
    table: dict[str, Any] = {}
    best: tuple[float, float] | None = None
    for t in (None, *LEARNED_GRID):
        ok = [(g, good, passed and (t is None or p < t)) for g, good, passed, p in seen]
        good_pass = np.mean([o for _, good, o in ok if good])
        bad_refused = np.mean([not o for _, good, o in ok if not good])
        table[str(t)] = {
            "good_passed": round(float(good_pass), 3),
            "bad_rejected": round(float(bad_refused), 3),
        }
        if t is not None and good_pass >= LEARNED_PASS and (best is None or bad_refused > best[1]):
            best = (t, float(bad_refused))
    return (best[0] if best else None), table


def cases_of(
    checker: TurnChecker, groups: dict[str, list[dict[str, Any]]], corpus: Corpus
) -> list[turn_grid.Case]:
    """Every turn of `groups` measured once (the wording rule it breaks, its features)."""
    out = []
    for group, rows in groups.items():
        for r in rows:
            ctx = context_of(r, corpus)
            out.append(
                turn_grid.Case(
                    r["label"] == "good",
                    checker.rule_failure(r["turn"], ctx),
                    r["kind"],
                    checker.features(r["turn"], ctx),
                    group,
                )
            )
    return out


def grid_of(verifier: Any = None) -> dict[str, list[Any]]:
    """The grid; with the verifier, question_states last (turn_grid.tally applies it after the rest)."""
    return {
        **GRID,
        "verifier_states": [None],
        "question_states": QUESTION_GRID if verifier is not None else [None],
    }


def writer_groups(fit_half: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The fitting turns by writer: the fit half's first writer, the turns the validator's author added
    (`written_by`; never left out: they are no other writer's), and one group per blind set."""
    blinds = {path.stem.removeprefix("llm_turns_"): blind_rows(path) for path in BLIND_SETS}
    return {
        "fit": [r for r in fit_half if "written_by" not in r],
        "fit_added": [r for r in fit_half if "written_by" in r],
        **blinds,
    }


def fit(
    tallies: dict[str, turn_grid.Tally], grid: dict[str, list[Any]], floor: float = PASS_GOAL
) -> Thresholds:
    """The grid setting kept by the rule in the module docstring, on all the tallied groups."""
    total = functools.reduce(operator.add, tallies.values())
    index = turn_grid.best(total, floor)
    if index is None:
        raise SystemExit(f"no grid setting passes {floor:.0%} of the good fitting turns")
    return turn_grid.setting(grid, index)


def leave_one_out(tallies: dict[str, turn_grid.Tally], grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """For each floor and each writer: fit on every other group, read the writer left out."""
    out = []
    for objective, floor in itertools.product(OBJECTIVES, FLOORS):
        for held in (g for g in tallies if g != "fit_added"):
            rest = functools.reduce(operator.add, (t for g, t in tallies.items() if g != held))
            index = turn_grid.best(rest, floor, objective)
            if index is None:
                continue
            passed, good, rejected, bad = turn_grid.rates(tallies[held], index)
            out.append(
                {
                    "objective": objective,
                    "floor": floor,
                    "held_out": held,
                    "good_passed": f"{passed}/{good}",
                    "bad_rejected": f"{rejected}/{bad}",
                    "meets_both": passed / good >= 0.90 and rejected / bad >= 0.95,
                    "thresholds": turn_grid.setting(grid, index).model_dump(exclude={"fitted_on"}),
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "turn_check.json")
    ap.add_argument(
        "--verifier",
        action="store_true",
        help="also fit question_states: the key-point verifier's P(states) for what a follow-up's question proposes",
    )
    ap.add_argument(
        "--leave-one-out",
        action="store_true",
        help="for each floor of FLOORS, fit without one blind set and read it (prints a table, writes nothing)",
    )
    ap.add_argument(
        "--learned-oof",
        type=Path,
        help="folder of the turn model's out-of-writer readings (oof_*.jsonl): also choose its threshold",
    )
    ap.add_argument(
        "--blind",
        type=Path,
        help="only measure the shipped thresholds on this file of labelled turns (fits and writes nothing)",
    )
    args = ap.parse_args()
    settings = load_settings()
    corpus = load_corpus(settings.corpus_dir, settings.rubrics_dir)
    if args.blind:
        rows = [
            json.loads(line) for line in args.blind.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        for r in rows:
            r["bad_kind"] = r.get("bad_kind") or ""
        shipped = shipped_thresholds()
        from interviewer.grading.verifier import make_verifier

        # the shipped setting as the app runs it: with the verifier when its thresholds read it
        reader = make_verifier("onnx") if shipped.uses_verifier() else None
        model = shared_turn_model() if shipped.learned_bad is not None else None
        result = measure(TurnChecker(make_embedder("onnx"), shipped, reader, model), rows, corpus)
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    halves = split(load_turns())
    groups = writer_groups(halves["fit"])
    blinds = {name: rows for name, rows in groups.items() if name.startswith("blind")}
    verifier = None
    if args.verifier:
        from interviewer.grading.verifier import make_verifier

        verifier = make_verifier("onnx")
        if verifier is None:
            raise SystemExit("--verifier: the package ships no interviewer/data/verifier.npz")
    embedder = make_embedder("onnx")
    if args.learned_oof:  # only the learned model's threshold: the rule thresholds stay as shipped (no grid)
        kept = shipped_thresholds().model_copy()
        fitted = TurnChecker(embedder, kept, verifier)
        kept.learned_bad, table = choose_learned(fitted, halves["fit"], blinds, corpus, args.learned_oof)
        print(json.dumps(table), file=sys.stderr)
        kept.fitted_on = kept.fitted_on.split(LEARNED_NOTE)[
            0
        ] + (  # a rerun replaces the note, not repeats it
            f"{LEARNED_NOTE} on the turn model's out-of-writer readings of the fit half and the blind sets "
            f"({', '.join(p.name for p in BLIND_SETS)}): the most bad turns refused with at least "
            f"{LEARNED_PASS:.0%} of good ones passed"
        )
        write_report(
            args.out,
            kept,
            TurnChecker(embedder, kept, verifier, shared_turn_model()),
            halves,
            blinds,
            corpus,
        )
        return
    # A checker that computes every feature (the verifier's too, when asked); the grid is applied to them.
    checker = TurnChecker(embedder, Thresholds(question_states=0.5 if verifier else None), verifier)
    grid = grid_of(verifier)
    tallies = turn_grid.tally(cases_of(checker, groups, corpus), grid)
    if args.leave_one_out:
        for row in leave_one_out(tallies, grid):
            print(json.dumps(row))
        return
    kept = fit(tallies, grid)
    kept.fitted_on = (
        f"tests/data/llm_turns.jsonl, fit half ({len(halves['fit'])} turns, "
        f"{sum('written_by' in r for r in halves['fit'])} of them added for fitting), and the blind sets read "
        f"once each ({', '.join(f'{p.name}: {len(b)} turns' for p, b in zip(BLIND_SETS, blinds.values(), strict=True))}; "
        f"training/turn_examples.py); best balanced accuracy with at least {PASS_GOAL:.0%} of good turns passed"
        + ("; question_states read with the key-point verifier" if verifier is not None else "")
    )
    write_report(args.out, kept, TurnChecker(checker.embedder, kept, verifier), halves, blinds, corpus)


def write_report(
    out: Path,
    kept: Thresholds,
    fitted: TurnChecker,
    halves: dict[str, list[dict[str, Any]]],
    blinds: dict[str, list[dict[str, Any]]],
    corpus: Corpus,
) -> None:
    """Measure the kept setting on both halves and the blind sets, and write it with the rates to `out`."""
    report = {
        half: measure(fitted, part, corpus)
        for half, part in (*halves.items(), *((f"{name}_used_for_fitting", b) for name, b in blinds.items()))
    }
    out.write_text(
        json.dumps({"thresholds": kept.model_dump(), "rates": report}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    for half, r in report.items():
        print(
            f"{half}: good passed {r['good_passed']:.3f} of {r['good']}, bad rejected {r['bad_rejected']:.3f} of "
            f"{r['bad']}; {r['rejected_by_kind']}"
        )
    print(json.dumps(kept.model_dump()))


if __name__ == "__main__":
    main()
