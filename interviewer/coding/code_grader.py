"""Grade coding answers: hidden-test correctness from the sandbox, plus the rubric's reading of code and words."""

from __future__ import annotations

from typing import Protocol

from interviewer.coding.readability import readability
from interviewer.coding.values import extract_code
from interviewer.domain.grades import Grade, supported_level
from interviewer.domain.ports import Grader
from interviewer.domain.questions import LEVELS, CodingSpec, Verdict
from interviewer.domain.runs import RunResult
from interviewer.domain.target import Target

CORRECTNESS_SHARE = 0.7
"""Share of the 0-5 score that comes from the tests; the rest is the rubric (approach, complexity, edge cases)."""
HIDDEN_SHARE = 0.75
"""Within correctness, the weight of hidden tests against the visible examples."""
PARTIAL_AT = 0.5
"""Below this correctness the level is 'none'; between it and 1 the level is at most junior."""
NO_CODE_CAP = 2.0
VIOLATION_CAP = 1.0
LIMIT_STATUSES = {"cpu_limit", "memory_limit", "output_limit"}
PROSE_FLAGS = {"keyword_list", "off_topic_parts"}
"""Guards written for prose that code trips by its nature; dropped once the code has been run."""


class Runner(Protocol):
    def run(
        self, spec: CodingSpec, code: str, include_hidden: bool = True, guard: bool = True
    ) -> RunResult: ...


def correctness(run: RunResult) -> float:
    """0 to 1: mostly the hidden-test pass rate, with the visible examples counting a quarter, scaled by the share
    of random tests passed.

    The examples and hidden tests are written in the corpus, which is public, so passing them shows little unless
    the code also gets inputs drawn at run time right: a table of known answers earns nothing."""
    hidden, examples, drawn = run.pass_rate("hidden"), run.pass_rate("example"), run.pass_rate("random")
    if hidden is None and examples is None:
        return 0.0
    if hidden is None or examples is None:
        fixed = float(hidden if hidden is not None else examples or 0.0)
    else:
        fixed = HIDDEN_SHARE * hidden + (1 - HIDDEN_SHARE) * examples
    return fixed * (1.0 if drawn is None else drawn)


def _max(a: Verdict, b: Verdict) -> Verdict:
    order = ("none", *LEVELS)
    return a if order.index(a) >= order.index(b) else b


def _min(a: Verdict, b: Verdict) -> Verdict:
    return b if _max(a, b) == a else a


def run_notes(run: RunResult, limit: int = 3) -> str:
    """Feedback on the tests that names failing cases by what they exercise, never by their values."""
    if run.status in ("unavailable", "busy"):
        return f"The code was not run: {run.message}"
    if run.status == "load_error":
        return f"The code did not load: {run.message}."
    notes = [f"Tests: {run.summary()}."]
    failing = [t for t in run.tests if t.status in ("failed", "error", "timeout")]
    described = []
    for t in failing[:limit]:
        what = {"failed": "returned a wrong value", "timeout": "took too long"}.get(t.status)
        what = what or f"raised {t.error.split(':')[0]}"
        about = f" ({t.about})" if t.about and t.about != "a typical case" else ""
        described.append(f"{t.label}{about} {what}")
    if described:
        more = f" and {len(failing) - limit} more" if len(failing) > limit else ""
        notes.append("Failing: " + "; ".join(described) + more + ".")
    if run.status != "ok" and run.message:
        notes.append(run.message)
    if run.violations:
        notes.append("Refused by the sandbox: " + "; ".join(run.violations[:3]) + ".")
    return " ".join(notes)


def combine(rubric: Grade, run: RunResult, code: str = "") -> Grade:
    """One Grade from the rubric's reading of the answer, a static review of the code and its test results."""
    grade = rubric.model_copy(deep=True)
    grade.run = run
    flags = set(grade.flags) - PROSE_FLAGS
    style, style_notes = readability(code)
    grade.dimensions = {**grade.dimensions, "readability": style}
    if run.status in ("unavailable", "busy"):
        flags.add("not_run")
        grade.flags = sorted(flags)
        grade.feedback = f"{run_notes(run)} {grade.feedback}".strip()
        return grade
    rate = correctness(run)
    grade.dimensions["correctness"] = round(5 * rate, 2)
    score = 5 * (CORRECTNESS_SHARE * rate) + (1 - CORRECTNESS_SHARE) * rubric.score
    level: Verdict = rubric.level
    if run.all_passed:
        level = _max(level, "junior")
    elif rate >= PARTIAL_AT and run.status == "ok":
        level = _min(level, "junior")
    else:
        level = "none"
    if run.status == "load_error":
        flags.add("load_error")
    if any(not t.passed for t in run.tests):
        flags.add("tests_failed")
    if run.status == "timeout" or any(t.status == "timeout" for t in run.tests):
        flags.add("timeout")
    if run.status in LIMIT_STATUSES:
        flags.add("resource_limit")
    if run.violations:
        flags.add("sandbox_violation")
        score, level = min(score, VIOLATION_CAP), "none"
    grade.score = round(max(0.0, min(5.0, score)), 2)
    # Only the floor, not the cap of consistent_grade: the tests decide a solution's level here (one that passes
    # them all is junior at least, whatever its prose says), so a level under the asked one does not deny its score.
    grade.level = supported_level(level, grade.score, rubric.asked_level) if rubric.level_probs else level
    grade.flags = sorted(flags)
    grade.graded_by = grade.graded_by + "+tests"
    grade.confidence = round(min(1.0, 0.5 * grade.confidence + 0.5), 3)
    review = f"Readability: {'; '.join(style_notes)}." if style_notes else ""
    grade.feedback = " ".join(p for p in (run_notes(run), review, grade.feedback) if p)
    return grade


class CodingGrader:
    """Wraps the rubric (or judged) grader: coding questions with a spec also run the answer's code."""

    def __init__(self, inner: Grader, runner: Runner):
        self.inner = inner
        self.runner = runner

    def prepare_soon(self, target: Target) -> None:
        self.inner.prepare_soon(target)

    def grade(self, target: Target, answer: str) -> Grade:
        spec = target.coding
        rubric = self.inner.grade(target, answer)
        if spec is None or {"empty", "dont_know"} & set(rubric.flags):
            return rubric
        code, _ = extract_code(answer, spec.function)
        if not code:
            rubric.flags = sorted({*rubric.flags, "no_code"})
            rubric.score = min(rubric.score, NO_CODE_CAP)
            rubric.level = "none"
            rubric.feedback = (
                f"No code defining {spec.function}() was found, so correctness could not be checked; "
                f"submit the function in the code box (or a ```python block). {rubric.feedback}"
            ).strip()
            return rubric
        return combine(rubric, self.runner.run(spec, code), code)
