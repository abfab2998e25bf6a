"""Labelled (key point, answer unit) pairs for the verifier, from answers whose readers quoted their evidence.

    python training/verifier_pairs.py   # writes training/data/verifier_pairs_{answers,benchmark,benchmark_fold*}.jsonl

A point the reader marked `states` or `contradicts` gives one pair: the point and the verbatim span the reader
quoted. A point the reader marked `absent` gives hard negatives: the point and the units the grader's matcher ranks
highest for it (what the verifier will be shown at serving time). One file per source, the benchmark's train split
and the other answers we wrote, and the benchmark's pairs once more split by question into the halves of
training/folds.py: `make fit-verifier` trains a verifier on each half to read the other half's answers for
training/fit_grades.py, so the models are fitted on readings of answers new to the verifier that read them. Answers
of the other set written to a benchmark train question go with that question's half. Answers by the writers of
folds.VERDICT_ONLY_WRITERS are left out, so that they stay new to every verifier (see training/folds.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from folds import FOLDS, VERDICT_ONLY_WRITERS, fold_of  # noqa: E402
from grade_readings import top_units  # noqa: E402

from interviewer.config import load_settings  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402
from interviewer.services import Services  # noqa: E402

DATA = ROOT / "training" / "data"
SOURCES = {
    "benchmark": (interviews.packaged_benchmark(), DATA / "benchmark_train_evidence.jsonl", "train"),
    "answers": (DATA / "train_answers", DATA / "train_answers" / "evidence.jsonl", "train-extra"),
}


def main() -> None:
    svc = Services(load_settings(verifier=False))
    grader = svc.rubric_grader
    items = interviews.corpus_items(svc.corpus)
    pairs = {name: _pairs(grader, items, *source) for name, source in SOURCES.items()}
    bench_folder, _evidence, bench_split = SOURCES["benchmark"]
    fold = fold_of(a.item_id for a in interviews.load(bench_folder) if a.split == bench_split)
    # An answer we wrote to a benchmark train question belongs to that question's half: only the verifier trained on
    # that half may learn from it, or the other half's verifier would read answers to a question it has studied.
    shared = [o for o in pairs["answers"] if o["item"] not in fold]
    bench = pairs["benchmark"] + [o for o in pairs["answers"] if o["item"] in fold]
    _write(DATA / "verifier_pairs_answers.jsonl", shared)
    _write(DATA / "verifier_pairs_benchmark.jsonl", bench)
    for k in range(FOLDS):  # the halves a cross-fitted verifier learns from (training/folds.py)
        _write(DATA / f"verifier_pairs_benchmark_fold{k}.jsonl", [o for o in bench if fold[o["item"]] == k])


def _pairs(grader, items: dict, folder: Path, evidence_path: Path, split: str) -> list[dict]:
    """The labelled pairs of one source's answers of `split` (see the module docstring)."""
    quotes = {}
    for line in evidence_path.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e["quote"].strip():
            quotes[(e["answer_id"], e["kp_id"])] = e["quote"]
    out = []
    for a in interviews.load(folder):
        if a.split != split or a.writer in VERDICT_ONLY_WRITERS:
            continue
        target = interviews.target_of(items, a.item_id)
        _info, texts, tops, _match = top_units(grader, target, a.text, 3)
        for kp, order in zip(target.key_points, tops, strict=True):
            verdict = a.label.points[kp.id]
            if verdict == "absent":
                out += [{"item": a.item_id, "a": kp.text, "b": texts[j], "y": "absent"} for j in order]
            elif (a.id, kp.id) in quotes:
                out.append({"item": a.item_id, "a": kp.text, "b": quotes[(a.id, kp.id)], "y": verdict})
    return out


def _write(path: Path, pairs: list[dict]) -> None:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in pairs), encoding="utf-8")
    print(f"{path.name}: {len(pairs)} pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
