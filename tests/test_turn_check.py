"""The classes of misreads found by the second blind set, each as a form: premises before a question, proposals
that carry their reason, general claims made of the context's words, first-person narration of the role,
questions that end on a quoted message, affirmations that go on with "and", and follow-ups that go back to the
main question instead of asking their probe.

Every sentence here was written for these tests; none comes from a labelled set.
"""

from __future__ import annotations

from interviewer.engine.turn_claims import asserting_question, claim_form, confirms
from interviewer.engine.turn_rules import clauses, echoes_instruction


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


def test_a_premise_before_a_question_is_read_on_its_own():
    """The question after a premise asks; a supposition asserts nothing, a premise put as fact only itself."""
    assert asserting_question("Since both runs share a seed, why do their losses still drift apart?") == ""
    assert asserting_question("Okay, so with the index warmed up, why is the first query still slow?") == ""
    assert asserting_question("If the cache always misses, what happens to latency?") == ""
    assert asserting_question("Since dropout always hurts small models, why did you keep it?") == (
        "dropout always hurts small models"
    )


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
