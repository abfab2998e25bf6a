"""Feedback a candidate can act on: what was good, what was missing, what the next level adds.

Missing points are described through their probe questions and technical terms, never by reciting the key point.
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING

import numpy as np

from interviewer.domain.questions import LEVELS, Rubric
from interviewer.grading.features import sentence_vectors

if TYPE_CHECKING:
    from interviewer.domain.grades import Grade, Star
    from interviewer.domain.target import Target
    from interviewer.encoders.embeddings import Embedder

_STAR_CUES = {
    "situation": r"\b(at my (last|previous|current)|when i was|we were|our team|the (project|company|team) (was|had)|"
    r"context|background|there was a|a few (months|years) ago|last (year|quarter))\b",
    "task": r"\b(my (goal|task|job|role|responsibility) was|i was (asked|responsible|tasked)|i needed to|we needed to|"
    r"had to|the goal was|objective)\b",
    "action": r"\b(i (decided|built|wrote|led|proposed|set up|designed|implemented|organi[sz]ed|talked|met|asked|"
    r"created|started|introduced|ran|reviewed|paired|changed|moved|added|spoke|escalated|mentored))\b",
    "result": r"\b(as a result|in the end|eventually|resulted|the outcome|we (shipped|launched|reduced|improved|cut)|"
    r"reduced|improved|increased|saved|learned|lesson|\d+\s?%|afterwards)\b",
}
_LEVEL_WORD = {"junior": "junior", "mid": "mid-level", "senior": "senior"}


def read_star(text: str) -> Star:
    from interviewer.domain.grades import Star

    low = text.lower()
    found = {part: bool(re.search(pat, low)) for part, pat in _STAR_CUES.items()}
    return Star(**found)


def dimension_scores(
    embedder: Embedder, rubric: Rubric | None, kind: str, topic: str, text: str, grade: Grade
) -> dict[str, float]:
    """Per-competency scores: how strongly the answer shows each applicable dimension, scaled by its quality."""
    if rubric is None or not text.strip() or grade.score == 0:
        return {}
    _, part_vecs = sentence_vectors(embedder, text)
    if not len(part_vecs):
        part_vecs = embedder.embed([text])
    applicable = [
        d
        for d in rubric.dimensions
        if not (d.kinds and kind not in d.kinds) and not (d.topics and topic not in d.topics)
    ]
    shown = [d for d in applicable if d.id != "star"]
    strength: dict[str, float] = {}
    if shown:  # every signal of every dimension in one product; each dimension takes its best
        sig = embedder.embed([s for dim in shown for s in dim.signals])
        starts = np.cumsum([0] + [len(dim.signals) for dim in shown[:-1]])
        best = np.maximum.reduceat((part_vecs @ sig.T).max(axis=0), starts)
        strength = {d.id: float(np.clip((b - 0.15) / 0.35, 0, 1)) for d, b in zip(shown, best, strict=True)}
    star = round(5 * grade.star.score, 2) if grade.star else 0.0
    return {
        d.id: star if d.id == "star" else round(grade.score * (0.5 + 0.5 * strength[d.id]), 2)
        for d in applicable
    }


def _unsaid(terms: list[str], answer: str) -> list[str]:
    """The terms the answer does not use yet: suggesting one the candidate already named reads as not listening."""
    low = answer.lower()
    return [t for t in terms if not re.search(rf"(?<!\w){re.escape(t.lower())}(?!\w)", low)]


def _hint(target: Target, point_id: str, answer: str) -> str:
    for text, targets in target.probes:
        if point_id in targets:
            return text
    kp = next((k for k in target.key_points if k.id == point_id), None)
    terms = _unsaid(kp.terms, answer)[:3] if kp else []
    return "think about " + ", ".join(terms) if terms else ""


def _corrections(grade: Grade, target: Target, most: int = 2) -> list[str]:
    """'You said X; in fact Y' for the points the answer contradicts: a wrong claim is worth correcting plainly."""
    points = {k.id: k for k in target.key_points}
    out: list[str] = []
    for c in grade.criteria:
        kp = points.get(c.id)
        if c.verdict == "contradicts" and c.evidence and kp is not None and len(out) < most:
            fact = kp.text[0].lower() + kp.text[1:] if kp.text[:2] != kp.text[:2].upper() else kp.text
            out.append(f'You said "{c.evidence}"; in fact, {fact.rstrip(".")}.')
    return out


QUOTE_CHARS = 240


def _misconception_note(grade: Grade) -> str:
    """Name the misconception and quote the part that reads like it, for the candidate to check: the flag is a
    similarity reading, and on real answers most flagged parts reject the misconception rather than state it."""
    stated = grade.misconception
    if stated is None:
        return (
            "Part of the answer reads close to a common misconception; check it against how the method works."
        )
    quote = " ".join(stated.evidence.split())
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS].rsplit(" ", 1)[0] + " ..."
    return (
        f'This part reads close to a common misconception ("{stated.text.rstrip(".")}"): "{quote}". If you meant '
        "the opposite, say so outright; if not, check it against how the method really works."
    )


def build_feedback(grade: Grade, target: Target, rubric: Rubric | None, answer: str) -> None:
    """Fill grade.strengths, grade.gaps and grade.feedback (`answer`: the text graded, to not suggest its terms)."""
    if {"empty", "dont_know"} & set(grade.flags):
        grade.feedback = (
            "No answer to grade. Saying what you do know, or how you would find out, earns partial credit."
        )
        grade.gaps = ["no answer given"]
        return
    if "gibberish" in grade.flags:
        grade.feedback = "The answer could not be read as text about the question."
        return
    notes = []
    if "off_topic" in grade.flags:
        notes.append("The answer does not address this question; it reads like an answer to a different one.")
    if "keyword_list" in grade.flags:
        notes.append("Naming terms is not explaining them: say what each does and why it matters here.")
    if "injection" in grade.flags:
        notes.append("Text addressed to the grader was ignored; only the answer itself is graded.")
    if "misconception" in grade.flags:
        notes.append(_misconception_note(grade))
    if "too_short" in grade.flags:
        notes.append("The answer is too short for what the question asks.")

    met = sorted(
        (c for c in grade.criteria if c.evidence and c.verdict != "contradicts"), key=lambda c: -c.met
    )
    grade.strengths = [f'"{c.evidence}"' for c in met[:3]]
    notes += _corrections(grade, target)
    by_id = {c.id: c for c in grade.criteria}
    missing_hints = []
    for pid in grade.missed[:3]:
        hint = _hint(target, pid, answer)
        if hint:
            missing_hints.append(hint)
    grade.gaps = missing_hints

    if grade.strengths:
        notes.append("Good: " + "; ".join(grade.strengths[:2]) + ".")
    if missing_hints:
        notes.append("Missing, for example: " + " / ".join(missing_hints) + ".")
    current = grade.level
    nxt = (
        LEVELS[LEVELS.index(current) + 1]
        if current in LEVELS[:-1]
        else ("junior" if current == "none" else None)
    )
    if nxt:
        pending = [c for c in grade.criteria if c.level == nxt and by_id[c.id].met < 0.5]
        terms: list[str] = []
        for c in pending:
            kp = next((k for k in target.key_points if k.id == c.id), None)
            terms += _unsaid(kp.terms, answer)[:2] if kp else []
        if terms:
            notes.append(
                f"A {_LEVEL_WORD[nxt]} answer would also bring in {', '.join(dict.fromkeys(terms))}."
            )
    if rubric and rubric.tips and grade.score < 3:
        notes.append("Tip: " + rubric.tips[zlib.crc32(target.id.encode()) % len(rubric.tips)])
    grade.feedback = " ".join(notes)
