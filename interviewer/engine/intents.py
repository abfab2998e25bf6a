"""What the candidate meant by a message: an answer, or a request (skip, hint, repeat, clarify, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from interviewer.domain.questions import GlossaryEntry
from interviewer.grading.guards import is_idk

IntentKind = Literal["answer", "skip", "hint", "repeat", "clarify", "dont_know", "end", "pause", "chat"]

_PATTERNS: list[tuple[IntentKind, re.Pattern[str]]] = [
    (
        "end",
        re.compile(
            r"^\W*(end|stop|finish|quit|exit)\b.{0,25}\b(interview|session|now|here|please)?\W*$|"
            r"^\W*(i'?m|i am) (done|finished)\W*$|^\W*let'?s (stop|end)( here| now)?\W*$",
            re.I,
        ),
    ),
    ("pause", re.compile(r"^\W*(pause|take a break|brb|be right back|can we pause)\b", re.I)),
    (
        "skip",
        re.compile(
            r"^\W*(skip|next( question)?|pass|move on|let'?s move on|can we skip)( (it|this|that|this one|"
            r"please|the question))*\W*$",
            re.I,
        ),
    ),
    (
        "hint",
        re.compile(
            r"^\W*(can i (get|have) a |give me a |any |a )?(hint|clue|nudge|tip)s?\b.{0,30}$|"
            r"^\W*(help|i'?m stuck|stuck)\W*$",
            re.I,
        ),
    ),
    (
        "repeat",
        re.compile(
            r"^\W*(repeat|again|say (that|it) again|(can|could) you repeat|what was the question|"
            r"sorry\W+what\W*$|pardon)\b.{0,30}$",
            re.I,
        ),
    ),
]
_CLARIFY = re.compile(
    r"^\W*(what do you mean by|what does|what is|what's|what are|define|meaning of|explain what)\s+"
    r"(?:an?\s+|the\s+)?[\"'“]?(?P<term>[^?\"'”]{2,60}?)[\"'”]?\s*(mean|stand for|refer to)?\s*\?*\s*$",
    re.I,
)
_CHAT = re.compile(
    r"^\W*(hi|hello|hey|thanks|thank you|how are you|what'?s up|good (morning|afternoon|evening)|lol|haha|"
    r"tell me a joke|what('?s| is) the weather|who are you|are you (a bot|human|an ai))\b",
    re.I,
)


@dataclass
class Intent:
    kind: IntentKind
    term: str = ""
    entry: GlossaryEntry | None = None


def find_term(term: str, glossary: list[GlossaryEntry]) -> GlossaryEntry | None:
    """Glossary entry for `term`, matching the term or an alias, ignoring case and a plural 's'."""
    want = term.lower().strip(" .?!").removesuffix("s")
    for entry in glossary:
        names = [entry.term, *entry.aliases]
        if any(n.lower().removesuffix("s") == want for n in names):
            return entry
    for entry in glossary:
        if want and any(
            want in n.lower() or n.lower() in want for n in [entry.term, *entry.aliases] if len(n) > 3
        ):
            return entry
    return None


def classify(message: str, glossary: list[GlossaryEntry]) -> Intent:
    text = message.strip()
    if is_idk(text):
        return Intent("dont_know")
    short = len(text.split()) <= 12
    if short:
        for kind, pattern in _PATTERNS:
            if pattern.search(text):
                return Intent(kind)
        m = _CLARIFY.match(text)
        if m and text.rstrip().endswith("?"):
            term = m.group("term").strip()
            return Intent("clarify", term=term, entry=find_term(term, glossary))
        if _CHAT.search(text) and len(text.split()) <= 8:
            return Intent("chat")
    return Intent("answer")
