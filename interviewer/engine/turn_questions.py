"""What a question asserts while it asks, read from its form: a premise it takes as fact, or an answer it proposes.

A question can open on a premise ("Since A and B were scored on the same items, which test fits?", "With the
cache in place, why ...?"). A premise after "if", "when" or "with" is a supposition, part of the scene; after
"since", "because" or "given that" it is put forward as a fact, and a fact about the topic can be the answer, or
a wrong one. Either way the question after it still asks: the premise is read on its own, never the whole
sentence as a claim. A polar question that proposes what to do and gives the reason for it ("Would you use X on
Y, since Z?"), or what it achieves or how it comes out ("Would you feed X into Y, so each source is weighted by
...?", "..., with the first row equal to ...?"), hands over the method and the why or the result the probe asks
for: its body is read as a claim.
"""

from __future__ import annotations

import re

# A fronted adverbial clause, its conjunction, and the question after it.
_PREMISE = re.compile(
    r"^(?P<conj>if|when|whenever|once|with|without|given(?:\s+that)?|since|because|as|now\s+that|seeing\s+that|"
    r"considering(?:\s+that)?|after|before|in\s+case|unless|even\s+if|even\s+though|although|though)\s+"
    r"(?P<body>(?:[^,;:?]|,(?=\d)){2,160}),\s+(?P<rest>\S.*)$",  # "200,000" is one number
    re.I,
)
# Conjunctions that put their clause forward as a fact (the others suppose it, or set the time or the means).
_FACTIVE = re.compile(
    r"^(?:given\s+that|since|because|as|now\s+that|seeing\s+that|considering\s+that|even\s+though|although|"
    r"though)$",
    re.I,
)
# "Given both models answered the same items" supposes too: only "given that" asserts.
_POLAR_PROPOSAL = re.compile(
    r"^(?:would|will|should|could|can|do|did|shall|might)\s+(?:you|we)\s+(?:(?:still|just|also|rather|then|"
    r"probably|really)\s+)?(?!(?:agree|say|explain|walk|tell|describe|expand|elaborate|mind|like|want|know|"
    r"remember|think|expect|be\s+able|see\s+(?:a|any|why|how|what)|have\s+(?:a|any)|consider\s+(?:whether|if)|"
    r"check\s+(?:whether|if)|say\s+more|give\s+(?:me|an|a))\b)(?P<body>\w.*)$",
    re.I,
)
# The reason given after the proposal (", since they saw the same examples"), or what it achieves or how it comes
# out (", so each source is weighted by its accuracy", ", with the first row equal to ..."): either way the
# proposal arrives with the why or the expected result the probe asks the candidate for.
_TRAILING_REASON = re.compile(
    r",\s*(?:since|because|as|given\s+that|seeing\s+that|considering\s+that|which|meaning|thereby|so(?:\s+that)?|"
    r"with|making|leaving|letting)\s+(?!(?:what|how|why|which|when|where|who|would|do|does|did|is|are|can|could|"
    r"should|you|your)\b)\S",
    re.I,
)
# An alternative offered ("... on the training set or on something else?") leaves the choice open, in the
# proposal or as its last clause ("Would you batch by count, so ..., or by tokens?").
_ALTERNATIVE = re.compile(r"\bor\b|\bwhether\b", re.I)
_LAST_ALTERNATIVE = re.compile(r",\s*or\b[^,]*$", re.I)


def premise(question: str) -> tuple[str, str, bool] | None:
    """(premise, the question after it, whether the premise is put forward as a fact) of a question that opens on
    an adverbial clause; None when it does not."""
    m = _PREMISE.match(question.strip())
    if m is None:
        return None
    return m.group("body").strip(), m.group("rest").strip(), bool(_FACTIVE.match(m.group("conj")))


def proposal(question: str) -> str:
    """The proposed answer of a polar question that proposes what to do and says why ('' when it does not)."""
    s = question.strip().rstrip("?").strip()
    m = _POLAR_PROPOSAL.match(s)
    if m is None or not _TRAILING_REASON.search(s):
        return ""
    body = m.group("body")
    reason = _TRAILING_REASON.search(body)
    head = body[: reason.start()] if reason else body
    return "" if _ALTERNATIVE.search(head) or _LAST_ALTERNATIVE.search(body) else body
