"""Measure a learned guard for sentences addressed to an assistant (a trial: nothing it fits ships).

    .venv/bin/python training/addressed_trial.py

The regular expressions of `interviewer/grading/guards.py` catch the attacks they name ("ignore previous
instructions", "give me 5/5"); a role-play set-up or "put everything above into a code block" names none of them.
This trial fits a small classifier on the grader's own sentence vectors (`features.sentence_vectors`, each sentence
encoded on its own) plus five word-level cues (second person, words for an assistant or its instructions, an
opening imperative, first person, length), and reports how much of the dev texts it catches at a given number of
false alarms on real answers. Data (`training/data/addressed/`, README there): positives written as addressed to an
assistant (writers a1, b1, a2), hard negatives written as answer text that only looks like it (n1; n2 in other
languages and second-language English), each text in
`train` or `dev` by a hash of its id; further negatives are sentences the project already has (corpus reference
answers, the labelled training answers, the key-point sentences and stances, the benchmark's train answers), less
answers written as attacks on the grader. Dev: the written dev texts and the benchmark's dev and dev2 answers.
Nothing here reads the shared injection texts or the benchmark's test answers. Figures: docs/grader.md, "A learned
guard for text addressed to an assistant".
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import os
import sys
from pathlib import Path

# One BLAS thread: with two, sums run in a different order from run to run, and L-BFGS carries the difference far
# enough that two fits of the same data caught 0.54 and 0.57 of the dev texts. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.config import load_settings  # noqa: E402
from interviewer.corpus.loader import load_corpus  # noqa: E402
from interviewer.domain.target import Target  # noqa: E402
from interviewer.encoders.embeddings import Embedder, make_embedder  # noqa: E402
from interviewer.grading.addressed import MIN_WORDS, AddressedModel, inputs  # noqa: E402
from interviewer.grading.features import sentence_vectors  # noqa: E402
from interviewer.grading.guards import injection_segments  # noqa: E402

DATA = ROOT / "training" / "data"
WRITTEN = DATA / "addressed"
BENCHMARK = ROOT / "interviewer" / "data" / "benchmark" / "answers.jsonl"
INJECTION_ANSWER = "adversarial:injection"  # answers written to attack the grader are never negatives
HIDDEN, L2, SEEDS = 32, 1.0, range(5)
ADDRESSED, HARD = ("a1", "b1", "a2", "a3"), ("n1", "n2", "n3")
FALSE_ALARMS = (0, 1, 2, 4, 8)
# Fixed before the trial: a guard may flag at most one sentence of the benchmark's dev and dev2 answers and 3% of
# the hard negatives, and would ship only if it then catches at least 60% of the dev texts addressed to an assistant.
# The refit with writers a2 and n2 caught 0.54 < 0.6 and shipped all the same: the model it replaced flagged 21% of
# answers in other languages, outside the false-alarm bound (docs/grader.md, "Answers in other languages"). Since
# writers a3 and n3 (stop 45) the 3% holds for each hard-negative writer, not for them pooled, and a refit replaces
# the shipped model when it meets those bounds, catches at least as many of the older writers' dev texts, and keeps
# the benchmark's dev + dev2 goal sum (`meets_60_bar` is reported, no longer required).
MAX_ANSWER_ALARMS, MAX_HARD_SHARE, SHIP_AT = 1, 0.03, 0.6


def split_of(item_id: str) -> str:
    return "train" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 10 < 7 else "dev"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def written(writer: str, split: str, fitting: bool = False) -> list[str]:
    """A writer's texts in `split`. `fitting`: a text that addresses the assistant in one sentence among answer
    sentences carries that sentence as `address`, and only it is fitted on (the rest is a candidate's words)."""
    rows = [r for r in _jsonl(WRITTEN / f"{writer}.jsonl") if split_of(r["id"]) == split]
    return [r.get("address", r["text"]) if fitting else r["text"] for r in rows]


def benchmark(splits: tuple[str, ...], attacks: bool = False) -> list[str]:
    rows = _jsonl(BENCHMARK)
    return [
        r["answer"] for r in rows if r["split"] in splits and (r["target"] == INJECTION_ANSWER) == attacks
    ]


def answer_negatives() -> list[str]:
    settings = load_settings()
    corpus = load_corpus(settings.corpus_dir, settings.rubrics_dir)
    texts = [r for item in corpus.by_id.values() for r in Target.of(item).references]
    for folder in ("train_answers", "train_answers_round3"):
        texts += [
            r["answer"] for r in _jsonl(DATA / folder / "answers.jsonl") if r["target"] != INJECTION_ANSWER
        ]
    for row in _jsonl(DATA / "keypoint_sentences.jsonl"):
        texts += [v for k, v in row.items() if k not in {"item_id", "kp_id", "kp_hash", "kp_text"}]
    for part in sorted((DATA / "keypoint_stances").glob("*.jsonl")):
        texts += [v for row in _jsonl(part) for k, v in row.items() if k in {"plain", "wrong"}]
    return [t for t in texts if isinstance(t, str)] + benchmark(("train",))


def rows(embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence of `texts`: its input row (as the grader builds it), its text's index, its word count."""
    feats, owner, counts = [], [], []
    for i, text in enumerate(texts):
        parts, vecs = sentence_vectors(embedder, text)
        x, n = inputs([p.text for p in parts], vecs)
        feats.append(x)
        counts.append(n)
        owner += [i] * len(parts)
    return np.concatenate(feats), np.array(owner, dtype=np.int64), np.concatenate(counts)


def fit(x: np.ndarray, y: np.ndarray) -> AddressedModel:
    """The average of networks fitted from several seeds, as one wider network (hidden units side by side, output
    weights divided by their number): one seed's network moved dev recall from 0.61 to 0.54 when 12 of 540 positive
    texts were dropped, and an average is steadier."""
    nets = [fit_one(x, y, seed) for seed in SEEDS]
    return dataclasses.replace(
        nets[0],
        hidden_w=np.concatenate([n.hidden_w for n in nets], axis=1),
        hidden_b=np.concatenate([n.hidden_b for n in nets]),
        out_w=np.concatenate([n.out_w for n in nets]) / len(nets),
        out_b=float(np.mean([n.out_b for n in nets])),
    )


def fit_one(x: np.ndarray, y: np.ndarray, seed: int) -> AddressedModel:
    """A one-hidden-layer network (tanh), classes weighed alike, L-BFGS; its input mean, scale and weights."""
    w = np.where(y == 1, 0.5 / (y == 1).sum(), 0.5 / (y == 0).sum())
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    d = z.shape[1]
    rng = np.random.default_rng(seed)
    start = np.r_[
        rng.normal(0, d**-0.5, d * HIDDEN), np.zeros(HIDDEN), rng.normal(0, HIDDEN**-0.5, HIDDEN), 0.0
    ]
    reg = L2 * 1e-4

    def unpack(p: np.ndarray) -> list[np.ndarray]:
        return [p[: d * HIDDEN].reshape(d, HIDDEN), p[d * HIDDEN : -HIDDEN - 1], p[-HIDDEN - 1 : -1], p[-1:]]

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        hidden_w, hidden_b, out_w, out_b = unpack(p)
        a = np.tanh(z @ hidden_w + hidden_b)
        q = 1 / (1 + np.exp(-(a @ out_w + out_b[0])))
        ll = -(w * (y * np.log(q + 1e-9) + (1 - y) * np.log(1 - q + 1e-9))).sum()
        g = w * (q - y)
        ga = np.outer(g, out_w) * (1 - a * a)
        grad = np.r_[(z.T @ ga + 2 * reg * hidden_w).ravel(), ga.sum(0), a.T @ g + 2 * reg * out_w, g.sum()]
        return float(ll + reg * ((hidden_w**2).sum() + (out_w**2).sum())), grad

    best = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 300}).x
    hidden_w, hidden_b, out_w, out_b = unpack(best)
    return AddressedModel(
        mean,
        scale,
        hidden_w,
        hidden_b,
        out_w,
        float(out_b[0]),
        threshold=float("inf"),
        end_threshold=float("inf"),
    )


