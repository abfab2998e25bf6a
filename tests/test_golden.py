"""A fixed set of graded answers must grade exactly as they did when the golden file was written.

tests/golden/grades.json holds 448 answers (scripted plain answers and follow-ups, answers cut to one sentence,
wrong answers with a garak injection spliced in, coding solutions, broken code and prose, scenario stages) with
the full grade JSON the grader gave them, graded against tests/golden/corpus.tar.gz, a snapshot of corpus/ taken
at the same time (so edits to the live question bank do not move the target). Written once by
scripts/make_golden.py before the restructure of issue 22; never regenerate it to make this test pass.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from .golden_grades import grade_all

pytestmark = pytest.mark.slow  # re-grades every golden answer: about 35 s, so not in the edit loop's tier

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def golden_services(tmp_path_factory: pytest.TempPathFactory):
    from interviewer.config import load_settings
    from interviewer.services import Services

    tmp = tmp_path_factory.mktemp("golden")
    with tarfile.open(GOLDEN / "corpus.tar.gz") as tar:
        tar.extractall(tmp, filter="data")
    settings = load_settings(
        data_dir=tmp / "data", corpus_dir=tmp / "corpus", rubrics_dir=ROOT / "rubrics", llm="none"
    )
    return Services(settings)


def test_every_golden_answer_grades_exactly_as_before(golden_services):
    expected = json.loads((GOLDEN / "grades.json").read_text())
    assert len(expected) >= 200
    items = [{k: e[k] for k in ("id", "case", "answer")} for e in expected]
    got = grade_all(golden_services, items)
    changed = [f"{e['case']} {e['id']}" for e, g in zip(expected, got, strict=True) if e != g]
    assert not changed, f"{len(changed)} of {len(expected)} grades changed, e.g. {changed[:5]}"
