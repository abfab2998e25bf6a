"""Measure question search on the labelled queries (tests/data/search_queries.jsonl); write docs/results/search.json.

    INTERVIEWER_DATA_DIR=/tmp/search-bench .venv/bin/python benchmarks/search_recall.py [--splits dev,test]

For the fused ranker that ships, MiniLM alone and BM25 alone (the same code with the dense weight at 1 and 0), on
each half of the fixed split: recall@1 and @3 of the question queries (ranked among questions, as `interviewer
search` does) and of the stage queries (among questions and stages, as `grade --question` does), and how the match
threshold treats the true queries (kept) and the null ones (refused). The threshold that dev alone would choose is
printed next to the one that ships. Builds the index in the data folder when it has none. Measures only: nothing
here asserts a figure (tests/test_search_recall.py checks the goals on the test half).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ROOT / "tests" / "data" / "search_queries.jsonl"
RANKERS = {"fused (shipped)": None, "MiniLM only": 1.0, "BM25 only": 0.0}


def main() -> None:
    from interviewer.evaluation.search_queries import choose_threshold, load_queries, measure
    from interviewer.search.question_search import MATCH_SIMILARITY
    from interviewer.services import Services

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", default="dev,test", help="which halves to measure (tune on dev only)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "search.json")
    args = ap.parse_args()
    svc = Services()
    svc.index_sync.ensure(progress=False)
    search = svc.questions
    shipped_weight = search.dense_weight
    doc: dict = {"measured": datetime.date.today().isoformat(), "threshold": MATCH_SIMILARITY, "rankers": {}}
    for name, weight in RANKERS.items():
        search.dense_weight = shipped_weight if weight is None else weight
        doc["rankers"][name] = {}
        for split in args.splits.split(","):
            queries = load_queries(QUERIES, split, svc.corpus.resolve)
            t0 = time.perf_counter()
            result = measure(search, queries, MATCH_SIMILARITY)
            result["ms_per_query"] = round(1000 * (time.perf_counter() - t0) / (2 * len(queries)), 2)
            sims = result.pop("similarities")
            if split == "dev":
                result["dev_threshold"] = choose_threshold(sims["true"], sims["null"])
            doc["rankers"][name][split] = result
            q, st, null = result["question"], result["stage"], result["null"]
            print(
                f"{name:<16} {split:<4} questions r@1 {q['recall_at_1']:.3f} r@3 {q['recall_at_3']:.3f} (n={q['n']})"
                f"  stages r@1 {st['recall_at_1']:.3f} r@3 {st['recall_at_3']:.3f} (n={st['n']})"
                f"  null refused {null['refused']:.3f} (n={null['n']}, max sim {null['max_similarity']:.3f})"
                f"  true kept {result['true_kept']:.3f}"
                + (f"  dev's threshold {result['dev_threshold']}" if split == "dev" else "")
            )
    search.dense_weight = shipped_weight
    print(f"shipped threshold {MATCH_SIMILARITY}", file=sys.stderr)
    if args.splits == "dev,test":
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
