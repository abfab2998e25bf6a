"""What a turn's questions propose or take as given, put as plain statements, for the key-point verifier to read.

The form of a question does not tell a probe from a question that hands the answer over: "How would you test
whether the answer depends on the reasoning?" asks for the method, "Could you cut the reasoning off halfway and
see whether the answer changes?" names it and asks only for a yes. What tells them apart is the content. So each
question is turned into the statement it proposes or presupposes, and `turn_check` asks the verifier whether that
statement states the probe's key points (its P(contradicts) separates nothing on the fitting turns):

- a polar question loses its inverted auxiliary ("Could you cut X?" -> "you cut X", "Did your message include
  X?" -> "your message include X"); a negated one asserts its body ("Shouldn't X kick in?" -> "X kick in");
- a premise before the question is a statement of its own ("Since P, what ...?", "With P, would you ...?" -> P);
- a choice left open ("Would you run it on the training set or on something else?") proposes nothing; two named
  options ("Could you cut the reasoning off halfway, or slip a mistake into it, ...?") hand over both;
- a wh-question asks for the point and proposes nothing. What it presupposes ("Why does X leave Y unchanged?"
  takes "X leave Y unchanged" as given) was tried and left out: on the fitting turns, good follow-ups'
  presuppositions state their probe's point as surely as bad ones' do.

Grammar is not restored ("your message include ..."): the verifier reads content, not agreement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from interviewer.engine import turn_claims, turn_questions, turn_rules

if TYPE_CHECKING:
    from interviewer.grading.verifier import PointVerifier

# The auxiliary that opens a polar question, negated or not ("Could", "Shouldn't", "Is it not").
_POLAR = re.compile(
    r"^(?:would|will|should|could|can|do|does|did|shall|might|may|must|is|are|was|were|has|have|had)"
    r"(?:n'?t|\s+not)?\s+(?P<body>\w.*)$|"
    r"^(?:isn'?t|aren'?t|wasn'?t|weren'?t|doesn'?t|don'?t|didn'?t|wouldn'?t|won'?t|can'?t|couldn'?t|"
    r"shouldn'?t|mightn'?t|hasn'?t|haven'?t|hadn'?t)\s+(?P<neg>\w.*)$",
    re.I,
)
# A choice left open ("... or on something else?", "..., or not?"): the question proposes none of its options.
_OPEN_CHOICE = re.compile(
    r"(?:,\s*|\s+)or\s+(?:[\w'-]+\s+){0,3}?(?:something\s+else|anything\s+else|some\s+other|another\s+(?:way|one|"
    r"option|approach)|elsewhere|otherwise|not|a\s+different\s+\w+)\b",
    re.I,
)
# "you" as the subject of a polar question proposes what the candidate would do; "you agree", "you think",
# "you say more" ask for the candidate's view and propose nothing.
_ASKS_VIEW = re.compile(
    r"^(?:you|we)\s+(?:agree|think|know|remember|mind|want|like|see\s+(?:a|any|why|how|what)|have\s+any|"
    r"expand|elaborate|say\s+more|walk|tell|explain|describe|give\s+(?:me|an|a))\b",
    re.I,
)


def propositions(text: str) -> list[str]:
    """What the turn's questions propose or put forward as given, each as a statement."""
    out: list[str] = []
    for c in turn_rules.clauses(text):
        if c.asks and c.text.endswith("?"):
            out.extend(proposed(c.text))
    return [p for p in out if len(p.split()) >= 3]


def proposed(question: str) -> list[str]:
    """The premise of one question and the statement its polar form proposes (none for an open question)."""
    s = turn_claims.opener_stripped(question).rstrip("?").strip()
    out = []
    opened = turn_questions.premise(s)
    if opened is not None:
        body, rest, _ = opened
        out.append(body)
        s = turn_claims.opener_stripped(rest)
    lead, comma, rest = s.partition(", ")
    if comma and len(lead.split()) <= 4 and _POLAR.match(rest):
        s = rest  # "For Tagalog, would you rely on ...?": a lead-in before the polar question
    m = _POLAR.match(s)
    if m is not None:
        body = (m.group("body") or m.group("neg")).strip()
        if not _ASKS_VIEW.match(body) and not _OPEN_CHOICE.search(body):
            out.append(body)
    return out


def states_probe(verifier: PointVerifier, text: str, points: Sequence[str]) -> float:
    """How surely the turn's questions hand over a key point of the probe: the verifier's highest P(states) over
    its propositions and the probe's points (0 when there are none)."""
    pairs = [(point, p) for p in propositions(text) for point in points]
    return max((float(p[1]) for p in verifier.probs_many(pairs)), default=0.0)
