"""`interviewer grade`: --question says which item it matched and refuses a text close to none; --id picks a
question or a scenario stage exactly (an old id through the id map) and refuses an unknown one."""

from __future__ import annotations

import json

import pytest

from interviewer.cli import grading_commands
from interviewer.cli.main import main

ANSWER = "It tries splits on each feature and keeps the one that most reduces Gini impurity, then recurses."


@pytest.fixture
def grade(services, monkeypatch, capsys):
    """Runs `interviewer grade ARGS...` in this process on the session's services: (exit code, stdout, stderr)."""
    monkeypatch.setattr(grading_commands, "services", lambda: services)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(["grade", *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_a_paraphrase_is_matched_and_the_match_is_named(grade):
    code, out, _ = grade(
        "--question", "how do decision trees choose where to split?", "--answer", ANSWER, "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["question_id"] == "mlf-decision-tree"
    assert data["matched"]["by"] == "text" and data["matched"]["similarity"] >= 0.456
    code, out, _ = grade("--question", "how do decision trees choose where to split?", "--answer", ANSWER)
    assert code == 0 and out.startswith("matched mlf-decision-tree (similarity")


def test_a_text_close_to_no_question_is_refused_with_the_nearest_ids(grade):
    code, out, err = grade(
        "--question", "how long do I boil an egg for a runny yolk", "--answer", ANSWER, "--json"
    )
    assert code == 2
    data = json.loads(out)
    assert data["error"] == "no_match" and len(data["nearest"]) == 5
    assert "Nearest ids:" in err and data["nearest"][0]["id"] in err and "--id" in err


def test_the_chatbot_scenario_is_graded_as_one_of_its_stages(grade, corpus):
    brief = corpus.scenario("customer-support-chatbot").brief
    code, out, _ = grade(
        "--question", brief, "--answer", "Start from intents and escalate to humans.", "--json"
    )
    assert code == 0 and json.loads(out)["question_id"].startswith("customer-support-chatbot#")


def test_an_id_picks_a_question_or_a_stage_exactly(grade):
    code, out, _ = grade("--id", "mlf-decision-tree", "--answer", ANSWER, "--json")
    assert code == 0 and json.loads(out)["question_id"] == "mlf-decision-tree"
    stage = "customer-support-chatbot#escalation"
    code, out, _ = grade("--id", stage, "--answer", "Hand over to a person when confidence is low.", "--json")
    data = json.loads(out)
    assert code == 0 and data["question_id"] == stage and data["matched"]["by"] == "id"


def test_an_old_id_is_read_through_the_id_map(grade):
    code, out, _ = grade("--id", "rag-temperature", "--answer", "Temperature divides the logits.", "--json")
    data = json.loads(out)
    assert (
        code == 0 and data["question_id"] == "tfm-decoding-strategies" and data["matched"]["by"] == "id map"
    )


def test_an_unknown_id_is_refused_with_the_nearest_ids(grade):
    code, out, err = grade("--id", "mlf-decision-trees", "--answer", ANSWER, "--json")
    assert code == 2 and json.loads(out)["error"] == "unknown_id"
    assert "mlf-decision-tree" in err


def test_neither_question_nor_id_is_a_usage_error(grade):
    code, _, err = grade("--answer", ANSWER)
    assert code == 2 and "--question" in err and "--id" in err
