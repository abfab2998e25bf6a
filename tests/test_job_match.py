"""Job-description steering: the posting's requirements against every phrasing of each question."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from interviewer.domain.questions import LEVELS
from interviewer.domain.session import Setup
from interviewer.engine.job_match import JobMatch, requirements
from interviewer.engine.planner import Planner

pytestmark = pytest.mark.slow  # plans whole sessions over the bank: about 7 s a test

JDS = {
    j["id"]: j
    for j in yaml.safe_load(Path("tests/data/job_descriptions.yaml").read_text())["job_descriptions"]
}


def test_a_posting_is_cut_into_the_lines_that_state_requirements():
    jd = "About us\n\n- Build the retrieval pipeline for our help centre.\n* Nice to have\nWe ship weekly. We test."
    assert requirements(jd) == ["Build the retrieval pipeline for our help centre."]


def test_the_support_bot_posting_gets_the_customer_support_scenario(services):
    """The issue's example: a RAG support-bot posting got the job-matching case, not the support scenario."""
    planner = Planner(services.corpus, services.embedder, services.index)
    jd = JDS["jd-rag-support-mid"]
    planned = planner.preview(Setup(level="mid", track="general", questions=6, job_description=jd["text"]))
    assert len(planned) == 6
    scenarios = [p["question_id"] for p in planned if p["kind"] == "scenario"]
    assert scenarios == ["customer-support-chatbot"], planned
    assert sum(p["topic"] == "prompting_rag" for p in planned) >= 2, planned


def test_the_best_track_follows_the_posting(services):
    planner = Planner(services.corpus, services.embedder, services.index)
    post_training = JDS["jd-post-training-mid"]["text"]
    assert planner.best_track(post_training, "mid") == "llm-engineer"
    text_analytics = JDS["jd-ds-nlp-junior"]["text"]
    assert planner.best_track(text_analytics, "junior") in ("nlp-engineer", "ml-foundations")
    assert planner.best_track("") == "general"


def test_a_posting_with_no_matching_scenario_gets_a_case_question(services):
    """A scenario takes the case slot only when it fits the posting about as well as a case question would."""
    planner = Planner(services.corpus, services.embedder, services.index)
    jd = (
        "Fine-tune small open-weight language models on our instruction data with LoRA and QLoRA.\n"
        "Build and clean the supervised fine-tuning datasets and run preference tuning with DPO.\n"
        "Evaluate each checkpoint against the base model before it ships."
    )
    planned = planner.preview(Setup(level="mid", track="general", questions=6, job_description=jd))
    kinds = [p["kind"] for p in planned]
    assert "scenario" not in kinds and "case" in kinds, planned


class _DownIndex:
    def vectors(self, name):
        raise ConnectionError("Chroma server is down")


def test_steering_works_from_memory_when_the_index_is_down(services, caplog):
    down = JobMatch(services.corpus, services.embedder, _DownIndex())
    up = JobMatch(services.corpus, services.embedder, services.index)
    jd = JDS["jd-agents-mid"]["text"]
    a, b = down.profile(jd).questions, up.profile(jd).questions
    assert "reading question vectors from the index failed" in caplog.text
    # The same texts, encoded here instead of read from the index: by the encoder's passage path when its cache
    # serves them, whose pooled vectors differ from the index's sentence embeddings by up to about 0.1 per
    # component (measured), else by the same sentence embedding. Close, not always equal.
    assert max(abs(a[k] - b[k]) for k in a) < 0.1
    top = lambda d: set(sorted(d, key=d.get, reverse=True)[:10])  # noqa: E731
    assert len(top(a) & top(b)) >= 8  # and the posting's best questions are the same


