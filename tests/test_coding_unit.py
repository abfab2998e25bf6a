"""Fast tier: value comparison, result parsing and redaction, and how test results combine with the rubric."""

from __future__ import annotations

import re

import pytest

from interviewer.coding import wire
from interviewer.coding.code_grader import CodingGrader, combine, correctness
from interviewer.coding.readability import readability
from interviewer.coding.report import run_markdown
from interviewer.coding.results import Collected, Planned, build_result
from interviewer.coding.values import decode, describe_call, extract_code, literal, same
from interviewer.domain.grades import Criterion, Grade
from interviewer.domain.questions import CodeExample, CodingSpec, Question, generator_problem
from interviewer.domain.runs import RunResult, TestOutcome

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


def _planned(spec: CodingSpec = SPEC, drawn: int = 0) -> list[Planned]:
    tests = [
        Planned("example", literal(t.expected), call=t.call, expected_text=t.expected) for t in spec.examples
    ]
    tests += [
        Planned("hidden", literal(t.expected), call=t.call, about=describe_call(t.call)) for t in spec.tests
    ]
    return tests + [Planned("random", k, args=[[k, 99]], about="a random input") for k in range(drawn)]


def _seen(results: dict[int, dict] | None = None, loaded: bool = True, **extra: object) -> Collected:
    seen = Collected(
        loaded={"event": "loaded", "ok": True, "error": "", "ms": 1, "output": ""} if loaded else None,
        results=results or {},
        sent=set(results or {}),
        done=True,
        returncode=0,
        ms=5.0,
    )
    for key, value in extra.items():
        setattr(seen, key, value)
    return seen


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
    results = {
        0: {"status": "returned", "value": 1, "ms": 0.1, "output": "hi"},
        1: {"status": "raised", "error_type": "IndexError", "error": "xs=[] 0", "line": 2},
    }
    seen = _seen(results, timed_out=True, done=False)
    seen.sent.add(2)  # the call in flight when the clock ran out
    run = build_result(_planned(), seen, True, {}, [], 1000)
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


def test_random_tests_are_compared_in_the_parent_and_redacted():
    results = {i: {"status": "returned", "value": 1 if i == 0 else 7} for i in range(4)}
    results |= {4: {"status": "returned", "value": 0}, 5: {"status": "returned", "value": 5}}
    run = build_result(_planned(drawn=2), _seen(results), True, {}, [], 1000)
    first, second = run.of_kind("random")
    assert (first.status, second.status, first.label) == ("passed", "failed", "random test 1 of 2")
    assert first.about == "a random input" and not (first.call or first.expected or first.got)
    assert run.summary() == "passed 1/1 examples and 1/3 hidden tests and 1/2 random tests"
    assert "99" not in run.model_dump_json()  # the drawn arguments stay in the parent


def test_results_report_load_errors_limits_and_crashes():
    failed = {"event": "loaded", "ok": False, "error": "SyntaxError: invalid syntax (line 1)", "ms": 1}
    run = build_result(_planned(), _with_loaded(failed), True, {}, [], 1000)
    assert run.status == "load_error" and "SyntaxError" in run.message
    assert {t.status for t in run.tests} == {"not_run"}
    assert build_result(_planned(), _seen(overflow=True), True, {}, [], 10).status == "output_limit"
    assert build_result(_planned(), _seen(returncode=-24, done=False), True, {}, [], 10).status == "cpu_limit"
    assert build_result(_planned(), _seen(returncode=3, done=False), True, {}, [], 10).status == "crashed"
    assert build_result(_planned(), _seen(stuck=True), True, {}, [], 10).status == "timeout"
    broken = _seen(loaded=False, launcher_error="mount failed")
    assert build_result(_planned(), broken, True, {}, [], 10).status == "unavailable"


def _with_loaded(event: dict) -> Collected:
    seen = _seen()
    seen.loaded = event
    return seen


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
        def __init__(self) -> None:
            self.prepared: list[str] = []

        def grade(self, target, answer):
            return _rubric()

        def prepare_soon(self, target):
            self.prepared.append(target.id)

    class Runner:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def run(self, spec, code, include_hidden=True, guard=True):
            self.calls.append(code)
            return _run(["passed"] * 3)

    from interviewer.domain.target import Target

    runner = Runner()
    rubric = Rubric()
    grader = CodingGrader(rubric, runner)
    target = Target(
        id="q", question="Write head.", references=["r"], key_points=[], level="junior", coding=SPEC
    )
    prose = grader.grade(target, "I would return the first element.")
    assert "no_code" in prose.flags and prose.score <= 2.0 and prose.level == "none" and not runner.calls
    graded = grader.grade(target, "```python\ndef head(xs):\n    return xs[0] if xs else None\n```")
    assert runner.calls == ["def head(xs):\n    return xs[0] if xs else None"] and graded.run is not None
    plain = Target(id="c", question="Explain.", references=["r"], key_points=[], level="junior")
    assert grader.grade(plain, "```python\ndef head(xs): ...\n```").run is None
    grader.prepare_soon(target)  # passed on to the inner grader explicitly, not through attribute forwarding
    assert rubric.prepared == ["q"]


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


