"""Plain functions that turn engine events and scorecards into chat messages and HTML (tested without Gradio)."""

from __future__ import annotations

import html
import math
import re
from typing import Any

from interviewer.domain.session import Event

ROLE = {"candidate": "user", "interviewer": "assistant"}


_CODE = re.compile(r"(```.*?(?:```|\Z)|`[^`\n]+`)", re.DOTALL)


def escape_outside_code(text: str) -> str:
    """`text` with HTML escaped outside its code blocks and spans: Markdown shows code literally, so escaping it
    there would show `->` as `-&gt;`."""
    parts = _CODE.split(text)
    return "".join(p if i % 2 else html.escape(p, quote=False) for i, p in enumerate(parts))


_MARKDOWN = re.compile(r"([\\`*_\[\]<>#+\-!|~])")


def quote_as_written(feedback: str, quotes: list[str]) -> str:
    """`feedback` with each quoted passage of the answer made Markdown that shows it as written: `*`, `-` and `_`
    kept, and each line of quoted code on its own line."""
    for quote in quotes:
        inner = quote.strip('"')
        lines = [line.rstrip() for line in inner.strip("\n").splitlines() if line.strip()]
        shown = [
            "&nbsp;" * (len(line) - len(line.lstrip())) + _MARKDOWN.sub(r"\\\1", line.lstrip())
            for line in lines
        ]  # Markdown drops a line's leading spaces: code keeps its indentation
        feedback = feedback.replace(quote, '"' + "  \n".join(shown) + '"')
    return feedback


def candidate_message(text: str) -> dict[str, Any]:
    # Candidate text is shown escaped: HTML or script in an answer is displayed, never run.
    return {"role": "user", "content": escape_outside_code(text)}


def event_messages(events: list[Event], show_feedback: bool = True) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in events:
        if e.kind == "scorecard":
            continue
        if e.kind == "feedback":
            if show_feedback:
                score = e.data.get("score")
                title = (
                    f"Feedback (score {score:.1f}/5, level {e.data.get('level')})"
                    if score is not None
                    else "Feedback"
                )
                text = quote_as_written(e.text, e.data.get("quotes") or [])
                out.append({"role": "assistant", "content": text, "metadata": {"title": title}})
            continue
        content = e.text
        coding = e.data.get("coding")
        if coding:
            content += coding_block(coding)
        if e.kind == "notice":
            out.append({"role": "assistant", "content": f"_{content}_"})
        else:
            out.append({"role": "assistant", "content": content})
    return out


def coding_block(coding: dict[str, Any]) -> str:
    """A coding question's starter (or signature) and visible examples, as Markdown under its text."""
    block = f"\n\n```python\n{coding.get('starter') or coding.get('signature')}\n```"
    examples = coding.get("examples") or []
    if examples:
        block += "\n\nExamples:\n" + "\n".join(f"- `{x['call']}` → `{x['expected']}`" for x in examples)
    return block


def transcript_messages(turns: list[Any]) -> list[dict[str, Any]]:
    """A stored transcript as chat messages (resume, history)."""
    out = []
    for t in turns:
        role = t.role if hasattr(t, "role") else t["role"]
        text = t.text if hasattr(t, "text") else t["text"]
        out.append(candidate_message(text) if role == "candidate" else {"role": "assistant", "content": text})
    return out


def radar_svg(values: dict[str, float], size: int = 320, max_value: float = 5.0) -> str:
    """A radar chart of competency scores as inline SVG (no plotting library needed)."""
    if len(values) < 3:
        rows = "".join(f"<li>{html.escape(k)}: {v:.1f}/5</li>" for k, v in values.items())
        return f"<ul>{rows}</ul>"
    n, c, r = len(values), size / 2, size / 2 - 60

    def point(i: int, frac: float) -> tuple[float, float]:
        ang = -math.pi / 2 + 2 * math.pi * i / n
        return c + r * frac * math.cos(ang), c + r * frac * math.sin(ang)

    rings = "".join(
        f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, k / 5) for i in range(n)))}" '
        f'fill="none" stroke="#ccc"/>'
        for k in range(1, 6)
    )
    axes, labels = [], []
    for i, name in enumerate(values):
        x, y = point(i, 1)
        axes.append(f'<line x1="{c}" y1="{c}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        lx, ly = point(i, 1.22)
        labels.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" text-anchor="middle">'
            f"{html.escape(name.replace('_', ' '))}</text>"
        )
    pts = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (point(i, max(0.0, min(1.0, v / max_value))) for i, v in enumerate(values.values()))
    )
    shape = f'<polygon points="{pts}" fill="rgba(37,99,235,0.35)" stroke="#2563eb" stroke-width="2"/>'
    return (
        f'<svg class="radar" role="img" aria-label="competency radar chart" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{rings}{"".join(axes)}{shape}{"".join(labels)}</svg>'
    )
