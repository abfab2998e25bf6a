"""A static reading of the code's readability (parsed, never run): nesting, function length, names, comments."""

from __future__ import annotations

import ast

MAX_CODE = 20000
COMMON_SHORT = {"i", "j", "k", "n", "m", "x", "y", "_", "a", "b", "p", "q", "t", "w", "c", "d", "f"}


def _depth(node: ast.AST, level: int = 0) -> int:
    nested = (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith)
    best = level
    for child in ast.iter_child_nodes(node):
        best = max(best, _depth(child, level + isinstance(child, nested)))
    return best


def readability(code: str) -> tuple[float, list[str]]:
    """A 0-5 readability score of the code and the reasons it lost points."""
    if len(code) > MAX_CODE:
        return 2.0, ["the code is very long for an interview function"]
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0.0, ["the code does not parse"]
    notes: list[str] = []
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    longest = max(((f.end_lineno or f.lineno) - f.lineno + 1 for f in funcs), default=0)
    if longest > 40:
        notes.append(f"a {longest}-line function could be split into named helpers")
    if _depth(tree) > 4:
        notes.append("deeply nested loops and conditions are hard to follow")
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {a.arg for f in funcs for a in f.args.args}
    cryptic = [n for n in names if len(n) == 1 and n not in COMMON_SHORT]
    if len(names) >= 3 and len(cryptic) / len(names) > 0.4:
        notes.append("many cryptic short names; descriptive names make the intent clear")
    lines = code.splitlines()
    explained = "#" in code or any(ast.get_docstring(f) for f in funcs)
    if len(lines) > 15 and not explained:
        notes.append("no docstring or comment explains the approach")
    if any(len(line) > 110 for line in lines):
        notes.append("very long lines")
    return max(0.0, 5.0 - len(notes)), notes
