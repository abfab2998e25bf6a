"""Markdown views of a run: a per-test table for the chat and the "Run examples" panel."""

from __future__ import annotations

from interviewer.domain.runs import RunResult, TestOutcome

ICON = {"passed": "✅ passed", "failed": "❌ wrong value", "error": "💥 error", "timeout": "⏱ timeout"}


def _cell(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("`", "'")


def _row(t: TestOutcome) -> str:
    status = ICON.get(t.status, "not run")
    if t.kind == "example":
        detail = f"`{_cell(t.call)}` → expected `{_cell(t.expected)}`"
        if t.status == "failed":
            detail += f", got `{_cell(t.got)}`"
    else:
        detail = t.about or "hidden"
    if t.error and t.status != "failed":
        detail += f" — {_cell(t.error)}"
    return f"| {t.label} | {status} | {detail} | {t.ms:.1f} ms |"


def run_markdown(run: RunResult, title: str = "Test results") -> str:
    """A table with one row per test; hidden and random tests show only what they exercise."""
    lines = [f"**{title}**: {run.summary()}"]
    if run.status not in ("ok",) and run.message:
        lines.append(f"\n_{_cell(run.message, 400)}_")
    if run.tests:
        lines += ["", "| test | result | details | time |", "|---|---|---|---|", *map(_row, run.tests)]
    if run.violations:
        lines.append("\nRefused by the sandbox: " + "; ".join(_cell(v) for v in run.violations[:5]))
    if run.output.strip():
        lines.append("\nOutput:\n```\n" + run.output[:2000].replace("```", "'''") + "\n```")
    return "\n".join(lines)  # run.warnings are the operator's (start-up log, /ready), not the candidate's
