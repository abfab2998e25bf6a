"""The classes of misreads found by the second blind set, each as a form: premises before a question, proposals
that carry their reason, general claims made of the context's words, first-person narration of the role,
questions that end on a quoted message, affirmations that go on with "and", and follow-ups that go back to the
main question instead of asking their probe.

Every sentence here was written for these tests; none comes from a labelled set.
"""

from __future__ import annotations

import pytest

from interviewer.engine.turn_check import TurnChecker, TurnContext, shipped_thresholds
from interviewer.engine.turn_claims import asserting_question, claim_form, confirms
from interviewer.engine.turn_rules import (
    attributes_unsaid,
    clauses,
    echoes_instruction,
    gives_hint,
    negative_question,
    preamble_premise,
    third_person,
    unfounded_premise,
)


def test_a_question_that_ends_on_a_quoted_message_asks():
    asked = clauses('How should the bot reply when the next message is just "same for Tuesday?"')
    assert [c.asks for c in asked] == [True]
    assert [c.asks for c in clauses('The next message is just "same for Tuesday?"')] == [False]


def test_first_person_narration_of_the_role_is_an_echo_of_the_instruction():
    for narrated in (
        "I'll now move us on to the next question, as I've been asked.",
        "I'm going to now ask about your evaluation plan.",
        "As I was instructed, a question on caching comes next.",
        "Keeping this brief and neutral, the next topic is retrieval.",
    ):
        assert echoes_instruction(narrated), narrated
    for spoken in (
        "We'll turn to evaluation now.",
        "As I mentioned, the next one is about caching.",
        "Keep it short: which metric would you report first?",
    ):
        assert not echoes_instruction(spoken), spoken


def test_advice_with_a_question_mark_asserts_and_checking_on_them_is_third_person():
    assert asserting_question("So you'd cap the batch at 32 to keep latency down?") == (
        "you'd cap the batch at 32 to keep latency down"
    )
    assert asserting_question("So you mentioned batching?") == ""
    assert third_person("Let's find out whether they know what a batch costs: what limits it?")
    assert not third_person("Let's find out whether you'd batch here: what limits it?")


def test_people_the_probe_itself_speaks_of_are_not_the_candidate_in_the_third_person():
    probe = "Why not show reviewers the model's label and ask them to confirm or correct it?"
    assert not third_person(f"Okay, thanks. {probe}", quoted=probe)
    assert third_person(
        f"Okay, thanks. {probe}"
    )  # without the probe, "ask them" reads as a note about someone
    assert third_person("They should see the label first. Why not?", quoted=probe)


def test_a_wh_lead_in_before_a_colon_is_part_of_the_question():
    asked = clauses("Fine. What about the adapters: same schedule or a new one?")
    assert [c.asks for c in asked] == [False, True, True]


def test_a_remark_on_who_meets_a_topic_asserts_nothing_unless_it_gives_a_reason():
    assert claim_form("Next, sharding, which every growing database runs into at some point.") == ""
    assert claim_form("Now for tokenisers, which you'll meet in any NLP product.") == ""
    assert claim_form("Next, sharding, which every database needs because writes outgrow one disk.") != ""


def test_think_before_a_thing_and_what_the_interviewer_looks_for_are_hints():
    assert gives_hint("Okay, retrieval next; think inverted indexes.")
    assert gives_hint("I'm hoping for the log-sum-exp trick here. What goes wrong with large logits?")
    for plain in (
        "Feel free to think out loud.",
        "Think step by step, then tell me where it breaks.",
        "I'm looking for a rough estimate. How many GPUs would you need?",
        "What do you think is happening?",
    ):
        assert not gives_hint(plain), plain


def test_a_preamble_that_gives_a_reason_about_its_topic_states_a_fact():
    """Every preamble with such a clause in the labelled sets (20, six writers) is bad; none of 101 good ones has one."""
    assert preamble_premise(
        "Now explainability. Since SHAP values are always faithful, this should be quick."
    )
    assert preamble_premise("Next, decoding: given that beam search always beats sampling, it's a short one.")
    assert preamble_premise("On to speech, because attention models need the whole utterance.")
    for plain in (
        "Let's move on to retrieval.",
        "Since you mentioned caching earlier, let's stay near it.",
        "Since this one is longer, skim the whole spec first.",
        "Because we have a few minutes left, here is a shorter one.",
    ):
        assert not preamble_premise(plain), plain


