"""Whether a statement in an interviewer's turn asserts something about the subject matter, read from its form.

An interviewer's statements set a scene ("Say your GPU sits at 95%."), refer to what the candidate said ("You
mentioned game theory."), or move the talk on ("Let's turn to embeddings."). A statement of another form asserts a
fact about the topic: a definition or classification ("X is just Y", "X is the standard way to ..."), a mechanism
or an effect stated as a general law ("X leaves Y unchanged", "X splits every script into ..."), a reason
("..., since ...", "..., so ..."), a relative clause that says what a thing does (", which adds ..."), or advice
("you'd add more data"). A question can assert too: one that leads ("Isn't it just ...?") or is a statement with a
question mark ("So the ranking stays the same?"); and a statement after the question tends to answer it. Such a
statement can hand over the answer, or a wrong one, in words far from the key points, so `turn_check` holds it to
its own closeness to the topic (fitted) besides the closeness to the answer that every statement is held to.

The forms describe how assertions are built in English, not the wording of any one model or topic. Read on the
corpus (questions outside the validator's measure half, 2026-12-06): 87% of misconceptions and 70% of key points
take one of these forms, against 25% of the probes' scene-setting sentences ("The feature store times out on two
percent of requests."); the rest of the separation comes from the closeness to the topic and the count of words
the question, probe and answer do not already contain.
"""

from __future__ import annotations

import re

from interviewer.engine import turn_questions


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that open a sentence without being part of it: "Good.", "Right, ...", "Okay so ...".
_OPENER = re.compile(
    r"^(?:(?:good|great|right|okay|ok|sure|thanks|thank\s+you|nice|alright|all\s+right|so|and|but|now|next|"
    r"concretely|well|also|then|yes|yeah|indeed|exactly|correct|true|interesting|perfect|cool|fine|"
    r"in\s+fact|of\s+course|actually|basically|honestly|still|anyway|again|here|first|finally|"
    r"good\s+point|fair\s+enough|makes\s+sense)\b[,.:;!—-]*\s+)+",
    re.I,
)
# A scene the candidate is asked to picture: a hypothetical, not a claim about the world.
_SCENE = re.compile(
    r"^(?:say|suppose|supposing|imagine|picture|assume|pretend|consider|let'?s\s+(?:say|assume|suppose|imagine|"
    r"pretend|picture)|here'?s\s+(?:a|the|one)\b|here\s+is\s+(?:a|the|one)\b|in\s+this\s+(?:case|scenario|setup|"
    r"example)|for\s+(?:this|the)\s+(?:scenario|exercise|example)|hypothetically|as\s+a\s+(?:scenario|thought)|"
    r"take\s+(?:a|the)\b|think\s+of\s+(?:a|an)\b)",
    re.I,
)
# The candidate or the interviewer as the subject: "You mentioned ...", "Your GPU sits ...", "I have one more".
_PARTICIPANT = re.compile(
    r"^(?:you|your|yours|you'?re|you'?ve|you'?ll|i|i'?m|i'?d|i'?ve|i'?ll|we|we'?re|we'?ve|we'?ll|our|my|"
    r"let'?s|let\s+us)\b",
    re.I,
)
# ... except advice, which hands over what to do: "you'd add data", "you should use stratified folds".
_ADVICE = re.compile(
    r"^(?:you|we)(?:'d|\s+would|\s+should|\s+need\s+to|\s+must|\s+have\s+to|\s+ought\s+to|'ll\s+(?:need|want|"
    r"have)|\s+will\s+(?:need|want|have)|\s+want\s+to|\s+(?:can|could)\s+(?:just|simply)|\s+(?:just|simply))\b"
    r"(?!\s+(?:be\s+)?(?:like|love|want|need\s+to\s+(?:tell|explain|walk|know)))",
    re.I,
)
# Talk about the conversation itself: "That was a careful answer.", "The next one is about ...", "Moving on to".
_DISCOURSE = re.compile(
    r"^(?:that|this|these|those|it'?s\s+(?:time|a\s+(?:good|great|fair|nice)|my)|the\s+next\s+(?:one|question|"
    r"topic|part|area|section)|next\s+(?:one|up|question|topic)|this\s+one|the\s+last\s+one|up\s+next|"
    r"(?:moving|turning|switching|coming|heading|going)\s+(?:on|over|back)?\s*(?:to|on)\b|on\s+to|onto|"
    r"time\s+for|back\s+to|staying\s+(?:with|on)|to\s+(?:wrap|round|finish|close|start)|one\s+more|"
    r"appreciate|thanks|great\s+(?:answer|point|example))",
    re.I,
)

