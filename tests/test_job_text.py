"""Reading a posting: sections, negated phrases and the modalities it asks for."""

from __future__ import annotations

from interviewer.engine.job_text import mentions, read_posting

POSTING = """Data Scientist, Text Analytics
Acme Insights

What you'll do
- Build topic and sentiment classifiers for survey free-text,
  think complaints about parking, not chatbots.
- Explain results to clients rather than dashboards.

We offer
- 25 days holiday, a pension and a training budget every year.
- A friendly team that ships every single week.
"""


def test_benefits_are_no_requirements():
    post = read_posting(POSTING)
    assert any("sentiment classifiers" in r for r in post.requirements)
    assert not any("holiday" in r or "friendly team" in r for r in post.requirements), post.requirements


def test_what_the_posting_says_the_work_is_not_is_read_and_left_out_of_its_requirements():
    post = read_posting(POSTING)
    assert post.negated == ["chatbots", "dashboards"]
    assert not any("chatbots" in r or "dashboards" in r for r in post.requirements), post.requirements


def test_a_clause_after_never_is_not_read_as_a_negated_topic():
    post = read_posting(
        "Title line\nMake sure the assistant never invents a refund policy, and cite sources."
    )
    assert post.negated == []


def test_speech_needs_more_than_one_passing_mention():
    text_role = read_posting(
        "Trust and Safety NLP\nUsers post short texts, comments and voice notes in thirty languages.\n"
        "Detect hate speech and harassment in text with multilingual classifiers.\n"
        "Keep the brand voice of our replies consistent across markets."
    )
    assert not text_role.wants("speech")
    voice_role = read_posting(
        "Voice agent engineer\nBuild streaming speech recognition for phone calls.\n"
        "Cut the latency from the caller's last word to the bot's reply.\n"
    )
    assert voice_role.wants("speech")
    assert not mentions("hate speech detection", "speech") and mentions("8 kHz phone audio", "speech")
    assert not mentions("chat transcripts and complaint emails", "speech") and mentions(
        "call transcripts", "speech"
    )


def test_llms_and_languages_count_only_where_requirements_name_them():
    search = read_posting(
        "Search engineer\n- Learning-to-rank models on clicks and purchases.\n"
        "- Two-tower retrieval with BM25.\nNice to have\n- Experience with LLMs for query rewriting.\n"
        "- Python, Go or another programming language; we write in many programming languages."
    )
    assert not search.wants("llm") and not search.wants("languages")
    moderation = read_posting(
        "Multilingual NLP engineer\n- Classify posts in 30 languages, some low-resource.\n"
        "- Cross-lingual transfer with XLM-R.\n- Compare LLM prompting with fine-tuned encoders."
    )
    assert moderation.wants("languages") and not moderation.wants("llm")
    # no mention costs a question that needs the modality in full, one passing mention half
    assert (search.shortfall("speech"), moderation.shortfall("llm"), moderation.shortfall("languages")) == (
        1,
        0.5,
        0,
    )


def test_markdown_headings_mark_sections_and_not_just_is_no_negation():
    post = read_posting(
        "Data Scientist, Retail\n## What you'll do\n- Forecast holiday demand per store, not just accuracy.\n"
        "## Benefits\n- A friendly team that ships every single week.\n**Requirements**\n"
        "- SQL and Python for analysis and modelling work.\nWe are an equal opportunity employer, honestly."
    )
    assert post.requirements == [
        "Forecast holiday demand per store, not just accuracy.",
        "SQL and Python for analysis and modelling work.",
    ]
    assert post.negated == []


def test_agents_name_llms_but_human_agents_do_not():
    assert mentions("Build agents that call our ledger API.", "llm")
    assert not mentions("Design the hand-off to human agents and support agents.", "llm")


def test_a_posting_of_a_few_words_is_its_own_requirement():
    """'Speech recognition team' is too short for a requirement line, but it is all the posting says."""
    post = read_posting("Speech recognition team")
    assert post.requirements == ["Speech recognition team"] and post.wants("speech")
    assert read_posting("Search ranking team").shortfall("speech") == 1


def test_a_scope_statement_over_two_lines_is_negative_evidence_and_no_requirement():
    """Its words would otherwise count for what it rules out: 'chatbots' and 'large language model' name LLMs."""
    post = read_posting(
        "Graduate Data Scientist\n\nWhat the job involves\n- Grouping resident emails into themes with topic models.\n"
        "- Monthly dashboards and short written briefings for councillors.\n\n"
        "Please note: this role does not build chatbots or automated replies to residents, and nobody here will\n"
        "ask you to deploy a large language model. The work is analysis and reporting.\n"
    )
    assert {"chatbots", "automated replies to residents", "deploy a large language model"} <= set(
        post.negated
    )
    assert not any("chatbot" in r or "language model" in r for r in post.requirements), post.requirements
    assert "The work is analysis and reporting." in post.requirements
    assert post.shortfall("llm") == 1


def test_out_of_scope_and_another_teams_work_are_read_as_exclusions():
    post = read_posting(
        "NLU Engineer\nIntent classification and slot filling for in-car commands.\n"
        "To be clear about scope: the cloud LLM assistant is built by another team. RAG, agents and chatbot "
        "prompting are out of scope.\nWe do not build chatbots or use LLMs.\n"
    )
    assert {"the cloud LLM assistant", "RAG", "agents", "chatbot prompting", "use LLMs"} <= set(post.negated)
    assert post.requirements == ["Intent classification and slot filling for in-car commands."]


def test_a_verb_negated_by_its_auxiliary_is_no_negated_topic():
    """'Japanese and Thai do not split on spaces' asks for tokenisation; only 'X, not Y' rules a topic out."""
    post = read_posting(
        "Junior Localisation Engineer\n- Know how tokenisation differs: Japanese and Thai do not split on spaces.\n"
        "- Explain results to people who do not work with data.\n- German is helpful but not required.\n"
    )
    assert post.negated == []


def test_a_role_that_is_not_research_and_work_you_will_not_be_doing_are_exclusions():
    post = read_posting(
        "Applied Scientist\nThis is not a research role; the work is shipping text classifiers.\n"
        "You won't be training models from scratch. We are not building agents.\n"
    )
    assert {"research", "training models from scratch", "building agents"} <= set(post.negated), post.negated
    assert not any("scratch" in r or "agents" in r for r in post.requirements), post.requirements


def test_not_your_job_and_not_part_of_this_role_before_a_colon_are_exclusions():
    """A label then a colon: what follows is ruled out, and "your job" is no topic the posting negates."""
    post = read_posting(
        "Inference Platform Engineer\nRun the serving fleet and its autoscaling.\n"
        "Not your job: training or fine-tuning the models. Our research team does that.\n"
        "Not part of this role: model deployment or on-call.\n"
    )
    assert {"training", "fine-tuning the models", "model deployment", "on-call"} <= set(post.negated), (
        post.negated
    )
    assert "your job" not in post.negated
    assert not any("fine-tuning" in r or "on-call" in r for r in post.requirements), post.requirements


def test_a_verb_that_shares_its_subject_and_work_of_another_team_are_exclusions():
    post = read_posting(
        "Evaluation Lead\nOwn the evaluation of generated match reports.\n"
        "We use hosted models and do not train our own; the generation pipeline belongs to another team.\n"
    )
    assert {"train our own", "the generation pipeline"} <= set(post.negated), post.negated
    assert post.requirements == ["Own the evaluation of generated match reports."], post.requirements