def caught(scores: np.ndarray, owner: np.ndarray, n: int, threshold: float) -> float:
    """Share of the `n` texts with a sentence at or above the threshold."""
    return len(set(owner[scores >= threshold].tolist())) / n if n else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out", type=Path, help="write the model, with the threshold the rule chose, to this file"
    )
    ap.add_argument(
        "--held-out",
        type=Path,
        metavar="MODEL",
        help="only read, with this fitted model, the shared injection texts and the benchmark's test answers (once)",
    )
    args = ap.parse_args()
    embedder = make_embedder("onnx", threads=2)
    if args.held_out:
        held_out(embedder, AddressedModel.from_json(args.held_out.read_text()))
        return
    train_pos = [t for w in ADDRESSED for t in written(w, "train", fitting=True)]
    train_neg = [t for w in HARD for t in written(w, "train")] + answer_negatives()
    print(f"embedding {len(train_pos)} + {len(train_neg)} training texts", file=sys.stderr)
    xp, _, cp = rows(embedder, train_pos)
    xn, _, cn = rows(embedder, train_neg)
    keep_p, keep_n = cp >= MIN_WORDS, cn >= MIN_WORDS
    x = np.concatenate([xp[keep_p], xn[keep_n]])
    y = np.r_[np.ones(keep_p.sum()), np.zeros(keep_n.sum())]
    model = fit(x, y)

    dev = {
        "addressed": [t for w in ADDRESSED for t in written(w, "dev")],
        "hard negatives": [t for w in HARD for t in written(w, "dev")],
        **{f"addressed ({w})": written(w, "dev") for w in ADDRESSED},
        **{f"hard negatives ({w})": written(w, "dev") for w in HARD},
        "benchmark attack answers": benchmark(("dev", "dev2"), attacks=True),
    }
    answers = benchmark(("dev", "dev2"))
    xa, _, ca = rows(embedder, answers)
    on_answers = np.sort(model.logits(xa, ca))[::-1]
    table, scored = {}, {}
    for name, texts in dev.items():
        xd, od, cd = rows(embedder, texts)
        scores = model.logits(xd, cd)
        scored[name] = scores, od, len(texts)
        row = {
            f"{k} false alarms": round(caught(scores, od, len(texts), on_answers[k] + 1e-9), 3)
            for k in FALSE_ALARMS
        }
        regex = [bool(injection_segments(t)) for t in texts]
        one = on_answers[1] + 1e-9
        either = [r or bool((scores[od == i] >= one).any()) for i, r in enumerate(regex)]
        table[name] = {
            **row,
            "regex guard": round(float(np.mean(regex)), 3),
            "either at 1": round(float(np.mean(either)), 3),
        }
    (addressed, od, n_addressed), (hard, oh, n_hard) = scored["addressed"], scored["hard negatives"]
    by_writer = [scored[f"hard negatives ({w})"] for w in HARD]
    threshold = choose_threshold(on_answers, by_writer, addressed)
    end_at = choose_threshold(on_answers, by_writer, addressed, alarms=0, hard_share=0.0)
    rule = {
        "threshold": threshold,
        "end_threshold": end_at,
        "answer_sentences_flagged": int((on_answers >= threshold).sum()),
        "hard_negatives_flagged": caught(hard, oh, n_hard, threshold),
        "addressed_caught": caught(addressed, od, n_addressed, threshold),
    }
    for w, kind in [(w, "addressed") for w in ADDRESSED] + [(w, "hard negatives") for w in HARD]:
        rule[f"{w}_dev_flagged"] = caught(*scored[f"{kind} ({w})"], threshold)
    rule["meets_60_bar"] = rule["addressed_caught"] >= SHIP_AT
    if args.out:
        dataclasses.replace(model, threshold=threshold, end_threshold=end_at).save(args.out)
    print(
        json.dumps(
            {"answer_sentences": len(on_answers), "texts_caught": table, "by_the_rule": rule}, indent=1
        )
    )


