"""Small charts as inline SVG (like the scorecard's radar): no plotting library, nothing fetched by the page.

Each function returns one `<svg>` with a text title, axis labels and a `<title>` tooltip on every mark, so the
chart reads without colour and a screen reader gets the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

INK, GRID, MARK, SOFT = "#1f2937", "#d1d5db", "#2563eb", "#93c5fd"


def _frame(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" '
        f'font-size="11" fill="{INK}">' + "".join(body) + "</svg>"
    )


def scatter_svg(
    points: Sequence[tuple[float, float, str]],
    x_label: str,
    y_label: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    title: str,
    diagonal: bool = False,
    size: tuple[int, int] = (420, 320),
) -> str:
    """Points (x, y, tooltip); `diagonal` draws the line where x equals y (perfect agreement)."""
    w, h = size
    left, right, top, bottom = 48, 12, 28, 40
    (x0, x1), (y0, y1) = x_range, y_range

    def px(x: float) -> float:
        return left + (min(max(x, x0), x1) - x0) / ((x1 - x0) or 1) * (w - left - right)

    def py(y: float) -> float:
        return h - bottom - (min(max(y, y0), y1) - y0) / ((y1 - y0) or 1) * (h - top - bottom)

    body = [f'<text x="{w / 2}" y="16" text-anchor="middle" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        gx, gy = x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * i / 4
        body.append(
            f'<line x1="{px(gx):.1f}" y1="{top}" x2="{px(gx):.1f}" y2="{h - bottom}" stroke="{GRID}"/>'
        )
        body.append(
            f'<line x1="{left}" y1="{py(gy):.1f}" x2="{w - right}" y2="{py(gy):.1f}" stroke="{GRID}"/>'
        )
        body.append(f'<text x="{px(gx):.1f}" y="{h - bottom + 14}" text-anchor="middle">{gx:g}</text>')
        body.append(f'<text x="{left - 6}" y="{py(gy) + 4:.1f}" text-anchor="end">{gy:g}</text>')
    if diagonal:
        lo, hi = max(x0, y0), min(x1, y1)
        body.append(
            f'<line x1="{px(lo):.1f}" y1="{py(lo):.1f}" x2="{px(hi):.1f}" y2="{py(hi):.1f}" '
            f'stroke="{INK}" stroke-dasharray="4 3"/>'
        )
    for x, y, tip in points:
        body.append(
            f'<circle class="point" cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{MARK}" fill-opacity="0.6">'
            f"<title>{escape(tip)}</title></circle>"
        )
    body.append(
        f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">{escape(x_label)}</text>'
    )
    body.append(
        f'<text x="12" y="{(top + h - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(top + h - bottom) / 2})">{escape(y_label)}</text>'
    )
    return _frame(w, h, title, body)


def bars_svg(
    values: Sequence[tuple[str, float]], max_value: float, title: str, y_label: str, width: int = 520
) -> str:
    """One vertical bar per (label, value), in order, labelled with its value."""
    h, left, top, bottom = 240, 40, 28, 56
    n = max(1, len(values))
    step = (width - left - 10) / n
    body = [f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="bold">{escape(title)}</text>']
    for i in range(6):
        v = max_value * i / 5
        y = h - bottom - (h - top - bottom) * i / 5
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, (label, value) in enumerate(values):
        bh = (h - top - bottom) * min(max(value, 0.0), max_value) / (max_value or 1)
        bar = min(step * 0.7, 48.0)  # one or two questions should not fill the chart with a slab
        x = left + i * step + (step - bar) / 2
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{h - bottom - bh:.1f}" width="{bar:.1f}" height="{bh:.1f}" '
            f'fill="{MARK}"><title>{escape(label)}: {value:g}</title></rect>'
        )
        body.append(
            f'<text x="{x + bar / 2:.1f}" y="{h - bottom - bh - 3:.1f}" text-anchor="middle">{value:g}</text>'
        )
        body.append(
            f'<text x="{x + bar / 2:.1f}" y="{h - bottom + 14}" text-anchor="middle">{escape(label[:14])}</text>'
        )
    body.append(
        f'<text x="12" y="{(top + h - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(top + h - bottom) / 2})">{escape(y_label)}</text>'
    )
    return _frame(width, h, title, body)


def histogram_svg(
    counts: Sequence[int], bins: Sequence[str], label: str, width: int = 150, height: int = 40
) -> str:
    """A small histogram for a table row: one bar per bin, the tallest bar full height."""
    top = max(counts, default=0) or 1
    step = width / max(1, len(counts))
    body = [f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" stroke="{GRID}"/>']
    for i, (count, name) in enumerate(zip(counts, bins, strict=True)):
        bh = (height - 2) * count / top
        body.append(
            f'<rect class="bar" x="{i * step + 1:.1f}" y="{height - 1 - bh:.1f}" width="{step - 2:.1f}" '
            f'height="{bh:.1f}" fill="{MARK if count else SOFT}"><title>{escape(name)}: {count}</title></rect>'
        )
    return _frame(width, height, label, body)


def heatmap_svg(matrix: Sequence[Sequence[int]], rows: Sequence[str], cols: Sequence[str], title: str) -> str:
    """A confusion matrix: rows are the people's labels, columns the grader's; darker is more answers."""
    cell, left, top = 64, 120, 58
    w, h = left + cell * len(cols) + 10, top + cell * len(rows) + 10
    peak = max((v for row in matrix for v in row), default=0) or 1
    body = [
        f'<text x="{w / 2}" y="16" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
        f'<text x="{left + cell * len(cols) / 2}" y="34" text-anchor="middle">grader</text>',
    ]
    for j, name in enumerate(cols):
        body.append(
            f'<text x="{left + j * cell + cell / 2}" y="{top - 6}" text-anchor="middle">{escape(name)}</text>'
        )
    for i, (name, row) in enumerate(zip(rows, matrix, strict=True)):
        body.append(
            f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">people: {escape(name)}</text>'
        )
        for j, value in enumerate(row):
            shade = 0.12 + 0.88 * value / peak
            colour = "#ffffff" if shade > 0.55 else INK
            body.append(
                f'<rect class="cell" x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{MARK}" fill-opacity="{shade:.2f}"><title>people {escape(name)}, grader {escape(cols[j])}: '
                f"{value}</title></rect>"
                f'<text x="{left + j * cell + cell / 2 - 1}" y="{top + i * cell + cell / 2 + 4}" text-anchor="middle" '
                f'fill="{colour}">{value}</text>'
            )
    return _frame(w, h, title, body)


def question_scores_svg(results: Sequence[Any]) -> str:
    """The scorecard's score per question, in the order asked (a skipped question shows as 0)."""
    values = [
        (f"Q{i}{' skipped' if r.skipped else ''}", round(float(r.score), 1)) for i, r in enumerate(results, 1)
    ]
    if not values:
        return ""
    return bars_svg(values, 5.0, "Score per question, in the order asked", "score (0 to 5)")