# Forms that assert, wherever they stand in the statement.
_RELATIVE = re.compile(
    r"[,;—–]\s*(?:which|where|whereby|since|because|meaning|hence|thus|therefore|that'?s\s+why|as\s+\w+\s+"
    r"(?:does|do|did)\b|so\s+(?!far\b|much\b|many\b|feel\b|take\b|don'?t\b|let'?s\b|i\b|we\b|what\b|"
    r"how\b|which\b|why\b|when\b|where\b|tell\b|walk\b|talk\b|please\b|no\s+need\b|(?:switching|moving|"
    r"turning|shifting|changing|heading|going)\b))"
    r"(?!\s*(?:one|ones|of|would\s+you|do\s+you|you|you'?d|you'?ve|you'?re|i|i'?m|i'?d|i'?ve|we|we'?ve|"
    r"is\s+(?:what|why|how)\s+i)\b)",
    re.I,
)
# A relative clause or a reason that only says how common or how big the topic is asserts nothing about how it
# works: "tree ensembles, which come up a lot", "..., since they are everywhere", "..., which is a big area".
_PREVALENCE = re.compile(
    r"^\W*(?:which|since|because|as|that|so)?\s*(?:they|it|these|this|that|those)?\s*(?:(?:still|really|"
    r"certainly)\s+)?(?:(?:come|comes|show|shows|turn|turns)\s+up\b|(?:is|are|'s|'re)\s+(?:(?:still|really|so|"
    r"very|quite)\s+)?(?:everywhere|common|popular|widely\s+used|a\s+(?:\w+\s+)?(?:area|topic|field|subject|"
    r"theme)\b)|"
    # "..., which every serving stack runs into", "..., which you'll meet in any LLM product": who meets it, not how
    r"(?:every|any|most|all|many|nearly\s+every)\s+(?:[\w-]+\s+){0,2}(?:runs?\s+into|hits?|meets?|faces?|"
    r"deals?\s+with|needs?|uses?)\b|(?:you|we)(?:'ll|\s+will)\s+(?:meet|see|hit|run\s+into|face)\b)",
    re.I,
)
_REASON = re.compile(
    r"\b(?:because|since|which\s+means|that'?s\s+why|so\s+that|due\s+to|thanks\s+to)\b", re.I
)
_GENERIC = re.compile(
    r"\b(?:always|never|usually|typically|generally|in\s+general|by\s+definition|in\s+practice|inherently|"
    r"essentially|by\s+design|guarantees?|guaranteed|no\s+longer|the\s+(?:standard|usual|default|main|best|"
    r"right|better|key|real|only|first|simplest|whole|classic|canonical)\s+(?:way|choice|fix|approach|lever|"
    r"levers|reason|cause|answer|solution|method|option|trick|idea|point|problem|issue|culprit|difference)|"
    r"(?:is|are|'s|'re)\s+(?:just|simply|basically|only|mostly|mainly|really|exactly|equivalent|identical|"
    r"the\s+same|no\s+different|nothing\s+more)|(?:just|simply|only)\s+(?:means?|is|are|adds?|uses?|needs?))\b",
    re.I,
)
# A copula or a verb of definition, and verbs of effect or mechanism (or a modal) that state a general law.
_COPULA = _wordset(
    "is are isn't aren't isnt arent was were wasn't weren't 's 're means mean refers stands equals amounts "
    "boils counts"
)
_LAW = _wordset("""can can't cannot will won't would wouldn't must should shouldn't may might does doesn't do don't tend tends
    leave leaves give gives make makes cause causes reduce reduces increase increases improve improves hurt hurts
    help helps prevent prevents remove removes add adds keep keeps split splits drive drives turn turns shrink
    shrinks fix fixes solve solves handle handles ignore ignores learn learns use uses need needs require requires
    depend depends rely relies matter matters work works break breaks suit suits beat beats cost costs dominate
    dominates limit limits determine determines control controls let lets allow allows force forces produce
    produces return returns compute computes encode encodes map maps predict predicts converge converges overfit
    overfits generalise generalises generalize generalizes scale scales change changes affect affects inflate
    inflates underestimate underestimates overestimate overestimates sum sums equal average averages rotate
    rotates multiply multiplies normalise normalises normalize normalizes penalise penalises penalize penalizes
    rank ranks capture captures measure measures store stores cache caches speed speeds slow slows cut cuts lower
    lowers raise raises boost boosts degrade degrades destroy destroys preserve preserves guarantee guarantees
    ensure ensures avoid avoids eliminate eliminates replace replaces outperform outperforms correspond
    corresponds reflect reflects treat treats assign assigns shift shifts push pushes pull pulls zero zeroes
    zeros blow blows explode explodes vanish vanishes stay stays remain remains become becomes come comes happen
    happens lead leads result results mean means skip skips drop drops hide hides fail fails""")
