"""The rubric grader: no LLM needed. Aligns answer spans with key points (or a reference answer alone)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..embeddings import Embedder
from ..models import LEVELS, CodingSpec, GradingItem, KeyPoint, Level, LevelBars, Rubric, Verdict
from ..text import Span, clean, content_stems, spans, words
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
MISCONCEPTION_AT = 0.6
TOPIC_RELATIVE = 0.45  # ... and a sentence far less related than the answer's best one is a digression
TOPIC_MIN = (
    0.2  # cosine of a sentence to the question, reference or any key point; unrelated text is ~0.0-0.15
)
MISCONCEPTION_PENALTY = 1.5


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
    coding: CodingSpec | None = None

    @classmethod
    def of(
        cls, item: GradingItem, level: Level | None = None, kind: str = "concept", topic: str = ""
    ) -> Target:
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
            coding=getattr(item, "coding", None),
        )

    @classmethod
    def from_reference(cls, qid: str, question: str, reference: str) -> Target:
        """An eval row: alternatives split on '|||'; each becomes a criterion at the junior bar."""
        refs = [r.strip() for r in reference.split("|||") if r.strip()] or [reference]
        if len(refs) == 1:
            parts = [s.text for s in spans(refs[0], clauses=False) if len(words(s.text)) >= 3] or refs
        else:
            parts = refs
        kps = [
            KeyPoint(id=f"ref-{i + 1}", level="junior", text=p if len(p) >= 8 else p + " (reference)")
            for i, p in enumerate(parts)
        ]
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

    def score(self, target: Target, answer: str) -> float:
        """Only the 0-5 score, for bulk evaluation: the same guards and reference match, no per-point detail."""
        raw = answer or ""
        text = clean(raw)
        ref_words = max((len(words(r)) for r in target.references), default=0)
        guard = run_guards(text, raw, target.question, ref_words, target.about_injection)
        if guard.cap == 0.0:
            return 0.0
        flags = list(guard.flags)
        graded = self._on_topic(target, guard.graded_text, flags)
        if not graded.strip():
            return 0.0
        answer_enc, question, _, part_vecs, q_stems = self._encode_answer(target, graded)
        refs = [encode(self.embedder, r, q_stems) for r in target.references]
        rows = np.stack([pair_features(answer_enc, r, question, part_vecs) for r in refs])
        p_ref = float(self.model.prob(rows.max(axis=0))[0])
        if self._off_topic(target.id, answer_enc, question, refs):
            p_ref = min(p_ref, 0.05)
        if target.level is not None:
            return self.grade(target, answer).score
        return round(min(guard.cap, 5 * p_ref), 2)

    def grade(self, target: Target, answer: str) -> Grade:
        raw = answer or ""
        text = clean(raw)
        ref_words = max((len(words(r)) for r in target.references), default=0)
        guard = run_guards(text, raw, target.question, ref_words, target.about_injection)
        flags = list(guard.flags)
        if guard.cap == 0.0:
            return self._zero(target, flags)
        graded = self._on_topic(target, guard.graded_text, flags)
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

    def _on_topic(self, target: Target, text: str, flags: list[str]) -> str:
        """The answer less sentences unrelated to the question: appended text can dilute, but never earn, credit."""
        sentences = spans(text, clauses=False)
        if len(sentences) < 2:
            return text
        anchors = self.embedder.embed(
            [target.question, *target.references, *(k.text for k in target.key_points)]
        )
        sims = (self.embedder.embed([s.text for s in sentences]) @ anchors.T).max(axis=1)
        floor = max(TOPIC_MIN, TOPIC_RELATIVE * float(sims.max()))
        keep = [s for s, sim in zip(sentences, sims, strict=True) if sim >= floor]
        if len(keep) == len(sentences) or not keep:
            return text
        flags.append("off_topic_parts")
        return " ".join(s.text for s in keep)

    def _encode_answer(
        self, target: Target, text: str
    ) -> tuple[Encoded, Encoded, list[Span], list[np.ndarray], frozenset[str]]:
        q_stems = frozenset(content_stems(target.question))
        question = encode(self.embedder, target.question)
        answer = encode(self.embedder, text, q_stems)
        parts = spans(text)
        part_vecs = list(self.embedder.embed([p.text for p in parts])) if parts else [answer.vec]
        return answer, question, parts, part_vecs, q_stems

    def features(self, target: Target, text: str) -> np.ndarray:
        """Feature row of an answer against the target's reference answer(s): element-wise best over references.

        The calibration is fitted on exactly these rows (benchmarks/fit_grader.py), so training and serving agree.
        """
        answer, question, _, part_vecs, q_stems = self._encode_answer(target, clean(text))
        rows = [
            pair_features(answer, encode(self.embedder, r, q_stems), question, part_vecs)
            for r in target.references
        ]
        return np.max(np.stack(rows), axis=0)

    def _score(
        self, target: Target, text: str, flags: list[str]
    ) -> tuple[float, float, list[Criterion], Verdict]:
        if not text.strip():
            return (
                0.0,
                0.0,
                [Criterion(id=k.id, level=k.level, weight=k.weight, met=0.0) for k in target.key_points],
                "none",
            )
        # Batch every text this grade needs through the model once; later encodes hit the cache.
        self.embedder.tokens(
            [
                text,
                target.question,
                *target.references,
                *(k.text for k in target.key_points),
                *target.misconceptions,
            ]
        )
        answer, question, parts, part_vecs, q_stems = self._encode_answer(target, text)
        refs = [encode(self.embedder, r, q_stems) for r in target.references]
        ref_rows = np.stack([pair_features(answer, r, question, part_vecs) for r in refs])
        p_ref = float(self.model.prob(ref_rows.max(axis=0))[0])
        if self._off_topic(target.id, answer, question, refs):
            flags.append("off_topic")
            p_ref = min(p_ref, 0.05)

        # A key point is one claim: it is matched against each sentence or clause (and pairs of neighbouring
        # sentences), so a long answer on the topic does not get credit for claims it never makes.
        units = self._units(text, parts, q_stems)
        criteria = []
        for kp in target.key_points:
            ref = encode(self.embedder, kp.text, q_stems)
            rows = np.stack([pair_features(u, ref, question, [u.vec]) for u, _ in units])
            probs = self.model.prob(rows)
            best = int(np.argmax(probs))
            met = float(probs[best])
            if "off_topic" in flags:
                met = min(met, 0.05)
            evidence = units[best][1] if met >= EVIDENCE_AT else ""
            criteria.append(
                Criterion(id=kp.id, level=kp.level, weight=kp.weight, met=round(met, 3), evidence=evidence)
            )

        level = self._level(criteria)
        score = self._combine(target, criteria, p_ref)
        wrong = self._misconception(target, units, question, q_stems)
        if wrong >= MISCONCEPTION_AT:
            flags.append("misconception")
            score = max(0.0, score - MISCONCEPTION_PENALTY * wrong)
        return score, p_ref, criteria, level

    def _misconception(
        self, target: Target, units: list[tuple[Encoded, str]], question: Encoded, q_stems: frozenset[str]
    ) -> float:
        """How strongly some sentence of the answer states one of the question's known misconceptions."""
        best = 0.0
        for m in target.misconceptions:
            ref = encode(self.embedder, m, q_stems)
            rows = np.stack([pair_features(u, ref, question, [u.vec]) for u, _ in units])
            best = max(best, float(self.model.prob(rows).max()))
        return best

    def _units(self, text: str, parts: list[Span], q_stems: frozenset[str]) -> list[tuple[Encoded, str]]:
        """Answer units a key point is matched against: sentences, clauses and neighbouring sentence pairs."""
        sentences = [
            p for p in parts if not any(o is not p and o.start <= p.start and p.end <= o.end for o in parts)
        ]
        chunks = [p.text for p in parts]
        chunks += [text[a.start : b.end] for a, b in itertools.pairwise(sentences)]
        if len(sentences) <= 1:
            chunks.append(text)
        chunks = list(dict.fromkeys(c for c in chunks if c.strip()))
        self.embedder.tokens(chunks)  # one batched model call for every unit (see OnnxMiniLM.tokens)
        return [(encode(self.embedder, c, q_stems), c) for c in chunks]

    def _off_topic(self, target_id: str, answer: Encoded, question: Encoded, refs: list[Encoded]) -> bool:
        own = max([float(answer.vec @ question.vec)] + [float(answer.vec @ r.vec) for r in refs])
        if own < OFF_TOPIC_COS:
            return True
        if self.nearest_other is None:
            return False
        # An answer to another question: much closer to that question than to this one.
        return self.nearest_other(answer.vec, target_id) > own + 0.15 and own < 0.35

    def _evidence(self, parts: list[Span], part_vecs: list[np.ndarray], ref: Encoded) -> str:
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
        self,
        target: Target,
        text: str,
        score: float,
        p_ref: float,
        criteria: list[Criterion],
        level: Verdict,
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
        grade.dimensions = dimension_scores(
            self.embedder, self.rubric, target.kind, target.topic, text, grade
        )
        build_feedback(grade, target, self.rubric)
        return grade
