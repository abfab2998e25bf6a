"""Recruiter tabs that close the loop: the review queue, correcting the grader with its history, and A/B tests.

The handlers live in review_handlers.py (plain functions that tests call without Gradio); this module lays the
tabs out and wires them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from interviewer.ui.access import DENIED, role
from interviewer.ui.review_handlers import (
    LEVEL_CHOICES,
    ab_report,
    calibration_history,
    describe_run,
    open_review,
    promote,
    queue_rows,
    recalibrate,
    rollback,
    show_item,
    start_ab,
    submit_review,
    version_choices,
)

__all__ = [
    "LEVEL_CHOICES",
    "ab_report",
    "build_review_tabs",
    "calibration_history",
    "describe_run",
    "open_review",
    "promote",
    "queue_rows",
    "recalibrate",
    "rollback",
    "show_item",
    "start_ab",
    "submit_review",
    "version_choices",
]


def build_review_tabs(services: Any, auth: gr.State) -> None:
    """The three tabs, inside the recruiter workspace's tab set; `auth` is the signed-in recruiter's state."""
    with gr.Tab("Review queue"):
        refresh = gr.Button("Show the queue", elem_id="rev-refresh")
        table = gr.Dataframe(
            headers=["id", "question", "reasons", "machine score", "machine level", "queued"],
            interactive=False,
            label="Click a row to open it",
            elem_id="rev-table",
        )
        with gr.Row():
            rid = gr.Textbox(label="Review id (filled by clicking a row)", elem_id="rev-id", scale=3)
            open_btn = gr.Button("Open", elem_id="rev-open", scale=1)
        detail = gr.Markdown("", elem_id="rev-detail")
        with gr.Row():
            score = gr.Number(
                label="Reviewed score (0-5), starts at the machine's",
                minimum=0,
                maximum=5,
                elem_id="rev-score",
            )
            level = gr.Radio(
                LEVEL_CHOICES,
                value=None,
                label="Reviewed level, starts at the machine's",
                elem_id="rev-level",
            )
        reason = gr.Textbox(label="Reason (shown to the candidate)", elem_id="rev-reason")
        save = gr.Button("Save review", variant="primary", elem_id="rev-save")
        saved = gr.Markdown("", elem_id="rev-saved")
    with gr.Tab("Correct the grader"):
        gr.Markdown(
            "Fit a small correction of the grader's scores and level bars from the grades reviewed in the queue. "
            "A new version becomes active only if it agrees better with reviews it was not fitted on."
        )
        run = gr.Button("Fit a correction from reviewed grades", variant="primary", elem_id="cal-run")
        run_out = gr.Markdown("", elem_id="cal-run-out")
        hist_btn = gr.Button("Calibration history", elem_id="cal-history")
        hist = gr.Markdown("", elem_id="cal-history-out")
        version = gr.Number(label="Version to activate", precision=0, elem_id="cal-version")
        back = gr.Button("Activate this version (roll back)", elem_id="cal-rollback")
    with gr.Tab("A/B tests") as ab_tab:
        with gr.Row():
            name = gr.Textbox(label="Name", elem_id="ab-name")
            va = gr.Dropdown(version_choices(services), value=0, label="Version A", elem_id="ab-a")
            vb = gr.Dropdown(version_choices(services), value=None, label="Version B", elem_id="ab-b")
            share = gr.Slider(
                0.05, 1.0, value=0.5, step=0.05, label="Share of new sessions", elem_id="ab-share"
            )
        versions_note = gr.Markdown(
            "Version 0 is the shipped grader; other versions come from *Correct the grader*.",
            elem_id="ab-note",
        )
        ab_start = gr.Button("Start experiment", elem_id="ab-start")
        ab_rep = gr.Button("Report", elem_id="ab-report")
        ab_out = gr.Markdown("", elem_id="ab-out")
        with gr.Row():
            arm = gr.Radio(["A", "B"], value="A", label="Winner", elem_id="ab-arm")
            ab_promote = gr.Button("Promote the winner", elem_id="ab-promote")

    def on_queue(a: dict[str, Any]) -> list[list[Any]]:
        try:
            return queue_rows(services, a)
        except PermissionError as exc:
            raise gr.Error(str(exc)) from None

    refresh.click(on_queue, [auth], [table], api_name="review_queue")
    open_btn.click(
        lambda a, r: open_review(services, a, r), [auth, rid], [detail, score, level], api_name="review_open"
    )

    def on_row(a: dict[str, Any], rows: Any, evt: gr.SelectData):
        row = evt.row_value if evt.row_value else None
        review_id = str(row[0]) if row else ""
        return (review_id, *open_review(services, a, review_id))

    table.select(
        on_row, [auth, table], [rid, detail, score, level], api_name="review_row", api_visibility="private"
    )
    save.click(
        lambda a, r, s, lv, why: submit_review(services, a, r, s, lv, why),
        [auth, rid, score, level, reason],
        [saved],
        api_name="review_save",
    )
    run.click(lambda a: recalibrate(services, a), [auth], [run_out], api_name="recalibrate")
    hist_btn.click(lambda a: calibration_history(services, a), [auth], [hist], api_name="calibration_history")
    back.click(
        lambda a, v: rollback(services, a, v), [auth, version], [run_out], api_name="calibration_rollback"
    )

    def on_versions(a: dict[str, Any]):
        if role(a) != "recruiter":
            return gr.update(), gr.update(), DENIED
        choices = version_choices(services)
        note = "Version 0 is the shipped grader; other versions come from *Correct the grader*."
        if len(choices) < 2:
            note += " There is only version 0 so far: fit a correction first, then compare it with 0 here."
        return gr.update(choices=choices), gr.update(choices=choices), note

    ab_tab.select(on_versions, [auth], [va, vb, versions_note], api_name="ab_versions")
    ab_start.click(
        lambda a, n, x, y, s: start_ab(services, a, n, x, y, s),
        [auth, name, va, vb, share],
        [ab_out],
        api_name="ab_start",
    )
    ab_rep.click(lambda a: ab_report(services, a), [auth], [ab_out], api_name="ab_report")
    ab_promote.click(lambda a, w: promote(services, a, w), [auth, arm], [ab_out], api_name="ab_promote")
