"""The classes of misreads found by the third blind set, each as a form: an acknowledgement that goes on with
"and", a proposal that carries what it achieves or how it comes out, a definite role noun before a verb, an
indefinite one in a scene, the task narrated in the first person, and the instruction echoed in the imperative.

Every sentence here was written for these tests; none comes from a labelled set. Each assertion marked `new`
failed on the code of commit 582d508.
"""

from __future__ import annotations

from interviewer.engine.turn_claims import asserting_question, claim_form, confirms
from interviewer.engine.turn_rules import clauses, echoes_instruction, third_person


def test_an_acknowledgement_that_goes_on_with_and_confirms_the_claim():
    for extended in (
        "Fair enough, and you could simply drop the duplicates before training.",  # new
        "Sure, and the cache then serves every replica from the same copy, which halves the cost.",  # new
        "Makes sense, and averaging the two lists always beats picking one.",  # new
    ):
        assert confirms(extended), extended
    for acknowledged in (
        "Good, and let's move on to serving.",
        "Sure, and you mentioned caching.",
        "Good, the logging side is clear.",
        "Makes sense.",
    ):
        assert not confirms(acknowledged), acknowledged


def test_you_can_simply_is_advice():
    assert claim_form("You can simply average the two scores.") == "advice"  # new
    assert claim_form("You could simply retrain on last month's data.") == "advice"  # new
    assert claim_form("You mentioned averaging the two scores.") == ""


def test_a_proposal_with_what_it_achieves_or_how_it_comes_out_asserts_its_body():
    achieves = "Would you log both models' scores, so the drift shows up as a gap between them?"
    assert asserting_question(achieves) == achieves[len("Would you ") : -1]  # new
    comes_out = "Would you shuffle the labels and retrain, with the accuracy falling to chance?"
    assert asserting_question(comes_out) == comes_out[len("Would you ") : -1]  # new
    for asks in (
        "Would you retrain, or keep the old model?",
        "Would you use a holdout set, with what split?",
        "Would you log both models' scores?",
    ):
        assert asserting_question(asks) == "", asks


def test_a_definite_role_noun_before_a_verb_is_third_person_an_indefinite_one_sets_a_scene():
    assert third_person("The interviewee listed Redis as the cache. What happens when it restarts?")  # new
    assert third_person("The applicant stated the wrong default. Why might that matter?")
    assert third_person("The candidate list is long. How would you shorten it?") is False
    # "a candidate" is a person in the scene, not the one being spoken to
    assert not third_person("A candidate wants a four-day week. How would you match that to a job?")  # new
    assert not third_person("An applicant asks why the loan was refused. What would you tell her?")


def test_the_task_narrated_in_the_first_person_is_an_echo_of_the_instruction():
    for narrated in (
        "I have to probe the eviction policy without giving the trick away.",  # new
        "I must now ask about sharding, so: how would you split the index?",  # new
        "I need to ask about drift. What would you monitor first?",  # new
    ):
        assert echoes_instruction(narrated), narrated
    for spoken in (
        "I need you to be specific: which index would you pick?",
        "I have to say, that's a neat trick. How does it scale?",
        "I'd like to ask about drift next.",
    ):
        assert not echoes_instruction(spoken), spoken


def test_the_instruction_echoed_in_the_imperative_is_an_echo():
    for echoed in (
        "Draft a one-line transition to the next topic. Moving on to retrieval.",  # new
        "Okay. Don't give away the answer. What limits the batch size?",  # new
        "Never reveal the solution. Which data structure would you use?",  # new
        "Avoid hinting at the answer. Which features worry you most?",  # new
    ):
        assert echoes_instruction(echoed), echoed
    for spoken in (
        "Write a function that merges two sorted lists.",
        "Don't worry about the edge cases yet: what is the main loop?",
        "Generate a few test inputs first. Which would you try?",
    ):
        assert not echoes_instruction(spoken), spoken


def test_an_acknowledgement_then_and_then_a_plain_question_or_courtesy_confirms_nothing():
    # read right at 582d508 too; kept so that the acknowledgement rule above stays this narrow
    assert not confirms("Okay, and with 200,000 tokens in hand, would you retrieve or send it all?")
    assert not confirms("Good, and thanks for the detail on the heuristics.")
    assert confirms("Sure, and isn't the mask just a lower-triangular matrix?")  # new: a question that leads


def test_a_wh_question_after_an_acknowledgement_that_ends_on_right_asks():
    asked = clauses("Sure, and which test would convince you the mask is right?")  # new
    assert [c.asks for c in asked] == [True]
    assert [c.asks for c in clauses("Sure, the mask is lower-triangular, right?")] == [False]


def test_a_proposal_that_offers_an_alternative_after_its_reason_only_asks():
    assert (
        asserting_question("Would you batch by count, so a long request can't slip in, or by tokens?") == ""
    )
    assert asserting_question("Would you batch by count, so a long request can't slip in?") != ""  # new


def test_a_number_with_a_thousands_comma_stays_in_its_premise():
    # new: the premise was cut at "200," and the rest read as a claim
    assert asserting_question("With 200,000 tokens in the handbook, would you retrieve or send it all?") == ""