def test_a_claim_put_in_the_candidates_mouth_is_refused_a_thing_they_named_is_not():
    said = "Each customer gets a LoRA adapter and we load it when their request comes in."
    assert attributes_unsaid(
        "You mentioned that rarely used adapters get evicted and reloaded from disk on demand, good. Why?",
        said,
    )
    assert not attributes_unsaid("You mentioned LoRA adapters. How many fit on one GPU?", said)
    assert not attributes_unsaid(
        "You said each customer gets an adapter that is loaded when the request comes in. What if it is cold?",
        said,
    )


def test_a_question_put_in_the_negative_leads_a_wh_question_does_not():
    """15 turns of the labelled sets ask this way, all bad (six writers); no good turn does."""
    assert negative_question(
        "When a customer is frustrated like that, shouldn't the bot escalate straight away?"
    )
    assert negative_question("Isn't that just the length of the second vector?")
    assert negative_question("So wouldn't you want idempotency keys on retries?")
    for plain in (
        "Why didn't you start with a multilingual model?",
        "What happens when the cache doesn't fit in memory?",
        "Would you keep the same threshold for every language?",
        "Is there a case where it isn't worth it?",
    ):
        assert not negative_question(plain), plain


def test_a_follow_ups_premise_must_restate_what_was_said():
    """'Since X, ...' with X new to the question, probe and answer: 19 bad follow-ups of the labelled sets, 1 good."""
    said = "Model B scores 81.5% and A 80% on the same 400 items. Which test, given both answered the same items?"
    assert unfounded_premise(
        "Since strict mode guarantees the serial number exists, which checks stay?", said
    )
    assert unfounded_premise(
        "Given that hiring tools are minimal risk under the Act, what duties remain?", said
    )
    assert not unfounded_premise("Since both models answered the same 400 items, which test fits?", said)
    assert not unfounded_premise("Since you mentioned noise, how would you check it?", said)


def test_an_affirmation_followed_by_a_rule_of_its_own_is_a_confirmation():
    assert confirms("Yes, if both queries return the same rows, the generated one is correct.")
    assert not confirms("True, the independence assumption is naive.")
    assert not confirms("Right, and if that held, what would you change?")


def test_a_premise_before_a_question_is_read_on_its_own():
    """The question after a premise asks; a supposition asserts nothing, a premise put as fact only itself."""
    assert asserting_question("Since both runs share a seed, why do their losses still drift apart?") == ""
    assert asserting_question("Okay, so with the index warmed up, why is the first query still slow?") == ""
    assert asserting_question("If the cache always misses, what happens to latency?") == ""
    assert asserting_question("Since dropout always hurts small models, why did you keep it?") == (
        "dropout always hurts small models"
    )


def test_a_short_lead_in_before_a_question_asserts_nothing():
    assert asserting_question("Ballpark, how much memory does a 13B model need for its weights?") == ""
    assert asserting_question("In your experience, which part of the pipeline breaks first?") == ""
    assert asserting_question("Dropout is noise, so why keep it?") != ""


def test_a_polar_proposal_with_its_reason_asserts_the_method():
    proposed = "Would you freeze the encoder and train only the head, since the labelled set is tiny?"
    body = "freeze the encoder and train only the head, since the labelled set is tiny"
    assert asserting_question(proposed) == body and claim_form(body) == "relative"
    for open_choice in (
        "Would you freeze the encoder or fine-tune it all, given that the labelled set is tiny?",
        "Would you freeze the encoder here?",
        "Would you explain why, since the labelled set is tiny?",
    ):
        assert asserting_question(open_choice) == "", open_choice


def test_an_affirmation_that_goes_on_with_and_confirms_whatever_the_form():
    assert confirms("Right, and under that policy you'd have to locate every copy of the recording first.")
    assert not confirms("Right, and you mentioned the retention window.")
    assert not confirms("Yes, and what would you log first?")


@pytest.fixture(scope="module")
def checker():
    from interviewer.encoders.embeddings import make_embedder

    return TurnChecker(make_embedder("onnx"), shipped_thresholds())


@pytest.fixture(scope="module")
def shap(shap_follow_up) -> TurnContext:
    return shap_follow_up("LIME fits a local linear model.")


def test_a_general_claim_made_of_the_context_words_states_an_answer(checker, shap):
    """Few words of its own (below claim_novel), yet it states a law closer to the topic than to anything said."""
    turn = (
        "LIME is basically the same thing as SHAP, just with a different kernel, so why would you pick SHAP?"
    )
    f = checker.features(turn, shap)
    assert f.claims[0] == "generic" and f.novel_terms[0] < checker.thresholds.claim_novel
    assert checker.check(turn, shap).reason == "states_answer"


