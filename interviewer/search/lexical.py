"""The lexical half of question search: a tokeniser with a light suffix stemmer, and Okapi BM25.

MiniLM misses a paraphrase whose one telling word is rare ("temperature knob" for the decoding question); BM25
weighs exactly those words. Tokens are lower-case letters and digits; stop words and one-letter tokens are
dropped; British and American spellings meet ("tokenization" and "tokenisation"), and common inflectional and
derivational suffixes are cut so "interpretable" meets "interpretability" and "chunking" meets "chunks".
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

_STOP_TEXT = """a an the and or of to in on for with by at from as is are was were be been being it its this that these
    those i you we they he she me my our your their them us do does did how what which when why who whom where
    would could should can will shall may might must about into over than then so if not no yes just"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Longest first within each family; a cut must leave at least four letters ("layer" keeps its "er").
_SUFFIXES = (
    "isations", "isation", "ibility", "ability", "ations", "ation", "ators", "ator", "ments", "ment", "ness",
    "ities", "ity", "able", "ible", "ised", "ising", "iser", "ise", "ate", "ive", "ers", "er", "al", "ly", "ic",
)  # fmt: skip
_KEEP_ED = frozenset({"embed", "need", "seed", "feed", "shed", "speed"})
_WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """A light stemmer: plurals, -ing/-ed, one derivational suffix, a final e; short words stay as they are."""
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    w = w.replace("iz", "is")
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "xes", "ches", "shes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is", "as")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w not in _KEEP_ED:
            w = w[: -len(suffix)]
            if (
                len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz"
            ):  # "batching" -> "batch", "planned" -> "plan"
                w = w[:-1]
            break
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def tokens(text: str) -> list[str]:
    """The stemmed content words of a text, in order."""
    return [
        stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())
    ]


class BM25:
    """Okapi BM25 over a fixed set of documents, each given as its tokens."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.ids = list(docs)
        lengths = [len(toks) for toks in docs.values()]
        self.avg_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, toks in enumerate(docs.values()):
            for term, tf in Counter(toks).items():
                self.postings[term].append((i, tf))
        self.lengths = lengths
        n = len(self.ids)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: Iterable[str]) -> dict[str, float]:
        """Each document that shares a term with the query, and its score."""
        out: dict[int, float] = defaultdict(float)
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg_length)
                out[i] += idf * tf * (self.k1 + 1) / (tf + norm)
        return {self.ids[i]: s for i, s in out.items()}
