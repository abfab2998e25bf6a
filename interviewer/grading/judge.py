"""An LLM judge combined with the rubric grader when INTERVIEWER_LLM_JUDGE is on (off by default).

The judge can credit a key point only with a quote that really is in the answer (compared ignoring case and
spacing); a claim whose quote is missing or not in the answer is ignored, neither met nor missed, so dropped quotes
never pull a grade below the rubric's. A point the judge calls absent is averaged in. The guards run first, so
nothing the judge says can lift an empty or flagged answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from interviewer.domain.grades import Grade, consistent_grade
from interviewer.domain.questions import Verdict
from interviewer.domain.target import Target
from interviewer.domain.text import clean
from interviewer.grading.grader import RubricGrader
from interviewer.llm.providers import ChatModel, LLMError

DISAGREE_AT = 0.35
NO_JUDGE_FLAGS = {"empty", "dont_know", "gibberish", "off_topic", "keyword_list", "skipped"}


def _prompts() -> dict[str, str]:
    from interviewer.llm.prompts import prompts

    return prompts()


def parse_judgement(raw: str) -> dict[str, Any]:
    """The judge's JSON (also when wrapped in a code fence); raises ValueError when it is not usable."""
    text = raw.strip()
    fence = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    if fence:
        text = fence.group(1)
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("points"), list):
        raise ValueError("judge reply has no 'points' list")
    return data


def judge_messages(target: Target, answer: str) -> list[dict[str, str]]:
    """The judge's prompt: instructions in the system message, the answer as data inside <answer> tags."""
    points = "\n".join(f"- {k.id} ({k.level}): {k.text}" for k in target.key_points)
    user = _prompts()["judge_user"].format(
        question=target.question, points=points, answer=answer.replace("</answer>", "<\\/answer>")
    )
    return [{"role": "system", "content": _prompts()["judge_system"]}, {"role": "user", "content": user}]


def locate(quote: str, text: str) -> str:
    """The span of `text` that `quote` copies, ignoring case, spacing and wrapping quotes ('' when it does not)."""
    words = quote.strip().strip("\"'“”‘’.… ").split()
    if len(words) < 2:
        return ""
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text, re.I)
    return text[m.start() : m.end()] if m else ""


class JudgedGrader:
    """The rubric grader plus an LLM judge; falls back to the rubric grade whenever the judge fails."""

    def __init__(self, rubric: RubricGrader, llm: ChatModel, max_tokens: int = 600):
        self.base = rubric
        self.llm = llm
        self.max_tokens = max_tokens

    def prepare_soon(self, target: Target) -> None:
        self.base.prepare_soon(target)

    def grade(self, target: Target, answer: str) -> Grade:
        grade = self.base.grade(target, answer)
        if set(grade.flags) & NO_JUDGE_FLAGS or not target.key_points:
            return grade
        text = clean(answer)
        messages = judge_messages(target, text)
        try:
            data = parse_judgement(self.llm.complete(messages, json_mode=True, max_tokens=self.max_tokens))
        except (LLMError, ValueError) as exc:
            grade.flags = sorted({*grade.flags, "judge_failed"})
            grade.feedback += f" (LLM judge unavailable: {str(exc)[:60]}; rubric grade only.)"
            return grade
        return self.combine(grade, target, text, data)

    def combine(self, grade: Grade, target: Target, text: str, data: dict[str, Any]) -> Grade:
        judged: dict[str, tuple[float, str]] = {}
        for p in data["points"]:
            if not isinstance(p, dict):
                continue
            try:
                met = max(0.0, min(1.0, float(p.get("met", 0))))
            except (TypeError, ValueError):
                continue
            quote = locate(str(p.get("quote") or ""), text) if met > 0 else ""
            if met > 0 and not quote:
                continue  # a claim without a quote from the answer is ignored: neither met nor missed
            judged[str(p.get("id"))] = (met, quote)
        if not judged:
            grade.flags = sorted({*grade.flags, "judge_failed"})
            return grade
        before = [c.model_copy() for c in grade.criteria]
        gaps = []
        for c in grade.criteria:
            if c.id not in judged:
                continue
            jmet, quote = judged[c.id]
            gaps.append(abs(jmet - c.met))
            c.met = round((c.met + jmet) / 2, 3)
            if not c.evidence and quote and jmet >= 0.5:
                c.evidence = quote
        # Only the judge's change moves the grade: the rubric's own caps and penalties stay as they were.
        base, p_ref = self.base, grade.reference_similarity
        moved = base._combine(target, grade.criteria, p_ref) - base._combine(target, before, p_ref)
        cap = grade.score if "injection" in grade.flags else 5.0
        score = max(0.0, min(cap, grade.score + moved))
        order: list[Verdict] = ["none", "junior", "mid", "senior"]
        step = order.index(base._level(grade.criteria)) - order.index(base._level(before))
        # A level the rubric capped (guards, injection, its level model) is never raised by the judge.
        if "injection" in grade.flags or base._level(before) != grade.level:
            step = min(step, 0)
        level = order[max(0, min(len(order) - 1, order.index(grade.level) + step))]
        score = round(score, 2)
        if grade.level_probs and target.coding is None:
            # Graded by key-point verdicts: the judged level and score must agree as the rubric's do (a coding
            # answer's are settled with its tests, as in RubricGrader.grade).
            level, score = consistent_grade(level, score, grade.asked_level)
        grade.score, grade.level = score, level
        grade.missed = [c.id for c in grade.criteria if c.met < self.base.bars.met_threshold]
        grade.graded_by = "rubric+llm"
        if gaps and sum(gaps) / len(gaps) > DISAGREE_AT:
            grade.flags = sorted({*grade.flags, "judge_disagrees"})
            grade.confidence = round(grade.confidence * 0.6, 3)
        return grade