def test_the_steering_benchmark_plans_a_file_of_postings_named_on_the_command_line(tmp_path):
    """`plan --jds FILE` reads another set of postings (the held-out set); a missing file says how to fix it."""
    import subprocess
    import sys

    from benchmarks.jd_steering import load_jds

    other = tmp_path / "other.yaml"
    other.write_text(
        "job_descriptions:\n  - {id: jd-x, level: mid, text: 'Build retrieval for support chat.'}\n"
    )
    assert [j["id"] for j in load_jds(other)] == ["jd-x"]
    run = subprocess.run(
        [
            sys.executable,
            "benchmarks/jd_steering.py",
            "plan",
            "--jds",
            str(tmp_path / "none.yaml"),
            "--out",
            "x",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "no such file" in run.stderr, run.stderr


def _plans(planner, jd_id, tracks):
    jd = JDS[jd_id]
    return {
        t: planner.preview(Setup(level=jd["level"], track=t, questions=6, job_description=jd["text"]))
        for t in tracks
    }


def test_speech_questions_go_only_to_postings_that_ask_for_speech(services):
    """A text help-centre chat and a text moderation role got barge-in, voice latency and phone-accent
    questions; the voice-agent posting keeps its speech questions."""
    planner = Planner(services.corpus, services.embedder, services.index)
    for jd_id, tracks in [
        ("jd-rag-support-mid", ["general", "system-design"]),
        ("jd-moderation-multilingual-senior", ["general", "system-design"]),
    ]:
        for track, planned in _plans(planner, jd_id, tracks).items():
            assert not [p for p in planned if p["topic"] == "speech"], (jd_id, track, planned)
    voice = _plans(planner, "jd-voice-bot-mid", ["general"])["general"]
    assert sum(p["topic"] == "speech" for p in voice) >= 3, voice


def test_a_posting_that_says_not_chatbots_gets_no_chatbot_design(services):
    planner = Planner(services.corpus, services.embedder, services.index)
    for track, planned in _plans(planner, "jd-ds-nlp-junior", ["general", "nlp-engineer"]).items():
        assert "customer-support-chatbot" not in [p["question_id"] for p in planned], (track, planned)


def test_llm_and_multilingual_questions_need_more_than_a_passing_mention(services):
    """Search ranking names LLMs once (a nice-to-have) and got a semantic cache for an LLM and a RAG assistant's
    misses; the English-only text-analytics posting got language identification and scraped Swahili data."""
    from interviewer.engine.job_text import mentions

    planner = Planner(services.corpus, services.embedder, services.index)
    for track, planned in _plans(planner, "jd-search-ranking-mid", ["general", "system-design"]).items():
        assert "sd-semantic-cache" not in [p["question_id"] for p in planned], (track, planned)
        assert sum(mentions(p["question_text"], "llm") for p in planned) <= 1, (track, planned)
    for track, planned in _plans(planner, "jd-ds-nlp-junior", ["general", "nlp-engineer"]).items():
        assert not [p for p in planned if p["topic"] == "multilingual"], (track, planned)
    agents = _plans(planner, "jd-agents-mid", ["general"])["general"]  # a posting about LLMs keeps them
    assert sum(mentions(p["question_text"], "llm") for p in agents) >= 2, agents


def test_a_much_better_fitting_question_one_level_down_takes_the_slot(services):
    """No senior coding question is about fairness; the responsible-AI posting got maximal marginal relevance
    coding. A mid one that fits far better may take the slot (or a senior question of another kind, since
    KIND_SWITCH); never a question above the session's level."""
    planner = Planner(services.corpus, services.embedder, services.index)
    planned = _plans(planner, "jd-responsible-ai-senior", ["general"])["general"]
    coding = [p["question_id"] for p in planned if p["kind"] == "coding"]
    assert set(coding) <= {"xai-fairness-gaps"} and "rag-mmr-select" not in str(planned), planned
    for jd_id in JDS:
        for plan in _plans(planner, jd_id, ["general"]).values():
            at = LEVELS.index(JDS[jd_id]["level"])
            levels = [services.corpus.by_id[p["question_id"]].level for p in plan if p["kind"] != "scenario"]
            assert all(LEVELS.index(lv) in (at, at - 1) for lv in levels), (jd_id, plan)


def test_two_near_duplicate_questions_are_not_both_planned(services):
    """Grouping requests into token-budget batches and a continuous-batching scheduler step are one exercise."""
    planner = Planner(services.corpus, services.embedder, services.index)
    jd = (
        "Own the LLM inference scheduler of our serving stack.\n"
        "- Implement continuous batching: admit waiting requests each step within a token budget.\n"
        "- Group incoming inference requests into batches by their token lengths under a max batch size.\n"
        "- Keep GPU utilisation high and latency low for our LLM API."
    )
    planned = planner.preview(Setup(level="mid", track="coding", questions=4, job_description=jd))
    ids = [p["question_id"] for p in planned]
    assert len(ids) == 4 and not {"ops-token-batching", "inf-code-batch-scheduler"} <= set(ids), ids


def test_without_a_posting_the_plan_stays_at_the_sessions_level(services):
    planner = Planner(services.corpus, services.embedder, services.index)
    for level in ("junior", "mid", "senior"):
        planned = planner.preview(Setup(level=level, track="general", questions=6))
        assert {
            services.corpus.by_id[p["question_id"]].level for p in planned if p["kind"] != "scenario"
        } == {level}, planned


CHURN = """Junior Data Scientist, Subscriptions
## What you'll do
* Build churn prediction models on tabular customer data (gradient boosting, logistic regression).
* Design and analyse A/B tests of pricing pages.
* Write SQL and build features from event logs; avoid leakage from future data.
* Present findings to product managers.
## Benefits
* 30 days holiday, private health insurance, pension.
"""


def test_a_posting_without_llms_gets_no_llm_scenario_or_agent_exercise(services):
    """The case scenarios and agent questions need LLMs as much as questions that name them: a churn-modelling
    posting got the support-chatbot scenario and an agent's tool-argument exercise."""
    from interviewer.engine.job_text import mentions

    planner = Planner(services.corpus, services.embedder, services.index)
    planned = planner.preview(Setup(level="junior", track="llm-engineer", questions=6, job_description=CHURN))
    assert not [p for p in planned if mentions(p["question_text"], "llm")], planned


def test_strong_answers_to_a_stretched_easier_question_do_not_raise_the_level():
    """A posting may put a question one level down into the session; doing well on it says nothing about the
    level above, while doing badly on it still counts."""
    from interviewer.domain.session import SessionState
    from interviewer.engine.planner import level_after

    state = SessionState(id="s", setup=Setup(level="mid", track="general", questions=6), current_level="mid")
    state.streak = 1  # one strong answer at mid already
    assert level_after(state, 4.5, "junior", "junior") == ("mid", 0)
    assert level_after(state, 4.5, "mid", "mid") == ("senior", 0)
    state.streak = -1
    assert level_after(state, 1.0, "none", "junior") == ("junior", 0)


ANALYST = """Graduate Data Analyst, Customer Letters
We want to understand what customers write to us about and how that changes over time.

What the job involves
- Grouping letters into themes with topic models and clustering of sentence embeddings.
- Sentiment measures, and knowing where they go wrong.
- Short written briefings for the board.

Please note: this role does not build chatbots, assistants or automated replies, and nobody here will
ask you to deploy a large language model or write prompts. The work is analysis and reporting.
"""


def test_a_scope_note_that_rules_out_llms_keeps_them_out_of_the_plan_and_the_track(services):
    """A no-LLM analyst posting whose scope note wrapped over two lines got LLM fine-tuning, agent memory and
    the support-chatbot scenario, and the llm-engineer track: the note's words counted for what it rules out."""
    from interviewer.engine.job_text import mentions

    planner = Planner(services.corpus, services.embedder, services.index)
    assert planner.best_track(ANALYST, "junior") != "llm-engineer"
    planned = planner.preview(Setup(level="junior", track="general", questions=6, job_description=ANALYST))
    assert not [p for p in planned if mentions(p["question_text"], "llm")], planned
