"""The classes of misreads found by the second blind set, each as a form: premises before a question, proposals
that carry their reason, general claims made of the context's words, first-person narration of the role,
questions that end on a quoted message, affirmations that go on with "and", and follow-ups that go back to the
main question instead of asking their probe.

Every sentence here was written for these tests; none comes from a labelled set.
"""

from __future__ import annotations

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
