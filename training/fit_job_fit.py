"""Fit the weights of a question's fit to a job description on readers' verdicts; choose among the best on dev.

    make job-fit    # INTERVIEWER_DATA_DIR=/tmp/jobfit .venv/bin/python training/fit_job_fit.py

A question's fit (interviewer/engine/job_match.py) weighs three closenesses of the question to the posting's
requirement lines: what it asks, its key points, and its two closest lines. This script reads every posting of the
sets it is given, computes those parts once per posting, and scores a grid of weights by how a planner-like score
(the fit in deviations plus the fit of its topic, as the planner adds them) orders the (posting, question) pairs a
reader judged: the share relevant among the six it ranks first in each posting (the readers' verdicts of planned
questions in docs/results/, and the dense verdicts of the 20 best-fitting questions at each posting's level in
training/data/job_fit/). Weights are fitted on the train sets; the train grid's best (within TIE of it) are
compared on the dev sets, which choose. Later sets are the held-out measure and are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.engine.job_match import fit_parts  # noqa: E402
from interviewer.engine.job_text import read_posting  # noqa: E402

RESULTS = ROOT / "docs" / "results"
DENSE = ROOT / "training" / "data" / "job_fit"
GRID = {"ask": (0.25, 0.5, 0.75), "points": (0.25, 0.5, 0.75), "lines": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)}
TIE = 0.001
TOP = 6  # a session's length


def set_of(jd_id: str) -> int:
    """The posting set a posting id belongs to (`jd-...` is the first set, `jd5-...` the fifth)."""
    head = jd_id.split("-", 1)[0][2:]
    return int(head) if head.isdigit() else 1


def postings(sets: set[int]) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((ROOT / "tests" / "data").glob("job_descriptions*.yaml")):
        for jd in yaml.safe_load(path.read_text())["job_descriptions"]:
            if set_of(jd["id"]) in sets:
                out[jd["id"]] = jd
    return out


def verdicts(jds: dict[str, Any]) -> dict[tuple[str, str], bool]:
    """Per judged (posting, question): the first reader's verdict (a set's own readers before the dense ones)."""
    files = sorted(RESULTS.glob("jd*_verdicts.jsonl")) + sorted(DENSE.glob("*.jsonl"))
    out: dict[tuple[str, str], bool] = {}
    for path in files:
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                if r["jd_id"] in jds:
                    out.setdefault((r["jd_id"], r["question_id"]), bool(r["relevant"]))
    return out


def parts_of(
    services: Any, jds: dict[str, Any]
) -> dict[str, tuple[dict[str, tuple[float, float, float]], dict]]:
    """Per posting: each question's fit parts and the penalties job_match takes off."""
    match = services.engine.planner.match
    vecs, owners = match._corpus_facets()
    asks = match._ask_rows()
    out = {}
    for jd_id, jd in jds.items():
        post = read_posting(jd["text"])
        w = np.asarray(post.weights, dtype=np.float32)
        sims = (services.embedder.embed(post.requirements) @ vecs.T) * w[:, None]
        out[jd_id] = (fit_parts(sims, owners, asks), match._penalties(post, vecs, owners))
    return out


def planner_score(
    parts: dict[str, tuple[float, float, float]],
    penalties: dict[str, float],
    topics: dict[str, str],
    w: tuple,
) -> dict[str, float]:
    """The question's fit in deviations plus its topic's (mean of the topic's three best), as the planner adds."""
    fit = {
        q: w[0] * a + w[1] * p + w[2] * li - penalties.get(q, 0.0)
        for q, (a, p, li) in parts.items()
        if q in topics
    }
    arr = np.array(list(fit.values()))
    mean, sd = float(arr.mean()), float(arr.std()) or 1.0
    by_topic: dict[str, list[float]] = {}
    for q, v in fit.items():
        by_topic.setdefault(topics[q], []).append(v)
    topic = {t: float(np.mean(sorted(v, reverse=True)[:3])) for t, v in by_topic.items()}
    return {q: (v - mean) / sd + (topic[topics[q]] - mean) / sd for q, v in fit.items()}


def share_top(scores: dict[str, dict[str, float]], judged: dict[tuple[str, str], bool]) -> float:
    """Mean over postings of the share relevant among the TOP judged questions the score ranks first."""
    by: dict[str, list[tuple[float, bool]]] = {}
    for (jd, q), y in judged.items():
        if q in scores[jd]:
            by.setdefault(jd, []).append((scores[jd][q], y))
    shares = [sum(y for _, y in sorted(v, key=lambda t: -t[0])[:TOP]) / min(TOP, len(v)) for v in by.values()]
    return float(np.mean(shares))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, nargs="+", default=list(range(2, 10)), help="posting sets to fit on")
    ap.add_argument("--dev", type=int, nargs="+", default=[10, 11], help="posting sets that choose")
    args = ap.parse_args()
    from interviewer.services import Services

    services = Services()
    services.index_sync.ensure(progress=False)
    topics = {q.id: q.topic for q in services.corpus.questions}
    result = {}
    for name, sets in (("train", set(args.train)), ("dev", set(args.dev))):
        jds = postings(sets)
        judged = verdicts(jds)
        cached = parts_of(services, jds)
        print(f"{name}: {len(jds)} postings, {len(judged)} judged pairs", file=sys.stderr)
        result[name] = {
            w: share_top({jd: planner_score(p, pen, topics, w) for jd, (p, pen) in cached.items()}, judged)
            for w in itertools.product(GRID["ask"], GRID["points"], GRID["lines"])
        }
    best = max(result["train"].values())
    tied = [w for w, v in result["train"].items() if v >= best - TIE]
    for w in tied:
        print(f"weights {w}: train {result['train'][w]:.3f} dev {result['dev'][w]:.3f}")
    chosen = max(tied, key=lambda w: result["dev"][w])
    before = (0.5, 0.5, 0.0)
    print(
        f"chosen (ask, points, lines) = {chosen}: train {result['train'][chosen]:.3f} dev {result['dev'][chosen]:.3f}"
        f" (half ask, half points: train {result['train'][before]:.3f} dev {result['dev'][before]:.3f})"
    )


if __name__ == "__main__":
    main()