# Words that cannot end a subject: after them a verb-looking word is a noun ("the average", "a cut").
_NOT_SUBJECT_END = _wordset(
    "the a an this that these those its their your our my each every any some no his her of to for in on at by "
    "with from into per"
)
# After "X's", a word that shows the 's is "is" ("RoPE's just a rotation"), not a possessive ("the model's loss").
_COPULA_NEXT = _wordset(
    "a an the just not only really basically simply mostly mainly always never what how why where because about "
    "like more less better worse no nothing all exactly"
)
_FREQUENCY = _wordset(
    "only just always never usually often still also mostly mainly really simply typically merely"
)
_OBJECT_START = _wordset(
    "the a an its their every each all any no more less much it them this that these those"
)
# A subject ends at a clause word: a verb after "that" or "which" belongs to a relative clause.
_CLAUSE_WORD = _wordset("that which who whom whose where when if whether while unless until")
_WH_START = _wordset("what why how where when which who whom whose whether")
_TOKEN = re.compile(r"[a-z0-9%][a-z0-9'%.-]*", re.I)

_HINT_VERB = re.compile(
    r"^(?:think\s+(?:about|of)\s+(?!a\b|an\b)|focus\s+on|start\s+(?:with|by)|try\s+\w+ing|use|go\s+with|"
    r"make\s+sure|look\s+(?:at|into))\b",
    re.I,
)
# An event rather than a law: a time of its own, or a passive in the past ("was upgraded", "were dropped").
_EVENT = re.compile(
    r"\b(?:yesterday|today|tonight|last\s+(?:week|month|night|year|quarter|sprint|time)|this\s+(?:morning|week|"
    r"month|quarter)|(?:a|two|three|few)\s+(?:days?|weeks?|months?)\s+ago|after\s+(?:your|the\s+last|the\s+recent)\b|"
    r"since\s+(?:your|the\s+last|the\s+recent)\b)|\b(?:was|were)\s+(?:\w+ed|\w+en|built|set|sent|shut|cut|run|"
    r"put|split|made|kept|left|hit|lost|found|told|given)\b",
    re.I,
)
# People in the scene as the subject: what a user, a teammate or legal does or says is part of the scenario.
_ACTOR = re.compile(
    r"^(?:[\w'-]+\s+){0,3}?(?:users?|customers?|clients?|teammates?|colleagues?|engineers?|analysts?|managers?|"
    r"pms?|product\s+managers?|reviewers?|stakeholders?|executives?|auditors?|regulators?|team|legal|"
    r"annotators?|labellers?|labelers?|doctors?|lawyers?|agents?\s+(?:says?|asks?|wants?)|someone|somebody|"
    r"nobody|everyone|people|callers?|applicants?|leadership|sales|support|finance|ops|on-call)\b",
    re.I,
)
_NEXT = re.compile(r"\b(?:is|are|'s|'re)\s+(?:up\s+)?next\b|\bnext\s+up\b|\bup\s+next\b", re.I)
_INDEFINITE_SUBJECT = re.compile(r"^(?:a|an|one|two|three|some|several|another)\s+", re.I)
_SPECIFIC = re.compile(
    r"\d|\b(?:you|your|yours|yesterday|today|last\s+(?:week|month|night)|this\s+morning)\b", re.I
)


