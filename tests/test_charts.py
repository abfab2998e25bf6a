"""The recruiter's and the scorecard's charts (issue 27 item 14): inline SVG whose marks carry their numbers."""

from __future__ import annotations

from types import SimpleNamespace

from interviewer.ui.charts import question_scores_svg
from interviewer.ui.recruiter_charts import item_plot, item_table


def test_the_scorecard_shows_each_questions_score_in_the_order_asked():
    results = [SimpleNamespace(score=s, skipped=k) for s, k in ((4.2, False), (0.0, True), (2.5, False))]
    svg = question_scores_svg(results)
    assert svg.count('class="bar"') == 3
    assert svg.index("Q1: 4.2") < svg.index("Q2 skipped: 0") < svg.index("Q3: 2.5")
    assert question_scores_svg([]) == ""


def test_item_analysis_plots_difficulty_against_discrimination_with_a_histogram_per_question():
    rows = [
        ["mlf-a", [1, 0, 2, 0, 3], 6, 2.9, 1.4, 0.0, 0.61],
        ["mlf-b", [0, 1, 0, 0, 0], 1, 1.5, 0.0, 0.0, ""],  # one answer: no discrimination to plot
    ]
    plot = item_plot(rows)
    assert plot.count('class="point"') == 1 and "mlf-a: mean 2.9, discrimination 0.61" in plot
    table = item_table(rows)
    assert table.count("<svg") == 2 and "score 4-5: 3" in table and "score 1-2: 1" in table
    assert "No graded answers" in item_plot([])
