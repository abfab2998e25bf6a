"""The scorecard as a candidate reads it (issue 27, item 5): names not ids, competencies apart from code checks,
and job-description skills covered only when the interview came to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.corpus.loader import load_corpus
from interviewer.domain.grades import Grade
from interviewer.domain.session import ItemState, SessionState, Setup
from interviewer.engine.scorecard import build_scorecard
from interviewer.ui.mydata import history_rows

ROOT = Path(__file__).resolve().parent.parent
JD = "You will tune chunking, hybrid retrieval and a cross-encoder reranker, and measure hallucination."


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(ROOT / "corpus", ROOT / "rubrics")


def _state(corpus, ids: list[str], dims: dict[str, float]) -> SessionState:
    items = []
    for qid in ids:
        q = corpus.by_id[qid]
        grade = Grade(
            question_id=qid, score=2.0, level="junior", criteria=[], confidence=0.9, dimensions=dims
        )
        items.append(ItemState(id=qid, level=q.level, topic=q.topic, kind=q.kind, grade=grade))
    setup = Setup(level="mid", track="llm-engineer", questions=len(ids), job_description=JD)
    return SessionState(id="s1", setup=setup, items=items, current_level="mid", status="finished")


def test_job_skills_count_as_covered_only_when_a_question_came_to_them(corpus):
    card = build_scorecard(_state(corpus, ["rag-hybrid-retrieval"], {}), corpus)
    assert card.job_skills["hybrid retrieval"] is True
    # The same topic (prompting_rag) was asked, but not these: before, any question of the topic counted.
    assert card.job_skills["chunking"] is False
    assert card.job_skills["hallucination"] is False


def test_the_scorecard_names_things_and_keeps_code_checks_off_the_radar(corpus):
    dims = {"trade_offs": 3.0, "production": 2.0, "fundamentals": 4.0, "readability": 4.0, "correctness": 5.0}
    card = build_scorecard(_state(corpus, ["rag-hybrid-retrieval", "rag-hallucination"], dims), corpus)
    assert set(card.competencies) == {"Trade-offs", "Production concerns", "Fundamentals"}
    assert card.code == {"Correctness": 5.0, "Readability": 4.0}
    text = card.markdown()
    for internal in ("trade_offs", "prompting_rag", "llm-engineer", "rag-hybrid-retrieval"):
        assert internal not in text, internal
    assert "LLM engineer" in text and "Prompting and RAG" in text


def test_history_shows_the_level_the_scorecard_gives():
    row = {"id": "s1", "created": 0, "track": "general", "target_level": "mid", "status": "finished"}
    table, _ = history_rows([{**row, "score": 1.8, "level": "mid"}], {"s1": "junior"}, {"general": "General"})
    assert table[0][-1] == "junior"  # not `mid`, the difficulty the interview ended at
    assert table[0][1] == "General"  # the track's name, not its id
    table, _ = history_rows([{**row, "status": "active", "score": None, "level": "mid"}], {})
    assert table[0][-1] == ""