# What an interviewer may add after a question without saying anything about the subject.
_COURTESY = re.compile(
    r"^(?:(?:please\s+)?take\s+your\s+time|no\s+rush|there'?s\s+no\s+(?:single\s+)?(?:right|wrong|one)|"
    r"either\s+(?:is|way\s+is)\s+fine|feel\s+free|go\s+ahead|whenever\s+you'?re\s+ready|"
    r"(?:a\s+)?rough\s+(?:idea|answer|numbers?|estimate|sketch)\s+(?:is|are)\s+(?:fine|enough|ok)|"
    r"(?:just\s+)?(?:the|a)\s+(?:high-level|rough|short|brief)\s+\w+\s+(?:is|will\s+do))",
    re.I,
)


# An adverbial opener before the main clause: "If each step succeeds 95% of the time, a ten-step task ...".
_ADVERBIAL = re.compile(
    r"^(?:if|when|whenever|with|without|for|at|in|on|under|after|before|once|given|unless|because|since|as|"
    r"by|during|from|compared\s+with|unlike|like|even\s+if|even\s+when)\b[^,;:]{2,80},\s+",
    re.I,
)


# A worked example or a worked result hands over what the question then asks the candidate to produce:
# "For example, X maps A and B to the same stem.", "With 80% acceptance you'd get about 3.4 tokens per pass."
_EXAMPLE = re.compile(
    r"^(?:for\s+(?:example|instance)|e\.g\.|as\s+an\s+example|to\s+give\s+an\s+example)\b", re.I
)
_RESULT = re.compile(
    r"\b(?:you'?d|you\s+would|you'?ll|you\s+will|we'?d|we\s+would|it\s+would|that\s+would|this\s+would)\s+"
    r"(?:get|see|end\s+up\s+(?:with|at)|land\s+(?:at|on)|come\s+out\s+(?:at|to)|reach|save|need)\s+"
    r"(?:about|roughly|around|approximately|nearly|almost|close\s+to|only|just|~)?\s*\d|"
    r"\b(?:works?|worked|comes?|came)\s+out\s+(?:to|at)\s+(?:about|roughly|around|~)?\s*\d",
    re.I,
)
WORKED = frozenset({"example", "result"})
"""Forms that hand over a worked answer: held to the closeness to the topic alone (their words are the topic's)."""
GENERAL = frozenset({"generic", "leading"})
"""Forms that state a general law ("X usually beats Y", "Isn't X just Y?"): held to the topic without counting
their own words when they are closer to the topic than to what was said (turn_check's general_margin)."""
# Words that confirm a claim as correct when they open a sentence that goes on to make one: "Exactly, and ...".
_AFFIRM = re.compile(
    r"^(?:yes|yeah|yep|exactly|correct|right|indeed|precisely|true|absolutely|spot\s+on|that'?s\s+(?:right|"
    r"correct|true|exactly\s+right))\s*(?:[,;:—–-]\s*|[.!]\s*$)",
    re.I,
)


# An acknowledgement that goes straight on with "and" builds on what the candidate said as if it were right:
# "Makes sense, and you can simply score the model against those labels." ("Good." alone, or "Good, the data side
# is in place.", only acknowledges.)
_ACK_AND = re.compile(
    r"^(?:good|great|nice|sure|okay|ok|fine|cool|perfect|makes\s+sense|fair\s+enough|got\s+it|understood|"
    r"agreed|sounds\s+(?:good|right|reasonable))\s*[,;:—–-]\s*(?=and\b)",
    re.I,
)


