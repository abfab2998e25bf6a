"""What every command module shares: the command registry, building the services, and printing the result."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

COMMANDS: dict[str, Callable[[argparse.Namespace], Any]] = {}
EXTRA_PARSERS: list[Callable[[Callable[[str, str], argparse.ArgumentParser]], None]] = []
"""Functions that add a command module's sub-parsers; main.build_parser calls each."""


def command(fn: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], Any]:
    """Register `cmd_NAME` as the sub-command NAME."""
    COMMANDS[fn.__name__.removeprefix("cmd_")] = fn
    return fn


def services() -> Any:
    """The composition root, built from the settings (imported late: `--help` stays fast)."""
    from interviewer.services import Services

    return Services()


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """With --json one JSON document on stdout; otherwise the human-readable text."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        print(text() if callable(text) else text)
