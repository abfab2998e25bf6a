"""Grade the golden answers the one way both the golden file's writer and its test do."""

from __future__ import annotations

from typing import Any

VOLATILE = ("ms",)
"""Fields of a grade that measure time, not behaviour: left out of the comparison."""


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def grade_all(services: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item ({id, case, answer}) with the grade JSON of its answer, through the composition root's grader."""
    from interviewer.domain.target import Target

    corpus = services.corpus
    out = []
    for item in items:
        qid = item["id"]
        if "#" in qid:
            sid, stage_id = qid.split("#", 1)
            scenario = next(s for s in corpus.scenarios if s.id == sid)
            stage = next(st for st in scenario.stages if st.id == stage_id)
            target = Target.of(
                stage, level="mid", kind="case", topic=scenario.topic
            )  # as the engine builds it
        else:
            target = Target.of(corpus.by_id[qid])
        grade = services.grader.grade(target, item["answer"])
        out.append({**item, "grade": _strip(grade.model_dump(mode="json"))})
    return out
