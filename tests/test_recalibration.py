"""Recalibration from reviewed grades: synthetic reviews with a known bias are fixed; conflicting ones are refused.

The reviewed examples are written here (never taken from the shared test splits): raw machine grades, per-level
key-point shares, and what an imagined reviewer said.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from interviewer.domain.session import SessionState
from interviewer.review_loop.calibration import Calibration, Example, level_from_shares
from interviewer.review_loop.loop import Loop
from interviewer.review_loop.recalibration import CalibrationStore, is_held_out
from interviewer.storage.store import Storage

RUBRIC_BARS = {"junior": 0.6, "mid": 0.5, "senior": 0.5}
LENIENT_BARS = {"junior": 0.45, "mid": 0.35, "senior": 0.5}


@pytest.fixture
def loop(tmp_path):
    storage = Storage("sqlite://")
    storage.save_session(SessionState(id="s1", profile="reviewed"))
    return Loop(storage, CalibrationStore(tmp_path / "calibrations"), dict(RUBRIC_BARS))


def synthetic(n: int, seed: int, human_score, human_bars: dict[str, float] | None = None) -> list[Example]:
    """`n` reviewed grades; `human_score(raw, held_out)` is the reviewer's score, levels by `human_bars`."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        raw = float(np.round(rng.uniform(0.3, 3.8), 2))
        shares = {lv: float(np.round(rng.uniform(0.1, 1.0), 3)) for lv in ("junior", "mid", "senior")}
        eid = f"ex-{seed}-{i}"
        out.append(
            Example(
                id=eid,
                question_id=f"q{i % 7}",
                raw_score=raw,
                shares=shares,
                flags=[],
                human_score=float(np.clip(np.round(human_score(raw, is_held_out(eid)), 2), 0, 5)),
                human_level=level_from_shares(shares, human_bars or RUBRIC_BARS),
                raw_level=level_from_shares(shares, RUBRIC_BARS),
            )
        )
    return out


def _store_all(loop, examples):
    for e in examples:
        loop.queue.add_example(e, "rec", "s1")


def test_a_systematic_bias_is_corrected_and_saved_as_the_active_version(loop):
    noise = np.random.default_rng(3).normal(0, 0.2, 200)
    examples = synthetic(60, 1, lambda raw, _held: raw + 1.0 + noise[int(raw * 40) % 200], LENIENT_BARS)
    _store_all(loop, examples)
    result = loop.recalibrator.run("rec")
    assert result.accepted, result.message
    assert result.after["score_rmse"] < result.before["score_rmse"] - 0.5
    assert result.after["level_accuracy"] > result.before["level_accuracy"]
    assert result.after["n"] == sum(is_held_out(e.id) for e in examples) >= 4
    store = loop.calibrations
    assert store.active_version() == result.version == 1
    cal = store.get(1)
    assert 0.6 < cal.offset < 1.3 and 0.85 < cal.slope < 1.15  # shrunk toward the identity, close to +1
    assert cal.bars and cal.bars["junior"] < RUBRIC_BARS["junior"]
    assert [c.version for c in store.versions()] == [0, 1]
    assert store.history()[-1]["status"] == "accepted"
    # The same run again finds nothing better than the version it just made: refused, nothing saved.
    again = loop.recalibrator.run("rec")
    assert not again.accepted and [c.version for c in store.versions()] == [0, 1]
    # Roll back to the shipped calibration, then forward again.
    assert "Version 0 is active again" in loop.recalibrator.rollback(0, "rec")
    assert store.active_version() == 0
    assert "Not changed" in loop.recalibrator.rollback(9, "rec") and store.active_version() == 0
    loop.recalibrator.rollback(1, "rec")
    assert store.active_version() == 1


def test_a_correction_that_worsens_held_out_agreement_is_refused(loop):
    # Reviewers of the fitting part say the machine scores a point too low; the held-out reviewers say it
    # scores half a point too high: a correction learned from the first would hurt on the second.
    examples = synthetic(60, 2, lambda raw, held: raw - 0.5 if held else raw + 1.2)
    _store_all(loop, examples)
    result = loop.recalibrator.run("rec")
    assert not result.accepted
    assert "worse" in result.message and "Version 0 stays active" in result.message
    assert result.after["score_rmse"] > result.before["score_rmse"]
    assert loop.calibrations.active_version() == 0
    assert [c.version for c in loop.calibrations.versions()] == [0]
    assert not list(loop.calibrations.folder.glob("v*.json"))
    assert loop.calibrations.history()[-1]["status"] == "refused"


def test_too_few_reviews_are_refused_with_a_hint(loop):
    _store_all(loop, synthetic(6, 4, lambda raw, _held: raw + 1))
    result = loop.recalibrator.run("rec")
    assert not result.accepted and "Not enough reviewed grades" in result.message


def test_a_version_never_lifts_a_guarded_answer():
    cal = Calibration(offset=1.5, slope=1.0, bars=LENIENT_BARS)
    assert cal.score(0.0, ["empty"]) == 0.0
    assert cal.score(1.0, ["keyword_list"]) == 1.0
    assert cal.score(1.0, []) == 2.5
    shares = {"junior": 0.5, "mid": 0.4, "senior": 0.1}
    assert cal.level(shares, ["injection"], "none") == "none"
    assert cal.level(shares, [], "none") == "mid"


def test_the_cli_and_the_ui_call_the_same_recalibration(tmp_path, monkeypatch, capsys):
    from interviewer.cli.main import main
    from interviewer.services import Services
    from interviewer.ui.review_tabs import calibration_history, recalibrate
    from tests.conftest import ROOT

    for key, value in (
        ("DATA_DIR", tmp_path),
        ("CORPUS_DIR", ROOT / "corpus"),
        ("RUBRICS_DIR", ROOT / "rubrics"),
    ):
        monkeypatch.setenv(f"INTERVIEWER_{key}", str(value))
    svc = Services()
    svc.storage.save_session(SessionState(id="s1", profile="reviewed"))
    _store_all(svc.loop, synthetic(40, 5, lambda raw, _held: raw + 1.0))
    assert main(["calibrate", "--json", "--author", "ci"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (
        out["accepted"] and out["version"] == 1 and out["after"]["score_rmse"] < out["before"]["score_rmse"]
    )
    rec = {"user": "rec", "role": "recruiter"}
    assert "Refused" in recalibrate(svc, rec)  # nothing left to gain: the UI button runs the same object
    assert "| 1 | yes | ci |" in calibration_history(svc, rec)
    with pytest.raises(SystemExit) as stop:
        main(["calibrate", "--json"])
    assert stop.value.code == 1 and json.loads(capsys.readouterr().out)["accepted"] is False
    assert main(["calibrations", "--activate", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["active"] == 0
