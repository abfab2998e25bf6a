"""The rubric grader: no LLM needed. Aligns answer spans with key points (or a reference answer alone).

Length (about 450 lines): the one class that turns evidence into a grade, in the order it happens; alignment,
features, the score model, guards and feedback are already their own modules. Any change here must keep the
golden grades (tests/test_golden.py) unless it means to change them.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from interviewer.domain.grades import Criterion, Grade, StatedMisconception, consistent_grade
from interviewer.domain.questions import LEVELS, LevelBars, Rubric, Verdict
from interviewer.domain.target import Target
from interviewer.domain.text import (
    Span,
    clean,
    content_stems,
    join_sentences,
    names_a_sibling,
    numbered_names,
    spans,
    words,
)
from interviewer.encoders.cross_encoder import PairScorer
from interviewer.encoders.embeddings import Embedder
from interviewer.grading.addressed import AddressedModel
from interviewer.grading.alignment import KnownTexts, Units, unit_features
from interviewer.grading.features import FEATURES, Encoded, encode, pair_features, sentence_vectors
from interviewer.grading.feedback import build_feedback, dimension_scores, read_star
from interviewer.grading.guards import GuardResult, drop_repeats, run_guards
from interviewer.grading.level_model import VERDICT_ORDER, plausible_range
from interviewer.grading.polarity import PolarityScorer, Scored
from interviewer.grading.score_model import ScoreModel

EVIDENCE_AT = 0.4
EVIDENCE_SLACK = 0.05  # a unit this close to the best match is as good a quote
# How much of the score comes from key-point coverage rather than the holistic match with the reference.
COVERAGE_SHARE = 0.6
# Points above the asked level make up for missing ones at half their weight.
ABOVE_LEVEL_CREDIT = 0.5
OFF_TOPIC_COS = 0.18
OFF_TOPIC_CAP = 0.5
"""The most an answer flagged off topic scores: rubrics/scale.yaml puts it at 0, and the flag can misfire, so it is
capped below the scale's 1 rather than zeroed (its level is none either way)."""
# A unit states a misconception when it matches one this well and by this much better than any key point:
# "stop lists hold words that carry meaning" matches "stop words never carry meaning" as well as it matches the
# key point it states. Fitted by training/fit_misconceptions.py on answers we wrote (its train half).
MISCONCEPTION_AT = 0.8
MISCONCEPTION_MARGIN = 0.3
TOPIC_RELATIVE = 0.45  # ... and a sentence far less related than the answer's best one is a digression
TOPIC_MIN = (
    0.2  # cosine of a sentence to the question, reference or any key point; unrelated text is ~0.0-0.15
)
LENIENT_EVIDENCE_AT = 0.5
"""A sentence only the relative floor drops (a terse note: "Depends on data size and domain gap.") is still read
for key points, but counts for one only where the matcher says, more likely than not, that it states it: jailbreaks
appended to an answer are read there too, and must earn nothing (docs/grader.md, "round 4e")."""
MISCONCEPTION_PENALTY = 1.5

log = logging.getLogger(__name__)


def _flagged(points: np.ndarray, misconceptions: np.ndarray, at: float, margin: float) -> np.ndarray:
    """Per answer unit, how surely it states some misconception where that passes the rule, else 0."""
    wrong = misconceptions.max(axis=0)
    right = points.max(axis=0) if points.size else np.zeros_like(wrong)
    return np.where((wrong >= at) & (wrong > right + margin), wrong, 0.0)


def stated_misconception(
    points: np.ndarray,
    misconceptions: np.ndarray,
    at: float = MISCONCEPTION_AT,
    margin: float = MISCONCEPTION_MARGIN,
) -> float:
    """How surely some answer unit states a misconception (0: none does), from per-unit match probabilities."""
    if not misconceptions.size:
        return 0.0
    return float(_flagged(points, misconceptions, at, margin).max(initial=0.0))