def test_a_premise_new_to_the_talk_is_refused_even_as_a_scene_a_restated_one_passes(checker, shap):
    """Form cannot tell a harmless scene from a wrong fact put as settled, so a premise needs words already said
    (the cost: a turn like the first falls back to the template)."""
    scene = "Okay, since the background set is fixed, what do the SHAP values for one prediction add up to?"
    assert checker.check(scene, shap).reason == "premise"
    restated = (
        "Okay, since LIME fits a local linear model, what do SHAP attributions for one prediction add up to?"
    )
    assert checker.check(restated, shap).ok


def test_a_proposal_that_gives_its_reason_is_held_to_the_topic(checker, shap):
    turn = "Would you pick Kernel SHAP on every prediction, since it fits the same weighted linear model as LIME?"
    assert checker.check(turn, shap).reason == "states_answer"


def test_a_paraphrase_far_from_its_probe_passes_but_going_back_to_the_question_does_not(checker, shap):
    """Below the probe band, what decides is whether the follow-up is closer to the main question than to its
    probe: a paraphrase in a scene of its own is not; a question on the main question's other parts is."""
    paraphrase = "Picture the attribution table for a single decision. What is the sum of that table, and why would you care?"
    f = checker.features(paraphrase, shap)
    assert f.probe_cos < checker.thresholds.probe_band and f.question_cos < f.probe_cos
    assert checker.check(paraphrase, shap).ok
    back = "What are the main pitfalls of LIME when it explains one prediction?"
    assert checker.check(back, shap).reason == "off_target"


def test_a_premise_put_as_fact_is_held_to_the_topic_whatever_its_form(checker, shap):
    """A premise the question builds on ("Since P, why ...?") states P: with few words of its own, it still
    states a (here wrong) fact when it is closer to the topic than to anything said."""
    turn = "Since LIME gives the same attributions as SHAP, why would you trust SHAP more?"
    f = checker.features(turn, shap)
    assert f.claims[0] == "law" and f.premises[0] and f.novel_terms[0] < checker.thresholds.claim_novel
    assert checker.check(turn, shap).reason == "states_answer"
    scene = "Your loan model's SHAP table has one row per feature, so what should that row total?"
    assert checker.check(scene, shap).ok


def test_a_leading_question_is_a_general_claim_held_to_the_topic(checker, shap):
    """ "Isn't X just Y?" asserts X is Y; with few words of its own it is held like any general claim."""
    turn = "Isn't SHAP just a local linear fit like LIME, with one weighting?"
    f = checker.features(turn, shap)
    assert f.claims[0] == "leading" and f.novel_terms[0] < checker.thresholds.claim_novel
    assert checker.states_answer(f)  # held as a claim, and refused first by the wording rule
    assert checker.check(turn, shap).reason == "leading_question"


def test_the_reason_a_proposal_gives_is_a_premise(checker, shap):
    """ "Would you X, since P?" puts P as fact: held like any premise, however few words of its own it brings."""
    turn = "Would you pick LIME over SHAP, since LIME gives the same attributions?"
    f = checker.features(turn, shap)
    assert f.premises[0] and f.novel_terms[0] < checker.thresholds.claim_novel
    assert checker.check(turn, shap).reason == "states_answer"


class _FixedModel:
    """A turn model that reads every turn as bad with the same probability."""

    def __init__(self, p: float):
        self.p, self.read = p, []

    def p_bad(self, kind, ask, targets, turn):
        self.read.append((kind, ask, tuple(targets), turn))
        return self.p


def test_the_learned_model_is_asked_last_and_only_with_a_threshold(checker, shap):
    """A turn every other check passes is refused when the learned model reads it as bad at its threshold; a turn
    a rule refuses is not read at all; without a threshold the model is ignored."""
    good = "Okay. What do SHAP attributions for one prediction add up to, and why does that help?"
    assert checker.check(good, shap).ok
    sure = _FixedModel(0.9)
    strict = TurnChecker(
        checker.embedder, checker.thresholds.model_copy(update={"learned_bad": 0.8}), checker.verifier, sure
    )
    verdict = strict.check(good, shap)
    assert (verdict.ok, verdict.reason) == (False, "learned")
    assert sure.read[-1][:2] == ("follow_up", shap.probe) and sure.read[-1][2] == shap.probe_points
    assert strict.check("The candidate should now explain SHAP.", shap).reason == "third_person"
    assert len(sure.read) == 1
    lenient = TurnChecker(
        checker.embedder, checker.thresholds.model_copy(update={"learned_bad": 0.95}), checker.verifier, sure
    )
    assert lenient.check(good, shap).ok
    unset = TurnChecker(
        checker.embedder, checker.thresholds.model_copy(update={"learned_bad": None}), checker.verifier, sure
    )
    assert unset.model is None and unset.check(good, shap).ok


