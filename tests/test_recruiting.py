"""The recruiter workspace without the UI: calibration on labelled answers and item analysis."""

from __future__ import annotations

import csv

from interviewer.review_loop.recruiting import Workspace

from .conftest import ROOT

SAMPLE = ROOT / "tests" / "data" / "asag_sample.csv"


def test_calibration_reports_agreement_confusion_and_suggested_thresholds(services, shared_data, tmp_path):
    """On 60 train and 40 test rows of Beetle when ../shared is there, else on tests/data/asag_sample.csv (our own
    32 rows in the same schema: 16 train, 16 test)."""
    src = shared_data / "asag" / "semeval2013_beetle_2way.csv" if shared_data else SAMPLE
    with open(src, newline="") as fh:
        rows = list(csv.DictReader(fh))
    train = [r for r in rows if r["split"] == "train"][:60]
    test = [r for r in rows if r["split"] == "test_unseen_questions"][:40]
    path = tmp_path / "mine.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(train + test)
    out = Workspace(services).calibrate(str(path), "rec")
    assert f"{len(test)} answers" in out and "pearson" in out and "Confusion matrix" in out
    assert "Suggested score thresholds" in out


def test_a_file_in_the_wrong_schema_is_explained(services, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("question,answer\nq,a\n")
    assert "missing columns" in Workspace(services).calibrate(str(path), "rec")


def test_item_analysis_uses_only_consenting_candidates(services):
    from interviewer.domain.session import Setup
    from interviewer.sessions.service import SessionService
    from interviewer.storage.store import Storage

    store = Storage("sqlite://")
    svc = SessionService(services.engine, store)
    for name, consent in (("yes1", True), ("no1", False)):
        store.ensure_profile(name, consent=consent)
        s, _ = svc.start(name, Setup(level="junior", track="ml-foundations", questions=1))
        svc.reply(s.id, "I don't know")
    rows = store.item_rows(consenting_only=True)
    assert rows and {r["session_id"] for r in rows} == {store.sessions_of("yes1")[0]["id"]}