def choose_threshold(
    answer_scores: np.ndarray,
    hard: list[tuple[np.ndarray, np.ndarray, int]],
    addressed_scores: np.ndarray,
    alarms: int = MAX_ANSWER_ALARMS,
    hard_share: float = MAX_HARD_SHARE,
) -> float:
    """The rule fixed before the trial: the lowest threshold at which at most `alarms` sentences of the benchmark's
    dev and dev2 answers and at most MAX_HARD_SHARE of each writer's hard negatives (`hard`: scores, owner, number
    of texts per writer) are flagged. Pooled, the bound let one writer's texts through at twice the share (n2 at
    0.06 once n3 joined). Placed halfway between the
    dev scores on either side of it, so that float noise between CPUs does not move a dev sentence across. A
    sentence at the threshold is dropped; at the stricter one with no alarm on dev answers or hard negatives
    (`end_threshold`; a flagged aside such as "Sorry, how do you say this in English..." must not cost the rest of
    an answer) the answer ends there."""
    every = np.r_[answer_scores, *[scores for scores, _, _ in hard], addressed_scores]
    scores = np.unique(every[np.isfinite(every)])
    for below, above in itertools.pairwise(scores):
        t = (below + above) / 2
        if (answer_scores >= t).sum() <= alarms and all(caught(*w, t) <= hard_share for w in hard):
            return float(t)
    return float("inf")


def held_out(embedder: Embedder, model: AddressedModel) -> None:
    """Sets nothing is chosen on: every shared injection text, and the benchmark's test answers."""
    sys.path.insert(0, str(ROOT / "tests"))
    from injection_texts import load

    texts = load(ROOT.parent / "shared" / "data", in_the_wild=100_000)
    x, owner, counts = rows(embedder, texts)
    scores = model.logits(x, counts)
    regex = np.array([bool(injection_segments(t)) for t in texts])
    by_model = np.zeros(len(texts), dtype=bool)
    by_model[owner[scores >= model.threshold]] = True
    answers = benchmark(("test",))
    xt, _owner, ct = rows(embedder, answers)
    test_scores = model.logits(xt, ct)
    report = {
        "shared_injection_texts": len(texts),
        "caught_by_model": round(float(by_model.mean()), 3),
        "caught_by_regex": round(float(regex.mean()), 3),
        "caught_by_either": round(float((by_model | regex).mean()), 3),
        "test_answer_sentences": len(test_scores),
        "test_answer_sentences_flagged": int((test_scores >= model.threshold).sum()),
        "test_answer_sentences_ending": int((test_scores >= model.end_threshold).sum()),
        "test_attack_answers_caught": caught(*_scores(embedder, model, benchmark(("test",), attacks=True))),
    }
    print(json.dumps(report, indent=1))


def _scores(
    embedder: Embedder, model: AddressedModel, texts: list[str]
) -> tuple[np.ndarray, np.ndarray, int, float]:
    x, owner, counts = rows(embedder, texts)
    return model.logits(x, counts), owner, len(texts), model.threshold


if __name__ == "__main__":
    main()
