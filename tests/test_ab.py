"""A/B tests of calibration versions: deterministic arms, grading by arm, a report with tests, promotion."""

from __future__ import annotations

import re

import numpy as np

from interviewer.domain.session import Setup
from interviewer.review_loop.ab_tests import bucket, two_proportion_z
from interviewer.review_loop.calibration import Calibration

ANSWER = (
    "A decision tree splits the data again and again on the feature and threshold that best separate the "
    "classes, for example by Gini impurity, until the leaves are pure enough; it can overfit if grown too deep."
)


def _on_topic(svc, state) -> str:
    """An answer on the asked question's topic (the first half of its model answer), so no guard keeps the raw
    score, and partial, so a reviewer's score one point above the machine's stays on the 0-5 scale."""
    item = state.items[-1].id
    if "#" in item:
        sid, stage = item.split("#", 1)
        full = next(st.reference_answer for st in svc.corpus.scenario(sid).stages if st.id == stage)
    else:
        full = svc.corpus.by_id[item].reference_answer
    sentences = re.split(r"(?<=[.!?])\s+", full.strip())
    return " ".join(sentences[: max(2, len(sentences) // 2)])


def test_arms_follow_a_fixed_hash_of_the_ids():
    ids = [f"s{i}" for i in range(4000)]
    draws = np.array([bucket("exp1", s) for s in ids])
    assert np.array_equal(draws, [bucket("exp1", s) for s in ids])  # the same every time, in every process
    assert not np.array_equal(draws, [bucket("exp2", s) for s in ids])  # another experiment reshuffles
    assert abs(float(np.mean(draws < 0.25)) - 0.25) < 0.03 and abs(float(np.mean(draws < 0.5)) - 0.5) < 0.03


def test_two_proportion_z_test():
    assert two_proportion_z(50, 100, 50, 100) == 1.0
    assert two_proportion_z(90, 100, 50, 100) < 1e-6
    assert 0.05 < two_proportion_z(6, 10, 4, 10) < 1.0
    assert two_proportion_z(0, 0, 3, 4) == 1.0


def test_an_experiment_grades_by_arm_reports_and_promotes_the_winner(loop_services):
    svc = loop_services
    store, ab, queue = svc.loop.calibrations, svc.loop.ab, svc.loop.queue
    better = store.save(Calibration(offset=1.0, slope=1.0, author="rec", note="one point more"))
    eid = ab.start("shipped vs +1", 0, better.version, 1.0, "rec")
    assert ab.running()["id"] == eid

    arms: dict[str, str] = {}
    for i in range(8):
        state, _ = svc.sessions.start(f"ab{i}", Setup(level="junior", track="ml-foundations", questions=3))
        arm = "A" if ab.version_for(state.id) == 0 else "B"
        arms[state.id] = arm
        state, _ = svc.sessions.reply(state.id, _on_topic(svc, state))
        grade = next(it.grade for it in state.items if it.grade is not None)
        assert grade.calibration == (0 if arm == "A" else better.version)  # graded with its arm's version
        if i % 2 == 0:
            svc.sessions.end(state.id)
        # Every answer gets a review: the reviewer's score is one point above the raw machine score.
        item = next(it for it in state.items if it.grade is not None)
        if not any(r["item"] == item.id and r["session_id"] == state.id for r in queue.open_items()):
            queue.complain(state, item.id, "too low")
        rid = next(r["id"] for r in queue.open_items() if r["session_id"] == state.id)
        queue.review(rid, "rec", min(5.0, grade.raw_score + 1.0), grade.level, "one point more")

    rep = ab.report(eid)
    a, b = rep["arms"]["A"], rep["arms"]["B"]
    assert a["sessions"] + b["sessions"] == 8
    assert a["sessions"] == sum(v == "A" for v in arms.values())
    ended = {
        arm: sum(1 for j, (_sid, x) in enumerate(arms.items()) if x == arm and j % 2 == 0) for arm in "AB"
    }
    assert a["finished"] == ended["A"] and b["finished"] == ended["B"]
    assert 0 <= rep["tests"]["completion_z_p"] <= 1
    if a["answers"] and b["answers"]:
        assert 0 <= rep["tests"]["scores_mann_whitney_p"] <= 1
    agree = rep["agreement"]
    assert agree["n"] == 8 and agree["mae_b"] < agree["mae_a"] and agree["wilcoxon_p"] < 0.05
    assert rep["recommendation"]["winner"] == "B"

    msg = ab.promote(eid, "B", "rec")
    assert "version 1" in msg and store.active_version() == better.version
    assert ab.running() is None and ab.experiments()[0]["status"] == "promoted"
    state, _ = svc.sessions.start("after", Setup(level="junior", track="ml-foundations", questions=1))
    assert ab.version_for(state.id) is None  # no experiment: new sessions use the (promoted) active version
    state, _ = svc.sessions.reply(state.id, ANSWER)
    assert next(it.grade for it in state.items if it.grade).calibration == better.version


def test_an_experiment_needs_two_known_versions(loop_services):
    import pytest

    ab = loop_services.loop.ab
    with pytest.raises(KeyError):
        ab.start("x", 0, 7, 0.5, "rec")
    with pytest.raises(ValueError):
        ab.start("x", 0, 0, 0.5, "rec")


def test_the_report_table_reads_in_words_not_python():
    """The A/B table showed `None` and `{'none': 4, ...}` to recruiters (seen in the screenshots)."""
    from interviewer.ui.review_handlers import ab_cell

    assert ab_cell(None) == "-"
    assert ab_cell(1.0, share=True) == "100%"
    assert ab_cell(0.25) == "0.25"
    assert ab_cell({"none": 4, "junior": 0}) == "none 4, junior 0"
    assert ab_cell(3) == "3"
