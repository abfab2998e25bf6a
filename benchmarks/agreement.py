"""Measure the grader's agreement with human graders on the shared ASAG test splits; write docs/results/eval.json.

    .venv/bin/python benchmarks/agreement.py [--data ../shared/data/asag] [--out docs/results/eval.json]

Runs `interviewer eval FILE --split SPLIT --json` for each split below, once with the shipped grader and once with
`--baseline cosine`, in this process (1,000 bootstrap resamples of questions, as the README states). Takes about
ten minutes on 2 cores. `make docs` then renders the README's agreement table from the file. Measures only:
nothing here is fitted, and nothing asserts a figure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPLITS = [  # (file, display name, split, metrics shown in the README)
    (
        "semeval2013_scientsbank_2way.csv",
        "SciEntsBank 2-way",
        "test_unseen_questions",
        ["macro_f1", "pearson"],
    ),
    (
        "semeval2013_scientsbank_2way.csv",
        "SciEntsBank 2-way",
        "test_unseen_domains",
        ["macro_f1", "pearson", "qwk"],
    ),
    ("semeval2013_scientsbank_2way.csv", "SciEntsBank 2-way", "test_unseen_answers", ["macro_f1"]),
    ("semeval2013_beetle_2way.csv", "Beetle 2-way", "test_unseen_questions", ["macro_f1", "pearson"]),
    ("semeval2013_beetle_2way.csv", "Beetle 2-way", "test_unseen_answers", ["macro_f1"]),
    ("saf_v2_en.csv", "SAF v2 English", "test_unseen_questions", ["pearson", "qwk"]),
    ("saf_v2_en.csv", "SAF v2 English", "test_unseen_answers", ["pearson"]),
]


def run_eval(path: Path, split: str, baseline: str) -> dict:
    from interviewer.cli.main import main

    out = io.StringIO()
    args = ["eval", str(path), "--split", split, "--baseline", baseline, "--json"]
    with contextlib.redirect_stdout(out):
        assert main(args) == 0, f"interviewer {' '.join(args)} failed"
    return json.loads(out.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "eval.json")
    args = ap.parse_args()
    rows = []
    for file, name, split, metrics in SPLITS:
        print(f"{name} {split}", file=sys.stderr)
        grader = run_eval(args.data / file, split, "grader")
        cosine = run_eval(args.data / file, split, "cosine")
        for metric in metrics:
            rows.append(
                {
                    "set": name,
                    "split": split,
                    "answers": grader["n"],
                    "questions": grader.get("questions"),
                    "metric": metric,
                    "grader": grader[metric],
                    "grader_ci": grader[metric + "_ci"],
                    "cosine": cosine[metric],
                    "cosine_ci": cosine[metric + "_ci"],
                }
            )
    doc = {
        "what": "interviewer eval on the shared ASAG test splits, no LLM; 95% intervals from 1,000 bootstrap "
        "resamples of questions; macro-F1 cuts fitted on each file's train rows",
        "measured": time.strftime("%Y-%m-%d"),
        "command": "benchmarks/agreement.py",
        "rows": rows,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
