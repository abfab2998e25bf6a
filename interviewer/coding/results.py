"""Turn the harness's event lines and the process's fate into a RunResult, redacting hidden tests."""

from __future__ import annotations

import json
import signal
from typing import Any

from ..models import CodeExample, CodingSpec
from .models import RunResult, RunStatus, TestOutcome
from .values import decode, describe_call, literal, same, show


def parse_events(text: str, pid: int) -> list[dict[str, Any]]:
    """The harness's JSON lines written by the run's own process (forked children and junk are ignored)."""
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("pid") == pid:
            events.append(event)
    return events


def _outcome(
    test: CodeExample, kind: str, index: int, of: int, event: dict[str, Any] | None, started: bool, died: str
) -> TestOutcome:
    base: dict[str, Any] = {"kind": kind, "index": index, "of": of, "about": describe_call(test.call)}
    hidden = kind == "hidden"
    if not hidden:
        base.update(call=test.call, expected=test.expected)
    if event is None:
        status = "timeout" if started and died == "timeout" else "error" if started else "not_run"
        error = {"timeout": "took too long", "": ""}.get(died, died) if started else ""
        return TestOutcome(status=status, error=error, **base)
    ms = float(event.get("ms", 0.0))
    if not hidden:
        base["output"] = str(event.get("output", ""))
    if event.get("status") == "timeout":
        return TestOutcome(status="timeout", error="took too long", ms=ms, **base)
    if event.get("status") == "raised":
        etype = str(event.get("error_type", "Exception"))
        line = f" (line {event['line']})" if event.get("line") else ""
        detail = str(event.get("error", ""))
        error = etype if hidden else etype + (f": {detail}" if detail else "") + line
        return TestOutcome(status="error", error=error, ms=ms, **base)
    got = decode(event.get("value"))
    ok = same(got, literal(test.expected))
    if not hidden:
        base["got"] = show(got)
    return TestOutcome(status="passed" if ok else "failed", ms=ms, **base)


def _fate(raw: dict[str, Any], events: list[dict[str, Any]]) -> tuple[RunStatus, str]:
    done = any(e.get("event") == "done" for e in events)
    memory = any(e.get("error_type") == "MemoryError" for e in events)
    rc = raw.get("returncode")
    if raw.get("output_overflow") or raw.get("results_overflow"):
        return "output_limit", "The code printed more than the output limit, so it was stopped."
    if raw.get("timed_out"):
        return "timeout", "The run took longer than the time limit and was stopped."
    if rc in (-signal.SIGXCPU, -signal.SIGKILL) and not done:
        return "cpu_limit", "The code used more CPU time than allowed and was stopped."
    if memory:
        return "memory_limit", "The code ran out of its memory allowance (MemoryError)."
    if not done:
        return "crashed", f"The process stopped before finishing the tests (exit status {rc})."
    return "ok", ""


def build_result(
    spec: CodingSpec,
    raw: dict[str, Any],
    include_hidden: bool,
    protections: dict[str, bool],
    warnings: list[str],
    output_cap: int,
) -> RunResult:
    """The RunResult of one run, from the raw output collected by the runner."""
    events = parse_events(str(raw.get("results", "")), int(raw.get("pid", -1)))
    common: dict[str, Any] = {
        "protections": protections,
        "warnings": warnings,
        "ms": float(raw.get("ms", 0.0)),
        "violations": list(
            dict.fromkeys(str(e.get("what")) for e in events if e.get("event") == "violation")
        ),
    }
    tests = [("example", t) for t in spec.examples] + (
        [("hidden", t) for t in spec.tests] if include_hidden else []
    )
    counts = {"example": len(spec.examples), "hidden": len(spec.tests)}
    launcher = next((e for e in events if e.get("event") == "launcher_error"), None)
    if launcher is not None:
        return RunResult(
            status="unavailable", message=f"The sandbox could not start: {launcher.get('error')}", **common
        )
    loaded = next((e for e in events if e.get("event") == "loaded"), None)
    status, message = _fate(raw, events)
    output = str(loaded.get("output", "")) if loaded else ""
    if not include_hidden:
        output += str(raw.get("output", ""))
    output = output[:output_cap]
    if loaded is not None and not loaded.get("ok"):
        status, message = "load_error", str(loaded.get("error", "the code could not be loaded"))
    died = (
        ""
        if status in ("ok", "load_error")
        else ("timeout" if status in ("timeout", "cpu_limit") else message)
    )
    results = {int(e["i"]): e for e in events if e.get("event") == "result" and "i" in e}
    started = {int(e["i"]) for e in events if e.get("event") == "start" and "i" in e}
    outcomes, seen = [], {"example": 0, "hidden": 0}
    for i, (kind, test) in enumerate(tests):
        seen[kind] += 1
        outcomes.append(_outcome(test, kind, seen[kind], counts[kind], results.get(i), i in started, died))
    if loaded is None and status == "ok":
        status, message = "crashed", "The code did not start."
    return RunResult(status=status, message=message, tests=outcomes, output=output, **common)
