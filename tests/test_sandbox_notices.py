"""Who hears that the sandbox lacks numpy (issue 27, item 7): the operator at start-up and in /ready; a candidate
only when their own question cannot run without it."""

from __future__ import annotations

import logging

import pytest

from interviewer.coding.report import run_markdown
from interviewer.coding.runner import CodeRunner
from interviewer.config import load_settings

from .sandbox_fixtures import PROBE

CODE = "def probe(x):\n    return x\n"


@pytest.fixture(scope="module")
def runner_without_numpy(tmp_path_factory):
    data = tmp_path_factory.mktemp("no-numpy")
    settings = load_settings(data_dir=data, sandbox_numpy_dir=data / "missing", sandbox_timeout_s=8)
    runner = CodeRunner(settings)
    if not runner.protections["isolated_interpreter"]:
        pytest.fail(f"{settings.sandbox_python} is missing; the sandbox needs Debian's python3")
    return runner


def test_the_operator_is_told_at_start_up(runner_without_numpy, caplog):
    with caplog.at_level(logging.WARNING):
        runner_without_numpy.log_warnings()
    assert "no numpy" in caplog.text
    assert any("numpy" in w for w in runner_without_numpy.warnings)  # what GET /ready reports


def test_a_question_that_needs_no_numpy_runs_without_a_word_about_it(runner_without_numpy):
    run = runner_without_numpy.run(PROBE, CODE, include_hidden=False)
    assert run.status == "ok" and run.all_passed
    assert "numpy" not in run_markdown(run).lower()
    assert not any("numpy" in w for w in run.warnings)


def test_a_question_that_needs_numpy_says_why_it_cannot_run(runner_without_numpy):
    run = runner_without_numpy.run(PROBE.model_copy(update={"allow_numpy": True}), CODE, include_hidden=False)
    assert run.status == "unavailable"
    assert "needs numpy" in run_markdown(run)
