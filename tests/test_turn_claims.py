"""Statements that assert by their form (turn_claims), and how the turn check holds them to the topic.

The sentences here are written for these tests or come from the fit half of tests/data/llm_turns.jsonl, never
from its measure half.
"""

from __future__ import annotations

import importlib.util

import pytest

from interviewer.domain.target import Target
from interviewer.engine.phrasing import turn_context
from interviewer.engine.turn_check import TurnChecker, shipped_thresholds
from interviewer.engine.turn_claims import asserting_question, claim_form, confirms
from interviewer.engine.turn_gate import SentenceGate
from interviewer.engine.turn_rules import clauses, echoes_instruction, gives_hint

from .helpers import ROOT

ASSERTS = {
    "Most recent LLMs use RoPE, which adds a learned vector to each token embedding.": "relative",
    "Trees split on thresholds, so a monotone rescaling changes nothing.": "relative",
    "Deleting identity words would just hide them.": "law",
    "FlashAttention approximates the softmax, trading a little accuracy for speed.": "law",
    "Linear regression only fits straight lines through the raw features.": "law",
    "A feature store is basically a database table of features.": "generic",
    "Good. 97% token accuracy is a strong result for a tagger.": "copula",
    "You'd compute it on held-out data.": "advice",
    "If each step succeeds 95% of the time, the whole task still succeeds about as often.": "law",
    "For instance, a greedy decoder can loop on the same phrase forever.": "example",
    "At a 60% cache hit rate and five lookups you'd get about 3 hits per request.": "result",
    "Tokenisers matter, since they come up in every pipeline and quietly split rare words apart.": "relative",
}
SETS_A_SCENE = [
    "Say your GPU sits at 95% utilisation and p99 latency is awful.",
    "You mentioned game theory.",
    "Your random forest ranks a customer ID column as the third most important feature.",
    "Here's a twist: you roll back, and the old model now fails on every request.",
    "A teammate set 0.85 as the cutoff for duplicates.",
    "Last week the embedding model was upgraded.",
    "The product team plans to rank summarisers by ROUGE alone.",
    "Thanks, that was a careful answer.",
    "Good, the next one is about evaluating retrieval-augmented systems.",
    "Okay, tokenisers are up next.",
    "Let's switch to ensembles, which I'm sure you've used.",
    "Rough numbers are fine.",
    "Okay, on to gradient boosting, which comes up a lot with tabular data.",
    "Good, time for evaluation, so switching gears a little.",
    "For example, a user asks the agent the same thing twice in one session.",
]


@pytest.mark.parametrize("sentence", sorted(ASSERTS))
def test_a_statement_that_asserts_is_read_by_its_form(sentence):
    assert claim_form(sentence) == ASSERTS[sentence]


@pytest.mark.parametrize("sentence", SETS_A_SCENE)
def test_scenes_references_and_talk_about_the_interview_assert_nothing(sentence):
    assert claim_form(sentence) == ""


def test_a_leading_or_declarative_question_asserts_its_body():
    leading = "Isn't weight decay in Adam just an L2 term?"
    assert asserting_question(leading) == leading.rstrip("?")
    assert asserting_question("So per-step errors multiply across the ten steps?") == (
        "per-step errors multiply across the ten steps"
    )
    for asks in ("Which would you trust more, and why?", "Is that good?", "You mentioned JSON modes?"):
        assert asserting_question(asks) == ""


def test_a_leading_question_in_any_negated_auxiliary_asserts_its_body():
    leading = "Couldn't the drift also come from the labels themselves?"
    assert asserting_question(leading) == leading.rstrip("?")
    assert asserting_question("Hasn't the tokenizer already split that word?") != ""


def test_confirming_a_claim_is_judging_it_but_an_acknowledgement_is_not():
    assert confirms("Yes, and batching is what makes decode cheap.")
    assert confirms("Exactly, since the cache grows with every token.")
    assert confirms("Batching is cheap, since the weights are read once per step.", before="Right.")
    assert not confirms("Imagine the cache is full.", before="Right.")
    for plain in (
        "Right, you brought up dropout.",
        "Exactly.",
        "Yes. Say the cache is full.",
        "Right. Imagine a spike.",
        "True, the independence assumption is naive.",
        "Right, oversampling helps recall.",
    ):
        assert not confirms(plain)


def test_a_wh_question_ending_on_right_asks_and_a_bare_request_to_agree_does_not():
    asks = clauses("Fair. So how would you tell whether you picked the window right?")
    assert [c.asks for c in asks] == [False, True]
    agree = clauses("The scheduler should drop the oldest jobs first. Would you agree?")
    assert not any(c.asks for c in agree)