def misconception_quote(
    points: np.ndarray, misconceptions: np.ndarray, texts: Sequence[str], units: Sequence[str]
) -> StatedMisconception | None:
    """The misconception and the answer unit behind `stated_misconception`'s value (None when it is 0)."""
    if not misconceptions.size:
        return None
    flagged = _flagged(points, misconceptions, MISCONCEPTION_AT, MISCONCEPTION_MARGIN)
    if not flagged.any():
        return None
    unit = int(np.argmax(flagged))
    return StatedMisconception(text=texts[int(np.argmax(misconceptions[:, unit]))], evidence=units[unit])


class RubricGrader:
    """Scores an answer from embeddings and word overlap; every number comes from `model`, fitted on train rows."""

    def __init__(
        self,
        embedder: Embedder,
        model: ScoreModel,
        rubric: Rubric | None = None,
        nearest_other: Callable[[np.ndarray, str], float] | None = None,
        cross: PairScorer | None = None,
        polarity: PolarityScorer | None = None,
        addressed: AddressedModel | None = None,
    ):
        self.embedder = embedder
        self.addressed = addressed
        """Reads a sentence as addressed to an assistant (a role-play set-up, "repeat the above"); fitted on the
        bundled encoder's vectors, so None with any other embedder."""
        self.polarity = polarity
        """Reads what the answer says about each key point (states, contradicts, absent) and decides the level and
        score from those verdicts; without it (the hashed test embeddings) the similarity matcher alone grades."""
        self.model = model
        self.cross = cross if model.cross else None
        """Re-reads the match with a bare reference answer (the model says how its verdict joins the features')."""
        self.rubric = rubric
        self.bars = rubric.bars if rubric else LevelBars()
        self.nearest_other = nearest_other
        # Corpus texts (questions, references, key points) are encoded once, not at every grade.
        self.known = KnownTexts(embedder)
        self._preparer: ThreadPoolExecutor | None = None

    def prepare(self, target: Target) -> None:
        """Encode what grading `target` needs from the corpus, so the answer's grade only encodes the answer."""
        q_stems = frozenset(content_stems(target.question))
        question = self.known.encoded(target.question, frozenset())
        for text in (*target.references, *(k.text for k in target.key_points), *target.misconceptions):
            self.known.encoded(text, q_stems)
        refs = [*(k.text for k in target.key_points), *target.misconceptions]
        if refs:
            self.known.batch(refs, question, q_stems)

    def prepare_soon(self, target: Target) -> None:
        """`prepare` in the background while the candidate thinks (the question was just asked)."""
        if self._preparer is None:
            self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grader-prepare")
        self._preparer.submit(self._prepare_quietly, target)

    def _prepare_quietly(self, target: Target) -> None:
        try:
            self.prepare(target)
        except Exception as exc:  # the grade itself will meet (and report) the same problem
            log.warning("preparing %s failed: %s", target.id, exc)

    def score(self, target: Target, answer: str) -> float:
        """Only the 0-5 score, for bulk evaluation: the same guards and reference match, no per-point detail."""
        if target.level is not None:  # a corpus question: its score depends on the key points too
            return self.grade(target, answer).score
        _, guard, flags, graded, _read = self._guard(target, answer)
        if guard.cap == 0.0 or not graded.strip():
            return 0.0
        answer_enc, question, _, part_vecs, q_stems = self._encode_answer(target, graded)
        p_ref = self._reference_match(target, answer_enc, question, part_vecs, q_stems, flags)
        return round(min(guard.cap, 5 * p_ref), 2)

    def grade(self, target: Target, answer: str) -> Grade:
        text, guard, flags, graded, read = self._guard(target, answer)
        if guard.cap == 0.0:
            return self._zero(target, flags)
        scored = self._score(target, graded, flags, read)
        if "injection" in flags and graded != text:
            # Never let removing (or keeping) the injected part raise the grade: take the lower of both readings.
            full = self._score(target, drop_repeats(text)[0], [])
            if full.score < scored.score:
                scored.score, scored.criteria, scored.level = full.score, full.criteria, full.level
                scored.level_probs = full.level_probs
        scored.score = min(scored.score, guard.cap, OFF_TOPIC_CAP if "off_topic" in flags else 5.0)
        if guard.cap < 5.0 or "off_topic" in flags:
            scored.level = "none"
            scored.level_probs = None
        elif scored.level_probs is not None and target.coding is None:
            # A coding answer's score is settled with its tests (coding.code_grader.combine), which applies this too.
            scored.level, scored.score = consistent_grade(scored.level, scored.score, target.level)
        return self._finish(target, graded, scored, flags)

    # -- scoring ----------------------------------------------------------------------------------------------

    def _guard(self, target: Target, answer: str) -> tuple[str, GuardResult, list[str], str, str]:
        """The cleaned answer, the guards' verdict, the flags so far, the part of the answer to grade, and the part
        read for key points (the same, or with the terse lines the relative on-topic floor drops)."""
        raw = answer or ""
        text = clean(raw)
        ref_words = max((len(words(r)) for r in target.references), default=0)
        guard = run_guards(text, raw, target.question, ref_words, target.about_injection)
        flags = list(guard.flags)
        graded, read = ("", "") if guard.cap == 0.0 else self._on_topic(target, guard.graded_text, flags)
        graded, repeated = drop_repeats(graded)
        if repeated:
            flags.append("repetition")  # a copy earns nothing the first one did not
        return text, guard, flags, graded, drop_repeats(read)[0]

    def _reference_match(
        self,
        target: Target,
        answer: Encoded,
        question: Encoded,
        part_vecs: list[np.ndarray],
        q_stems: frozenset[str],
        flags: list[str],
    ) -> float:
        """How well the answer matches the best reference answer, as a probability (capped when off topic)."""
        refs = [self.known.encoded(r, q_stems) for r in target.references]
        rows = np.stack([pair_features(answer, r, question, part_vecs) for r in refs])
        row = rows.max(axis=0)
        p_ref = float(self.model.prob(row)[0])
        if self.cross is not None and target.level is None:
            # Only a bare reference, as in the rows it was trained on. A corpus question's long, multi-part
            # reference would be cut to fit (and costs 20-40 ms a run); its key points carry that grade.
            close = self.cross.closeness(question.vec)
            # Far from its training questions its verdict does not count: no need to run it (0.5 says nothing).
            weighed = self.model.weighs_cross(row, close)
            p_cross = (
                max(self.cross.prob(r, answer.text, target.question) for r in target.references)
                if weighed
                else 0.5
            )
            p_ref = self.model.with_cross(row, p_ref, p_cross, close)
        if self._off_topic(target.id, answer, question, refs):
            flags.append("off_topic")
            p_ref = min(p_ref, 0.05)
        return p_ref

    def _on_topic(self, target: Target, text: str, flags: list[str]) -> tuple[str, str]:
        """The answer less sentences unrelated to the question (appended text can dilute, but never earn, credit), and
        the answer less only those under the absolute floor, in which key points are read (LENIENT_EVIDENCE_AT);
        both less the sentences addressed to an assistant (`_drop_addressed`)."""
        if len(spans(text, clauses=False)) < 2:
            return text, text
        sentences, vecs = sentence_vectors(self.embedder, text)
        if self.addressed is not None and not target.about_injection:
            text, sentences, vecs = self._drop_addressed(text, sentences, vecs, flags)
            if len(sentences) < 2:
                return text, text
        q_stems = frozenset(content_stems(target.question))
        anchors = np.stack(
            [self.known.encoded(target.question, frozenset()).vec]
            + [
                self.known.encoded(t, q_stems).vec
                for t in (*target.references, *(k.text for k in target.key_points))
            ]
        )
        sims = (vecs @ anchors.T).max(axis=1)
        floor = max(TOPIC_MIN, TOPIC_RELATIVE * float(sims.max()))
        keep = [s for s, sim in zip(sentences, sims, strict=True) if sim >= floor]
        if len(keep) == len(sentences) or not keep:
            return text, text
        flags.append("off_topic_parts")
        lenient = [s for s, sim in zip(sentences, sims, strict=True) if sim >= TOPIC_MIN]
        read = text if len(lenient) == len(sentences) else join_sentences(s.text for s in lenient)
        return join_sentences(s.text for s in keep), read

    def _drop_addressed(
        self, text: str, sentences: list[Span], vecs: np.ndarray, flags: list[str]
    ) -> tuple[str, list[Span], np.ndarray]:
        """The answer less its sentences addressed to an assistant, and ended at the first one the model is sure of
        (as `run_guards` ends it at a pattern; all but those sentences when the answer opens with one). Below that,
        a false alarm (one in about 3,400 sentences of real answers on dev) costs one sentence, not the rest."""
        assert self.addressed is not None
        hit, ends = self.addressed.flagged([s.text for s in sentences], vecs)
        if not hit.any():
            return text, sentences, vecs
        if "injection" not in flags:
            flags.append("injection")
        first = int(np.argmax(ends)) if ends.any() else len(sentences)
        keep = np.flatnonzero(~hit[:first]) if first else np.flatnonzero(~hit)
        return join_sentences(sentences[i].text for i in keep), [sentences[i] for i in keep], vecs[keep]

    def _encode_answer(
        self, target: Target, text: str
    ) -> tuple[Encoded, Encoded, list[Span], list[np.ndarray], frozenset[str]]:
        q_stems = frozenset(content_stems(target.question))
        question = self.known.encoded(target.question, frozenset())
        passage = self.embedder.passages([text])[0]
        answer = encode(self.embedder, text, q_stems, within=(passage, 0))
        parts = spans(text)
        part_vecs = list(passage.pooled_many([(p.start, p.end) for p in parts])) if parts else [answer.vec]
        return answer, question, parts, part_vecs, q_stems

    def features(self, target: Target, text: str) -> np.ndarray:
        """Feature row of an answer against the target's reference answer(s): element-wise best over references.

        The score model is fitted on exactly these rows (training/fit_grader.py), so training and serving agree.
        """
        answer, question, _, part_vecs, q_stems = self._encode_answer(target, clean(text))
        rows = [
            pair_features(answer, self.known.encoded(r, q_stems), question, part_vecs)
            for r in target.references
        ]
        return np.max(np.stack(rows), axis=0)

    def _score(self, target: Target, text: str, flags: list[str], read: str | None = None) -> Scored:
        if not text.strip():
            empty = [Criterion(id=k.id, level=k.level, weight=k.weight, met=0.0) for k in target.key_points]
            return Scored(0.0, 0.0, empty, "none")
        answer, question, parts, part_vecs, q_stems = self._encode_answer(target, text)
        p_ref = self._reference_match(target, answer, question, part_vecs, q_stems, flags)

        # A key point is one claim: it is matched against each sentence or clause (and pairs of neighbouring
        # sentences), so a long answer on the topic does not get credit for claims it never makes.
        units, lenient = self._read_units(target, text, read, answer, parts)
        # Key points and stated misconceptions are matched in one pass: one stack of references per question.
        n_points = len(target.key_points)
        refs = [*(k.text for k in target.key_points), *target.misconceptions]
        probs = self._match(units, refs, question, q_stems, n_points, target.kind, lenient)
        if self.polarity is not None and target.level is not None:
            scored = self.polarity.score(target, units[1].texts, probs, p_ref)
            if "off_topic" in flags:
                for c in scored.criteria:  # an answer to another question is quoted for nothing, as below
                    c.met, c.evidence = min(c.met, 0.05), ""
            # The flag keeps the similarity rule fitted for it (training/fit_misconceptions.py): read on real
            # answers, the verifier takes a misconception's on-topic neighbours for it far too often. Its own
            # reading stays a score feature, where the fitted weight says how far to trust it.
            scored.stated = misconception_quote(
                probs[:n_points], probs[n_points:], target.misconceptions, units[1].texts
            )
            if scored.stated is not None:
                flags.append("misconception")
            return scored
        criteria = []
        for kp, kp_probs in zip(target.key_points, probs[:n_points], strict=True):
            met = float(kp_probs.max())
            if "off_topic" in flags:
                met = min(met, 0.05)
            evidence = self._evidence(units[1].texts, kp_probs) if met >= EVIDENCE_AT else ""
            criteria.append(
                Criterion(id=kp.id, level=kp.level, weight=kp.weight, met=round(met, 3), evidence=evidence)
            )

        level = self._level(criteria)
        score = self._combine(target, criteria, p_ref)
        wrong = stated_misconception(probs[:n_points], probs[n_points:])
        stated = None
        if wrong:
            flags.append("misconception")
            score = max(0.0, score - MISCONCEPTION_PENALTY * wrong)
            stated = misconception_quote(
                probs[:n_points], probs[n_points:], target.misconceptions, units[1].texts
            )
        return Scored(score, p_ref, criteria, level, misconception=wrong, stated=stated)

    def _match(
        self,
        units: tuple[Encoded, Units],
        refs: list[str],
        question: Encoded,
        q_stems: frozenset[str],
        same_polarity_from: int | None = None,
        kind: str = "",
        lenient: list[str] | None = None,
    ) -> np.ndarray:
        """Probability that each unit states each reference: shape (len(refs), number of units).

        From reference `same_polarity_from` on (stated misconceptions), a unit that negates the reference where
        the reference does not (or the other way round) does not state it: "trees do not need scaling"
        contradicts the misconception "trees need scaling". A unit holding a `lenient` sentence (one only the
        relative on-topic floor drops) states a reference only at LENIENT_EVIDENCE_AT or above.
        """
        answer, spans_ = units
        if not refs or not spans_.texts:
            return np.zeros((len(refs), len(spans_.texts)))
        rows = unit_features(answer, spans_, self.known.batch(refs, question, q_stems), question)
        probs = self.model.point_prob(rows.reshape(-1, rows.shape[-1]), kind).reshape(rows.shape[:2]).T
        for i, ref in enumerate(refs):
            if numbered_names(ref):  # most references name no L1, fp16 or GPT-4: nothing to check
                for j, unit in enumerate(spans_.texts):
                    if names_a_sibling(ref, unit):  # about L1 where the point is about L2: not stated
                        probs[i, j] = 0.0
        if same_polarity_from is not None:
            agree = rows[:, same_polarity_from:, FEATURES.index("neg_mismatch")].T == 0
            probs[same_polarity_from:] *= agree
        for j, unit in enumerate(spans_.texts):
            if lenient and any(sentence in unit for sentence in lenient):
                probs[:, j] = np.where(probs[:, j] >= LENIENT_EVIDENCE_AT, probs[:, j], 0.0)
        return probs

    @staticmethod
    def _evidence(texts: list[str], probs: np.ndarray) -> str:
        """The shortest unit that states the point about as well as the best one: a clause over two sentences."""
        near = np.flatnonzero(probs >= probs.max() - EVIDENCE_SLACK)
        return min((texts[i] for i in near), key=len)

    def _read_units(
        self, target: Target, text: str, read: str | None, answer: Encoded, parts: list[Span]
    ) -> tuple[tuple[Encoded, Units], list[str]]:
        """The units key points are read in: those of `read` when it holds more than the graded `text`, and the
        sentences only it holds (terse lines the relative on-topic floor drops: see LENIENT_EVIDENCE_AT)."""
        if not read or read == text:
            return self._units(answer, text, parts), []
        whole, _question, whole_parts, _vecs, _stems = self._encode_answer(target, read)
        lenient = [s.text for s in spans(read, clauses=False) if s.text not in text]
        return self._units(whole, read, whole_parts), lenient

    def _units(self, answer: Encoded, text: str, parts: list[Span]) -> tuple[Encoded, Units]:
        """Answer units a key point is matched against: sentences, clauses and neighbouring sentence pairs."""
        sentences = [
            p for p in parts if not any(o is not p and o.start <= p.start and p.end <= o.end for o in parts)
        ]
        ranges = [(p.start, p.end) for p in parts]
        ranges += [(a.start, b.end) for a, b in itertools.pairwise(sentences)]
        if len(sentences) <= 1:
            ranges.append((0, len(text)))
        seen: dict[str, tuple[int, int]] = {}
        for a, b in ranges:
            if text[a:b].strip():
                seen.setdefault(text[a:b], (a, b))
        # Every unit is a slice of the answer's one pass through the model: no model call per unit.
        return answer, Units.of(answer, self.embedder.passages([text])[0], list(seen.values()))

    def _off_topic(self, target_id: str, answer: Encoded, question: Encoded, refs: list[Encoded]) -> bool:
        own = max([float(answer.vec @ question.vec)] + [float(answer.vec @ r.vec) for r in refs])
        if own < OFF_TOPIC_COS:
            return True
        if self.nearest_other is None:
            return False
        # An answer to another question: much closer to that question than to this one.
        return self.nearest_other(answer.vec, target_id) > own + 0.15 and own < 0.35

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
        return self._finish(target, "", Scored(0.0, 0.0, criteria, "none"), flags)

    def _finish(self, target: Target, text: str, scored: Scored, flags: list[str]) -> Grade:
        criteria = scored.criteria
        missed = sorted(
            (c for c in criteria if c.met < self.bars.met_threshold or c.verdict == "contradicts"),
            key=lambda c: (c.verdict != "contradicts", LEVELS.index(c.level), -c.weight, c.met),
        )
        if scored.level_probs is not None:
            # The level model's own belief in the level shown (its temperature is fitted so that this is calibrated);
            # LEVEL_NEEDS_SCORE can show none where the model's most likely level is higher, and the range holds it.
            shown = VERDICT_ORDER.index(scored.level)
            confidence = float(scored.level_probs[shown])
            lo, hi = (VERDICT_ORDER.index(v) for v in plausible_range(scored.level_probs))
            level_range = [VERDICT_ORDER[min(lo, shown)], VERDICT_ORDER[max(hi, shown)]]
            level_probs = {
                v: round(float(p), 3) for v, p in zip(VERDICT_ORDER, scored.level_probs, strict=True)
            }
        else:
            margins = [abs(2 * c.met - 1) for c in criteria] or [0.0]
            confidence = 0.4 + 0.6 * float(np.mean(margins))
            level_range, level_probs = [], {}
        if flags:
            confidence *= 0.7 if set(flags) & {"injection", "keyword_list", "too_short"} else 0.9
        star = read_star(text) if target.kind == "behavioural" else None
        grade = Grade(
            question_id=target.id,
            score=round(max(0.0, min(5.0, scored.score)), 2),
            level=scored.level,
            level_range=level_range,
            level_probs=level_probs,
            asked_level=target.level,
            criteria=criteria,
            missed=[c.id for c in missed],
            flags=sorted(set(flags)),
            misconception=scored.stated if "misconception" in flags else None,
            confidence=round(min(1.0, confidence), 3),
            reference_similarity=round(scored.reference_match, 3),
            star=star,
        )
        grade.dimensions = dimension_scores(
            self.embedder, self.rubric, target.kind, target.topic, text, grade
        )
        build_feedback(grade, target, self.rubric, text)
        return grade
