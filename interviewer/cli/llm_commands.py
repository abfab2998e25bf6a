"""`interviewer check-llm`: qualify the configured LLM for wording and judging, and store the verdict."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from interviewer.cli.common import EXTRA_PARSERS, command, emit, services


def _parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sp = add(
        "check-llm",
        "time the configured LLM on fixed wording turns and ~40 labelled dev answers; recommend wording and judge",
    )
    sp.add_argument("--answers", type=int, default=40, help="labelled dev answers to judge (default 40)")
    sp.add_argument("--no-store", action="store_true", help="do not store the verdict for the app to show")


EXTRA_PARSERS.append(_parsers)


def _table(check: dict) -> str:
    w, j = check["wording"], check["judge"]
    lo, hi = j["gain_ci"]
    on = {True: "ON", False: "off"}
    return "\n".join(
        [
            f"model {check['model']} at {check['base_url']}: {check['seconds']:.0f} s",
            f"wording: {w['turns']} turns, {w['finished']:.0%} finished properly, {w['passed']:.0%} passed the"
            f" turn check (follow-ups {w['follow_ups_passed']:.0%}); p50 {w['p50_s']} s, p95 {w['p95_s']} s",
            f"  fell back: {w['reasons'] or 'never'}",
            f"judge: {j['answers']} dev answers ({j['questions']} questions), {j['valid_json']:.0%} usable JSON,"
            f" p50 {j['p50_s']} s; mean abs. error {j['mae_rubric']} -> {j['mae_judged']}"
            f" (gain {j['gain']:+.3f}, 95% CI {lo:+.3f} to {hi:+.3f})",
            f"recommend: INTERVIEWER_LLM_WORDING {on[check['recommend_wording']]},"
            f" INTERVIEWER_LLM_JUDGE {on[check['recommend_judge']]}",
        ]
    )


@command
def cmd_check_llm(args: argparse.Namespace) -> None:
    from interviewer.bench.llm_check import run_check
    from interviewer.llm.checks import store_check

    svc = services()
    try:
        check = run_check(svc, args.answers, say=lambda line: print(line, file=sys.stderr))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not args.no_store:
        store_check(svc.settings.llm_check_path, check)
    data = check.model_dump(mode="json")
    emit(args, data, lambda: _table(data))
