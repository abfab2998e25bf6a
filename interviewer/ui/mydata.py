"""The History and My data tabs: the caller's sessions, an export of everything stored, and deletion.

Each handler acts on the profile of the key it is given (profile_service.py), whatever name the page shows.
"""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

from interviewer.engine.scorecard import build_scorecard
from interviewer.ui.caller import guarded, who
from interviewer.ui.complaints import reviews_markdown


def history_rows(
    rows: list[dict[str, Any]], levels: dict[str, str] | None = None, tracks: dict[str, str] | None = None
) -> tuple[list[list[Any]], str]:
    """The History table and its trend line from the caller's session rows; `levels`: each finished session's
    level estimate, as its scorecard gives it (the row's own level is the difficulty the interview ended at);
    `tracks`: track names by id."""
    levels, tracks = levels or {}, tracks or {}
    table = [
        [
            time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created"])),
            tracks.get(r["track"], r["track"]),
            r["target_level"],
            r["status"],
            r["score"] if r["score"] is not None else "",
            levels.get(r["id"], "") if r["status"] == "finished" else "",
        ]
        for r in rows
    ]
    done = [r["score"] for r in rows if r["score"] is not None]
    note = ""
    if len(done) >= 2:
        delta = done[-1] - done[0]
        note = f"Trend over {len(done)} finished sessions: {'+' if delta >= 0 else ''}{delta:.1f} points."
    return table, note


def build_my_data(services: Any, key: Any, state: Any, chat: Any, scorecard: list[Any], paused: Any) -> None:
    """The History and My data tabs; deleting also clears what the other tabs still show."""
    profiles = services.profiles
    with gr.Tab("History"):
        hist_refresh = gr.Button("Show my sessions", elem_id="history-refresh")
        hist = gr.Dataframe(
            headers=["started", "track", "target", "status", "score", "level shown"], elem_id="history-table"
        )
        trend = gr.Markdown("", elem_id="history-trend")

    @guarded
    def on_history(key: Any, request: gr.Request):
        caller = who(services, key, request)
        rows = profiles.sessions_of(caller)
        levels = {
            r["id"]: str(build_scorecard(profiles.state(caller, r["id"]), services.corpus).level_estimate)
            for r in rows
            if r["status"] == "finished"
        }
        table, note = history_rows(rows, levels, {t.id: t.name for t in services.corpus.tracks})
        return table, note + reviews_markdown(services, [r["id"] for r in rows])

    hist_refresh.click(on_history, [key], [hist, trend], api_name="history")

    with gr.Tab("My data"):
        gr.Markdown(
            "Download everything stored under your key, or delete it. The download link works once; deleting "
            "cannot be undone."
        )
        export_btn = gr.Button("Export my data", elem_id="export")
        export_file = gr.File(label="Your data (JSON)", elem_id="export-file")
        confirm = gr.Textbox(label="Type DELETE to confirm deletion", elem_id="confirm-delete")
        delete_btn = gr.Button("Delete my data", variant="stop", elem_id="delete")
        privacy_status = gr.Markdown("", elem_id="privacy-status")

    @guarded
    def on_export(key: Any, request: gr.Request):
        return str(profiles.export(who(services, key, request)))

    export_btn.click(on_export, [key], [export_file], api_name="export_my_data")

    @guarded
    def on_delete(key: Any, word: str, request: gr.Request):
        caller = who(services, key, request)
        if (word or "").strip() != "DELETE":
            return ["Type DELETE to confirm.", *[gr.update()] * 10]
        n = profiles.delete(caller)
        cleared: list[Any] = [
            {},
            [],
            "",
            "Your data was deleted.",
            None,
            None,
            None,
            gr.update(choices=[], value=None),
        ]
        return [f"Deleted your profile and {n} sessions.", *cleared, [], ""]

    delete_btn.click(
        on_delete,
        [key, confirm],
        [privacy_status, state, chat, *scorecard, export_file, paused, hist, trend],
        api_name="delete_my_data",
    )
