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
    assert f"Checked on {len(test)} answers" in out and "| pearson |" in out
    assert "grader's label matches your reviewers'" in out and "Suggested score thresholds" in out


def test_the_shipped_sample_checks_out_in_words_with_its_charts(services):
    """The sample CSV the Check the grader tab offers runs as it is, and the result reads without statistics."""
    from interviewer.review_loop.grader_check import sample_csv
    from interviewer.ui.recruiter_charts import grader_check_charts

    check = Workspace(services).check_grader(str(sample_csv()), "rec")
    words = check.words()
    assert not check.error and "Checked on 16 answers to 2 questions" in words
    assert "RMSE" not in words.split("<details>")[0]  # the figures' names stay in the details
    charts = grader_check_charts(check)
    assert charts.count('class="point"') == 16 and charts.count('class="cell"') == 4


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
