"""Render the README's result tables from the committed files in docs/results/ (nothing is re-run here).

    .venv/bin/python scripts/readme_tables.py            # rewrite the tables in README.md (make docs)
    .venv/bin/python scripts/readme_tables.py --check    # exit 1 when README.md differs from the files
    .venv/bin/python scripts/readme_tables.py --add-bench OUT.json --label L --when W --load "load average 0.4"

Each table sits between `<!-- NAME -->` and `<!-- /NAME -->` in the README: `eval-table` (docs/results/eval.json,
written by benchmarks/agreement.py), `interview-table` (docs/results/interview_baseline.json, and
docs/results/interview_after.json once the grader issue measures it) and `bench-table` (docs/results/bench.json,
runs of `interviewer bench --json` added with --add-bench) and `search-table` (docs/results/search.json, written by
benchmarks/search_recall.py) and `steering-table` (the first read of each held-out set of job descriptions:
docs/results/jdN_plans.jsonl and its readers' verdicts, written by benchmarks/jd_steering.py). tests/test_docs.py
fails when they disagree.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"


def _f(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def _ci(pair: list[float] | None, digits: int = 3) -> str:
    return f"{_f(pair[0], digits)}-{_f(pair[1], digits)}" if pair else ""


def eval_table(doc: dict[str, Any]) -> str:
    lines = [
        "| set, split | answers / questions | metric | grader | 95% CI | cosine | 95% CI |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in doc["rows"]:
        lines.append(
            f"| {r['set']}, {r['split']} | {r['answers']} / {r['questions']} | {r['metric']} | {_f(r['grader'])} "
            f"| {_ci(r['grader_ci'])} | {_f(r['cosine'])} | {_ci(r['cosine_ci'])} |"
        )
    goals = []
    for r in doc["rows"]:
        goal = doc.get("goals", {}).get(f"{r['set']}, {r['split']}, {r['metric']}")
        if goal is not None:
            met = "met" if r["grader"] >= goal else "**not met**"
            goals.append(
                f"{r['set']} {r['split'].replace('test_', '').replace('_', ' ')} {r['metric']} >= {goal:.2f} ({met}, {r['grader']:.3f})"
            )
    note = (
        f"Measured {doc['measured']}. Goals: " + "; ".join(goals) + "."
        if goals
        else f"Measured {doc['measured']}."
    )
    return "\n".join(lines) + "\n\n" + note


INTERVIEW_COLUMNS = [
    ("level exact", "level_exact", True),
    ("level within one", "level_within_one", False),
    ("level QWK", "level_qwk", False),
    ("score Spearman", "score_spearman", True),
    ("score RMSE", "score_rmse", False),
    ("fooled rate", "fooled_rate", False),
    ("plain reach rate", "plain_reach_rate", False),
]


INTERVIEW_GOALS = [  # (name, key, operator, goal, met?) from the grader issue
    ("level exact", "level_exact", ">=", 0.75, lambda v: v >= 0.75),
    ("within one", "level_within_one", ">=", 0.95, lambda v: v >= 0.95),
    ("fooled rate", "fooled_rate", "<=", 0.05, lambda v: v <= 0.05),
    ("plain reach rate", "plain_reach_rate", ">=", 0.85, lambda v: v >= 0.85),
    ("score Spearman", "score_spearman", ">=", 0.85, lambda v: v >= 0.85),
    ("score RMSE", "score_rmse", "<=", 1.0, lambda v: v <= 1.0),
    ("score bias", "score_bias", "within +-", 0.3, lambda v: abs(v) <= 0.3),
]


def interview_row(label: str, split: dict[str, Any] | None) -> str:
    if split is None:
        return f"| {label} | not measured yet |" + " |" * (len(INTERVIEW_COLUMNS) + 1)
    cells = [f"{split['n']} / {split['questions']}"]
    for _, key, with_ci in INTERVIEW_COLUMNS:
        ci = f" ({_ci(split.get(key + '_ci'), 2)})" if with_ci and split.get(key + "_ci") else ""
        cells.append(_f(split.get(key)) + ci)
    kp = split.get("key_points", {})
    cells.append(f"{_f(kp.get('states_precision'), 2)} / {_f(kp.get('states_recall'), 2)}")
    return f"| {label} | " + " | ".join(cells) + " |"


def interview_table(before: dict[str, Any], after: dict[str, Any] | None) -> str:
    head = [
        "grader",
        "answers / questions",
        *(c[0] for c in INTERVIEW_COLUMNS),
        "key point stated: precision / recall",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.append(interview_row("before the grader issue", before["splits"]["test"]))
    lines.append(interview_row("after the grader issue", after["splits"]["test"] if after else None))
    readers = before["splits"]["test"].get("readers")
    if readers and readers.get("n"):
        lines.append(interview_row("second reader vs first (double-labelled answers)", readers))
    notes = "\n\nBefore: " + before["what"] + "."
    if after:
        test = after["splits"]["test"]
        goals = "; ".join(
            f"{name} {op} {goal} ({'met' if ok(test[key]) else '**not met**'}, {test[key]:.3f})"
            for name, key, op, goal, ok in INTERVIEW_GOALS
        )
        notes += " After: " + after["what"] + ". Goals on test: " + goals + "."
    return "\n".join(lines) + notes


BENCH_ROWS = [  # (label, how to read the figures of one run)
    ("embed_texts_per_s (raw model, whole answers)", lambda f: _f(f.get("embed_texts_per_s"), 1)),
    ("grade_ms_per_answer (one encoder thread)", lambda f: _f(f.get("grade_ms_per_answer"), 1)),
    ("grade_vs_embed_ratio", lambda f: _f(f.get("grade_vs_embed_ratio"), 3)),
    (
        "grade p50 / p95 ms, a 150-word answer",
        lambda f: f"{_f(f.get('grade_p50_ms_150w'), 0)} / {_f(f.get('grade_p95_ms_150w'), 0)}",
    ),
    ("index_full_s", lambda f: _f(f.get("index_full_s"), 2)),
    ("reindex_unchanged_s", lambda f: _f(f.get("reindex_unchanged_s"), 3)),
    (
        "turn p50 / p95 ms, 1 session (in process)",
        lambda f: f"{f['turn_p50_ms_1']:.0f} / {f['turn_p95_ms_1']:.0f}",
    ),
    (
        "turn p50 / p95 / p99 ms, 50 sessions (HTTP, Poisson 10 turns/s)",
        lambda f: f"{f['turn_p50_ms_50']:.0f} / {f['turn_p95_ms_50']:.0f} / {f['turn_p99_ms_50']:.0f}",
    ),
    ("saturation_turns_per_s (HTTP p95 under 1 s)", lambda f: _f(f.get("saturation_turns_per_s"), 1)),
    ("cold_start_s (process start to page served)", lambda f: _f(f.get("cold_start_s"), 2)),
    ("ready_s (process start to `GET /ready`)", lambda f: _f(f.get("ready_s"), 2)),
    ("rss_mb (app process, after the sweep)", lambda f: _f(f.get("rss_mb"), 1)),
]
BENCH_GOALS = {
    "grade_ms": "grade_ms_per_answer",
    "grade_vs": "grade_vs_embed_ratio",
    "grade p50 / p95": "grade_p95_ms_150w",
    "reindex": "reindex_unchanged_s",
    "turn p50 / p95 / p99": "turn_p95_ms_50",
    "saturation": "saturation_turns_per_s",
    "cold_start": "cold_start_s",
    "rss_mb": "rss_mb",
}


def bench_table(doc: dict[str, Any]) -> str:
    runs = [r for r in doc["runs"] if r.get("in_readme", True)]
    lines = ["| key | " + " | ".join(r["label"] for r in runs) + " | goal |", "|" + "---|" * (len(runs) + 2)]
    for label, read in BENCH_ROWS:
        goal_key = next((v for k, v in BENCH_GOALS.items() if label.startswith(k)), "")
        lines.append(
            f"| {label} | "
            + " | ".join(read(r["figures"]) for r in runs)
            + f" | {doc['goals'].get(goal_key, '')} |"
        )
    when = "; ".join(sorted({f"{r['when']}, {r['load']}" for r in runs}))
    older = len(doc["runs"]) - len(runs)
    more = f" {older} earlier runs are in docs/results/bench.json." if older else ""
    return "\n".join(lines) + f"\n\nOn {runs[-1]['figures'].get('cores', 2)} cores: {when}.{more}"


SEARCH_GOALS = {"recall_at_1": 0.85, "recall_at_3": 0.95}
"""Issue 23's goals for question queries on the test half."""


