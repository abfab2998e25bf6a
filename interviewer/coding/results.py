"""Turn what the parent collected from a run into a RunResult, comparing values and redacting hidden tests."""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any

from interviewer.coding.values import decode, same, show
from interviewer.domain.runs import RunResult, RunStatus, TestKind, TestOutcome


@dataclass
class Planned:
    """One test the parent will send: a corpus call (examples, hidden tests) or drawn arguments (random tests)."""

    kind: TestKind
    expected: Any
    """The value the call must return, as a Python value (never sent to the sandbox)."""
    call: str = ""
    args: Any = None
    """For random tests: the encoded arguments drawn by the generator."""
    expected_text: str = ""
    about: str = ""

    @property
    def message(self) -> dict[str, Any]:
        return {"call": self.call} if self.call else {"args": self.args}


@dataclass
class Collected:
    """What the parent saw of one candidate process."""

    loaded: dict[str, Any] | None = None
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent: set[int] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)
    launcher_error: str = ""
    done: bool = False
    stuck: bool = False
    """A call outlived its own time limit (the code had disabled the alarm), so the run was stopped."""
    returncode: int | None = None
    timed_out: bool = False
    overflow: bool = False
    output: str = ""
    ms: float = 0.0


def _outcome(
    test: Planned, index: int, of: int, event: dict[str, Any] | None, sent: bool, died: str
) -> TestOutcome:
    base: dict[str, Any] = {"kind": test.kind, "index": index, "of": of, "about": test.about}
    shown = test.kind == "example"
    if shown:
        base.update(call=test.call, expected=test.expected_text)
    if event is None:
        status = "timeout" if sent and died == "timeout" else "error" if sent else "not_run"
        error = {"timeout": "took too long", "": ""}.get(died, died) if sent else ""
        return TestOutcome(status=status, error=error, **base)
    ms = float(event.get("ms", 0.0))
    if shown:
        base["output"] = str(event.get("output", ""))
    if event.get("status") == "timeout":
        return TestOutcome(status="timeout", error="took too long", ms=ms, **base)
    if event.get("status") == "raised":
        etype = str(event.get("error_type", "Exception"))
        line = f" (line {event['line']})" if event.get("line") else ""
        detail = str(event.get("error", ""))
        error = etype + (f": {detail}" if detail else "") + line if shown else etype
        return TestOutcome(status="error", error=error, ms=ms, **base)
    got = decode(event.get("value"))
    ok = same(got, test.expected)
    if shown:
        base["got"] = show(got)
    return TestOutcome(status="passed" if ok else "failed", ms=ms, **base)


def _fate(seen: Collected) -> tuple[RunStatus, str]:
    memory = any(e.get("error_type") == "MemoryError" for e in seen.results.values())
    rc = seen.returncode
    if seen.overflow:
        return "output_limit", "The code printed more than the output limit, so it was stopped."
    if seen.timed_out or seen.stuck:
        return "timeout", "The run took longer than the time limit and was stopped."
    if rc in (-signal.SIGXCPU, -signal.SIGKILL) and not seen.done:
        return "cpu_limit", "The code used more CPU time than allowed and was stopped."
    if memory:
        return "memory_limit", "The code ran out of its memory allowance (MemoryError)."
    if not seen.done:
        return "crashed", f"The process stopped before finishing the tests (exit status {rc})."
    return "ok", ""


def build_result(
    tests: list[Planned],
    seen: Collected,
    include_hidden: bool,
    protections: dict[str, bool],
    warnings: list[str],
    output_cap: int,
) -> RunResult:
    """The RunResult of one run: each planned test's outcome, compared here in the parent."""
    common: dict[str, Any] = {
        "protections": protections,
        "warnings": warnings,
        "ms": seen.ms,
        "violations": list(dict.fromkeys(seen.violations)),
    }
    if seen.launcher_error:
        return RunResult(
            status="unavailable", message=f"The sandbox could not start: {seen.launcher_error}", **common
        )
    status, message = _fate(seen)
    loaded = seen.loaded
    output = str(loaded.get("output", "")) if loaded else ""
    if not include_hidden:
        output += seen.output
    output = output[:output_cap]
    if loaded is not None and not loaded.get("ok"):
        status, message = "load_error", str(loaded.get("error", "the code could not be loaded"))
    died = (
        ""
        if status in ("ok", "load_error")
        else ("timeout" if status in ("timeout", "cpu_limit") else message)
    )
    counts = {kind: sum(t.kind == kind for t in tests) for kind in ("example", "hidden", "random")}
    outcomes, seen_of = [], dict.fromkeys(counts, 0)
    for i, test in enumerate(tests):
        seen_of[test.kind] += 1
        event = seen.results.get(i)
        outcomes.append(_outcome(test, seen_of[test.kind], counts[test.kind], event, i in seen.sent, died))
    if loaded is None and status == "ok":
        status, message = "crashed", "The code did not start."
    return RunResult(status=status, message=message, tests=outcomes, output=output, **common)
