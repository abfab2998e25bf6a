"""Run candidate code against a coding question in the sandbox, one call at a time, and report per test.

A run holds a slot (a queue bounds concurrent runs). When hidden tests are asked for, a reference process (the
question's generator and reference solution, sandboxed too, since recruiters edit them) draws the random tests
while the candidate's process starts. The candidate's process (sandbox.py, launcher.py) loads the code, then
gets the examples, the corpus's hidden tests and the random tests one call at a time, each sent only after the
previous result came back; the values are compared here, so that process never holds an expected value or a
call still to come.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from interviewer.coding.capabilities import NOTES, find_libraries, preload, probe_protections
from interviewer.coding.reference import Drawing
from interviewer.coding.results import Collected, Planned, build_result
from interviewer.coding.sandbox import SandboxProcess, lease_uid
from interviewer.coding.values import describe_call, literal
from interviewer.config import Settings, kept_secret
from interviewer.domain.questions import CodingSpec
from interviewer.domain.runs import RunResult

log = logging.getLogger(__name__)
START_S = 5.0
"""Allowance for starting Python (and numpy) in the sandbox, on top of the per-test limit, for the first event."""
GRACE_S = 1.0
"""How long past its own limit a call may take to report before the parent stops the run."""


def draw_seed(key: str, spec: CodingSpec, code: str) -> int:
    """The random tests' seed: a keyed hash of the question's generator and the code. A grade must not change when
    the same code is run again, yet a table of answers must not be able to know its inputs: any change to the code
    draws new ones, and without the key nobody can compute them."""
    message = "\0".join((spec.function, spec.generator or "", code)).encode()
    return int.from_bytes(hmac.new(key.encode(), message, hashlib.sha256).digest()[:8], "big")


class CodeRunner:
    """Runs code against a CodingSpec in the sandbox; thread-safe, at most `sandbox_concurrency` runs at once."""

    def __init__(self, settings: Settings, hide: list[Path] | None = None):
        self.s = settings
        self.hide = [str(Path(p).resolve()) for p in (hide or [])]
        self._slots: queue.Queue[int] = queue.Queue()
        for i in range(settings.sandbox_concurrency):
            self._slots.put(i)
        self._active_lock = threading.Lock()
        self.loaded_runs = 0
        """Runs whose candidate code has loaded and not yet finished (tests wait on it rather than sleep)."""

    # -- what this platform allows ------------------------------------------------------------------------

    @cached_property
    def protections(self) -> dict[str, bool]:
        """Which protections this machine can apply (probed once)."""
        return probe_protections(self.s, self.libraries)

    @property
    def warnings(self) -> list[str]:
        """For the operator (start-up log, /ready): each protection or feature this machine lacks."""
        return [text for key, text in self._texts().items() if not self.protections.get(key)]

    def log_warnings(self) -> None:
        """Tell the operator, once at start-up, what the sandbox cannot do on this machine."""
        for text in self.warnings:
            log.warning("code sandbox: %s", text)

    def _texts(self) -> dict[str, str]:
        return {k: t.format(python=self.s.sandbox_python) for k, t in NOTES.items()}

    def _run_warnings(self, spec: CodingSpec) -> list[str]:
        """The operator's warnings that bear on this question (numpy only where the question needs it)."""
        skip = {"numpy_available", "pandas_available"} - {f"{name}_available" for name in preload(spec)}
        return [t for k, t in self._texts().items() if k not in skip and not self.protections.get(k)]

    @cached_property
    def libraries(self) -> dict[str, str]:
        """Where the sandbox Python finds numpy, pandas and pandas's own imports: name -> folder or file."""
        return find_libraries(self.s)

    @cached_property
    def _draw_key(self) -> str:
        return self.s.sandbox_draw_key or kept_secret(self.s.data_dir, "draw-key")

    # -- running --------------------------------------------------------------------------------------------

    def run(self, spec: CodingSpec, code: str, include_hidden: bool = True, guard: bool = True) -> RunResult:
        """Run `code` on the spec's examples (and hidden and random tests); never raises for anything it does."""
        prot, warnings = self.protections, self._run_warnings(spec)
        base = {"protections": prot, "warnings": warnings}
        if not prot["isolated_interpreter"]:
            return RunResult(status="unavailable", message=warnings[0], **base)
        missing = [name for name in preload(spec) if name not in self.libraries]
        if missing:
            return RunResult(
                status="unavailable",
                message=f"This question needs {missing[0]}, which the sandbox's Python does not have; the code"
                f" was not run (an administrator can install Debian's python3-{missing[0]}).",
                **base,
            )
        missing_protection = [k for k, on in prot.items() if not on and not k.endswith("_available")]
        if self.s.sandbox_strict and missing_protection:
            notes = [NOTES[k].format(python=self.s.sandbox_python) for k in missing_protection]
            return RunResult(status="unavailable", message="strict sandbox: " + "; ".join(notes), **base)
        try:
            slot = self._slots.get(timeout=self.s.sandbox_queue_timeout_s)
        except queue.Empty:
            return RunResult(status="busy", message="The code runner is busy; try again in a moment.", **base)
        try:
            tests, seen, note = self._run_tests(spec, code, include_hidden, guard)
        finally:
            self._slots.put(slot)
        cap = self.s.sandbox_output_kb * 1024
        return build_result(tests, seen, include_hidden, prot, warnings + ([note] if note else []), cap)

    def _run_tests(
        self, spec: CodingSpec, code: str, include_hidden: bool, guard: bool
    ) -> tuple[list[Planned], Collected, str]:
        """Plan the tests, run the candidate's process and, in parallel, draw the random tests."""
        tests = [
            Planned(
                "example",
                literal(t.expected),
                call=t.call,
                expected_text=t.expected,
                about=describe_call(t.call),
            )
            for t in spec.examples
        ]
        if include_hidden:
            tests += [
                Planned("hidden", literal(t.expected), call=t.call, about=describe_call(t.call))
                for t in spec.tests
            ]
        drawing = None
        if include_hidden and self.s.sandbox_random_tests and spec.generator:
            drawing = Drawing(self, spec, self.s.sandbox_random_tests, draw_seed(self._draw_key, spec, code))
            drawing.start()
        seen = self._converse(spec, code, tests, drawing, guard)
        note = ""
        if drawing is not None and drawing.error:
            note = f"random tests could not be drawn for this question: {drawing.error}"
            log.warning("%s (function %s)", note, spec.function)
        return tests, seen, note

    @contextlib.contextmanager
    def process(self, libraries: bool, deadline: float) -> Iterator[SandboxProcess]:
        """A sandboxed process on a uid of its own (when root), killed with everything it left on leaving."""
        lease = self.lease_uid() if self.protections["unprivileged_user"] else contextlib.nullcontext(None)
        with lease as uid:
            cfg = {
                "uid": uid,
                "gid": uid,
                "isolate": self.protections["own_file_system"],
                "hide": self.hide,
                "python": str(self.s.sandbox_python),
                "libraries": list(self.libraries.values()) if libraries else [],
                "tmpfs_mb": {
                    "tmp": self.s.sandbox_folder_mb,
                    "var_tmp": self.s.sandbox_scratch_mb,
                    "dev_shm": self.s.sandbox_scratch_mb,
                },
                "max_files": self.s.sandbox_max_files,
                "lock_dir": str(self._sandbox_base()),
                "new_root": str(self._new_root()),
                "limits": {
                    "cpu": self.s.sandbox_cpu_s,
                    "as": self.s.sandbox_memory_mb * 1024 * 1024,
                    "fsize": self.s.sandbox_file_kb * 1024,
                    "nproc": self.s.sandbox_max_processes,
                    "nofile": 64,
                    "core": 0,
                },
            }
            cap = self.s.sandbox_output_kb * 1024
            with SandboxProcess(cfg, str(self.s.sandbox_python), bool(cfg["isolate"]), cap, deadline) as proc:
                yield proc

    def job(self, mode: str, spec: CodingSpec, **fields: Any) -> dict[str, Any]:
        """The first message to a harness."""
        return {
            "mode": mode,
            "function": spec.function,
            "preload": preload(spec),
            "libs": "/sandbox/libs" if self.protections["own_file_system"] else "libs",
            "test_timeout": self.s.sandbox_test_timeout_s,
            "output_cap": self.s.sandbox_output_kb * 1024,
            **fields,
        }

    def _converse(
        self, spec: CodingSpec, code: str, tests: list[Planned], drawing: Drawing | None, guard: bool
    ) -> Collected:
        """Load the code, then send each test's call only after the previous result came back."""
        seen = Collected()
        per_call = self.s.sandbox_test_timeout_s + GRACE_S
        with self.process(spec.allow_numpy, time.monotonic() + self.s.sandbox_timeout_s) as proc:
            proc.send(self.job("candidate", spec, code=code, guard=guard))
            seen.loaded = self._await(proc, seen, "loaded", None, START_S + self.s.sandbox_test_timeout_s)
            if seen.loaded is not None and seen.loaded.get("ok"):
                with self._loaded():
                    self._ask_all(proc, seen, tests, drawing, per_call)
            proc.close_input()
            if (
                not (seen.stuck or proc.timed_out)
                and self._await(proc, seen, "done", None, GRACE_S) is not None
            ):
                seen.done = True
        seen.returncode, seen.timed_out, seen.overflow = proc.returncode, proc.timed_out, proc.overflow
        seen.output, seen.ms = proc.output, proc.ms
        return seen

    def _ask_all(
        self,
        proc: SandboxProcess,
        seen: Collected,
        tests: list[Planned],
        drawing: Drawing | None,
        per_call: float,
    ) -> None:
        i = 0
        while True:
            if i == len(tests) and drawing is not None:  # the random tests join once the fixed ones are done
                tests += drawing.planned(timeout=max(0.0, proc.deadline - time.monotonic()))
                drawing = None
            if i >= len(tests):
                return
            if not proc.send({"i": i, **tests[i].message}):
                return
            seen.sent.add(i)
            event = self._await(proc, seen, "result", i, per_call)
            if event is None:
                seen.stuck = not proc.timed_out and not proc.overflow
                return
            if event.get("event") == "eof":
                return
            seen.results[i] = event
            i += 1

    def _await(
        self, proc: SandboxProcess, seen: Collected, kind: str, index: int | None, within: float
    ) -> dict[str, Any] | None:
        """The next `kind` event (for call `index`), noting violations and launcher errors on the way; the EOF
        event if the process ended first; None on a timeout."""
        deadline = time.monotonic() + within
        while True:
            event = proc.next_event(max(0.0, deadline - time.monotonic()))
            if event is None:
                return None
            name = event.get("event")
            if name == "eof":
                return event if kind == "result" else None
            if name == "violation":
                seen.violations.append(str(event.get("what", "")))
            elif name == "launcher_error":
                seen.launcher_error = str(event.get("error", "unknown error"))
            elif name == kind and (index is None or event.get("i") == index):
                return event

    @contextlib.contextmanager
    def _loaded(self) -> Iterator[None]:
        with self._active_lock:
            self.loaded_runs += 1
        try:
            yield
        finally:
            with self._active_lock:
                self.loaded_runs -= 1

    @contextlib.contextmanager
    def lease_uid(self) -> Iterator[int]:
        """A uid no other sandboxed process on this host is using, for as long as the block runs."""
        with lease_uid(self._sandbox_base(), self.s.sandbox_uid_base, self.s.sandbox_queue_timeout_s) as uid:
            yield uid

    def _new_root(self) -> Path:
        """An empty folder each run mounts its own root on, in its own mount namespace (so nothing the launcher
        needs lies under it, and runs never see each other's)."""
        folder = self._sandbox_base() / "root"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder

    def _sandbox_base(self) -> Path:
        base = Path(self.s.sandbox_dir or Path(tempfile.gettempdir()) / "interviewer-sandbox")
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base, 0o711)  # others may enter their own folder, but not list anyone's
        return base
