"""The recruiter's pictures: grader against reviewers, the confusion of labels, and each question's scores."""

from __future__ import annotations

from html import escape
from typing import Any

from interviewer.review_loop.grader_check import GraderCheck
from interviewer.ui.charts import heatmap_svg, histogram_svg, scatter_svg

BIN_NAMES = ["score 0-1", "score 1-2", "score 2-3", "score 3-4", "score 4-5"]


def grader_check_charts(check: GraderCheck) -> str:
    """The grader's score against the reviewers' for every answer, and the confusion matrix of labels."""
    if check.error or not check.points:
        return ""
    scatter = scatter_svg(
        [
            (human, grader, f"{qid}: people {human:g}, grader {grader:.2f}")
            for human, grader, qid in check.points
        ],
        "people's score (0 to 5)",
        "grader's score (0 to 5)",
        (0, 5),
        (0, 5),
        "Grader against your reviewers, one dot per answer",
        diagonal=True,
    )
    charts = [scatter]
    if "confusion" in check.result:
        labels = check.result["labels"]
        charts.append(heatmap_svg(check.result["confusion"], labels, labels, "Confusion matrix of labels"))
    return '<div style="display:flex;flex-wrap:wrap;gap:24px">' + "".join(charts) + "</div>"


def item_plot(rows: list[list[Any]]) -> str:
    """Difficulty (mean score) against discrimination, one dot per question with enough answers."""
    points = [
        (float(r[3]), float(r[6]), f"{r[0]}: mean {r[3]}, discrimination {r[6]}, {r[2]} answers")
        for r in rows
        if r[6] != ""
    ]
    if not rows:
        return "<p>No graded answers from consenting candidates yet.</p>"
    note = (
        ""
        if points
        else "<p>Discrimination needs at least three answers to a question (with different scores).</p>"
    )
    return note + scatter_svg(
        points,
        "mean score (low: hard, high: easy)",
        "discrimination",
        (0, 5),
        (-1, 1),
        "Difficulty and discrimination per question",
    )


def item_table(rows: list[list[Any]]) -> str:
    """The item analysis table, each question with a small histogram of its scores."""
    if not rows:
        return ""
    head = ["question", "scores (0 to 5)", "answers", "mean", "spread", "skip rate", "discrimination"]
    out = [
        '<table class="item-analysis"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
    ]
    for qid, counts, *figures in rows:
        hist = histogram_svg(counts, BIN_NAMES, f"score distribution of {qid}")
        out.append(
            f"<tr><td>{escape(str(qid))}</td><td>{hist}</td>"
            + "".join(f"<td>{escape(str(v))}</td>" for v in figures)
            + "</tr>"
        )
    return "".join(out) + "</tbody></table>"
