"""Check an LLM-worded turn before it reaches the candidate; a turn that fails is replaced by its template.

A follow-up must ask (a question or a request) for its probe; a preamble (the words before a main question) must
not ask at all. In neither may a statement give the answer away: a sentence that is not a question must not come
close to the key points' or the reference answer's text, unless that closeness comes from the question, the
probe or the candidate's own words (a probe may restate its premise and name its key term). No turn may talk
about the candidate in the third person, repeat its instructions, speak of grading, or stop mid-sentence.

The wording rules are in `turn_rules`; the closeness is measured with the bundled MiniLM sentence encoder, and
with the key-point verifier when the package ships one. A statement that asserts by its form (`turn_claims`: a
definition, a general law, a reason, advice, a leading question, a statement after the question) is also held to
its closeness to the topic (the question, the answer texts and the known misconceptions) when it brings enough
words of its own: such statements give answers, right or wrong, in words far from the key points. The thresholds are fitted on labelled turns written by
someone else (training/fit_turn_check.py) and shipped in interviewer/data/turn_check.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from interviewer.domain.text import content_stems, spans
from interviewer.encoders.embeddings import Embedder
from interviewer.engine import turn_claims, turn_propositions, turn_rules, turn_statements
from interviewer.engine.turn_thresholds import Thresholds as Thresholds
from interviewer.engine.turn_thresholds import shipped_thresholds as shipped_thresholds

if TYPE_CHECKING:
    from interviewer.engine.turn_model import TurnModel
    from interviewer.grading.verifier import PointVerifier

TurnKind = Literal["follow_up", "preamble"]
PROBE_MARGIN = 0.0
"""How much more surely than its probe a follow-up's question must state the point to count as proposing it."""
MAX_CHARS = 700
"""Longer than any turn the prompts ask for (a few sentences): a reply that runs on is not a turn."""


@dataclass(frozen=True)
class TurnContext:
    """What a turn is checked against. `answer_texts`: the key points and reference answer of the question."""

    kind: TurnKind
    question: str
    answer_texts: tuple[str, ...]
    probe: str = ""
    probe_points: tuple[str, ...] = ()
    candidate: str = ""
    instruction: str = ""
    """The instruction sent to the LLM, less the question and probe it quotes (to catch an echo of it)."""
    wrong_texts: tuple[str, ...] = ()
    """The question's known misconceptions: a statement close to one gives a wrong answer."""
    key_points: tuple[str, ...] = ()
    """The question's key points (what a preamble must not give away, for the learned turn model)."""


@dataclass
class Features:
    """The measured side of one turn: per statement its closeness to the answer and to the context."""

    statements: list[str] = field(default_factory=list)
    answer_cos: list[float] = field(default_factory=list)
    context_cos: list[float] = field(default_factory=list)
    answer_terms: list[int] = field(default_factory=list)
    verifier_states: list[float] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    """Per statement, the form by which it asserts something (turn_claims; '' when it does not)."""
    premises: list[bool] = field(default_factory=list)
    """Per statement, whether a question builds on it ("P, so why ...?", "Since P, why ...?")."""
    topic_cos: list[float] = field(default_factory=list)
    """Per statement, its closeness to the question, the answer texts and the misconceptions."""
    novel_terms: list[int] = field(default_factory=list)
    """Per statement, its content words that the question, probe and candidate's answer do not contain."""
    question_states: float = 0.0
    """With the verifier: how surely what a follow-up's questions propose states a key point of its probe."""
    probe_states: float = 0.0
    """The same for the probe itself: a follow-up may restate its probe ("Would you still add X?") however
    surely the verifier reads that as the point (it misses polarity: "Does X free you from Y?" "states" "X does
    not free you from Y")."""
    probe_cos: float = 1.0
    question_cos: float = 0.0
    """A follow-up's closeness to the main question (whole turn or a clause that asks, as for probe_cos)."""


@dataclass(frozen=True)
class TurnVerdict:
    ok: bool
    reason: str = ""
    """empty, too_long, truncated, instruction_echo, third_person, reveals_grading, gives_hint, confirms_claim,
    leading_question, no_question, asks_question, premise, states_answer, proposes_answer, off_target or learned."""
    detail: str = ""