def test_a_streamed_follow_up_that_has_not_asked_yet_is_read_as_going_on_to_ask_its_probe(checker, shap):
    """The model reads whole turns: a follow-up's opening sentence read alone is a follow-up that asks nothing.
    So until the turn asks, the model reads what was shown followed by the probe; after that, the turn as shown."""
    sure = _FixedModel(0.0)
    reading = TurnChecker(
        checker.embedder, checker.thresholds.model_copy(update={"learned_bad": 0.95}), checker.verifier, sure
    )
    assert reading.sentence_failure("Okay, thanks.", shap) == ""
    assert sure.read[-1][3] == f"Okay, thanks. {shap.probe}"
    asked = "What do SHAP attributions for one prediction add up to?"
    assert reading.sentence_failure(asked, shap, "Okay, thanks. ") == ""
    assert sure.read[-1][3] == f"Okay, thanks. {asked}"
    assert reading.sentence_failure("Take your time.", shap, f"Okay, thanks. {asked} ") == ""
    assert sure.read[-1][3] == f"Okay, thanks. {asked} Take your time."
    preamble = TurnContext(**{**shap.__dict__, "kind": "preamble"})
    assert reading.sentence_failure("Thanks, that's all on SHAP.", preamble) == ""
    assert sure.read[-1][3] == "Thanks, that's all on SHAP."


def test_an_acknowledgement_then_the_probe_streams_through_the_shipped_checks(tmp_path):
    """A polite follow-up, "Okay, thanks." then the probe word for word, is shown sentence by sentence. Read alone
    as a whole turn, the shipped model refused that opening for about one probe in seven (the CI failure of
    test_streaming); this probe was one of them."""
    from interviewer.config import load_settings
    from interviewer.corpus.loader import load_corpus
    from interviewer.domain.target import Target
    from interviewer.encoders.embeddings import make_embedder
    from interviewer.engine.phrasing import turn_context
    from interviewer.engine.turn_gate import SentenceGate
    from interviewer.engine.turn_model import shared_turn_model

    settings = load_settings(data_dir=tmp_path)
    question = load_corpus(settings.corpus_dir, settings.rubrics_dir).by_id["tfm-kv-cache"]
    probe = "What are your options when cache memory, not weights, limits your throughput?"
    target = Target.of(question)
    assert probe in [p for p, _ in target.probes]
    ctx = turn_context("follow_up", target, probe=probe, candidate="The cache keeps past keys and values.")
    checker = TurnChecker(make_embedder("onnx"), shipped_thresholds(), model=shared_turn_model())
    assert checker.model is not None
    shown: list[str] = []
    gate = SentenceGate(checker, ctx, shown.append)
    for word in f"Okay, thanks. {probe}".split(" "):
        gate.feed(word + " ")
    assert gate.failure == "" and gate.finish("") == ""
    assert "".join(shown).split() == f"Okay, thanks. {probe}".split()


def test_the_shipped_turn_model_tells_a_plain_question_from_talk_about_the_candidate():
    """A smoke test of the shipped delta on turns written here (not in any labelled set)."""
    from interviewer.engine.turn_model import shared_turn_model

    model = shared_turn_model()
    assert model is not None, "interviewer/data/turn_classifier.npz is missing: run make fit-turn-check"
    probe = "How would you choose the chunk size for these manuals?"
    point = [
        "Smaller chunks retrieve precisely but lose context; larger ones keep context but dilute the match"
    ]
    plain = model.p_bad("follow_up", probe, point, "How would you go about choosing the chunk size here?")
    told = model.p_bad(
        "follow_up", probe, point, "Smaller chunks lose context, so go for 300 tokens. Agreed?"
    )
    aside = model.p_bad(
        "follow_up", probe, point, "The candidate should now say how chunk size trades context."
    )
    assert plain < 0.2 < aside and plain < told, (plain, told, aside)


def test_start_up_builds_the_turn_model_only_when_llm_wording_will_use_it(tmp_path, monkeypatch):
    from interviewer.config import load_settings
    from interviewer.engine import turn_model
    from interviewer.services import Services

    built = []
    monkeypatch.setattr(turn_model.PairGraph, "ensure", lambda graph: built.append(graph.stem))
    Services(load_settings(data_dir=tmp_path, llm="none"))._warm_turn_model()
    assert built == []
    Services(load_settings(data_dir=tmp_path, llm="fake", llm_wording=False))._warm_turn_model()
    assert built == []
    Services(load_settings(data_dir=tmp_path, llm="fake"))._warm_turn_model()
    assert built == [turn_model.VERSION]