def confirms(statement: str, before: str = "") -> bool:
    """Whether a sentence confirms a claim as correct and then extends it ("Yes, X just means Y.", "Makes sense,
    and ...", or "Right." as the sentence `before` it): the interviewer would be judging the answer aloud, and a
    wrong claim confirmed is a wrong answer given."""
    s = statement.strip()
    m = _AFFIRM.match(s)
    if m is not None:
        return _extends(s[m.end() :])
    ack = _ACK_AND.match(s)
    if ack is not None:
        # an acknowledgement is weaker than "Exactly": what follows must assert by its form ("and thanks for the
        # detail" does not), and a question after it must assert while it asks ("Okay, and with X, would you ...?")
        rest = s[ack.end() :].strip()
        return bool(asserting_question(rest)) if rest.endswith("?") else bool(claim_form(rest))
    bare = _AFFIRM.match(before.strip())
    return bare is not None and not before.strip()[bare.end() :] and _extends(s)


def _extends(claim: str) -> bool:
    """Whether a claim after an affirmation goes beyond agreeing: it goes on with "and ...", or asserts by a form
    that carries content of its own (a reason, a relative clause, a general law, advice, a worked answer). A
    plain restatement ("True, the assumption is naive.") is an acknowledgement, left to the statement checks."""
    claim = claim.strip()
    if re.match(r"(?:if|when|whenever|as long as|once)\b[^?]*,", claim, re.I) and not claim.endswith("?"):
        return True  # "Yes, if both queries return the same rows, the generated one is correct.": a rule of its own
    goes_on = bool(re.match(r"and\b", claim, re.I))
    if goes_on and not claim.endswith("?") and substantive(claim):
        return True  # "Right, and under the law you'd have to ...": builds on the claim, in whatever form
    form = claim_form(claim)
    return bool(form) and (form not in ("copula", "law") or goes_on)


def opener_stripped(statement: str) -> str:
    """The statement without the words that only open it."""
    return _OPENER.sub("", statement.strip()).strip(" ,;:—-")


def _verb_after_subject(text: str, verbs: frozenset[str]) -> bool:
    """A word of `verbs` after a subject of up to eleven words (not a wh-word; not inside a relative clause)."""
    tokens = [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(text)]
    if not tokens or tokens[0] in _WH_START:
        return False
    for i, tok in enumerate(tokens[:12]):
        if tok in _CLAUSE_WORD:
            return False
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        clitic = tok.partition("'")[2]
        if clitic == "s" and "'s" in verbs and (after in _COPULA_NEXT or after.endswith(("ly", "ing"))):
            return True
        if clitic and clitic != "s" and f"'{clitic}" in verbs:
            return True
        if i == 0 or tokens[i - 1] in _NOT_SUBJECT_END:
            continue
        if tok in verbs or (verbs is _LAW and _looks_finite(tok, tokens[i - 1], after)):
            return True
    return False


def _looks_finite(tok: str, before: str, after: str) -> bool:
    """A present-tense verb outside the lexicon: "-s" after an adverb of frequency ("only fits"), or before an
    object ("approximates the softmax")."""
    if len(tok) < 4 or not tok.endswith("s") or tok.endswith(("ss", "us", "is", "'s", "ics")):
        return False
    return before in _FREQUENCY or after in _OBJECT_START


def _main_clause_form(s: str) -> str:
    if _SCENE.match(s):
        return ""
    if _ADVICE.match(s):
        return "advice"
    if _PARTICIPANT.match(s) or _DISCOURSE.match(s) or _COURTESY.match(s) or _NEXT.search(s):
        return ""
    if _EVENT.search(s) or _ACTOR.match(s):
        return ""  # "Last week the model was upgraded", "A customer reports ...": the scene, not a law
    if _GENERIC.search(s):
        return "generic"
    if _HINT_VERB.match(s):
        return "hint"
    if _INDEFINITE_SUBJECT.match(s) and _SPECIFIC.search(s):
        return ""  # "A teammate set 0.85 as the cutoff": an indefinite actor with particulars sets a scene
    if _verb_after_subject(s, _COPULA):
        return "copula"
    if _verb_after_subject(s, _LAW):
        return "law"
    return ""


