"""Plan a session for each job description in a YAML file of postings, and score the plans against a
reader's verdicts.

    .venv/bin/python benchmarks/jd_steering.py plan [--jds FILE] --out plans.jsonl
    .venv/bin/python benchmarks/jd_steering.py score plans.jsonl verdicts.jsonl [more.jsonl ...] [--out FILE]

`plan` runs the real planner (the index and encoder the app uses; set INTERVIEWER_DATA_DIR to a folder of your
own) for two sessions per job description in `--jds` (default tests/data/job_descriptions.yaml; any file of the
same shape, a `job_descriptions` list of {id, level, text}): length 6, the posting's level, once on the `general`
track and once on the track the posting matches best. The level is held at the posting's level (no answers are
given, so it never moves). One JSON line per planned question: jd_id, track, question_id, question_text, kind,
topic (a scenario is one line: its id and brief, kind `scenario`).

`score` reads a reader's verdicts ({jd_id, question_id, relevant, why}, one line each, judged by someone who read
the posting and the question) and reports the share of planned questions judged relevant, per posting and
overall. With several verdict files, a question is judged by the first file that judges it (list the readers
first and a stand-in's own reading last), and the count per file says whose verdicts the share rests on.
Measures only: nothing here is fitted, and nothing asserts a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
JDS = ROOT / "tests" / "data" / "job_descriptions.yaml"


def load_jds(path: Path = JDS) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text())["job_descriptions"])


def plan_all(length: int = 6, jds_path: Path = JDS) -> list[dict[str, Any]]:
    from interviewer.domain.session import Setup
    from interviewer.services import Services

    services = Services()
    services.index_sync.ensure(progress=False)
    services.load_encodings()
    planner = services.engine.planner
    rows: list[dict[str, Any]] = []
    for jd in load_jds(jds_path):
        best = planner.best_track(jd["text"], jd["level"], length)
        for track in dict.fromkeys(["general", best]):
            setup = Setup(level=jd["level"], track=track, questions=length, job_description=jd["text"])
            for picked in planner.preview(setup):
                rows.append({"jd_id": jd["id"], "track": track, **picked})
    return rows


def score(plans: list[dict[str, Any]], *verdict_sets: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of planned questions judged relevant, per posting and overall (a question planned on both tracks
    counts once per plan it is in); a question takes the verdict of the first set that judges it."""
    judged: dict[tuple[str, str], tuple[bool, int]] = {}
    for source, verdicts in enumerate(verdict_sets):
        for v in verdicts:
            judged.setdefault((v["jd_id"], v["question_id"]), (bool(v["relevant"]), source))
    per: dict[str, list[bool]] = {}
    by_source = [{"relevant": 0, "judged": 0} for _ in verdict_sets]
    missing = 0
    for p in plans:
        key = (p["jd_id"], p["question_id"])
        if key not in judged:
            missing += 1
            continue
        relevant, source = judged[key]
        per.setdefault(p["jd_id"], []).append(relevant)
        by_source[source]["judged"] += 1
        by_source[source]["relevant"] += relevant
    total = [x for v in per.values() for x in v]
    return {
        "overall": round(sum(total) / max(len(total), 1), 3),
        "judged": len(total),
        "unjudged": missing,
        "by_verdict_file": by_source,
        "per_jd": {k: {"relevant": sum(v), "planned": len(v)} for k, v in per.items()},
    }


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument(
        "--jds", type=Path, default=JDS, help="YAML file of job descriptions (default: %(default)s)"
    )
    p.add_argument("--out", type=Path, required=True, help="JSON-lines file for the plans (folders are made)")
    p.add_argument("--length", type=int, default=6)
    s = sub.add_parser("score")
    s.add_argument("plans", type=Path)
    s.add_argument(
        "verdicts", type=Path, nargs="+", help="verdict files, the first that judges a question wins"
    )
    s.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.cmd == "plan":
        if not args.jds.is_file():
            ap.error(f"--jds {args.jds}: no such file; pass a YAML file with a `job_descriptions` list")
        rows = plan_all(args.length, args.jds)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
        print(f"{len(rows)} planned questions -> {args.out}", file=sys.stderr)
        return
    result = score(_read_jsonl(args.plans), *(_read_jsonl(v) for v in args.verdicts))
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