class TurnChecker:
    def __init__(
        self,
        embedder: Embedder,
        thresholds: Thresholds | None = None,
        verifier: PointVerifier | None = None,
        model: TurnModel | None = None,
    ):
        self.embedder = embedder
        self.thresholds = thresholds or shipped_thresholds()
        self.verifier = verifier if self.thresholds.uses_verifier() else None
        self.model = model if self.thresholds.learned_bad is not None else None

    def check(self, text: str, ctx: TurnContext) -> TurnVerdict:
        rule = self.rule_failure(text, ctx)
        if rule:
            return TurnVerdict(False, rule)
        f = self.features(text, ctx)
        stated = self.states_answer(f)
        if stated:
            return TurnVerdict(False, "states_answer", stated)
        if self.proposes_answer(f):
            return TurnVerdict(False, "proposes_answer", f"P(states) {f.question_states:.2f}")
        if ctx.kind == "follow_up" and self.off_probe(f):
            return TurnVerdict(
                False,
                "off_target",
                f"closeness to the probe {f.probe_cos:.2f}, to the question {f.question_cos:.2f}",
            )
        bad = self.learned_bad(text, ctx)
        if bad is not None:
            return TurnVerdict(False, "learned", f"P(bad) {bad:.2f}")
        return TurnVerdict(True)

    def learned_bad(self, text: str, ctx: TurnContext) -> float | None:
        """The learned turn model's P(bad) when it is at or above its threshold (None: passed, or no model)."""
        t = self.thresholds.learned_bad
        if self.model is None or t is None:
            return None
        ask = ctx.probe if ctx.kind == "follow_up" else ctx.question
        targets = ctx.probe_points if ctx.kind == "follow_up" else ctx.key_points
        p = self.model.p_bad(ctx.kind, ask, targets, text)
        return p if p >= t else None

    def off_probe(self, f: Features) -> bool:
        """Whether a follow-up asks something other than its probe."""
        t = self.thresholds
        return f.probe_cos < t.probe_cos or (f.probe_cos < t.probe_band and f.question_cos > f.probe_cos)

    def proposes_answer(self, f: Features) -> bool:
        """Whether a question hands over the probe's point by proposing it ("Could you cut the reasoning off
        halfway and see whether the answer changes?")."""
        t = self.thresholds.question_states
        return t is not None and proposed_beyond_probe(f) >= t

    def states_answer(self, f: Features) -> str:
        """The first statement that gives the answer away ('' when none)."""
        t = self.thresholds
        for i, sentence in enumerate(f.statements):
            close = f.answer_cos[i] >= t.answer_cos and f.answer_cos[i] - f.context_cos[i] >= t.answer_margin
            verified = t.verifier_states is not None and bool(f.verifier_states)
            if verified and t.verifier_states is not None and f.verifier_states[i] >= t.verifier_states:
                return sentence
            if close or f.answer_terms[i] >= t.answer_terms:
                return sentence
            asserts = bool(f.claims) and bool(f.claims[i])
            worked = asserts and f.claims[i] in turn_claims.WORKED
            # A general claim or a question's premise made of the context's own words ("X usually beats Y, so
            # why ...?") brings few new words; it still states a law or a fact, unless it is closer to what was
            # said than to the topic (a restatement of the question, probe or answer).
            general = (
                asserts
                and (f.claims[i] in turn_claims.GENERAL or (bool(f.premises) and f.premises[i]))
                and f.topic_cos[i] - f.context_cos[i] >= t.general_margin
            )
            if (
                asserts
                and f.topic_cos[i] >= t.claim_cos
                and (f.novel_terms[i] >= t.claim_novel or worked or general)
            ):
                return sentence
        return ""

    def rule_failure(self, text: str, ctx: TurnContext) -> str:
        """The first wording rule the turn breaks ('' when none)."""
        text = text.strip()
        if not text:
            return "empty"
        if len(text) > MAX_CHARS:
            return "too_long"
        if turn_rules.echoes_instruction(text, ctx.instruction, quoted=_quoted(ctx)):
            return "instruction_echo"
        if turn_rules.truncated(text):
            return "truncated"
        if turn_rules.third_person(text, _quoted(ctx)):
            return "third_person"
        if turn_rules.reveals_grading(text):
            return "reveals_grading"
        if turn_rules.gives_hint(text, _quoted(ctx)):
            return "gives_hint"
        said = turn_rules.sentences(text)
        if any(turn_claims.confirms(s, said[i - 1] if i else "") for i, s in enumerate(said)):
            return "confirms_claim"
        if turn_rules.attributes_unsaid(text, ctx.candidate):
            return "confirms_claim"
        if turn_rules.negative_question(text, _quoted(ctx)):
            return "leading_question"
        asks = [c for c in turn_rules.clauses(text) if c.asks]
        if ctx.kind == "follow_up" and not asks:
            return "no_question"
        if ctx.kind == "preamble" and any(c.text.endswith("?") for c in asks):
            return "asks_question"  # the main question follows at once: a second one only confuses
        if ctx.kind == "preamble" and turn_rules.preamble_premise(text, _quoted(ctx)):
            return "premise"
        if ctx.kind == "follow_up" and turn_rules.unfounded_premise(text, f"{_quoted(ctx)} {ctx.candidate}"):
            return "premise"
        return ""

    def sentence_failure(self, sentence: str, ctx: TurnContext, shown: str = "") -> str:
        """Whether one finished sentence of a streaming turn may be shown: '' when it may, else the reason.
        `shown`: the turn's sentences already shown (a statement after a question is read as a possible answer)."""
        if turn_rules.echoes_instruction(sentence, ctx.instruction, quoted=_quoted(ctx)):
            return "instruction_echo"
        if turn_rules.third_person(sentence, _quoted(ctx)):
            return "third_person"
        if turn_rules.reveals_grading(sentence):
            return "reveals_grading"
        if turn_rules.gives_hint(sentence, _quoted(ctx)):
            return "gives_hint"
        earlier = turn_rules.sentences(shown)
        if turn_claims.confirms(sentence, earlier[-1] if earlier else "") or turn_rules.attributes_unsaid(
            sentence, ctx.candidate
        ):
            return "confirms_claim"
        if turn_rules.negative_question(sentence, _quoted(ctx)):
            return "leading_question"
        if ctx.kind == "preamble" and any(
            c.asks and c.text.endswith("?") for c in turn_rules.clauses(sentence)
        ):
            return "asks_question"
        if ctx.kind == "preamble" and turn_rules.preamble_premise(sentence, _quoted(ctx)):
            return "premise"
        if ctx.kind == "follow_up" and turn_rules.unfounded_premise(
            sentence, f"{_quoted(ctx)} {ctx.candidate}"
        ):
            return "premise"
        f = self.features(sentence, ctx, shown)
        if self.states_answer(f):
            return "states_answer"
        if self.proposes_answer(f):
            return "proposes_answer"
        # The model reads whole turns, so it reads the turn so far as the candidate would see it. A follow-up
        # that has not asked yet is read as if it went on to ask its probe: read alone, an opening such as
        # "Okay, thanks." is a follow-up that asks nothing, which the model rightly calls bad as a whole turn.
        so_far = f"{shown}{sentence}".strip()
        if ctx.kind == "follow_up" and ctx.probe and not any(c.asks for c in turn_rules.clauses(so_far)):
            so_far = f"{so_far} {ctx.probe}"
        return "learned" if self.learned_bad(so_far, ctx) is not None else ""

    def features(self, text: str, ctx: TurnContext, before: str = "") -> Features:
        """The measured side of `text`; `before`: what the turn said ahead of it (read for its questions only)."""
        parts = turn_rules.clauses(text)
        statements = turn_statements.statements(parts)
        if before.strip():
            parts = [c for c in turn_rules.clauses(before) if c.asks] + parts
        context = [ctx.question, ctx.probe, *_sentences(ctx.candidate)]
        context = [c for c in context if c.strip()]
        answers = [t for a in ctx.answer_texts for t in _sentences(a)]
        f = Features(
            statements=statements,
            claims=[turn_statements.claim(s, parts) for s in statements],
            premises=[turn_statements.premise(s, parts) for s in statements],
        )
        if ctx.kind == "follow_up" and self.verifier is not None:
            f.question_states = turn_propositions.states_probe(self.verifier, text, ctx.probe_points)
            f.probe_states = turn_propositions.states_probe(self.verifier, ctx.probe, ctx.probe_points)
        if ctx.kind == "follow_up" and ctx.probe:
            whole = [text, *(c.text for c in parts if c.asks)]
            vecs = self.embedder.embed(whole)
            targets = self.embedder.embed([ctx.probe, *ctx.probe_points])
            f.probe_cos = float((vecs @ targets.T).max())
            f.question_cos = float((vecs @ self.embedder.embed([ctx.question]).T).max())
        if not statements or not answers:
            return f
        s_vecs = self.embedder.embed(statements)
        f.answer_cos = [float(x) for x in (s_vecs @ self.embedder.embed(answers).T).max(axis=1)]
        c_vecs = self.embedder.embed(context) if context else np.zeros((1, s_vecs.shape[1]), np.float32)
        f.context_cos = [float(x) for x in (s_vecs @ c_vecs.T).max(axis=1)]
        known = {s for c in context for s in content_stems(c)}
        answer_stems = {s for a in ctx.answer_texts for s in content_stems(a)}
        f.answer_terms = [len((set(content_stems(s)) & answer_stems) - known) for s in statements]
        topic = [ctx.question, *answers, *ctx.wrong_texts]
        f.topic_cos = [float(x) for x in (s_vecs @ self.embedder.embed(topic).T).max(axis=1)]
        f.novel_terms = [len(set(content_stems(s)) - known) for s in statements]
        if self.verifier is not None and self.thresholds.verifier_states is not None:
            v = self.verifier
            f.verifier_states = [max(float(v.probs(a, s)[1]) for a in ctx.answer_texts) for s in statements]
        return f


def proposed_beyond_probe(f: Features) -> float:
    """question_states where it exceeds the probe's own by PROBE_MARGIN, else 0 (a restated probe proposes
    nothing the probe did not)."""
    return f.question_states if f.question_states - f.probe_states > PROBE_MARGIN else 0.0


def _quoted(ctx: TurnContext) -> str:
    """What a turn may restate without it counting as its own words: the question and the probe."""
    return f"{ctx.question} {ctx.probe}"


def _sentences(text: str) -> list[str]:
    return [s.text for s in spans(text, clauses=False)] if text.strip() else []
