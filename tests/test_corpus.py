from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer.corpus.loader import CorpusError, load_corpus
from interviewer.domain.questions import LEVELS

ROOT = Path(__file__).resolve().parent.parent
TOPICS = {
    "ml_foundations",
    "classical_nlp",
    "embeddings",
    "transformers",
    "llm_finetuning",
    "prompting_rag",
    "evaluation",
    "mlops",
    "system_design",
    "multilingual",
    "explainability",
    "leadership",
    "agents",
    "llm_inference",
    "speech",
}


def test_corpus_meets_the_coverage_the_product_promises(corpus):
    stats = corpus.stats()
    assert stats["questions"] >= 150
    assert stats["scenarios"] >= 3
    assert set(stats["by_topic"]) >= TOPICS
    empty = [c for c in stats["cells"] if c["count"] == 0]
    assert not empty, f"empty level x topic cells: {empty}"
    assert {"concept", "coding", "case", "behavioural"} <= set(stats["by_kind"])


def test_every_question_has_points_at_all_levels_and_linked_probes(corpus):
    for q in corpus.questions:
        assert {k.level for k in q.key_points} == set(LEVELS), q.id
        ids = {k.id for k in q.key_points}
        assert 1 <= len(q.probes) <= 3 and all(set(p.targets) <= ids for p in q.probes), q.id
        assert q.misconceptions, q.id


def test_every_probe_reads_as_asking_to_the_turn_check(corpus):
    """An LLM follow-up that restates its probe must not be refused as asking nothing: the wording rules know
    every form of request the corpus's own probes use ("Give an example ...", "Trace ...", "..., and tell me")."""
    from interviewer.engine.turn_rules import clauses

    probes = [p.text for q in corpus.questions for p in q.probes]
    probes += [p.text for sc in corpus.scenarios for st in sc.stages for p in st.probes]
    assert len(probes) > 500
    silent = [p for p in probes if not any(c.asks for c in clauses(p))]
    assert not silent, silent


def test_seed_scenario_covers_the_seed_expectations(corpus):
    sc = corpus.scenario("customer-support-chatbot")
    text = " ".join(
        k.text.lower() + " " + " ".join(k.terms).lower() for st in sc.stages for k in st.key_points
    )
    for must in [
        "rasa",
        "intent",
        "faq",
        "escalat",
        "personalis",
        "fine-tun",
        "resolution",
        "multilingual",
        "sentiment",
        "autoscal",
        "prometheus",
        "a/b",
    ]:
        assert must in text, must
    assert {s.id for s in sc.stages} >= {
        "understanding",
        "approach",
        "data",
        "model",
        "escalation",
        "evaluation",
        "scale",
    }


def test_glossary_and_tracks_are_loaded(corpus):
    assert len(corpus.glossary) >= 100
    assert corpus.track("general").topics
    for track in corpus.tracks:
        assert set(track.topics) <= set(corpus.topics)


def test_coding_questions_carry_runnable_specs(corpus):
    coding = [q for q in corpus.questions if q.kind == "coding"]
    assert len(coding) >= 30
    for q in coding:
        assert q.coding and q.coding.tests and q.coding.solution, q.id


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    return tmp_path / "corpus", tmp_path / "rubrics"


def test_a_bad_file_is_named_with_the_field_and_problem(tmp_path):
    corpus_dir, rubrics_dir = _copy(tmp_path)
    path = corpus_dir / "questions" / "embeddings.yaml"
    text = path.read_text()
    text = text.replace("level: junior", "level: expert", 1)
    path.write_text(text)
    with pytest.raises(CorpusError) as err:
        load_corpus(corpus_dir, rubrics_dir)
    msg = str(err.value)
    assert "embeddings.yaml" in msg and "level" in msg and "junior" in msg


def test_invalid_yaml_and_unknown_fields_are_reported(tmp_path):
    corpus_dir, rubrics_dir = _copy(tmp_path)
    (corpus_dir / "questions" / "broken.yaml").write_text("topic: x\nquestions: [ {id: a\n")
    scale = rubrics_dir / "scale.yaml"
    scale.write_text(scale.read_text().replace("label:", "lable:", 1))
    with pytest.raises(CorpusError) as err:
        load_corpus(corpus_dir, rubrics_dir)
    msg = str(err.value)
    assert "broken.yaml" in msg and "not valid YAML" in msg
    assert "lable" in msg


def test_probe_pointing_at_a_missing_key_point_is_refused(tmp_path):
    corpus_dir, rubrics_dir = _copy(tmp_path)
    path = corpus_dir / "questions" / "ml_foundations.yaml"
    path.write_text(path.read_text().replace("targets: [overfitting-control]", "targets: [no-such-point]", 1))
    with pytest.raises(CorpusError, match="no-such-point"):
        load_corpus(corpus_dir, rubrics_dir)


def test_near_duplicates_are_reported_and_refused(tmp_path, services):
    from interviewer.search.duplicates import near_duplicates, refuse_duplicates

    corpus_dir, rubrics_dir = _copy(tmp_path)
    path = corpus_dir / "questions" / "ml_foundations.yaml"
    text = path.read_text()
    block = text[text.index("  - id: mlf-decision-tree") :]
    block = block[: block.index("\n  - id: ", 10) + 1]
    dup = block.replace("id: mlf-decision-tree", "id: mlf-decision-tree-copy").replace(
        "Walk me through how a decision tree works", "Walk me through how decision trees work"
    )
    path.write_text(text + dup)
    corpus = load_corpus(corpus_dir, rubrics_dir)
    pairs = near_duplicates(corpus, services.embedder)
    assert ("mlf-decision-tree", "mlf-decision-tree-copy") in [(a, b) for a, b, _ in pairs]
    with pytest.raises(CorpusError, match="near-duplicates"):
        refuse_duplicates(corpus, services.embedder)


def test_shipped_corpus_has_no_near_duplicates(corpus, services):
    from interviewer.search.duplicates import near_duplicates

    assert near_duplicates(corpus, services.embedder) == []
