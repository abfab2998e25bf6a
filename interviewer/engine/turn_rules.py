"""The wording rules of an LLM-worded turn, as plain functions of its text: sentences, what asks and what states,
third person, echoes of the instruction, talk of grading, a cut-off ending.

They describe kinds of failure, not phrases of any one model: a turn that talks about "the candidate" or tells
someone else to ask; a turn that narrates what it was told to do; one that names the rubric, marks or points.
`turn_check` adds the measured part (how close a sentence comes to the answer) on top of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviewer.domain.text import content_stems

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
_CLAUSE_BREAK = re.compile(
    r"(?<=[;:])\s+|(?<=[,;])\s+(?=so\s+(?:what|how|why|which|when|where|would|could)\b)"
)
_TERMINAL = re.compile(r"[.?!…][\"'”’)\]]*\s*$")

# A question whose only work is to ask for agreement with what came before it: "..., right?", "Does that sound
# right?". What comes before it is a statement, and is checked as one.
_TAG = re.compile(
    r",?\s*(?:right|correct|yes|no|true|agreed|ok(?:ay)?|isn'?t it|is it|doesn'?t it|does it|don'?t they|do they|"
    r"wouldn'?t it|won'?t it|can'?t it|aren'?t they|isn'?t that so|wouldn'?t you say|don'?t you think|yeah)\s*\?$",
    re.I,
)
_CONFIRM = re.compile(
    r"^(?:so,?\s+|and\s+)?(?:(?:does|do|would|could|is|isn'?t)\s+(?:that|this|it)\s+(?:sound|seem|match|make|fit|"
    r"ring|look)\b|(?:can|could)\s+you\s+(?:expand|elaborate|say more|go on|confirm)\b|(?:right|agreed|correct|"
    r"true|make sense|yes or no|sound good|with me)\s*\?|(?:would|do|wouldn'?t|don'?t)\s+you\s+agree"
    r"(?:\s+with\s+(?:that|this|me))?\s*\?$)",
    re.I,
)
# A request in the imperative asks as much as a question does: "Walk me through ...", "Give me an example ...".
# A question that opens with a wh-word asks, even when it ends on a word a tag question ends on ("... got it right?").
_WH_OPEN = re.compile(
    r"^(?:(?:so|and|then|now|okay|ok|well|but|sure|good|great|fine|nice|right|thanks|makes\s+sense|fair\s+enough|"
    r"got\s+it)[,\s]+)*(?:what|why|how|where|when|which|who|whom|whose)\b",
    re.I,
)
_IMPERATIVE_ASK = re.compile(
    r"^(?:(?:so|and|now|okay|ok|then|next|first|briefly)[,\s]+)*(?:(?:walk|talk|take|run)\s+me\s+through|"
    r"(?:tell|show|give)\s+me\b|explain\b|describe\b|sketch\b|outline\b|compare\b|estimate\b|justify\b|"
    r"contrast\b|define\b|derive\b|design\b|list\b|name\b|trace\b|suggest\b|propose\b|"
    r"give\s+(?:me\s+)?(?:an?\s+|one\s+|some\s+|two\s+)?examples?\b|i'?d\s+(?:like|love)\s+(?:you\s+)?to\s+(?:hear|know|"
    r"understand|see)\b|(?:can|could)\s+you\s+(?:tell|walk|explain|describe|show|sketch)\b|"
    r"i'?m\s+curious\s+(?:how|what|why|whether|if|about)\b)",
    re.I,
)

# A request can follow a task in the same sentence: 'Tag "..." in BIO, and tell me which decisions you made.'
_REQUEST_AFTER_TASK = re.compile(r"\b(?:and|then)\s+(?:tell|show|give|walk)\s+me\b", re.I)

_THIRD_PERSON = re.compile(
    # Only a definite "the candidate" is the person being spoken to: "A candidate only accepts remote jobs" brings
    # a new person into a scene. A noun after it ("the candidate list") is a compound, but "listed" is a verb.
    r"\b(?:the|this|our|that)\s+(?:candidate|interviewee|applicant|respondent|job\s+seeker)\b(?!\s+(?:sets?|lists?|"
    r"generat\w*|retriev\w*|pools?|items?|documents?|passages?|tokens?|models?|answers?|keys?|pairs?|solutions?|"
    r"labels?|features?|selection|ranking|stage|phase|chunks?|spans?|responses?|outputs?)\b)|"
    r"\binterviewer(?:'s)?\s+note\b|\bnote\s+to\s+(?:self|the\s+interviewer)\b",
    re.I,
)
# Pronoun forms count only when the turn never speaks to "you": "they should explain ..." to nobody.
_THIRD_PRONOUN = re.compile(
    r"(?<!\bthan\s)(?<!\bas\s)\b(?:he|she|they|s/he|he\s+or\s+she)\s+(?:should|must|needs?\s+to|has\s+to|have\s+to|ought\s+to|"
    r"is\s+expected|are\s+expected|will\s+now|can\s+now|would\s+need)\b|"
    r"\blet'?s\s+(?:see|check|find\s+out|test|confirm|verify|probe)\s+(?:whether|if|how|what)\s+(?:he|she|they)\b|\b(?:ask|press|quiz|push)\s+(?:them|him|her)\b",
    re.I,
)
_SECOND_PERSON = re.compile(r"\b(?:you|your|you'?re|you'?d|you'?ve|you'?ll|yourself)\b", re.I)
# An instruction to someone else, at the start of a sentence: "Ask what happens ...", "Now probe how ...".
_DIRECTIVE = re.compile(
    r"^(?:(?:now|next|then|so|and|okay|ok)[,\s]+)*(?:ask|probe|prompt|thank|press|quiz|challenge)\s+"
    r"(?:them|him|her|the|whether|what|how|why|if|about|exactly)\b",
    re.I,
)

_ECHO = re.compile(
    r"\b(?:my|the|your|these|those)\s+instructions?\b|\bas\s+(?:requested|instructed|required|asked|directed|"
    r"specified|told)\b|\bi(?:'m|\s+am|\s+was|'ve\s+been|\s+have\s+been)?\s+(?:told|asked|instructed|supposed|"
    r"required)\s+to\b|\b(?:per|following)\s+(?:my|the|your)\s+(?:instructions?|brief|prompt|guidelines?)\b|"
    r"\bas\s+(?:the|an|a|your)\s+(?:[\w-]+,?\s+){0,3}interviewer\b|\bas\s+an\s+ai\b|\blanguage\s+model\b|"
    r"\bhere(?:'s|\s+is)\s+(?:my|a|the|your)\s+(?:[\w-]+,?\s+){0,3}(?:follow-?\s?up|transition|reply|response|"
    r"preamble|acknowledge?ment)\b|^(?:sure|certainly|of\s+course|absolutely)\b[!,.]?"
    r"\s+here\b|\b(?:reply|respond)\s+with\b|\bwithout\s+(?:revealing|hinting|giving\s+(?:[\w'-]+\s+){0,4}?away|"
    r"judging|evaluating)\b|\b(?:in|under|within|at\s+most|no\s+more\s+than)\s+(?:one|two|three|four|"
    r"\d)\s+sentences?\b|\((?:generating|writing|drafting)\b|"
    r"\bmy\s+next\s+step\s+is\b|"
    # First-person narration of the role: what it will now do, whose orders it follows, how it words the turn.
    r"\bi(?:'ll|\s+will|\s+shall|'m\s+going\s+to|\s+am\s+going\s+to)\s+now\s+\w+|"
    r"\bnow\s+i(?:'ll|\s+will|\s+shall)\s+(?:present|ask|introduce|pose|move|transition|turn|proceed)\b|"
    r"\bas\s+(?:i|we)(?:'ve|\s+have|\s+had|\s+was|\s+were|'m|\s+am)?\s+(?:been\s+)?(?:told|asked|instructed|"
    r"directed|briefed|requested|required|supposed)\b|"
    # What the role obliges it to do next: "I need to ask about X without ...", "I'm supposed to probe ...".
    r"\bi(?:(?:\s+need|\s+have|'ve\s+got|(?:'m|\s+am)\s+(?:supposed|meant|expected))\s+to|\s+must)\s+(?:now\s+)?(?:ask|"
    r"probe|cover|introduce|transition|steer|avoid|keep|write|present|pose|move\s+on|not\s+(?:reveal|give|hint|"
    r"mention))\b|"
    # The instruction itself, in the imperative, at the start of a sentence: "Write a short transition ...",
    # "Do not reveal the answer."
    r"(?:^|[.!?]\s+)(?:write|draft|compose|generate|produce|output)\s+(?:a|an|the|one|two|your)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:transition|question|follow-?\s?up|preamble|reply|response|sentences?|turn|acknowledge?ment)\b|"
    r"(?:^|[.!?]\s+)(?:do\s+not|don'?t|never|avoid)\s+(?:reveal\w*|giv\w+\s+away|hint\w*|disclos\w*|mention\w*|"
    r"stat\w+)\s+(?:(?:at|to|on)\s+)?(?:the|any|what|an?)\s+(?:answer|solution|key|hint|result)\b|"
    r"\bkeeping\s+(?:it|this|things|the\s+\w+)\s+(?:short|brief|"
    r"neutral|concise|simple|open|vague)\b|"
    r"^(?:follow-?\s?up|transition|preamble|acknowledge?ment|reply|response|interviewer|output)(?:\s+question)?\s*[(:]|"
    r"^\s*[(\[]|\((?:do\s+not|don'?t|never|without)\s+(?:reveal|revealing|give|giving|hint|hinting|mention|state|share|"
    r"disclose|judge|grade)\b",
    re.I,
)

_GRADING = re.compile(
    r"\brubrics?\b|\bkey[\s-]?points\b|\b(?:the|one|remaining|last|other|next)\s+key[\s-]?point\b|"
    r"\b(?:full|top|partial|half|extra|bonus|more)\s+marks\b|\b(?:lose|lost|losing|earn\w*|gain\w*)\s+"
    r"(?:you\s+)?(?:a\s+|some\s+|full\s+|more\s+|the\s+)?(?:marks?|points?)\b|\b(?:get|gets|got)\s+(?:you\s+)?"
    r"(?:some\s+|full\s+|more\s+|the\s+)?(?:marks|points)\b|\bpoints?\s+(?:left|remaining|missing|to\s+go)\b|"
    r"\b(?:marking|scoring|assessment|grading)\s+(?:criteria|guide|scheme|sheet|notes?|rubric)\b|\bthe\s+grader\b|"
    r"\byou(?:'ve|\s+have)?\s+scored\b|\byour\s+(?:final\s+|overall\s+|interview\s+)?(?:grade|marks|points)\b|"
    r"\byour\s+score\s+(?:so\s+far|on\s+(?:this|that|the\s+last))\b|\bfinal\s+(?:score|grade|mark)\b|"
    r"\b(?:\d(?:\.\d)?|one|two|three|four|five)\s+out\s+of\s+(?:5|five)\b|\b\d(?:\.\d)?\s*/\s*5\b|"
    r"\breference\s+(?:answer|solution|implementation|code)\b|\b(?:expected|ideal|official)\s+answer\b|"
    r"\b(?:on|from|off)\s+my\s+(?:list|checklist|sheet)\b|\blistening\s+for\b|"
    r"\b(?:carries|weighs)\s+(?:the\s+most|more|less|double|extra)\s+(?:weight\s+)?(?:in|towards?|for)\b",
    re.I,
)


# A reminder or a hint hands over content, whatever the topic: "remember that ...", "keep in mind ...".
_HINT = re.compile(
    r"(?:^|[;:,.]\s*)remember\b|\b(?:remember|recall|note)\s+that\b|\b(?:keep|bear)\s+in\s+mind\b|"
    r"\bdon'?t\s+forget\b|\bas\s+you\s+(?:probably\s+|may\s+|might\s+)?know\b|"
    r"\bthe\s+(?:trick|catch|answer|key|secret)\s+(?:here\s+)?is\b|\bhint\s*:|\bspoiler\b|"
    r"\bwhat\s+(?:really\s+|actually\s+|truly\s+)?(?:counts|matters)\s+(?:here\s+|most\s+)?is\b|"
    r"\bhere'?s\s+a\s+(?:\w+\s+)?(?:clue|hint|nudge|pointer)\b|\bclue\s*:|"
    r"(?:^|[.!?]\s+)(?:think\s+(?:about|of)|focus\s+on)\s+(?!(?:a|an|how|what|why|whether|when|where|which|who|it|"
    r"this|that|these|those|your|you|the\s+(?:question|case|scenario))\b)|"
    # "Next, calibration; think reliability diagrams.": "think" straight before a thing names what to say.
    r"(?:^|[.!?;:]\s+)think\s+(?!(?:about|of|through|back|again|aloud|out|carefully|hard|big|twice|it|that|this|"
    r"so|you|we|i|how|what|why|whether|when|where|which|who|whatever|first|step|like|ahead|freely|broadly|"
    r"practically|concretely)\b)[a-z]|"
    # What the interviewer expects to hear is the answer: "I'm looking for the product of the marginals."
    r"\bi(?:'m|\s+am)\s+(?:really\s+|mainly\s+|mostly\s+)?(?:looking|hoping|listening)\s+for\s+"
    r"(?!(?:a|an)\s+(?:rough|quick|short|brief|ballpark|high-level|sketch|overview)\b)|"
    r"\bwhat\s+i'?m\s+(?:looking|hoping|listening)\s+for\b|\bi'?m\s+hoping\s+to\s+hear\b",
    re.I,
)


@dataclass(frozen=True)
class Clause:
    """A piece of a turn: `asks` when it is a question or a request, else a statement (checked against the answer)."""

    text: str
    asks: bool


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s and s.strip()]


def clauses(text: str) -> list[Clause]:
    """The turn cut into statements and asks. Inside a question, what comes before a ';' or ':' states; a tag
    question ('..., right?') states its body; a bare request for agreement asks nothing."""
    out: list[Clause] = []
    for sent in sentences(text):
        parts = [p.strip() for p in _CLAUSE_BREAK.split(sent) if p.strip()]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last and _asks_by_mark(part):
                part = _QUOTE_END.sub("", part) if not part.endswith("?") else part
                tag = _TAG.search(part)
                # "Is X enough to get the names right?": without a comma, a word a tag ends on closes a question
                # that opens as one (an inverted auxiliary or a wh-word), not a tag
                bare = tag is not None and not part[tag.start() :].lstrip().startswith(",")
                closes = bare and tag is not None and _closes_question(part[: tag.start()])
                if tag and tag.start() > 0 and not _WH_OPEN.match(part) and not closes:
                    out.append(Clause(part[: tag.start()].strip(" ,"), asks=False))
                elif not _CONFIRM.match(part):
                    out.append(Clause(part, asks=True))
            elif (
                _IMPERATIVE_ASK.match(part)
                or _REQUEST_AFTER_TASK.search(part)
                or (not last and part.endswith(":") and _WH_OPEN.match(part))
            ):
                # "What about LoRA adapters: same rate or different?": the lead-in is part of the question
                out.append(Clause(part, asks=True))
            else:
                out.append(Clause(part, asks=False))
    return out


# A question that ends on a quoted message ('... if the message is only "and for staging?"') still asks when it
# opens as a question; a statement that quotes a question ("The user wrote 'why?'") does not.
_QUOTE_END = re.compile(r"[\"'”’)\]]+$")
_QUESTION_OPEN = re.compile(
    r"^(?:(?:so|and|then|now|okay|ok|well|but)[,\s]+)*(?:what|why|how|where|when|which|who|whom|whose|is|are|was|"
    r"were|do|does|did|can|could|would|will|should|shall|may|might|have|has|had)\b",
    re.I,
)


# "Is that right?", "Did I get it right?": a request to agree, whatever the word it ends on.
_ABOUT_ITSELF = re.compile(r"^(?:(?:so|and)[,\s]+)?\w+\s+(?:that|this|it|i|we)\b", re.I)


def _closes_question(body: str) -> bool:
    """Whether the words before a bare "right?" or "correct?" are a question of their own ("Is X enough to get
    the names right?"), not a statement with a tag or a request to agree."""
    return bool(_QUESTION_OPEN.match(body)) and len(body.split()) >= 5 and not _ABOUT_ITSELF.match(body)


def _asks_by_mark(part: str) -> bool:
    """Ends on a question mark, or on a quoted question after an opening that asks."""
    if part.endswith("?"):
        return True
    return _QUOTE_END.sub("", part).endswith("?") and bool(_QUESTION_OPEN.match(part))


def truncated(text: str) -> bool:
    """The turn stops without a sentence's end (a reply cut off mid-way)."""
    return not _TERMINAL.search(text.strip())


def third_person(text: str, quoted: str = "") -> bool:
    """Talks about the candidate instead of to them, or tells someone else what to ask. `quoted`: the question
    and probe, whose own people a turn may restate ("Why not ... ask them to confirm it?" of reviewers)."""
    if _THIRD_PERSON.search(text):
        return True
    if any(_DIRECTIVE.match(s) for s in sentences(text)):
        return True
    return _found(_THIRD_PRONOUN, text, quoted) and not _SECOND_PERSON.search(text)


def _found(pattern: re.Pattern[str], text: str, quoted: str) -> bool:
    """A match of `pattern` in `text` whose words are not in `quoted` (the question and probe it may restate)."""
    said = " ".join(quoted.lower().split())
    return any(" ".join(m.group(0).lower().split()) not in said for m in pattern.finditer(text))


def echoes_instruction(text: str, instruction: str = "", n: int = 5, quoted: str = "") -> bool:
    """Narrates its orders, labels itself, ends on a colon, or repeats `n` words in a row of `instruction`.
    `quoted`: the question and probe (a phrase taken from them, like "a language model", is no echo)."""
    if _found(_ECHO, text, quoted) or text.rstrip().endswith(":"):
        return True
    if not instruction:
        return False
    said = _ngrams(text, n)
    return bool(said & _ngrams(instruction, n))


# A reason or premise about the topic ("Since SHAP values are always faithful, ...", "Given that hiring tools are
# minimal risk, ..."). A preamble only leads into the next question, so any such clause states a fact about it; one
# about the interview itself ("since this one is longer", "since you mentioned caching") does not.
_PREMISE = re.compile(
    r"\b(?:since|given\s+that|because|as\s+(?:we|everyone)\s+(?:all\s+)?know|it\s+is\s+well\s+known\s+that)\s+"
    r"(?!(?:this|that|it|it'?s|the\s+next|the\s+last|the\s+previous|we|we'?re|we'?ve|you|you'?re|you'?ve|i|i'?m|"
    r"there|time|there'?s|last|earlier|then)\b)",
    re.I,
)


def preamble_premise(text: str, quoted: str = "") -> bool:
    """A preamble that gives a reason or premise about its topic, in words not taken from `quoted`."""
    return _found(_PREMISE, text, quoted)


# What the interviewer says the candidate said ("You mentioned that adapters get evicted ...", "As you said, ...").
_ATTRIBUTED = re.compile(
    r"\b(?:you\s+(?:mentioned|said|noted|pointed\s+out|suggested|brought\s+up|described|explained|talked\s+about|"
    r"argued|raised|told\s+me)|as\s+you\s+(?:said|put\s+it|noted|mentioned)|like\s+you\s+said|your\s+point\s+(?:about|that))"
    r"\b(.*?)(?=[.;!?]|,\s+(?:good|great|nice|right|so|but|and|which)\b|$)",
    re.I,
)
ATTRIBUTED_WORDS = 6
"""An attributed claim of this many content words or more must be mostly the candidate's own words; a name of a
thing they mentioned ("You mentioned JSON modes.") is shorter (the labelled turns: good ones 1-5 words, the two
bad ones that put a claim in the candidate's mouth 7 and 8, a quarter of them from the answer)."""


def _claims_unsaid(pattern: re.Pattern[str], text: str, said: str, min_words: int, share: float) -> bool:
    """Whether a claim `pattern` captures (group 1) has `min_words` content words or more, and less than `share`
    of them come from `said`."""
    known = set(content_stems(said))
    for m in pattern.finditer(text):
        words = content_stems(m.group(1))
        if words and len(words) >= min_words and sum(w in known for w in words) < share * len(words):
            return True
    return False


def attributes_unsaid(text: str, candidate: str) -> bool:
    """Credits the candidate with a claim of ATTRIBUTED_WORDS content words or more, most of which they never used."""
    return _claims_unsaid(_ATTRIBUTED, text, candidate, ATTRIBUTED_WORDS, 0.5)


# A question put in the negative ("Shouldn't the bot escalate straight away?", "Isn't that just the norm of the
# second vector?") asserts what it asks about: the candidate is told which answer is wanted. A wh-question ("why
# didn't you start there?") is not one: the auxiliary must open the clause.
_NEGATIVE_POLAR = re.compile(
    r"(?:^|[.!?;:,]\s+|\b(?:so|and|but|then)\s+)(?:shouldn'?t|wouldn'?t|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|"
    r"won'?t|can'?t|couldn'?t|hasn'?t|haven'?t|mustn'?t|should\s+not|would\s+not|is\s+not|does\s+not)\s+\w+[^?.!]*\?",
    re.I,
)


def negative_question(text: str, quoted: str = "") -> bool:
    """Asks a question in the negative ("Wouldn't you ...?"), which hands over the answer it expects."""
    return _found(_NEGATIVE_POLAR, text, quoted)


# A follow-up's premise put as settled fact ("Since strict mode guarantees the serial number exists, which other
# checks ...?"). Small models put wrong facts there; a premise the question, probe or answer already states is a
# restatement and may stay.
_FOLLOW_UP_PREMISE = re.compile(
    r"(?:^|[.!?]\s+|,\s*(?:so|and)?\s*)(?:since|given\s+that|now\s+that|seeing\s+that|considering\s+that)\s+"
    r"(?!(?:this|that|it|it'?s|you|you'?re|you'?ve|your|we|we'?re|we'?ve|i|i'?m|there|time)\b)([^,?]{6,}),",
    re.I,
)
RESTATED = 0.7
"""Share of a premise's content words that must come from the question, probe or answer for it to be a
restatement."""


def unfounded_premise(text: str, context: str) -> bool:
    """Opens on a premise ("Since X, ...") that `context` (question, probe, the candidate's answer) does not state."""
    return _claims_unsaid(_FOLLOW_UP_PREMISE, text, context, 1, RESTATED)


def reveals_grading(text: str) -> bool:
    """Speaks of the rubric, key points, marks, scores given to the candidate or the reference answer."""
    return bool(_GRADING.search(text))


def gives_hint(text: str, quoted: str = "") -> bool:
    """Reminds the candidate of something or hints at it ("remember that ...", "keep in mind ..."), in words
    not taken from `quoted` (the question and probe)."""
    return _found(_HINT, text, quoted)


_WORDS = re.compile(r"[a-z0-9']+")


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    w = _WORDS.findall(text.lower())
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
