"""Commands of the review loop: recalibrate from reviewed grades, list and roll back calibration versions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from interviewer.cli.common import EXTRA_PARSERS, command, emit, services


def _parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sp = add("calibrate", "refit the score correction and level bars from reviewed grades (held-out check)")
    sp.add_argument("--author", default="cli", help="who ran it (recorded in the history)")
    sp.add_argument(
        "--holdout", type=float, default=0.3, help="share of reviewed grades held out (fixed by id)"
    )
    sp.add_argument(
        "--prior-weight", type=float, default=20.0, help="how many reviews the shipped calibration counts as"
    )
    sp = add("calibrations", "list calibration versions and runs; --activate N rolls back (or forward) to N")
    sp.add_argument("--activate", type=int, help="make this version active")
    sp.add_argument("--author", default="cli")


EXTRA_PARSERS.append(_parsers)


@command
def cmd_calibrate(args: argparse.Namespace) -> None:
    result = services().loop.recalibrator.run(args.author, args.holdout, args.prior_weight)
    emit(args, result.to_json(), result.markdown)
    if not result.accepted:
        print(f"refused: {result.message}", file=sys.stderr)
        raise SystemExit(1)


@command
def cmd_calibrations(args: argparse.Namespace) -> None:
    loop = services().loop
    message = loop.recalibrator.rollback(args.activate, args.author) if args.activate is not None else ""
    store = loop.calibrations
    data = {
        "active": store.active_version(),
        "versions": [c.to_json() for c in store.versions()],
        "history": store.history(),
        "message": message,
    }

    def text() -> str:
        lines = [message] if message else []
        for c in store.versions():
            mark = "*" if c.version == data["active"] else " "
            bars = c.bars or "rubric's"
            lines.append(
                f"{mark} v{c.version:<3} {c.offset:+.2f} + {c.slope:.2f} x raw, bars {bars}  {c.note}"
            )
        return "\n".join(lines)

    emit(args, data, text)
    if message.startswith("Not changed"):
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)
