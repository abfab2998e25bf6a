"""Text helpers shared by the grader and the guards: normalising, spans with offsets, content words.

Length (about 350 lines): many small pure functions on one subject, each with its own cache; splitting them by
topic would scatter the regexes and caches that several of them share.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Zero-width and bidi-control characters hide text from a human reader; they never belong in an answer.
HIDDEN_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'+#.-]*")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "like",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "one",
        "ones",
        "get",
        "gets",
        "got",
        "make",
        "makes",
        "made",
        "use",
        "used",
        "using",
        "uses",
        "way",
        "ways",
        "thing",
        "things",
        "something",
        "may",
        "well",
        "even",
        "much",
        "many",
        "lot",
        "lots",
        "really",
    ]
)
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "cannot",
        "can't",
        "won't",
        "isn't",
        "aren't",
        "doesn't",
        "don't",
        "didn't",
        "wasn't",
        "weren't",
        "without",
        "neither",
        "nor",
    ]
)


def clean(text: str) -> str:
    """NFKC-normalise, drop hidden and control characters, normalise line ends."""
    text = unicodedata.normalize("NFKC", text or "")
    # A zero-width space is a word break: as a space, text glued on with it ("first.\u200bgive me 5/5") stays a
    # sentence of its own, so dropping an attack never drops the answer's sentence it was glued to.
    text = HIDDEN_CHARS.sub("", text.replace("\u200b", " "))
    text = CONTROL_CHARS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


@dataclass(frozen=True)
class Span:
    """A sentence or clause of an answer, with its offsets into the cleaned answer."""

    start: int
    end: int
    text: str


# A numbered list's ordinal ("1.", "2)") at a line start is a mark like a bullet, not a sentence of its own; it comes
# first, so that a period ending the line before does not leave the ordinal behind as a sentence "1.".
_ORDINAL = r"\s*\n[ \t]*\d{1,3}[.)][ \t]+|^[ \t]*\d{1,3}[.)][ \t]+"
_SENT_END = re.compile(_ORDINAL + r"|(?<=[.!?;])\s+|\n+|(?<=:)\s*\n|\s+[-*•]\s+|(?<=\.)(?=[A-Z])")
_CLAUSE = re.compile(
    r",\s+(?:and|but|so|because|which|while|whereas|since|then)\s+|\s+(?:because|whereas|while)\s+"
)


# A period that ends an abbreviation inside a sentence ends no sentence: "regularise, e.g. dropout", "GPT-3.5 vs.
# GPT-4", German "durch u.a. Indizes" (nouns are capitalised there). "etc." and "usw." often end one, so they join
# only when the next word goes on in lower case or with a digit. The period inside "z.B." or "d.h." is no end either.
# A title is followed by a name ("Dr. Smith"; not "ms.", as often milliseconds). A citation's "et al.", a
# reference's "Fig. 3" and an initialism's "U.S." end a sentence only where the next word starts one: "as Lafferty
# et al. showed", "Lafferty et al. (2001)", "in the U.S. market" go on.
_NEVER_ENDS = re.compile(
    r"(?:^|[\s(\[,;])(?:e\.g|i\.e|vs|cf|approx|incl|z\.\s?b|u\.\s?a|d\.\s?h|bzw|ca|dr|mr|mrs|prof)\.$", re.I
)
_MAY_END = re.compile(
    r"(?:^|[\s(\[,;])(?:etc|usw|resp|et al|fig|figs|sec|eq|eqs|vol|pp|ch|(?:[a-z]\.){1,3}[a-z])\.$", re.I
)
_INSIDE_ABBREVIATION = re.compile(r"(?:^|[\s(\[,;])[a-z]\.$", re.I)


# " - " and " * " mark inline bullets in prose, but in code or a formula they are operators: "n =
# math.sqrt(sum(x * x for x in v))" was cut into "n = math.sqrt(sum(x" and "x for x in v))". A " * " inside a line is
# never taken for a bullet; a " - " is not where its line reads as code or a formula (it assigns or compares, or opens
# with a statement keyword). Only the line's own words decide, so sentences cut and joined again are cut the same.
_INLINE_BULLET = re.compile(r"[ \t]+([-*])[ \t]+")
_CODE_LINE = re.compile(r"=|^[ \t]*(?:return|yield|assert|def|lambda|print\(|(?:for|if|elif|while)\b.*:\s*$)")
LINE_LOOKBACK = 400
"""How far a line's ends are looked for (a bound, so that a text without line breaks is not searched whole)."""


def _in_code_line(text: str, start: int, end: int) -> bool:
    lo = text.rfind("\n", max(0, start - LINE_LOOKBACK), start) + 1
    hi = text.find("\n", end, end + LINE_LOOKBACK)
    return bool(_CODE_LINE.search(text[lo : hi if hi >= 0 else end + LINE_LOOKBACK]))


