"""Checks that run before scoring. Each is aware of the question; a flag can only lower a grade, never raise it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from interviewer.domain.text import HIDDEN_CHARS, STOPWORDS, Span, join_sentences, spans, words

IDK = re.compile(
    r"^\W*(i\s+(really\s+)?(do\s*n[o']?t|dont|have\s+no)\s+(know|idea|remember)(\s+(this|that|it))?|no\s+idea|"
    r"not\s+sure|idk|dunno|i\s+can'?t\s+answer|no\s+clue|\?+|n/?a|-+)\W*$",
    re.I,
)

# Text aimed at the grader or interviewer rather than at the question. Each of these starts at the start of a word.
_INJECTION_AT_WORD = [
    r"ignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|preceding)\b",
    r"disregard\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|instructions|rules|guidelines)",
    r"(forget|override|bypass)\s+(all\s+|your\s+|the\s+)?(previous\s+)?(instructions|rules|guidelines|prompt|programming)",
    r"(give|award|assign|grade|score|rate|mark)\s+(me|this|this\s+answer|the\s+answer|it)\b.{0,30}?"
    r"(\d+\s*/\s*\d+|full\s+(marks|score|points)|perfect|maximum|highest|senior|correct|pass)",
    r"\d\s*/\s*5\b.{0,20}\b(score|grade|rating)\b|(score|grade|rating)\b.{0,20}\b[45](\.\d)?\s*/\s*5\b",
    r"(you\s+are|you're|act\s+as|pretend\s+(to\s+be|you\s+are)|from\s+now\s+on\s+you)\b.{0,40}"
    r"\b(DAN|grader|evaluator|jailbr|unrestricted|developer\s+mode|no\s+(rules|restrictions|filters))",
    r"(system|developer|admin)\s*(prompt|message|note|override|instruction)s?\s*[:\]>]",
    r"(reveal|print|show|repeat|output)\s+(me\s+)?(your|the)\s+(system\s+prompt|instructions|rubric|reference\s+answer|key\s+points|hidden)",
    # The personas' names only in capitals: "dan" is Dutch for "than", Indonesian for "and"; "Stan" is a colleague.
    r"(?-i:DAN|STAN|DUDE)\b|do\s+anything\s+now\b|jailbreak|developer\s+mode\b",
    r"(ignore|forget|disregard)\s+(all|any|every|everything|the|your)\b.{0,40}\b(instructions?|rules|before|"
    r"told|learned|prompt|guidelines|programming)\b",
    r"(from\s+now\s+on|from\s+this\s+point(\s+forward)?)\b.{0,40}\b(you|act|answer|respond|reply)\b",
    r"(act|behave|respond|answer)\s+(like|as)\s+(a|an|the)?\s*[\w-]*\s*(ai|gpt|chatbot|assistant|persona|character|model)\b",
    r"you\s+(are|will\s+be|are\s+going\s+to)\s+(now\s+)?(act|play|pretend|simulat|emulat|roleplay|role-play)",
    r"(pretend|emulate|simulate)\s+(to\s+be|being|you\s+are)\b|stay\s+in\s+character\b",
    r"(chatgpt|openai|gpt-?[34]|language\s+model)\b.{0,60}\b(restrictions?|polic(y|ies)|filters?|rules|limits?)\b",
    r"(system|user)\s+(message|instruction|prompt)\s*(begins|ends|terminat)",
    r"your\s+(weights|training\s+data|programming|creators?|developers?|guidelines|content\s+polic|"
    r"system\s+prompt|initial\s+instructions)",
    r"as\s+an?\s+(ai|language\s+model|grader)\b.{0,40}\b(must|should|will)\b",
    r"this\s+(answer|response)\s+(is|should\s+be)\s+(graded|scored|marked|rated|considered)\b",
    r"(the\s+)?(grader|evaluator|interviewer|assistant|model|ai)\s+(must|should|will|shall)\s+"
    r"(give|grade|score|award|mark|rate|output|respond|ignore)",
]
# ... and these anywhere.
_INJECTION_ELSEWHERE = [
    r"\"(score|level|grade|met|verdict|criteria)\"\s*:",
    r"<\|?(im_start|im_end|system|endoftext)\|?>|\[/?INST\]|<</?SYS>>",
]
# A sentence that opens by naming a role ("System:", "[assistant]").
_INJECTION_AT_START = r"\s*[\[<(]?\s*(system|assistant|grader|evaluator|admin)\s*[\]>):]"


def _alternatives(at_start: bool) -> re.Pattern[str]:
    # The word-start test comes once, before the alternatives, not once inside each: Python's regex engine tries
    # every alternative at every position, and most positions are not the start of a word (a third of the time).
    parts = [
        r"(?<!\w)(?=\w)(?:" + "|".join(f"(?:{p})" for p in _INJECTION_AT_WORD) + ")",
        *(f"(?:{p})" for p in _INJECTION_ELSEWHERE),
    ]
    if at_start:
        parts.append(f"^(?:{_INJECTION_AT_START})")
    return re.compile("|".join(parts), re.I | re.M)


INJECTION = _alternatives(at_start=True)
# One search of the whole answer rules out every pattern that is not anchored at a sentence's start: a sentence is
# a slice of the answer cut at whitespace or punctuation, so what matches in it matches in the whole. Most answers
# hold no injection, and that one search costs a fraction of searching each sentence.
_ANYWHERE = _alternatives(at_start=False)
_AT_START = re.compile(_INJECTION_AT_START, re.I)

_VOWELS = set("aeiouyäöüéèàáíóú")


@dataclass
class GuardResult:
    flags: list[str] = field(default_factory=list)
    graded_text: str = ""
    """The text that is scored: the answer less the segments aimed at the grader."""
    hidden_chars: int = 0
    cap: float = 5.0
    """Highest score the answer may get after the guards."""


def is_idk(text: str) -> bool:
    return not text.strip() or bool(IDK.match(text.strip()))


def gibberish_ratio(text: str) -> float:
    """Share of words that look like keyboard mashing: no vowels, long consonant runs, or repeated chunks."""
    ws = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2]
    if not ws:
        return 1.0 if text.strip() else 0.0
    return sum(map(_mashed, ws)) / len(ws)


@lru_cache(maxsize=50_000)  # answers reuse the same everyday words
def _mashed(w: str) -> bool:
    vowels = sum(c in _VOWELS for c in w)
    return bool(
        vowels == 0
        or vowels / len(w) < 0.15
        or re.search(r"[^aeiouy\W]{6,}", w)
        or re.search(r"(.{2,4})\1{2,}", w)
        or (len(w) > 20 and "-" not in w)
    )


def injection_segments(text: str) -> list[Span]:
    """The sentences of `text` aimed at the grader or interviewer."""
    sentences = spans(text, clauses=False)
    if _ANYWHERE.search(text) is None:  # sentences hold no line breaks: "^" is only their start
        return [s for s in sentences if _AT_START.match(s.text)]
    return [s for s in sentences if INJECTION.search(s.text)]


def looks_like_keyword_list(text: str) -> bool:
    """Terms separated by commas or lines, with hardly any sentence around them."""
    items = [i.strip() for i in re.split(r"[,;\n/|]+|\s+-\s+", text) if i.strip()]
    ws = words(text)
    if len(items) < 4 or len(ws) < 4:
        return False
    short_items = sum(1 for i in items if len(i.split()) <= 3) / len(items)
    function_share = sum(1 for w in ws if w in STOPWORDS) / len(ws)
    return short_items >= 0.8 and function_share < 0.12


def run_guards(
    answer: str, raw_answer: str, question_text: str, reference_words: int, about_injection: bool = False
) -> GuardResult:
    """Flags for `answer` (already cleaned); `raw_answer` is kept to count hidden characters."""
    res = GuardResult(graded_text=answer)
    res.hidden_chars = len(HIDDEN_CHARS.findall(raw_answer or ""))
    if is_idk(answer):
        res.flags.append("empty" if not answer.strip() else "dont_know")
        res.cap = 0.0
        return res
    if gibberish_ratio(answer) > 0.5:
        res.flags.append("gibberish")
        res.cap = 0.0
        return res
    found = injection_segments(answer)
    if res.hidden_chars >= 3 or found:
        res.flags.append("injection")
        if found and not about_injection:
            # Text addressed to the grader ends the answer: what follows the first such sentence is not graded
            # (an appended attack adds nothing), and the attack sentences themselves never are.
            first = min(s.start for s in found)
            res.graded_text = answer[:first].strip() or join_sentences(
                s.text for s in spans(answer, clauses=False) if s not in found
            )
        elif found:
            # On a question about prompt injection, quoting an attack is content; orders to the grader are not.
            grader_orders = [
                s for s in found if re.search(r"\b(grade|score|award|mark|rate|/\s*5)\b", s.text, re.I)
            ]
            res.graded_text = join_sentences(
                s.text for s in spans(answer, clauses=False) if s not in grader_orders
            )
    n = len(words(res.graded_text))
    if looks_like_keyword_list(res.graded_text):
        res.flags.append("keyword_list")
        res.cap = min(res.cap, 1.5)
    if reference_words >= 8 and n < min(6, max(3, reference_words // 5)) and n < 4:
        res.flags.append("too_short")
    return res


REPEAT_SIMILARITY = 0.85
"""Two sentences whose content words overlap this much (Jaccard) are the same sentence said twice."""


def drop_repeats(text: str) -> tuple[str, int]:
    """The text less sentences that repeat an earlier one (word for word or nearly), and how many were dropped.

    Saying a partial answer five times makes no new claim; without this, each copy was another chance for a key
    point to match and for the answer to look long and on topic.
    """
    kept: list[str] = []
    seen: list[set[str]] = []
    dropped = 0
    for sent in spans(text, clauses=False):
        bag = {w for w in words(sent.text.lower()) if w not in STOPWORDS}
        if len(bag) >= 3 and any(len(bag & s) / len(bag | s) >= REPEAT_SIMILARITY for s in seen):
            dropped += 1
            continue
        kept.append(sent.text)
        if len(bag) >= 3:
            seen.append(bag)
    return (join_sentences(kept), dropped) if dropped else (text, 0)
