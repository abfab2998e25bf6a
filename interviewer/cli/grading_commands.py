"""Commands that grade and evaluate; registered into the CLI parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from interviewer.cli.common import EXTRA_PARSERS, command, emit, services


def _parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sp = add("grade", "grade an answer against the corpus question (or scenario stage) it answers")
    sp.add_argument(
        "--question",
        help="the question as asked: matched to a corpus question or stage, refused if none is close",
    )
    sp.add_argument("--id", dest="item_id", help="a question id or `scenario#stage` to grade against exactly")
    sp.add_argument("--answer", required=True, help="the candidate's answer")
    sp.add_argument("--reference", help="grade against this reference answer instead of the corpus")
    sp.add_argument(
        "--level",
        choices=["junior", "mid", "senior"],
        default="mid",
        help="the level a scenario stage is asked at",
    )
    sp = add(
        "eval",
        "grade a labelled CSV (shared ASAG schema), or the labelled interview answers (`benchmark` or their"
        " folder), and report agreement with the human labels",
    )
    sp.add_argument(
        "file", type=Path, help="a CSV, `benchmark` (the packaged interview answers) or such a folder"
    )
    sp.add_argument(
        "--split",
        help="only rows of this split (CSV default: every row whose split is not train; benchmark default: test)",
    )
    sp.add_argument(
        "--baseline",
        choices=["grader", "cosine"],
        default="grader",
        help="'cosine' scores plain MiniLM cosine(reference, answer) for comparison",
    )
    sp.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    sp.add_argument(
        "--rows",
        type=Path,
        help="labelled answers only: also write one JSON line per answer to this file (the reader's and the"
        " grader's level and score, and the key points whose verdicts differ)",
    )

    sp = add("simulate", "run scripted candidates through full interviews (no LLM needed)")
    sp.add_argument("--sessions", type=int, default=7)
    sp.add_argument("--questions", type=int, default=4, help="questions per interview")
    sp = add("bench", "measure speed and memory on the embedded defaults (takes a few minutes)")
    sp.add_argument("--quick", action="store_true", help="shorter load phases")
    sp = add("add-recruiter", "create (or reset) a recruiter account for the workspace")
    sp.add_argument("name")
    sp.add_argument(
        "--role",
        choices=["recruiter", "candidate"],
        default="recruiter",
        help="'candidate': an account for Gradio's login page (INTERVIEWER_CANDIDATE_SIGN_IN=gradio)",
    )
    sp.add_argument(
        "--password", help="read from the INTERVIEWER_RECRUITER_PASSWORD variable or a prompt if omitted"
    )


EXTRA_PARSERS.append(_parsers)


@command
def cmd_grade(args: argparse.Namespace) -> None:
    from interviewer.cli.matching import target_for

    svc = services()
    target, matched = target_for(svc, args)
    grade = svc.grader.grade(target, args.answer)
    data = {**grade.model_dump(), "matched": matched}

    def text() -> str:
        how = f"similarity {matched['similarity']:.2f}" if matched["by"] == "text" else f"by {matched['by']}"
        lines = [
            f"matched {grade.question_id} ({how}): {matched['text']}",
            f"{grade.question_id}: score {grade.score}/5, level {grade.level}, confidence {grade.confidence}",
        ]
        if grade.flags:
            lines.append("flags: " + ", ".join(grade.flags))
        for c in grade.criteria:
            lines.append(f"  [{c.level:<6}] {c.id:<28} met {c.met:.2f}  {c.evidence[:70]!r}")
        lines.append(grade.feedback)
        return "\n".join(lines)

    emit(args, data, text)


@command
def cmd_eval(args: argparse.Namespace) -> None:
    from interviewer.evaluation.asag import EvalError, cosine_scorer, evaluate, grader_scorer

    if str(args.file) == "benchmark" or args.file.is_dir():
        return _eval_benchmark(args)
    if args.rows is not None:
        print(
            "error: --rows applies to labelled interview answers (`benchmark` or such a folder), not to a CSV",
            file=sys.stderr,
        )
        raise SystemExit(2)
    svc = services()
    try:
        scorer = cosine_scorer(svc) if args.baseline == "cosine" else grader_scorer(svc)
        result = evaluate(args.file, scorer, args.split, svc.score_model.cuts, args.resamples)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    result["scorer"] = args.baseline

    def text() -> str:
        keys = ("n", "questions", "pearson", "spearman", "rmse", "qwk", "macro_f1")
        return "\n".join(
            f"{k:<10} {result[k]}" + (f"  95% CI {result[k + '_ci']}" if k + "_ci" in result else "")
            for k in keys
            if k in result
        )

    emit(args, result, text)


def _eval_benchmark(args: argparse.Namespace) -> None:
    from interviewer.evaluation import benchmark_run
    from interviewer.evaluation.asag import EvalError

    if args.baseline != "grader":
        print(
            "error: --baseline cosine applies to CSVs; the benchmark is graded by the grader", file=sys.stderr
        )
        raise SystemExit(2)
    if args.rows is not None and not args.rows.parent.is_dir():
        print(f"error: --rows {args.rows}: the folder {args.rows.parent} does not exist", file=sys.stderr)
        raise SystemExit(2)
    svc = services()
    try:
        result = benchmark_run.evaluate(
            svc.grader,
            svc.corpus,
            benchmark_run.resolve(args.file),
            args.split or "test",
            args.resamples,
            args.rows,
        )
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    emit(args, result, lambda: benchmark_run.table(result))


@command
def cmd_add_recruiter(args: argparse.Namespace) -> None:
    import getpass
    import os

    password = (
        args.password or os.environ.get("INTERVIEWER_RECRUITER_PASSWORD") or getpass.getpass("Password: ")
    )
    try:
        services().storage.add_user(args.name, password, role=args.role)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    emit(args, {"user": args.name, "role": args.role}, f"{args.role} {args.name} saved")


@command
def cmd_simulate(args: argparse.Namespace) -> None:
    from interviewer.bench.simulate import simulate

    result = simulate(services(), args.sessions, args.questions)

    def text() -> str:
        lines = [f"{'candidate':<10} {'level':<7} {'score':>5} {'q':>2} {'fu':>3} {'err':>3} {'p95 ms':>7}"]
        for s in result["sessions"]:
            lines.append(
                f"{s['candidate']:<10} {s['level_estimate']:<7} {s['score']:>5.2f} {s['questions']:>2} "
                f"{s['follow_ups']:>3} {s['errors']:>3} {s['turn_p95_ms']:>7.1f}"
            )
        lines.append("mean score: " + ", ".join(f"{k} {v:.2f}" for k, v in result["mean_score"].items()))
        return "\n".join(lines)

    emit(args, result, text)


@command
def cmd_bench(args: argparse.Namespace) -> None:
    from interviewer.bench.speed import run_bench

    result = run_bench(services(), quick=args.quick)
    emit(args, result, lambda: "\n".join(f"{k:<24} {v}" for k, v in result.items()))
