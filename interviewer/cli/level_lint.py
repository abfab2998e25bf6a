"""`interviewer corpus --lint`: report key points that state one fact at two levels; exit 1 on any pair that
corpus/level_allowlist.yaml does not list, on a stale allow-list entry, or on a malformed one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from interviewer.search.level_lint import ALLOWLIST, CachedVectors, Confirm, lint, load_allowlist


def run_lint(svc: Any, args: argparse.Namespace, stats: dict[str, Any]) -> None:
    from interviewer.cli.common import emit

    problems: list[str] = []
    allowlist = load_allowlist(svc.settings.corpus_dir, problems)
    result = lint(
        svc.corpus.questions,
        CachedVectors(svc.embedder),
        allowlist,
        _verifier(svc) if args.verifier else None,
    )
    report = {
        "flagged": [
            {
                "a": p.a.ref,
                "a_level": p.a.level,
                "b": p.b.ref,
                "b_level": p.b.level,
                "cosine": p.cosine,
                "rare_words": p.rare_words,
                "shared_terms": p.shared_terms,
                "allowed": p.reason,
            }
            for p in result.flagged
        ],
        "failing": len(result.failing),
        "stale": result.stale,
        "problems": problems,
    }

    def text() -> str:
        lines = [
            f"{len(result.flagged)} pairs flagged, {len(result.flagged) - len(result.failing)} allow-listed"
        ]
        lines += [f"  NOT ALLOWED {p.line()}\n    {p.a.text}\n    {p.b.text}" for p in result.failing]
        lines += [f"  stale allow-list entry: {s}" for s in result.stale]
        lines += [f"  {p}" for p in problems]
        if result.failing:
            lines.append(
                "Move one key point's level so the fact sits at one level (rubrics/levels.yaml), or add the pair to "
                f"corpus/{ALLOWLIST} with a one-line reason."
            )
        return "\n".join(lines)

    emit(args, {**stats, "level_lint": report}, text)
    if result.failing or result.stale or problems:
        raise SystemExit(1)


def _verifier(svc: Any) -> Confirm:
    """The key-point verifier as the lint asks it: does the first text state the second?"""
    from interviewer.grading.verifier import LABELS, make_verifier

    verifier = make_verifier(svc.settings.embeddings, svc.settings.encoder_threads)
    if verifier is None:
        print("error: --verifier: no trained verifier ships with this install (interviewer/data/verifier.npz)",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    states = LABELS.index("states")
    return lambda a, b: float(verifier.probs(b, a)[states])
