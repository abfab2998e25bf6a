"""The labelled interview answers: frozen test split, labels that match the corpus, and the agreement figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from interviewer.corpus.loader import load_corpus
from interviewer.evaluation import interviews as ie
from interviewer.evaluation.asag import EvalError

BENCH = ie.packaged_benchmark()
ROOT = Path(__file__).resolve().parents[1]


def test_the_test_split_is_the_frozen_one():
    stated = re.search(r"\b([0-9a-f]{64})\b", (BENCH / "README.md").read_text()).group(1)
    assert ie.split_digest(BENCH, "test") == stated


def test_every_label_matches_the_key_points_of_its_question():
    corpus = load_corpus(ROOT / "corpus", ROOT / "rubrics")
    items = {k: (v[1] if isinstance(v, tuple) else v) for k, v in ie.corpus_items(corpus).items()}
    answers = ie.load(BENCH)
    assert len(answers) >= 600
    assert len({a.item_id for a in answers}) >= 120
    ie.check_hashes(answers, items)  # raises on a changed or missing key point
    for a in answers:
        for lab in a.labels:
            assert set(lab.points) == {k.id for k in items[a.item_id].key_points}
            assert set(lab.points.values()) <= set(ie.POINT_VERDICTS)
            assert 0 <= lab.score <= 5


def test_a_changed_key_point_voids_its_labels(tmp_path):
    corpus = load_corpus(ROOT / "corpus", ROOT / "rubrics")
    items = {k: (v[1] if isinstance(v, tuple) else v) for k, v in ie.corpus_items(corpus).items()}
    answers = ie.load(BENCH)[:5]
    qid = answers[0].item_id
    changed = items[qid].model_copy(deep=True)
    changed.key_points[0].text += " (edited)"
    with pytest.raises(EvalError, match=qid):
        ie.check_hashes(answers, {**items, qid: changed})


def test_splits_are_by_question_and_the_test_split_is_large_enough():
    answers = ie.load(BENCH)
    split_of: dict[str, set[str]] = {}
    for a in answers:
        # dev2 holds more answers to the dev questions (other writers): a question is still on one side only
        split_of.setdefault(a.item_id, set()).add("dev" if a.split == "dev2" else a.split)
    assert all(len(s) == 1 for s in split_of.values())
    test = [a for a in answers if a.split == "test"]
    assert len({a.item_id for a in test}) >= 0.3 * len(split_of)
    assert sum(a.label.level == "none" for a in test) >= 60
    assert sum(a.style in ie.PLAIN_STYLES and a.label.level != "none" for a in test) >= 40
    assert sum(len(a.labels) > 1 for a in answers) >= 100


def _answer(level: str, score: float, style: str = "terse", family: str = "", item: str = "q1") -> ie.Answer:
    target = f"adversarial:{family}" if family else "mid"
    a = ie.Answer("a", item, "test", "w", target, style, "text")
    a.labels.append(ie.Label("r", level, score, {"k1": "states", "k2": "absent"}, {}))  # type: ignore[arg-type]
    return a


def test_summary_counts_fooled_and_plain_answers_as_the_issue_defines_them():
    answers = [
        _answer("none", 0.5, family="negated", item="q1"),
        _answer("none", 1.0, family="filler", item="q2"),
        _answer("mid", 3.5, style="story", item="q3"),
        _answer("senior", 4.5, style="terse", item="q4"),
    ]
    graded = [
        ie.Graded("junior", 2.0, 0.8, {"k1": "states", "k2": "absent"}),  # reaches a level: fooled
        ie.Graded("none", 2.0, 0.8, {"k1": "absent", "k2": "absent"}),  # failed too: not fooled
        ie.Graded("junior", 3.0, 0.8, {"k1": "states", "k2": "contradicts"}),  # one below the reader: reached
        ie.Graded("junior", 3.0, 0.8, {"k1": "states", "k2": "absent"}),  # two below: not reached
    ]
    out = ie.summarise(answers, graded, resamples=0)
    assert out["fooled_rate"] == 0.5
    assert out["plain_reach_rate"] == 0.5
    assert out["level_exact"] == 0.25
    assert out["level_within_one"] == 0.75
    kp = out["key_points"]
    assert kp["states_recall"] == 0.75 and kp["states_precision"] == 1.0
    assert kp["contradicts_precision"] == 0.0


def test_expected_calibration_error():
    conf = np.array([0.9] * 10 + [0.6] * 10)
    right = np.array([1] * 9 + [0] + [1] * 6 + [0] * 4, dtype=float)
    assert ie.ece(conf, right) == pytest.approx(0.0)
    assert ie.ece(np.full(4, 1.0), np.array([1.0, 0, 0, 0])) == pytest.approx(0.75)


def test_answers_and_labels_files_are_well_formed():
    for name in ("answers.jsonl", "labels.jsonl"):
        for line in (BENCH / name).read_text(encoding="utf-8").splitlines():
            json.loads(line)
