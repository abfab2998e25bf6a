"""Fast tier: value comparison, result parsing and redaction, and how test results combine with the rubric."""

from __future__ import annotations

import json

from interviewer.coding.grading import CodingGrader, combine, correctness
from interviewer.coding.models import RunResult, TestOutcome
from interviewer.coding.report import run_markdown
from interviewer.coding.results import build_result
from interviewer.coding.review import readability
from interviewer.coding.values import decode, describe_call, extract_code, same
from interviewer.grading.models import Criterion, Grade
from interviewer.models import CodeExample, CodingSpec

SPEC = CodingSpec(
    function="head",
    signature="def head(xs: list) -> object:",
    examples=[CodeExample(call="head([1, 2])", expected="1")],
    tests=[
        CodeExample(call="head([])", expected="None"),
        CodeExample(call="head([7, 8, 9])", expected="7"),
        CodeExample(call="head(list(range(1000)))", expected="0"),
    ],
)


def _events(pid: int, *events: dict) -> str:
    return "\n".join(json.dumps({**e, "pid": pid}) for e in events)


def _raw(results: str, **extra: object) -> dict:
    return {"pid": 42, "returncode": 0, "results": results, "output": "", "ms": 5.0, **extra}


def test_values_compare_like_a_reviewer_would():
    assert same(decode({"__tuple__": [1, [2.0000000001]]}), (1, [2]))
    assert same([1, 2], (1, 2))
    assert not same(True, 1) and not same(1, True)
    assert same(decode({"__float__": "nan"}), float("nan"))
    assert same(decode({"__set__": [1, 2]}), {2, 1})
    assert same(decode({"__dict__": [[1, "a"]]}), {1: "a"})
    assert not same(decode({"__repr__": "<obj>", "__type__": "Thing"}), "<obj>")
    assert not same(0.1, 0.2)


def test_describe_call_says_what_a_test_exercises_without_its_values():
    assert describe_call("f([], 3)") == "an empty input"
    assert describe_call("f('', [5])") == "an empty input and a single-element input"
    assert describe_call("f(list(range(10)))") == "a generated, larger input"
    assert describe_call("f([1, 2], 0.0)") == "a zero argument"
    assert describe_call("f(-3)") == "a negative number"
    assert describe_call("f([4, 5, 6])") == "a typical case"


def test_extract_code_takes_the_last_block_that_defines_the_function():
    answer = "First try:\n```python\ndef head(xs): return 0\n```\nFixed:\n```python\ndef head(xs):\n    return xs[0]\n```\nO(1)."
    code, words = extract_code(answer, "head")
    assert code == "def head(xs):\n    return xs[0]"
    assert "O(1)" in words and "def head" not in words
    assert extract_code("def head(xs):\n    return None", "head")[0].startswith("def head")
    assert extract_code("I would return the first item.", "head") == ("", "I would return the first item.")


def test_results_redact_hidden_tests_and_mark_the_one_that_was_running():
    results = (
        _events(
            42,
            {"event": "loaded", "ok": True, "error": "", "ms": 1, "output": ""},
            {"event": "start", "i": 0},
            {"event": "result", "i": 0, "status": "returned", "value": 1, "ms": 0.1, "output": "hi"},
            {"event": "start", "i": 1},
            {
                "event": "result",
                "i": 1,
                "status": "raised",
                "error_type": "IndexError",
                "error": "xs=[] 0",
                "line": 2,
            },
            {"event": "start", "i": 2},
        )
        + "\n"
        + _events(99, {"event": "result", "i": 2, "status": "returned", "value": 7})
    )  # a forked child
    run = build_result(SPEC, _raw(results, timed_out=True), True, {}, [], 1000)
    assert run.status == "timeout"
    ex, h1, h2, h3 = run.tests
    assert (ex.kind, ex.status, ex.call, ex.got, ex.output) == (
        "example",
        "passed",
        "head([1, 2])",
        "1",
        "hi",
    )
    assert (h1.status, h1.error, h1.about, h1.label) == (
        "error",
        "IndexError",
        "an empty input",
        "hidden test 1 of 3",
    )
    assert h2.status == "timeout" and h3.status == "not_run"
    dumped = run.model_dump_json()
    for secret in ("head([7, 8, 9])", "xs=[]", "range(1000)"):
        assert secret not in dumped  # hidden calls, values and messages never leave the runner