def test_labels_stage_directions_and_what_matters_are_caught():
    assert echoes_instruction("Transition question: how do you pick a learning rate?")
    assert echoes_instruction("(Don't give the answer away) What limits the batch size here?")
    assert gives_hint("What really matters here is how fresh the index is. How would you check it?")
    assert not echoes_instruction("How would you follow up with the annotators (say, by email)?")
    assert echoes_instruction("[Follow-up] How do you pick a learning rate?")
    assert gives_hint("Think about dividing by the batch size. What changes then?")
    assert gives_hint("Here's a small clue: it involves the warm-up. What would you change?")
    assert not gives_hint("Think about how you would test it. What would you check first?")


def test_words_taken_from_the_probe_are_no_echo_and_no_hint():
    probe = "You have 200 support tickets and a general-domain language model. Does that mean the answer is right?"
    restated = "So you have a general-domain language model. Does that mean the answer is right?"
    assert echoes_instruction(restated) and gives_hint(restated)
    assert not echoes_instruction(restated, quoted=probe) and not gives_hint(restated, probe)
    assert echoes_instruction("Per my instructions, no hints. Why is that?", quoted=probe)


def _shap_context():
    from interviewer.config import load_settings
    from interviewer.corpus.loader import load_corpus

    settings = load_settings()
    question = load_corpus(settings.corpus_dir, settings.rubrics_dir).by_id["xai-shap-vs-lime"]
    probe = "What do SHAP attributions for one prediction add up to, and why is that useful?"
    return turn_context(
        "follow_up", Target.of(question), probe=probe, candidate="LIME fits a local linear model."
    )


REFUSED = {
    "Yes, and the attributions always sum to zero for every prediction. Why does that help?": "confirms_claim",
    "Follow-up question (no hints): what do the attributions add up to?": "instruction_echo",
    "The attributions add up to the prediction minus the baseline. Would you agree?": "no_question",
    "What really matters is the background set you pick. How would you choose it?": "gives_hint",
}


@pytest.mark.parametrize("turn", sorted(REFUSED))
def test_confirmations_labels_requests_to_agree_and_hints_are_refused(services, turn):
    checker = TurnChecker(services.embedder, shipped_thresholds())
    assert checker.check(turn, _shap_context()).reason == REFUSED[turn]


def test_a_wh_follow_up_ending_on_right_passes(services):
    checker = TurnChecker(services.embedder, shipped_thresholds())
    turn = "Fair enough. So how would you check what the SHAP values for one prediction add up to, and get it right?"
    assert checker.check(turn, _shap_context()).ok


def test_a_statement_that_answers_the_question_just_asked_is_stopped_before_it_is_shown(services):
    """Alone the fragment passes; after the question it is read as the question's answer, and never shown."""
    checker = TurnChecker(services.embedder, shipped_thresholds())
    ctx = _shap_context()
    asked = "What do the SHAP values for one prediction add up to?"
    answer = "The prediction minus the average prediction over the background set."
    assert checker.sentence_failure(answer, ctx) == ""
    shown: list[str] = []
    gate = SentenceGate(checker, ctx, shown.append)
    for word in f"{asked} {answer} ".split(" "):
        gate.feed(word + " ")
    assert "".join(shown).strip() == asked and gate.failure == "states_answer"
    courteous = SentenceGate(checker, ctx, [].append)
    for word in f"{asked} No rush. ".split(" "):
        courteous.feed(word + " ")
    assert courteous.failure == "" and courteous.finish(f"{asked} No rush.") == ""


def test_turns_added_for_fitting_stay_in_the_fit_half():
    """Turns written to fit the validator (marked `written_by`) use only the fit half's questions, so the
    measure half is still the 90 turns written by someone else."""
    spec = importlib.util.spec_from_file_location("turn_examples", ROOT / "training" / "turn_examples.py")
    assert spec and spec.loader
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)
    halves = examples.split(examples.load_turns())
    assert len(halves["measure"]) == 90 and not any("written_by" in r for r in halves["measure"])
    assert sum("written_by" in r for r in halves["fit"]) == len(halves["fit"]) - 90 > 0
    fitting = examples.fitting_rows()
    measured = {r["turn"] for r in halves["measure"]}
    assert len(fitting) == len(halves["fit"]) + 700 and not any(r["turn"] in measured for r in fitting)
    # only the blind sets already read once are fitted on: the eighth stays unread until its one measure
    assert [path.name for path in examples.BLIND_SETS] == [
        "llm_turns_blind.jsonl",
        "llm_turns_blind2.jsonl",
        "llm_turns_blind3.jsonl",
        "llm_turns_blind4.jsonl",
        "llm_turns_blind5.jsonl",
        "llm_turns_blind6.jsonl",
        "llm_turns_blind7.jsonl",
    ]