def test_a_table_of_known_answers_earns_nothing_when_random_tests_fail():
    """Reproduction 6 of issue 21, in the grading rule: examples and hidden tests pass, every random test fails."""
    table = _run(["passed"] * 5 + ["failed"] * 10)
    for t in table.tests[5:]:
        t.kind = "random"
    assert correctness(table) == 0.0
    graded = combine(_rubric(4.0, "mid"), table)
    assert graded.level == "none" and graded.score <= 0.3 * 4.0 + 1e-9 and "tests_failed" in graded.flags
    honest = _run(["passed"] * 5 + ["passed"] * 9 + ["failed"])
    for t in honest.tests[5:]:
        t.kind = "random"
    assert correctness(honest) == 0.9 and combine(_rubric(), honest).level == "junior"


def test_operator_warnings_stay_out_of_the_candidates_report():
    run = _run(["passed", "passed"])
    run.warnings = ["the sandbox Python has no numpy: questions that allow numpy cannot run"]
    assert "numpy" not in run_markdown(run)


def test_values_cross_the_pipe_with_their_types():
    value = {(1, "a"): [1.5, float("inf"), {2, 3}], "k": (None, True)}
    assert same(decode(wire.encode(value)), value)
    assert wire.is_plain(wire.encode(([1, 2], "x"))) and not wire.is_plain(wire.encode((object(),)))
    with pytest.raises(ValueError):
        wire.decode(wire.encode(object()))


def test_a_coding_block_needs_a_generator_that_defines_generate():
    assert generator_problem("def generate(rng):\n    return (rng.random(),)\n") == ""
    assert "missing" in generator_problem("")
    assert "does not parse" in generator_problem("def generate(rng)\n")
    assert "does not define" in generator_problem("def make(rng):\n    return ()\n")
    assert "other parameters" in generator_problem("def generate(rng, n):\n    return ()\n")
    with pytest.raises(ValueError, match=r"def generate\(rng\):.*head\(\)"):
        CodingSpec(function="head", signature="def head(xs):", generator="def generate():\n    return ()\n")
    points = [
        {"id": f"p-{lv}", "level": lv, "text": f"A point at the {lv} level."}
        for lv in ("junior", "mid", "senior")
    ]
    question = {
        "id": "q",
        "level": "junior",
        "topic": "t",
        "kind": "coding",
        "text": "Write head(xs), the first item or None.",
        "reference_answer": "Return xs[0] when the list is not empty, else None; constant time.",
        "key_points": points,
        "misconceptions": ["xs[0] works on an empty list."],
        "probes": [{"text": "What about an empty list?", "targets": ["p-junior"]}],
        "coding": SPEC.model_dump(),
    }
    with pytest.raises(
        ValueError, match=re.escape("coding.generator is missing. Add to the coding block a `generator: |`")
    ):
        Question.model_validate(question)
    question["coding"]["generator"] = "def generate(rng):\n    return ([rng.random()],)\n"
    assert Question.model_validate(question).coding.generator


def test_the_random_tests_seed_follows_the_code_and_the_key():
    """Same key, question and code: the same inputs (a re-grade agrees); any change to the code or the key: new ones."""
    from interviewer.coding.runner import draw_seed

    spec = CodingSpec(
        function="head", signature="def head(xs):", generator="def generate(rng):\n    return ([1],)\n"
    )
    code = "def head(xs):\n    return xs[0]\n"
    seed = draw_seed("key", spec, code)
    assert seed == draw_seed("key", spec, code)
    others = {
        draw_seed("key", spec, code + " "),
        draw_seed("other", spec, code),
        draw_seed("key", spec.model_copy(update={"generator": spec.generator + "# edited\n"}), code),
    }
    assert seed not in others and len(others) == 3
    assert 0 <= seed < 2**64