def test_results_report_load_errors_limits_and_crashes():
    loaded = {"event": "loaded", "ok": False, "error": "SyntaxError: invalid syntax (line 1)", "ms": 1}
    run = build_result(SPEC, _raw(_events(42, loaded)), True, {}, [], 1000)
    assert run.status == "load_error" and "SyntaxError" in run.message
    assert {t.status for t in run.tests} == {"not_run"}
    ok = {"event": "loaded", "ok": True, "error": "", "ms": 1, "output": ""}
    assert (
        build_result(SPEC, _raw(_events(42, ok), output_overflow=True), True, {}, [], 10).status
        == "output_limit"
    )
    assert build_result(SPEC, _raw(_events(42, ok), returncode=-24), True, {}, [], 10).status == "cpu_limit"
    assert build_result(SPEC, _raw(_events(42, ok), returncode=3), True, {}, [], 10).status == "crashed"
    launcher = {"event": "launcher_error", "error": "mount failed"}
    assert build_result(SPEC, _raw(_events(42, launcher)), True, {}, [], 10).status == "unavailable"


def _rubric(score: float = 3.0, level: str = "mid") -> Grade:
    crit = [Criterion(id="k", level="junior", met=0.8)]
    return Grade(
        question_id="q", score=score, level=level, criteria=crit, confidence=0.6, feedback="Rubric says hi."
    )


def _run(statuses: list[str], status: str = "ok", violations: list[str] | None = None) -> RunResult:
    tests = [
        TestOutcome(
            kind="example" if i == 0 else "hidden",
            index=max(1, i),
            of=len(statuses) - 1,
            status=s,
            about="an empty input" if i == 2 else "",
            error="IndexError" if s == "error" else "",
        )
        for i, s in enumerate(statuses)
    ]
    return RunResult(status=status, tests=tests, violations=violations or [])


def test_combine_scores_mostly_from_hidden_tests_and_gates_the_level():
    good = combine(_rubric(), _run(["passed"] * 5))
    assert good.score == round(5 * 0.7 + 0.3 * 3.0, 2) and good.level == "mid"
    assert (
        combine(_rubric(1.0, "none"), _run(["passed"] * 5)).level == "junior"
    )  # working code earns the junior bar
    partial = combine(_rubric(), _run(["passed", "passed", "error", "passed", "passed"]))
    assert partial.level == "junior" and "tests_failed" in partial.flags
    assert "hidden test 2 of 4 (an empty input) raised IndexError" in partial.feedback
    poor = combine(_rubric(), _run(["passed", "failed", "failed", "failed", "passed"]))
    assert poor.level == "none" and poor.score < partial.score < good.score
    assert correctness(_run(["failed", "passed", "passed"])) == 0.75


def test_combine_flags_timeouts_limits_violations_and_unrun_code():
    slow = combine(_rubric(), _run(["passed", "timeout", "not_run"], status="timeout"))
    assert {"timeout", "tests_failed"} <= set(slow.flags) and slow.level == "none"
    bad = combine(_rubric(5.0, "senior"), _run(["passed"] * 3, violations=["tried to open /etc/shadow"]))
    assert "sandbox_violation" in bad.flags and bad.score <= 1.0 and bad.level == "none"
    unrun = combine(_rubric(), RunResult(status="unavailable", message="no numpy"))
    assert "not_run" in unrun.flags and unrun.score == 3.0 and "no numpy" in unrun.feedback


def test_coding_grader_needs_code_and_leaves_other_questions_alone():
    class Rubric:
        embedder = "emb"

        def grade(self, target, answer):
            return _rubric()

    class Runner:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def run(self, spec, code, include_hidden=True, guard=True):
            self.calls.append(code)
            return _run(["passed"] * 3)

    from interviewer.grading.target import Target

    runner = Runner()
    grader = CodingGrader(Rubric(), runner)
    assert grader.embedder == "emb"
    target = Target(
        id="q", question="Write head.", references=["r"], key_points=[], level="junior", coding=SPEC
    )
    prose = grader.grade(target, "I would return the first element.")
    assert "no_code" in prose.flags and prose.score <= 2.0 and prose.level == "none" and not runner.calls
    graded = grader.grade(target, "```python\ndef head(xs):\n    return xs[0] if xs else None\n```")
    assert runner.calls == ["def head(xs):\n    return xs[0] if xs else None"] and graded.run is not None
    plain = Target(id="c", question="Explain.", references=["r"], key_points=[], level="junior")
    assert grader.grade(plain, "```python\ndef head(xs): ...\n```").run is None


def test_readability_and_report():
    tidy = 'def head(xs):\n    """First item or None."""\n    return xs[0] if xs else None\n'
    assert readability(tidy) == (5.0, [])
    nested = (
        "def f(q):\n"
        + "".join("    " * (d + 1) + f"for v{d} in q:\n" for d in range(6))
        + "    " * 7
        + "pass\n"
    )
    score, notes = readability(nested)
    assert score < 5 and any("nested" in n for n in notes)
    assert readability("def (:")[0] == 0.0
    text = run_markdown(_run(["failed", "passed"]))
    assert "| hidden test 1 of 1 |" in text and "passed 0/1 examples and 1/1 hidden tests" in text
