"""What a sandbox run reports: one outcome per test and the run's status, limits hit and protections in force."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

TestStatus = Literal["passed", "failed", "error", "timeout", "not_run"]
TestKind = Literal["example", "hidden", "random"]
"""Examples are shown; hidden tests are written in the corpus and never shown; random tests are hidden tests whose
arguments are drawn at run time by the question's generator and checked against its reference solution."""
RunStatus = Literal[
    "ok",
    "load_error",
    "timeout",
    "cpu_limit",
    "memory_limit",
    "output_limit",
    "crashed",
    "unavailable",
    "busy",
]


class TestOutcome(BaseModel):
    """One example, hidden or random test; only examples carry their call, expected value and output."""

    __test__ = False  # not a pytest class

    kind: TestKind
    index: int
    """1-based position among the tests of its kind."""
    of: int
    """How many tests of its kind there are."""
    status: TestStatus
    about: str = ""
    """What the test exercises, in words that reveal no values (e.g. 'an empty input')."""
    call: str = ""
    expected: str = ""
    got: str = ""
    error: str = ""
    """For examples the exception and its message; for hidden and random tests only the exception type."""
    output: str = ""
    ms: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def label(self) -> str:
        name = {"example": "example", "hidden": "hidden test", "random": "random test"}[self.kind]
        return f"{name} {self.index} of {self.of}"


class RunResult(BaseModel):
    """The outcome of running candidate code against a question's examples (and hidden tests)."""

    status: RunStatus
    message: str = ""
    """Why the code did not run or stopped (a SyntaxError, a limit, a missing protection ...)."""
    tests: list[TestOutcome] = Field(default_factory=list)
    violations: list[str] = Field(default_factory=list)
    """Forbidden actions the code attempted (network, processes, files outside its folder); all refused."""
    protections: dict[str, bool] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    """One line per protection that this platform could not apply."""
    output: str = ""
    """What the code printed while loading and running the examples."""
    ms: float = 0.0

    def of_kind(self, kind: str) -> list[TestOutcome]:
        return [t for t in self.tests if t.kind == kind]

    def pass_rate(self, kind: str) -> float | None:
        tests = self.of_kind(kind)
        return sum(t.passed for t in tests) / len(tests) if tests else None

    @property
    def all_passed(self) -> bool:
        return self.status == "ok" and bool(self.tests) and all(t.passed for t in self.tests)

    def summary(self) -> str:
        parts = []
        for kind, name in (("example", "examples"), ("hidden", "hidden tests"), ("random", "random tests")):
            tests = self.of_kind(kind)
            if tests:
                parts.append(f"{sum(t.passed for t in tests)}/{len(tests)} {name}")
        return "passed " + " and ".join(parts) if parts else "no tests ran"