def search_table(doc: dict[str, Any]) -> str:
    head = "| ranker | half | questions r@1 | questions r@3 | stages r@1 | stages r@3 | nulls refused | true kept |"
    lines = [head, "|" + "---|" * 8]
    for name, halves in doc["rankers"].items():
        for half, r in halves.items():
            q, st, null = r["question"], r["stage"], r["null"]
            lines.append(
                f"| {name} | {half} | {_f(q['recall_at_1'])} | {_f(q['recall_at_3'])} | {_f(st['recall_at_1'])} "
                f"| {_f(st['recall_at_3'])} | {_f(null['refused'])} | {_f(r['true_kept'])} |"
            )
    first = next(iter(doc["rankers"].values()))
    test, dev = first["test"], first["dev"]
    goals = "; ".join(
        f"{key.replace('recall_at_', 'recall@')} >= {goal:.2f} "
        f"({'met' if test['question'][key] >= goal else '**not met**'}, {test['question'][key]:.3f})"
        for key, goal in SEARCH_GOALS.items()
    )
    counts = lambda r: f"{r['question']['n']} question, {r['stage']['n']} stage, {r['null']['n']} null"  # noqa: E731
    return "\n".join(lines) + (
        f"\n\nMeasured {doc['measured']}; dev {counts(dev)} queries, test {counts(test)}. Goals on the test half's "
        f"question queries: {goals}. The match threshold {doc['threshold']} was chosen on dev."
    )


