"""corpus/id_map.yaml: checked with the corpus, and every stored id is read through it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer.corpus.id_map import id_map_problems
from interviewer.corpus.loader import CorpusError, load_corpus
from interviewer.domain.session import Setup
from interviewer.evaluation.interviews import corpus_items
from interviewer.review_loop.calibration import Example

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_map_points_every_old_id_at_a_question_in_use(corpus):
    assert corpus.id_map["rag-temperature"] == "tfm-decoding-strategies"
    for old, new in corpus.id_map.items():
        assert old not in corpus.by_id
        assert new in corpus.by_id
    assert corpus.resolve("rag-temperature") == "tfm-decoding-strategies"
    assert corpus.resolve("mlf-decision-tree") == "mlf-decision-tree"
    assert corpus.resolve("customer-support-chatbot#scale") == "customer-support-chatbot#scale"


def test_a_missing_target_a_chain_a_cycle_and_a_live_old_id_are_refused():
    current = {"a", "b", "c"}
    assert id_map_problems({"x": "a", "y": "b"}, current) == []
    assert "no question or scenario" in id_map_problems({"x": "nope"}, current)[0]
    assert "is itself renamed" in " ".join(id_map_problems({"x": "y", "y": "a"}, current))
    cycle = id_map_problems({"x": "y", "y": "x"}, current)
    assert len(cycle) == 2 and all("is itself renamed" in p for p in cycle)
    assert "still a question" in id_map_problems({"a": "b"}, current)[0]


def test_a_bad_map_stops_the_corpus_from_loading_with_the_file_named(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    (tmp_path / "corpus" / "id_map.yaml").write_text(
        "renamed:\n  old-one: old-two\n  old-two: mlf-decision-tree\n  gone: no-such-question\n"
    )
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path / "corpus", ROOT / "rubrics")
    text = str(err.value)
    assert "id_map.yaml" in text and "old-two" in text and "no-such-question" in text


def test_a_stored_session_asked_under_an_old_id_is_graded_against_its_successor(loop_services):
    sessions = loop_services.sessions
    state, _ = sessions.start("id-map-candidate", Setup(level="mid", track="llm-engineer", questions=2))
    item = state.current
    item.id, item.topic, item.kind = "rag-temperature", "transformers", "concept"
    for turn in state.turns:
        turn.item = "rag-temperature"
    loop_services.storage.save_session(state)
    answer = "Temperature divides the logits before the softmax; low values make sampling nearly greedy."
    state, _ = sessions.reply(state.id, answer)
    first = state.items[0]
    assert first.id == "tfm-decoding-strategies"
    assert first.grade is not None and first.grade.question_id == "tfm-decoding-strategies"


def test_review_rows_and_calibration_examples_read_with_todays_ids(loop_services):
    queue = loop_services.loop.queue
    state, _ = loop_services.sessions.start("id-map-reviewed", Setup(track="general", questions=1))
    example = Example("ex-old", "sd-build-vs-buy", 2.0, {"junior": 1.0}, [], 3.0, "mid", "junior")
    queue.add_example(example, "recruiter", state.id)
    assert queue.get("ex-old")["question_id"] == "ops-build-vs-buy-story"
    assert [e.question_id for e in queue.examples() if e.id == "ex-old"] == ["ops-build-vs-buy-story"]


def test_a_labelled_answer_under_an_old_id_finds_its_successor(corpus):
    items = corpus_items(corpus)
    assert items["eval-held-out-splits"] is corpus.by_id["mlf-data-splits"]
