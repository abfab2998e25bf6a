"""An LLM judge combined with the rubric grader when an OpenAI-compatible model is configured.

The judge can only move a key point with a quote that really is in the answer; everything it says without
evidence is dropped. The guards run first, so nothing the judge says can lift an empty or flagged answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from interviewer.domain.grades import Grade
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


class JudgedGrader:
    """The rubric grader plus an LLM judge; falls back to the rubric grade whenever the judge fails."""

    def __init__(self, rubric: RubricGrader, llm: ChatModel):
        self.base = rubric
        self.llm = llm

    def prepare_soon(self, target: Target) -> None:
        self.base.prepare_soon(target)

    def grade(self, target: Target, answer: str) -> Grade:
        grade = self.base.grade(target, answer)
        if set(grade.flags) & NO_JUDGE_FLAGS or not target.key_points:
            return grade
        text = clean(answer)
        points = "\n".join(f"- {k.id} ({k.level}): {k.text}" for k in target.key_points)
        messages = [
            {"role": "system", "content": _prompts()["judge_system"]},
            {
                "role": "user",
                "content": _prompts()["judge_user"].format(
                    question=target.question, points=points, answer=text.replace("</answer>", "<\\/answer>")
                ),
            },
        ]
        try:
            data = parse_judgement(self.llm.complete(messages, json_mode=True))
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
            quote = str(p.get("quote") or "").strip()
            try:
                met = float(p.get("met", 0))
            except (TypeError, ValueError):
                continue
            if not quote or quote not in text:
                met, quote = 0.0, ""  # a claim without a verbatim quote is dropped
            judged[str(p.get("id"))] = (max(0.0, min(1.0, met)), quote)
        if not judged:
            grade.flags = sorted({*grade.flags, "judge_failed"})
            return grade
        gaps = []
        for c in grade.criteria:
            if c.id not in judged:
                continue
            jmet, quote = judged[c.id]
            gaps.append(abs(jmet - c.met))
            c.met = round((c.met + jmet) / 2, 3)
            if not c.evidence and quote and jmet >= 0.5:
                c.evidence = quote
        cap = grade.score if "injection" in grade.flags else 5.0
        level = self.base._level(grade.criteria)
        score = min(cap, self.base._combine(target, grade.criteria, grade.reference_similarity))
        if "injection" in grade.flags:
            order = ["none", "junior", "mid", "senior"]
            level = order[min(order.index(level), order.index(grade.level))]  # type: ignore[assignment]
        grade.score, grade.level = round(score, 2), level
        grade.missed = [c.id for c in grade.criteria if c.met < self.base.bars.met_threshold]
        grade.graded_by = "rubric+llm"
        if gaps and sum(gaps) / len(gaps) > DISAGREE_AT:
            grade.flags = sorted({*grade.flags, "judge_disagrees"})
            grade.confidence = round(grade.confidence * 0.6, 3)
        return grade