def claim_form(statement: str) -> str:
    """The form by which `statement` asserts something about the subject ('' when it only sets a scene, refers
    to the candidate or moves the talk on): example, result, relative, reason, generic, advice, hint, copula or
    law."""
    s = opener_stripped(statement)
    if not s:
        return ""
    example = _EXAMPLE.match(s)
    if (
        example
    ):  # an example that asserts hands over a case; one that sets a scene ("a user asks ...") does not
        return "example" if claim_form(s[example.end() :].lstrip(" ,:")) else ""
    if _RESULT.search(s) and not _SCENE.match(s):
        return "result"
    for pattern, form in ((_RELATIVE, "relative"), (_REASON, "reason")):
        m = pattern.search(s)
        if m is None:
            continue
        tail = s[m.start() :]
        # A reason after the tail's own "which" or "since" says more than how common the topic is.
        inner = re.sub(r"^\W*\w+", "", tail)
        if not _PREVALENCE.match(tail) or len(_TOKEN.findall(tail)) > 9 or _REASON.search(inner):
            return form
        s = s[: m.start()].strip(" ,;—–")  # the remark on prevalence asserts nothing; read what is before it
        if not s:
            return ""
    if _SCENE.match(s):
        return ""
    form = _main_clause_form(s)
    rest = _ADVERBIAL.sub("", s, count=1)
    if not form and rest != s:
        form = _main_clause_form(opener_stripped(rest))
    return form


# A question that opens like a statement ("So the ranking stays the same?") or leads ("Isn't it just ...?")
# asserts its body while it asks.
_ASKING_START = re.compile(
    r"^(?:what|why|how|where|when|which|who|whom|whose|whether|is|are|was|were|do|does|did|can|could|would|will|"
    r"should|shall|may|might|must|have|has|had|if|say|suppose|imagine|picture|walk|tell|give|show|explain|"
    r"describe|talk|any|anything|roughly|and\s+(?:what|why|how|where|when|which|who))\b",
    re.I,
)
_LEADING = re.compile(
    r"^(?:isn'?t|aren'?t|wasn'?t|weren'?t|doesn'?t|don'?t|didn'?t|wouldn'?t|won'?t|can'?t|couldn'?t|shouldn'?t|"
    r"mightn'?t|hasn'?t|haven'?t|hadn'?t)\s+"
    r"(?!(?:you|your|that|this|it)\b)",
    re.I,
)


def leads(statement: str) -> bool:
    """Whether a question's body is put as a negated question ("Isn't X just Y?"): it asserts X is Y."""
    return bool(_LEADING.match(opener_stripped(statement)))


def asserting_question(question: str) -> str:
    """The body a question asserts while it asks ('' when it only asks)."""
    s = opener_stripped(question).rstrip("?").strip()
    if _LEADING.match(s):
        return s
    opened = turn_questions.premise(s)
    if opened is not None:
        # "Since P, which test fits?": the question asks; only a premise put forward as fact asserts
        body, rest, factive = opened
        rest = opener_stripped(rest)
        if _ASKING_START.match(rest) or _PARTICIPANT.match(rest) or not rest:
            return body if factive and claim_form(body) else ""
    lead, comma, rest = s.partition(", ")
    if (
        comma
        and len(lead.split()) <= 4
        and not claim_form(lead)
        and _ASKING_START.match(opener_stripped(rest))
    ):
        return ""  # "Ballpark, how much memory ...?", "In your experience, which ...?": a lead-in, then the question
    proposed = turn_questions.proposal(s)
    if proposed:
        return proposed
    if _ADVICE.match(s):
        return s  # "So you'd add one to every count?": advice with a question mark
    if not s or _ASKING_START.match(s) or _PARTICIPANT.match(s):
        return ""
    return s if claim_form(s) else ""


def substantive(statement: str) -> bool:
    """Whether a statement says something beyond setting a scene, referring to the talk or courtesy."""
    s = opener_stripped(statement)
    return bool(s) and not any(r.match(s) for r in (_SCENE, _PARTICIPANT, _DISCOURSE, _COURTESY))
