"""Random hidden tests: a question's generator draws the arguments, its reference solution gives the values.

Both run in a sandboxed process of their own, never in the app's process (recruiters edit them through the web
UI) and never in the candidate's (which must not hold an expected value). The seed is a keyed hash of the code
(runner.draw_seed): the same code meets the same inputs, so a re-run grades alike, while a table of answers seen
before does not help, since any change to the code draws new ones.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from interviewer.coding.results import Planned
from interviewer.coding.values import decode
from interviewer.domain.questions import CodingSpec

if TYPE_CHECKING:
    from interviewer.coding.runner import CodeRunner

ABOUT = "a random input"


class Drawing(threading.Thread):
    """Draws `count` random tests in the background; `planned()` waits for them."""

    def __init__(self, runner: CodeRunner, spec: CodingSpec, count: int, seed: int):
        super().__init__(daemon=True, name="draw-random-tests")
        self.runner, self.spec, self.count, self.seed = runner, spec, count, seed
        self.cases: list[dict[str, Any]] = []
        self.error = ""
        self.ms = 0.0

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.cases, self.error = self._draw()
        except Exception as exc:  # a sandbox that cannot start: the run goes on with the fixed tests
            self.cases, self.error = [], f"{type(exc).__name__}: {exc}"
        self.ms = round((time.perf_counter() - t0) * 1000, 1)

    def _draw(self) -> tuple[list[dict[str, Any]], str]:
        s, spec = self.runner.s, self.spec
        job = self.runner.job(
            "reference",
            spec,
            generator=spec.generator,
            solution=spec.solution,
            seed=self.seed,
            count=self.count,
        )
        cases: list[dict[str, Any]] = []
        with self.runner.process(spec.allow_numpy, time.monotonic() + s.sandbox_timeout_s) as proc:
            proc.send(job)
            while True:
                event = proc.next_event(s.sandbox_timeout_s)
                name = event.get("event") if event else None
                if name == "case":
                    cases.append(event)  # type: ignore[arg-type]
                elif name in ("failed", "launcher_error"):
                    return [], str(event.get("error"))  # type: ignore[union-attr]
                elif name == "done" or name == "eof" or event is None:
                    break
        if len(cases) != self.count:
            why = "took too long" if proc.timed_out else f"stopped after {len(cases)} of {self.count} calls"
            return [], f"the generator and reference solution {why}"
        return cases, ""

    def planned(self, timeout: float) -> list[Planned]:
        """The random tests, once drawn (none if drawing failed or outlasted `timeout`)."""
        self.join(timeout)
        if self.is_alive():
            self.error = self.error or "drawing took longer than the run's time limit"
            return []
        return [
            Planned("random", decode(c.get("value")), args=c.get("args"), about=ABOUT) for c in self.cases
        ]
