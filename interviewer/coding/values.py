"""Pure helpers for the runner: decode the harness's values, compare them with expected ones, describe a test."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from interviewer.coding import wire

REL_TOL = 1e-6
ABS_TOL = 1e-9
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.S | re.I)


class Opaque:
    """A returned object with no literal form (a custom class, a generator ...): equal to nothing."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return self.text


def decode(value: Any) -> Any:
    """The inverse of the harness's `encode`; objects with no literal form become `Opaque`."""
    return wire.decode(value, Opaque)


def same(got: Any, expected: Any) -> bool:
    """Equality for test results: floats within a tolerance, a tuple equal to a list, bools only to bools."""
    if isinstance(got, Opaque) or isinstance(expected, Opaque):
        return False
    if isinstance(got, bool) or isinstance(expected, bool):
        return isinstance(got, bool) and isinstance(expected, bool) and got == expected
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        if isinstance(got, float) and math.isnan(got):
            return isinstance(expected, float) and math.isnan(expected)
        return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(got, (set, frozenset)) and isinstance(expected, (set, frozenset)):
        return set(got) == set(expected)
    return type(got) is type(expected) and bool(got == expected)


def show(value: Any, limit: int = 300) -> str:
    """A short printable form of a value."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _args(call: str) -> list[ast.expr]:
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return []
    if not isinstance(node, ast.Call):
        return []
    return [*node.args, *(k.value for k in node.keywords)]


def _size(node: ast.expr) -> int | None:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return len(node.elts)
    if isinstance(node, ast.Dict):
        return len(node.keys)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(node.value)
    return None


def describe_call(call: str) -> str:
    """What a test exercises, in words that never reveal its values (e.g. 'an empty input')."""
    notes: list[str] = []
    for arg in _args(call):
        size = _size(arg)
        if size == 0:
            notes.append("an empty input")
        elif size == 1:
            notes.append("a single-element input")
        elif isinstance(arg, ast.Call) and getattr(arg.func, "id", "") in {"range", "list"}:
            notes.append("a generated, larger input")
        elif isinstance(arg, ast.Constant) and arg.value is None:
            notes.append("a None argument")
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and arg.value == 0:
            notes.append("a zero argument")
        elif isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub):
            notes.append("a negative number")
    notes = list(dict.fromkeys(notes))
    return " and ".join(notes[:2]) if notes else "a typical case"


def extract_code(answer: str, function: str) -> tuple[str, str]:
    """Split an answer into (code, explanation): the last fenced block defining `function`, or a bare def."""
    blocks = _FENCE.findall(answer or "")
    for block in reversed(blocks):
        if re.search(rf"^\s*def\s+{re.escape(function)}\s*\(", block, re.M):
            return block.strip("\n"), _FENCE.sub(" ", answer).strip()
    match = re.search(rf"^(?:from |import |def {re.escape(function)}\s*\()", answer or "", re.M)
    if match and not blocks:
        return answer[match.start() :].strip("\n"), answer[: match.start()].strip()
    return "", (answer or "").strip()


def literal(expr: str) -> Any:
    """An expected value from the corpus (always a Python literal)."""
    return ast.literal_eval(expr)