STEERING_READS = {n: f"jd{n}_plans.jsonl" for n in range(2, 15)} | {
    8: "jd8_plans_before.jsonl",
    13: "jd13_plans_before.jsonl",
}
"""Per held-out set of postings, the plans of the planner and bank that had shipped before the set was read. Sets 8
and 13 were read together with a change that the set itself chose (a rule written before planning), so their first
read is the planner before it; the changes of sets 9 and 11 (new questions) were kept whatever the set said, so
their first read is the bank with them."""
STEERING_GOAL = 0.8


def _relevant(plans: list[dict[str, Any]], verdicts_file: Path) -> tuple[int, int] | None:
    """Relevant and planned questions of `plans` by one reader's verdicts (None without that reader)."""
    if not verdicts_file.exists():
        return None
    rows = [json.loads(x) for x in verdicts_file.read_text().splitlines() if x.strip()]
    verdict = {(r["jd_id"], r["question_id"]): bool(r["relevant"]) for r in rows}
    keys = [(p["jd_id"], p["question_id"]) for p in plans]
    return (sum(verdict[k] for k in keys), len(keys)) if all(k in verdict for k in keys) else None


def steering_table() -> str:
    lines = [
        "| held-out set | postings | relevant / planned | share | second reader |",
        "|---|---|---|---|---|",
    ]
    totals = [0, 0]
    for n, name in STEERING_READS.items():
        plans = [json.loads(x) for x in (RESULTS / name).read_text().splitlines() if x.strip()]
        first = _relevant(plans, RESULTS / f"jd{n}_verdicts.jsonl")
        second = _relevant(plans, RESULTS / f"jd{n}_verdicts_second_reader.jsonl")
        assert first is not None, f"{name}: a planned question has no verdict"
        totals = [totals[0] + first[0], totals[1] + first[1]]
        other = f"{second[0] / second[1]:.1%}" if second else "-"
        postings = len({p["jd_id"] for p in plans})
        lines.append(
            f"| {n} (`job_descriptions_{n}.yaml`) | {postings} | {first[0]} / {first[1]} | {first[0] / first[1]:.1%} | {other} |"
        )
    share = totals[0] / totals[1]
    lines.append(f"| **all, first reads** | | **{totals[0]} / {totals[1]}** | **{share:.1%}** | |")
    latest = f"{first[0] / first[1]:.1%}" + (f", second reader {other}" if second else "")
    verdict = lambda v: "met" if v >= STEERING_GOAL else "**not met**"  # noqa: E731
    return "\n".join(lines) + (
        f"\n\nGoal: at least {STEERING_GOAL:.0%} relevant: {verdict(first[0] / first[1])} on the latest set's first"
        f" read ({latest}), the read of the planner that ships; {verdict(share)} over all first reads, which include"
        " every earlier planner."
    )


def tables() -> dict[str, str]:
    """Every generated table by its marker name, from the committed result files."""
    read = lambda name: json.loads((RESULTS / name).read_text())  # noqa: E731
    after = RESULTS / "interview_after.json"
    return {
        "eval-table": eval_table(read("eval.json")),
        "interview-table": interview_table(
            read("interview_baseline.json"), read(after.name) if after.exists() else None
        ),
        "bench-table": bench_table(read("bench.json")),
        "search-table": search_table(read("search.json")),
        "steering-table": steering_table(),
    }


def render(readme: str) -> str:
    """`readme` with every marked table replaced by the one the result files give."""
    for name, table in tables().items():
        pattern = re.compile(rf"(<!-- {name} -->\n)(?:.*?\n)?(<!-- /{name} -->)", re.S)
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no <!-- {name} --> ... <!-- /{name} --> block to fill")
        readme = pattern.sub(lambda m, table=table: m.group(1) + table + "\n" + m.group(2), readme)
    return readme


def add_bench(path: Path, label: str, when: str, load: str) -> None:
    doc = json.loads((RESULTS / "bench.json").read_text())
    run = {
        "label": label,
        "when": when,
        "load": load,
        "in_readme": True,
        "figures": json.loads(path.read_text()),
    }
    doc["runs"].append(run)
    (RESULTS / "bench.json").write_text(json.dumps(doc, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 when README.md is out of date")
    ap.add_argument("--add-bench", type=Path, help="a saved `interviewer bench --json` to add to bench.json")
    ap.add_argument("--label", default="new run")
    ap.add_argument("--when", default="")
    ap.add_argument("--load", default="", help="the machine's load average during the run")
    args = ap.parse_args()
    if args.add_bench:
        add_bench(args.add_bench, args.label, args.when, args.load)
    path = ROOT / "README.md"
    current = path.read_text()
    fresh = render(current)
    if args.check:
        if fresh != current:
            raise SystemExit("README.md's tables differ from docs/results/: run `make docs`")
        return
    path.write_text(fresh)


if __name__ == "__main__":
    sys.exit(main())