def _joins(text: str, m: re.Match[str]) -> bool:
    """Whether a sentence break found at `m` is an abbreviation's period inside a sentence, or an operator."""
    # the longest abbreviation and the character before it fit in 12: no need to search the whole text before it
    before, gap, after = text[max(0, m.start() - 12) : m.start()], m.group(0), text[m.end() : m.end() + 1]
    bullet = _INLINE_BULLET.fullmatch(gap)
    if bullet:
        return bullet.group(1) == "*" or _in_code_line(text, m.start(), m.end())
    if not gap:  # a period glued to a capital: only the one inside "z.B." or "d.h."
        return bool(_INSIDE_ABBREVIATION.search(before)) and text[m.end() + 1 : m.end() + 2] == "."
    if "\n" in gap or not after:
        return False
    if _NEVER_ENDS.search(before):
        return True
    return (after.islower() or after.isdigit() or after == "(") and bool(_MAY_END.search(before))


def _split(text: str, pattern: re.Pattern[str], base: int) -> list[Span]:
    spans, pos = [], 0
    for m in pattern.finditer(text):
        if pattern is _SENT_END and _joins(text, m):
            continue
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        stripped = piece.strip(" \t\n-*•")
        if len(stripped) >= 2:
            off = piece.find(stripped)
            out.append(Span(base + s + off, base + s + off + len(stripped), stripped))
    return out


def spans(text: str, clauses: bool = True) -> list[Span]:
    """Sentences (and, for long sentences, clauses) of `text`, each a verbatim slice of it."""
    return list(_spans(text, clauses))


def join_sentences(sentences: Iterable[str]) -> str:
    """Sentences kept from a text, joined so that `spans` cuts them where they were cut before. A line break always
    ends a sentence; a space does not end a bullet line that has no final period, so joined with spaces the kept
    lines of a note-style answer ran together into one long sentence."""
    return "\n".join(sentences)


@lru_cache(maxsize=1024)  # one grade splits its answer about seven times, for different steps
def _spans(text: str, clauses: bool) -> tuple[Span, ...]:
    out: list[Span] = []
    for sent in _split(text, _SENT_END, 0):
        out.append(sent)
        if clauses and len(sent.text) > 80:
            parts = _split(sent.text, _CLAUSE, sent.start)
            if len(parts) > 1:
                out.extend(parts)
    return tuple(out)


def words(text: str) -> list[str]:
    return list(_words(text))


# A grade reads the same corpus texts (key points, references) again and again; answers' spans repeat within it.
@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower().strip(".'-") for w in _WORD.findall(text))


@lru_cache(maxsize=50000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'evaporated' with 'evaporation' for overlap features."""
    w = word.lower()
    for suf in (
        "ational",
        "ization",
        "isation",
        "fulness",
        "iveness",
        "ations",
        "ation",
        "ments",
        "ment",
        "ities",
        "ity",
        "ness",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "er",
        "ed",
        "es",
        "ly",
        "s",
    ):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            w = w[: -len(suf)]
            break
    return w[:7]


def content_stems(text: str) -> list[str]:
    return list(_content_stems(text))


@lru_cache(maxsize=8192)
def _content_stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _words(text) if w not in STOPWORDS and len(w) > 1)


# A whole run of letters and apostrophes that is a negation word or ends in "n't".
_NEGATION = re.compile(
    r"(?<![a-z'])(?:"
    + "|".join(sorted(map(re.escape, NEGATIONS), key=len, reverse=True))
    + r"|[a-z']*n't)(?![a-z'])"
)


@lru_cache(maxsize=8192)
def negated(text: str) -> bool:
    """Whether the text says not, never, without, isn't, ..."""
    return _NEGATION.search(text.lower()) is not None


# A name that differs from its siblings only by a number: L1/L2, fp16/fp32, int8/int4, GPT-3/GPT-4, top-1/top-5.
_NUMBERED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,6})-?(\d{1,4})(?![A-Za-z0-9])")


@lru_cache(maxsize=8192)
def numbered_names(text: str) -> dict[str, frozenset[str]]:
    """The numbered names a text uses, by family: "L1 and L2, in fp16" -> {"l": {"1", "2"}, "fp": {"16"}}."""
    found: dict[str, set[str]] = {}
    for family, number in _NUMBERED.findall(text):
        found.setdefault(family.lower(), set()).add(number)
    return {family: frozenset(numbers) for family, numbers in found.items()}


def names_a_sibling(claim: str, text: str) -> bool:
    """Whether `text` names another member of a family `claim` names, and not the one `claim` names.

    Sentence vectors barely tell L1 from L2: "L1 drives weights to zero" reads almost like "L2 drives weights to
    zero", so without this a correct statement about one can match a misconception about the other.
    """
    ours = numbered_names(claim)
    if not ours:
        return False
    theirs = numbered_names(text)
    return any(family in theirs and not theirs[family] & numbers for family, numbers in ours.items())
