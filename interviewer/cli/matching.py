"""What `interviewer grade` grades against: the item `--id` names, the item `--question` asks, or a bare
`--reference`; a text close to no item, or an unknown id, is refused (exit code 2) with the nearest ids."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn, cast

from interviewer.domain.questions import Level
from interviewer.domain.target import Target
from interviewer.search.question_search import MATCH_SIMILARITY, UnknownItem


def target_for(svc: Any, args: argparse.Namespace) -> tuple[Target, dict[str, Any]]:
    """The grading target of the command's arguments and how it was found (`matched` in the JSON)."""
    if args.reference:
        if not args.question:
            _refuse(
                args, "usage", "--reference needs --question TEXT (the question the reference answers)", []
            )
        target = Target.from_reference("adhoc", args.question, args.reference)
        return target, {"by": "reference", "id": target.id, "text": args.question}
    if args.item_id:
        try:
            item_id, item, scenario = svc.questions.item(args.item_id)
        except UnknownItem as exc:
            near = [{"id": i} for i in exc.nearest]
            _refuse(
                args,
                "unknown_id",
                f"no question or scenario stage has the id {args.item_id!r}; "
                + (
                    f"nearest ids: {', '.join(exc.nearest)}"
                    if exc.nearest
                    else "see `interviewer search TEXT`"
                ),
                near,
            )
        by = (
            "id" if item_id == args.item_id.strip() else "id map"
        )  # an old id read through corpus/id_map.yaml
        return _target(item_id, item, scenario, args.level), {"by": by, "id": item_id, "text": item.text}
    if not args.question:
        _refuse(args, "usage", "give --question TEXT (matched to the corpus) or --id ID (exact)", [])
    match = svc.questions.match(args.question)
    if match.id is None:
        listed = ", ".join(f"{h['id']} ({h['similarity']:.2f})" for h in match.nearest) or "none"
        _refuse(
            args,
            "no_match",
            f"no corpus question or scenario stage is close to {args.question!r}: the best-ranked item's "
            f"similarity is {match.similarity:.2f}, below {MATCH_SIMILARITY}. Nearest ids: {listed} "
            "(ranked by words and meaning). Pick one with --id ID, "
            "or grade against your own reference with --reference TEXT.",
            match.nearest,
        )
    item_id, item, scenario = svc.questions.item(match.id)
    matched = {"by": "text", "id": item_id, "text": item.text, "similarity": match.similarity}
    return _target(item_id, item, scenario, args.level), matched


def _target(item_id: str, item: Any, scenario: Any, level: str) -> Target:
    if scenario is None:
        return Target.of(item)
    target = Target.of(item, level=cast(Level, level), kind="case", topic=scenario.topic)
    target.id = item_id  # `scenario#stage`, as stored sessions name a stage
    return target


def _refuse(args: argparse.Namespace, error: str, message: str, nearest: list[dict[str, Any]]) -> NoReturn:
    """Exit code 2; the message on stderr, and with --json one JSON document on stdout that says why."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps({"error": error, "message": message, "nearest": nearest}) + "\n")
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
