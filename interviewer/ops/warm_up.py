"""Warming the app up in the background at start-up, so the first candidate's answer finds everything loaded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


def warm_up(steps: Iterable[Callable[[], object]], ready: threading.Event) -> None:
    """Run each step; one that fails is logged and the rest still run (an index that is down must not keep the
    model cold). `ready` is set at the end, whatever happened (GET /ready reports it)."""
    try:
        for step in steps:
            try:
                step()
            except Exception as exc:  # the first request will meet (and report) the same problem
                log.warning("warm-up step failed: %s", exc)
    finally:
        ready.set()
