"""The rubric grader: no LLM needed. Aligns answer spans with key points (or a reference answer alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..embeddings import Embedder
from ..models import LEVELS, GradingItem, KeyPoint, Level, LevelBars, Rubric, Verdict
from ..text import clean, content_stems, spans, words
from .calibration import ScoreModel
from .features import Encoded, encode, pair_features
from .feedback import build_feedback, dimension_scores, read_star
from .guards import run_guards
from .models import Criterion, Grade

EVIDENCE_AT = 0.4
# How much of the score comes from key-point coverage rather than the holistic match with the reference.
COVERAGE_SHARE = 0.6
# Points above the asked level make up for missing ones at half their weight.
ABOVE_LEVEL_CREDIT = 0.5
OFF_TOPIC_COS = 0.18


@dataclass
class Target:
    """What an answer is graded against: a corpus question or stage, or a bare question with a reference."""

    id: str
    question: str
    references: list[str]
    key_points: list[KeyPoint]
    level: Level | None = None
    kind: str = "concept"
    topic: str = ""
    misconceptions: tuple[str, ...] = ()
    probes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, item: GradingItem, level: Level | None = None, kind: str = "concept", topic: str = "") -> Target:
        return cls(
            id=item.id,
            question=item.text,
            references=[item.reference_answer],
            key_points=list(item.key_points),
            level=getattr(item, "level", level),
            kind=getattr(item, "kind", kind),
            topic=getattr(item, "topic", topic),
            misconceptions=tuple(item.misconceptions),
            probes=tuple((p.text, tuple(p.targets)) for p in item.probes),
        )

    @classmethod
    def from_reference(cls, qid: str, question: str, reference: str) -> Target:
        """An eval row: alternatives split on '|||'; each becomes a criterion at the junior bar."""
        refs = [r.strip() for r in reference.split("|||") if r.strip()] or [reference]
        if len(refs) == 1:
            parts = [s.text for s in spans(refs[0], clauses=False) if len(words(s.text)) >= 3] or refs
        else:
            parts = refs
        kps = [KeyPoint(id=f"ref-{i + 1}", level="junior", text=p if len(p) >= 8 else p + " (reference)")
               for i, p in enumerate(parts)]
        return cls(id=qid, question=question, references=refs, key_points=kps)

    @property
    def about_injection(self) -> bool:
        blob = (self.question + " " + " ".join(k.text for k in self.key_points)).lower()
        return "injection" in blob or "jailbreak" in blob


class RubricGrader:
    """Scores an answer from embeddings and word overlap; every number comes from `model`, fitted on train rows."""

    def __init__(
        self,
        embedder: Embedder,
        model: ScoreModel,
        rubric: Rubric | None = None,
        nearest_other: Callable[[np.ndarray, str], float] | None = None,
    ):
        self.embedder = embedder
        self.model = model
        self.rubric = rubric
        self.bars = rubric.bars if rubric else LevelBars()
        self.nearest_other = nearest_other

    def grade(self, target: Target, answer: str) -> Grade:
        raw = answer or ""
        text = clean(raw)
        ref_words = max((len(words(r)) for r in target.references), default=0)
        guard = run_guards(text, raw, target.question, ref_words, target.about_injection)
        flags = list(guard.flags)
        if guard.cap == 0.0:
            return self._zero(target, flags)
        graded = guard.graded_text
        scored = self._score(target, graded, flags)
        if "injection" in flags and graded != text:
            # Never let removing (or keeping) the injected part raise the grade: take the lower of both readings.
            full = self._score(target, text, [])
            if full[0] < scored[0]:
                scored = (full[0], scored[1], full[2], full[3])
        score, p_ref, criteria, level = scored
        score = min(score, guard.cap)
        if guard.cap < 5.0 or "off_topic" in flags:
            level = "none"
        return self._finish(target, graded, score, p_ref, criteria, level, flags)

    # -- scoring ----------------------------------------------------------------------------------------------

    def _score(self, target: Target, text: str, flags: list[str]) -> tuple[float, float, list[Criterion], Verdict]:
        q_stems = frozenset(content_stems(target.question))
        question = encode(self.embedder, target.question)
        answer = encode(self.embedder, text, q_stems) if text.strip() else None
        if answer is None or not answer.text:
            return 0.0, 0.0, [Criterion(id=k.id, level=k.level, weight=k.weight, met=0.0) for k in target.key_points], "none"
        parts = spans(text) or []
        part_vecs = list(self.embedder.embed([p.text for p in parts])) if parts else [answer.vec]

        refs = [encode(self.embedder, r, q_stems) for r in target.references]
        p_ref = float(max(self.model.prob(pair_features(answer, r, question, part_vecs))[0] for r in refs))
        if self._off_topic(target.id, answer, question, refs):
            flags.append("off_topic")
            p_ref = min(p_ref, 0.05)

        criteria = []
        for kp in target.key_points:
            ref = encode(self.embedder, kp.text, q_stems)
            met = float(self.model.prob(pair_features(answer, ref, question, part_vecs))[0])
            if "off_topic" in flags:
                met = min(met, 0.05)
            evidence = self._evidence(parts, part_vecs, ref) if met >= EVIDENCE_AT else ""
            criteria.append(Criterion(id=kp.id, level=kp.level, weight=kp.weight, met=round(met, 3), evidence=evidence))

        level = self._level(criteria)
        score = self._combine(target, criteria, p_ref)
        return score, p_ref, criteria, level

    def _off_topic(self, target_id: str, answer: Encoded, question: Encoded, refs: list[Encoded]) -> bool:
        own = max([float(answer.vec @ question.vec)] + [float(answer.vec @ r.vec) for r in refs])
        if own < OFF_TOPIC_COS:
            return True
        if self.nearest_other is None:
            return False
        # An answer to another question: much closer to that question than to this one.
        return self.nearest_other(answer.vec, target_id) > own + 0.15 and own < 0.35

    def _evidence(self, parts: list, part_vecs: list[np.ndarray], ref: Encoded) -> str:
        if not parts:
            return ""
        scores = []
        for p, v in zip(parts, part_vecs, strict=False):
            overlap = len(set(content_stems(p.text)) & ref.stems) / max(1, len(ref.stems))
            scores.append(float(v @ ref.vec) + 0.5 * overlap)
        return str(parts[int(np.argmax(scores))].text)

    def _level(self, criteria: list[Criterion]) -> Verdict:
        verdict: Verdict = "none"
        for lv in LEVELS:
            pts = [c for c in criteria if c.level == lv]
            if not pts:
                continue
            share = sum(c.weight * c.met for c in pts) / sum(c.weight for c in pts)
            if share < self.bars.for_level(lv):
                break
            verdict = lv
        return verdict

    def _combine(self, target: Target, criteria: list[Criterion], p_ref: float) -> float:
        if target.level is None:  # a bare reference: the holistic match is the grade
            return round(5 * p_ref, 2)
        asked = LEVELS.index(target.level)
        due = [c for c in criteria if LEVELS.index(c.level) <= asked]
        extra = [c for c in criteria if LEVELS.index(c.level) > asked]
        need = sum(c.weight for c in due) or 1.0
        got = sum(c.weight * c.met for c in due) + ABOVE_LEVEL_CREDIT * sum(c.weight * c.met for c in extra)
        coverage = min(1.0, got / need)
        return round(5 * (COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * p_ref), 2)

    # -- result -----------------------------------------------------------------------------------------------

    def _zero(self, target: Target, flags: list[str]) -> Grade:
        criteria = [Criterion(id=k.id, level=k.level, weight=k.weight, met=0.0) for k in target.key_points]
        return self._finish(target, "", 0.0, 0.0, criteria, "none", flags)

    def _finish(
        self, target: Target, text: str, score: float, p_ref: float, criteria: list[Criterion], level: Verdict,
        flags: list[str],
    ) -> Grade:
        missed = sorted(
            (c for c in criteria if c.met < self.bars.met_threshold),
            key=lambda c: (LEVELS.index(c.level), -c.weight, c.met),
        )
        margins = [abs(2 * c.met - 1) for c in criteria] or [0.0]
        confidence = 0.4 + 0.6 * float(np.mean(margins))
        if flags:
            confidence *= 0.7 if set(flags) & {"injection", "keyword_list", "too_short"} else 0.9
        star = read_star(text) if target.kind == "behavioural" else None
        grade = Grade(
            question_id=target.id,
            score=round(max(0.0, min(5.0, score)), 2),
            level=level,
            asked_level=target.level,
            criteria=criteria,
            missed=[c.id for c in missed],
            flags=sorted(set(flags)),
            confidence=round(min(1.0, confidence), 3),
            reference_similarity=round(p_ref, 3),
            star=star,
        )
        grade.dimensions = dimension_scores(self.embedder, self.rubric, target.kind, target.topic, text, grade)
        build_feedback(grade, target, self.rubric)
        return grade

