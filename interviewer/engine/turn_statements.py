"""The statements of a turn, and how each asserts: the part of the turn check read from the form of its clauses.

A turn's statements are its sentences that do not ask, and what its questions assert while they ask
(turn_claims.asserting_question). Each gets the form by which it asserts (turn_claims.claim_form), or a place that
makes it assert: after the question (it tends to answer it) or inside one. A statement a question builds on ("P,
so why ...?", "Since P, why ...?") is a premise: `turn_check` holds a premise to its closeness to the topic even
when it brings few words of its own.
"""

from __future__ import annotations

import re

from interviewer.engine import turn_claims, turn_questions, turn_rules


def statements(parts: list[turn_rules.Clause]) -> list[str]:
    """What a turn states: its statements, and what its questions assert while they ask."""
    out = []
    for c in parts:
        if not c.asks:
            said = c.text
        else:
            said = turn_claims.asserting_question(c.text) if c.text.endswith("?") else ""
        if len(said.split()) >= 3:
            out.append(said)
    return out


def claim(statement: str, parts: list[turn_rules.Clause]) -> str:
    """How `statement` asserts: its form; 'after_question' when it follows an ask and does more than courtesy
    (a statement after the question tends to answer it); 'leading' for the body of "Isn't X just Y?"; 'question'
    for what another question asserts while asking."""
    form = turn_claims.claim_form(statement)
    if form:
        return form
    if turn_claims.leads(statement):
        return "leading"
    asked = False
    for c in parts:
        if c.asks:
            asked = True
        elif c.text == statement and asked and turn_claims.substantive(statement):
            return "after_question"
    if any(c.asks and statement in c.text for c in parts):
        return "question"
    return ""


def premise(statement: str, parts: list[turn_rules.Clause]) -> bool:
    """Whether a question builds on `statement` as a given: "P, so why ...?" (or "P. So why ...?"), a premise put
    forward as fact before it ("Since P, why ...?"), or a proposal with the reason for it ("Would you X, since P?")."""
    for i, c in enumerate(parts):
        if not c.asks and c.text == statement:
            following = parts[i + 1] if i + 1 < len(parts) else None
            if following is not None and following.asks and re.match(r"so\b", following.text, re.I):
                return True
        elif c.asks and statement in c.text and c.text.endswith("?"):
            body = turn_claims.opener_stripped(c.text).rstrip("?")
            opened = turn_questions.premise(body)
            if opened is not None and opened[2] and opened[0] == statement:
                return True
            if turn_questions.proposal(body) == statement:
                return True  # "Would you use X, since Z?": the reason is put as fact
    return False
