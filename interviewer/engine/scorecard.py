"""The scorecard at the end of a session: grades, a level estimate with a band, competencies, a study plan."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from interviewer.corpus.loader import Corpus
from interviewer.domain.questions import LEVELS, Verdict
from interviewer.domain.session import SessionState
from interviewer.domain.text import content_stems
from interviewer.engine.timing import mmss

_LEVEL_VALUE = {"none": 0.0, "junior": 1.0, "mid": 2.0, "senior": 3.0}
CODE_ONLY = ("correctness", "readability")
"""Dimensions only a coding answer has (set by the coding grader): shown apart, not on the competency radar."""
TOPIC_NAMES = {
    "agents": "Agents and tool use",
    "classical_nlp": "Classical NLP",
    "embeddings": "Embeddings and vector search",
    "evaluation": "Evaluation",
    "explainability": "Explainability",
    "leadership": "Leadership and collaboration",
    "llm_finetuning": "LLM fine-tuning",
    "llm_inference": "LLM inference and serving",
    "ml_foundations": "ML foundations",
    "mlops": "MLOps",
    "multilingual": "Multilingual NLP",
    "prompting_rag": "Prompting and RAG",
    "speech": "Speech and voice AI",
    "system_design": "ML system design",
    "transformers": "Transformers",
}


def topic_title(topic: str) -> str:
    """A topic as a candidate reads it (ids such as `prompting_rag` are for files and code)."""
    return TOPIC_NAMES.get(topic, topic.replace("_", " ").capitalize())


class QuestionResult(BaseModel):
    id: str
    question: str
    topic: str
    kind: str
    asked_level: str
    score: float
    level: Verdict
    skipped: bool = False
    follow_ups: int = 0
    hints: int = 0
    evidence: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    feedback: str = ""
    flags: list[str] = Field(default_factory=list)
    model_answer: str = ""
    time_s: float | None = None
    """Seconds taken over the answers to this question (paused time excluded); None when not measured."""
    over_time: bool = False
    """An answer came after the per-question timer (plus a grace); the score is left as graded."""


class Scorecard(BaseModel):
    session_id: str
    profile: str
    target_level: str
    track: str
    questions: list[QuestionResult]
    score: float
    """Mean score 0-5 over the questions asked (skips count as 0)."""
    level_estimate: Verdict
    level_band: tuple[Verdict, Verdict]
    """The plausible range of the level, from the spread of the per-question verdicts."""
    confidence: float
    competencies: dict[str, float]
    """Score 0-5 per competency of the rubric, by its name (Trade-offs, Production concerns ...)."""
    code: dict[str, float] = Field(default_factory=dict)
    """Coding answers only: hidden-test correctness and readability, 0-5 (empty without a coding question)."""
    topics: dict[str, float]
    """Mean score per topic, by topic id (`topic_title` gives its name)."""
    strengths: list[str]
    gaps: list[str]
    study_plan: list[str]
    job_skills: dict[str, bool] = Field(default_factory=dict)
    """Skills named in the job description and whether the interview covered them."""
    level_path: list[str] = Field(default_factory=list)
    timer_s: int = 0
    """The per-question timer in seconds (0: none)."""
    transcript: list[dict[str, Any]] = Field(default_factory=list)
    track_name: str = ""

    def markdown(self) -> str:
        lines = [
            f"# Interview scorecard ({self.track_name or self.track}, target {self.target_level})",
            "",
            f"**Overall score:** {self.score:.1f} / 5  ",
            f"**Level estimate:** {self.level_estimate} (plausible range {self.level_band[0]} to "
            f"{self.level_band[1]}, confidence {self.confidence:.0%})",
            "",
        ]
        if self.competencies:
            lines += ["## Competencies", "", "| competency | score |", "|---|---|"]
            lines += [f"| {k} | {v:.1f} |" for k, v in self.competencies.items()] + [""]
        if self.code:
            lines += ["## Code", "", "| coding answers | score |", "|---|---|"]
            lines += [f"| {k} | {v:.1f} |" for k, v in self.code.items()] + [""]
        lines += [
            "## Questions",
            "",
            "| # | question | asked at | score | level | time |",
            "|---|---|---|---|---|---|",
        ]
        for i, q in enumerate(self.questions, 1):
            status = "skipped" if q.skipped else f"{q.score:.1f}"
            took = "-" if q.time_s is None else mmss(q.time_s) + (" (over time)" if q.over_time else "")
            lines.append(f"| {i} | {q.question[:80]} | {q.asked_level} | {status} | {q.level} | {took} |")
        lines += ["", *self._timer_lines()]
        if self.strengths:
            lines += ["## Strengths", ""] + [f"- {s}" for s in self.strengths] + [""]
        if self.gaps:
            lines += ["## Gaps", ""] + [f"- {g}" for g in self.gaps] + [""]
        if self.job_skills:
            lines += ["## Job description coverage", ""]
            lines += [f"- {'covered' if v else 'not covered'}: {k}" for k, v in self.job_skills.items()] + [
                ""
            ]
        if self.study_plan:
            lines += ["## Study plan", ""] + [f"{i}. {s}" for i, s in enumerate(self.study_plan, 1)] + [""]
        lines += ["## Model answers", ""]
        for q in self.questions:
            lines += [f"**{q.question}**", "", q.model_answer, ""]
        return "\n".join(lines)

    def _timer_lines(self) -> list[str]:
        if not self.timer_s:
            return []
        over = [str(i) for i, q in enumerate(self.questions, 1) if q.over_time]
        lines = [f"Timer: {mmss(self.timer_s)} per answer."]
        if over:
            lines[0] += (
                f" Over time: question{'s' if len(over) > 1 else ''} {', '.join(over)}. The scores above are "
                "as graded: going over the time is noted here, not taken off the score."
            )
        return [*lines, ""]

    def to_json(self, extra: dict[str, Any] | None = None) -> str:
        """The scorecard as JSON, with `extra` top-level fields (e.g. reviewed grades) added."""
        return json.dumps({**self.model_dump(), **(extra or {})}, indent=1, ensure_ascii=False)


def _job_skills(jd: str, corpus: Corpus, asked_texts: list[str]) -> dict[str, bool]:
    """Glossary terms named in the job description, and whether the interview came to them: a question asked
    (its text, key points or model answer) names the term or one of its aliases. A question on the same topic
    that never names it does not count."""
    if not jd.strip():
        return {}
    jd_stems = set(content_stems(jd))
    asked = [set(content_stems(t)) for t in asked_texts]
    skills: dict[str, bool] = {}
    for e in corpus.glossary:
        names = [set(content_stems(n)) for n in (e.term, *e.aliases) if n]
        if any(n and n <= jd_stems for n in names):
            skills[e.term] = any(n and n <= text for n in names for text in asked)
    return dict(list(skills.items())[:15])


def _asked_text(item_id: str, corpus: Corpus) -> str:
    """What a question (or a scenario stage) put in front of the candidate, and what it looked for."""
    if "#" in item_id:
        sid, stage_id = item_id.split("#", 1)
        stage = next(s for s in corpus.scenario(sid).stages if s.id == stage_id)
        return " ".join([stage.text, stage.reference_answer, *(k.text for k in stage.key_points)])
    q = corpus.by_id[item_id]
    return " ".join([q.text, q.reference_answer, *(k.text for k in q.key_points)])


def build_scorecard(state: SessionState, corpus: Corpus, embedder: Any = None) -> Scorecard:
    results: list[QuestionResult] = []
    comp: dict[str, list[float]] = defaultdict(list)
    topics: dict[str, list[float]] = defaultdict(list)
    strengths, gaps = [], []
    for item in state.items:
        g = item.grade
        if g is None:
            continue
        if "#" in item.id:
            sid, stage_id = item.id.split("#", 1)
            sc = corpus.scenario(sid)
            stage = next(s for s in sc.stages if s.id == stage_id)
            text, model_answer = f"{sc.title} / {stage.name}: {stage.text}", stage.reference_answer
        else:
            q = corpus.by_id[item.id]
            text, model_answer = q.text, q.reference_answer
        results.append(
            QuestionResult(
                id=item.id,
                question=text,
                topic=item.topic,
                kind=item.kind,
                asked_level=item.level,
                score=g.score,
                level=g.level,
                skipped=item.skipped,
                follow_ups=len(item.probes_asked),
                hints=item.hints,
                evidence=g.strengths,
                gaps=g.gaps,
                feedback=g.feedback,
                flags=g.flags,
                model_answer=model_answer,
                time_s=item.time_s,
                over_time=item.over_time,
            )
        )
        topics[item.topic].append(g.score)
        for dim, val in g.dimensions.items():
            comp[dim].append(val)
        strengths += [f"{s} ({topic_title(item.topic)})" for s in g.strengths[:1] if g.score >= 3]
        gaps += [f"{topic_title(item.topic)}: {gap}" for gap in g.gaps[:1]]
    scores = np.array([r.score for r in results]) if results else np.zeros(1)
    values = np.array([_LEVEL_VALUE[r.level] for r in results if not r.skipped] or [0.0])
    mean_level = float(np.mean(values))
    spread = float(np.std(values) / np.sqrt(len(values))) if len(values) > 1 else 1.0
    names = ["none", *LEVELS]

    def to_level(v: float) -> Verdict:
        return names[int(np.clip(round(v), 0, 3))]  # type: ignore[return-value]

    topic_means = {t: round(float(np.mean(v)), 2) for t, v in topics.items()}
    names_of = {d.id: d.name for d in corpus.rubric.dimensions} if corpus.rubric else {}
    weak = sorted(topic_means, key=lambda t: topic_means[t])
    plan = [
        f"Review {topic_title(t)}: mean score {topic_means[t]:.1f}/5" for t in weak if topic_means[t] < 3.5
    ][:5]
    if not plan and results:
        plan = [
            "Practise at the next level up: answers were solid, so add trade-offs, scale and production concerns."
        ]
    return Scorecard(
        session_id=state.id,
        profile=state.profile,
        target_level=state.setup.level,
        track=state.setup.track,
        questions=results,
        score=round(float(scores.mean()), 2),
        level_estimate=to_level(mean_level),
        level_band=(to_level(mean_level - 1.96 * spread), to_level(mean_level + 1.96 * spread)),
        confidence=round(float(np.clip(1 - spread / 1.5, 0.05, 0.95)), 2),
        competencies={
            names_of.get(k, k): round(float(np.mean(v)), 2) for k, v in comp.items() if k not in CODE_ONLY
        },
        code={k.capitalize(): round(float(np.mean(comp[k])), 2) for k in CODE_ONLY if k in comp},
        topics=topic_means,
        strengths=strengths[:5],
        gaps=gaps[:6],
        study_plan=plan,
        job_skills=_job_skills(
            state.setup.job_description, corpus, [_asked_text(i.id, corpus) for i in state.items if i.grade]
        ),
        level_path=list(state.level_path),
        timer_s=state.setup.timer_s,
        transcript=[t.model_dump() for t in state.turns],
        track_name=next((t.name for t in corpus.tracks if t.id == state.setup.track), ""),
    )
