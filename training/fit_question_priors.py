"""Fit each question's prior for job-description steering on readers' verdicts; choose its strength on dev.

    make question-priors    # INTERVIEWER_DATA_DIR=/tmp/priors .venv/bin/python training/fit_question_priors.py --write

A question's prior (interviewer/engine/question_priors.py) is its smoothed log-odds of being judged relevant when
it was planned for a posting or among a posting's 20 best-fitting questions, minus the base rate's: the verdicts of
the train sets of postings only (docs/results/jd*_verdicts.jsonl, first reader, and training/data/job_fit/). The
smoothing (pseudo-verdicts at the base rate) and the weight the planner gives it are chosen on the dev sets by the
share relevant among the six a planner-like score ranks first in each posting (the fit in deviations, its topic's,
and the prior), ties broken by the within-posting AUC. Later sets are the held-out measure and are never read here.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from fit_job_fit import TOP, postings, verdicts  # noqa: E402

from interviewer.engine.question_priors import PRIORS, QuestionPriors  # noqa: E402

SMOOTHING = (2.0, 4.0, 8.0, 16.0, 32.0)
WEIGHTS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


def fit_priors(judged: dict[tuple[str, str], bool], smoothing: float) -> dict[str, float]:
    """Per question: log-odds of (relevant + smoothing x base) / (judged + smoothing), minus the base's log-odds."""
    base = float(np.mean(list(judged.values())))
    counts: dict[str, list[int]] = {}
    for (_, q), y in judged.items():
        c = counts.setdefault(q, [0, 0])
        c[0] += int(y)
        c[1] += 1
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    return {
        q: round(logit((rel + smoothing * base) / (n + smoothing)) - logit(base), 4)
        for q, (rel, n) in counts.items()
    }


def planner_scores(services: Any, jds: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per posting and question: the fit in deviations plus its topic's, as the planner adds them."""
    match = services.engine.planner.match
    topic = {q.id: q.topic for q in services.corpus.questions}
    out = {}
    for jd_id, jd in jds.items():
        prof = match.profile(jd["text"])
        fit, topics = prof.standardised(prof.questions), prof.standardised(prof.topics)
        out[jd_id] = {q: v + topics.get(topic[q], 0.0) for q, v in fit.items()}
    return out


def measure(
    scores: dict[str, dict[str, float]],
    judged: dict[tuple[str, str], bool],
    prior: dict[str, float],
    weight: float,
) -> tuple[float, float]:
    """Share relevant among each posting's TOP judged questions by score + weight x prior, and the AUC within
    postings."""
    by: dict[str, list[tuple[float, bool]]] = {}
    for (jd, q), y in judged.items():
        if q in scores[jd]:
            by.setdefault(jd, []).append((scores[jd][q] + weight * prior.get(q, 0.0), y))
    shares, wins, pairs = [], 0.0, 0
    for v in by.values():
        shares.append(sum(y for _, y in sorted(v, key=lambda t: -t[0])[:TOP]) / min(TOP, len(v)))
        pos, neg = [s for s, y in v if y], [s for s, y in v if not y]
        wins += sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
        pairs += len(pos) * len(neg)
    return float(np.mean(shares)), wins / max(pairs, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, nargs="+", default=list(range(2, 10)), help="posting sets to fit on")
    ap.add_argument("--dev", type=int, nargs="+", default=[10, 11], help="posting sets that choose")
    ap.add_argument("--write", action="store_true", help=f"write interviewer/data/{PRIORS}")
    args = ap.parse_args()
    from interviewer.services import Services

    services = Services()
    services.index_sync.ensure(progress=False)
    train_jds, dev_jds = postings(set(args.train)), postings(set(args.dev))
    train, dev = verdicts(train_jds), verdicts(dev_jds)
    known = {q.id for q in services.corpus.questions}
    train = {k: y for k, y in train.items() if k[1] in known}  # scenario verdicts: the prior is for questions
    dev_scores = planner_scores(services, dev_jds)
    print(
        f"train: {len(train_jds)} postings, {len(train)} verdicts; dev: {len(dev_jds)} postings",
        file=sys.stderr,
    )
    results = {}
    fitted = {smoothing: fit_priors(train, smoothing) for smoothing in SMOOTHING}
    for smoothing, prior in fitted.items():
        for weight in WEIGHTS:
            results[(smoothing, weight)] = measure(dev_scores, dev, prior, weight)
            print(
                f"smoothing {smoothing} weight {weight}: dev top-{TOP} share and AUC {results[(smoothing, weight)]}"
            )
    smoothing, weight = max(results, key=lambda k: results[k])
    none = measure(dev_scores, dev, {}, 0.0)
    share, auc = results[(smoothing, weight)]
    print(
        f"chosen: smoothing {smoothing}, weight {weight}: dev top-{TOP} share {share:.3f}, AUC {auc:.3f}"
        f" (without priors {none[0]:.3f}, {none[1]:.3f})"
    )
    if args.write:
        QuestionPriors(
            weight=weight,
            priors=fitted[smoothing],
            smoothing=smoothing,
            trained_on=(
                f"{len(train)} verdicts on {len(train_jds)} postings of sets {min(args.train)}-{max(args.train)};"
                f" smoothing and weight chosen on sets {', '.join(map(str, args.dev))}"
            ),
            validation={
                "dev_top6_share": round(share, 4),
                "dev_auc": round(auc, 4),
                "dev_top6_share_without": round(none[0], 4),
            },
        ).save(ROOT / "interviewer" / "data" / PRIORS)


if __name__ == "__main__":
    main()
