"""The recruiter's editor tab: pick a file, then one question (term, track) of it, edit it, validate and save next
to the button, and see, diff or roll back the file's versions.

Large question files are never shown whole: the editor holds one question, so the page stays short and the save
button and its message stay in view. Small files (rubrics, a scenario) are edited whole.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from interviewer.review_loop.recruiting import Workspace
from interviewer.ui.access import DENIED, role


def build_editor_tab(ws: Workspace, auth: gr.State) -> None:
    with gr.Tab("Editor"):
        gr.Markdown(
            "Edits go to this deployment's live copy of the corpus and rubrics "
            "(`INTERVIEWER_LIVE_DIR`, by default `data/live`), never to the shipped files; every save is a version "
            "of its file that you can compare with or roll back to."
        )
        with gr.Row():
            files = gr.Dropdown(ws.editable_files(), label="File", elem_id="rec-file", scale=2)
            item = gr.Dropdown(  # custom values for API callers; an unknown id is refused by the handler
                [],
                label="Question (term, track) in this file",
                allow_custom_value=True,
                elem_id="rec-item",
                scale=3,
            )
            load = gr.Button("Open", elem_id="rec-open", scale=0)
        with gr.Row(equal_height=True):
            save = gr.Button(
                "Validate and save", variant="primary", elem_id="rec-save", scale=0, min_width=180
            )
            errors = gr.Markdown("", elem_id="rec-errors")
        editor = gr.Code(language="yaml", label="Content", lines=18, max_lines=30, elem_id="rec-editor")
        with gr.Accordion("Versions of this file", open=True):
            with gr.Row():
                versions = gr.Dropdown(
                    [], label="Saved versions", allow_custom_value=True, elem_id="rec-versions", scale=3
                )
                diff_btn = gr.Button("Show diff with current", elem_id="rec-diff", scale=1)
                rollback = gr.Button("Roll back to this version", elem_id="rec-rollback", scale=1)
            diff = gr.Code(language=None, label="Diff", lines=8, max_lines=20, elem_id="rec-diff-out")

    def on_pick_file(a: dict[str, Any], path: str | None):
        if role(a) != "recruiter" or not path:
            return gr.update(choices=[], value=None), "", DENIED if path else "", gr.update()
        try:
            choices = ws.item_choices(path)
            first = choices[0][1] if choices else None
            return (
                gr.update(choices=choices, value=first),
                ws.open(path, first),
                "",
                gr.update(choices=ws.version_choices(path), value=None),
            )
        except (ValueError, OSError) as exc:
            return gr.update(choices=[], value=None), "", f"Cannot open: {exc}", gr.update()

    files.select(
        on_pick_file, [auth, files], [item, editor, errors, versions], api_name="recruiter_file_items"
    )

    def on_open(a: dict[str, Any], path: str, key: str | None = None):
        if role(a) != "recruiter":
            return "", DENIED, gr.update()
        try:
            return ws.open(path, key or None), "", gr.update(choices=ws.version_choices(path), value=None)
        except (ValueError, OSError) as exc:
            return "", f"Cannot open: {exc}", gr.update()

    load.click(on_open, [auth, files, item], [editor, errors, versions], api_name="recruiter_open")
    # `select`, not `input`: a Dropdown sends `input` twice for one pick (Gradio 6.31), and the second answer can
    # land after the recruiter has started typing and replace the edit with the file's text.
    item.select(on_open, [auth, files, item], [editor, errors, versions], api_name="recruiter_open_item")

    def on_save(a: dict[str, Any], path: str, content: str, key: str | None = None):
        if role(a) != "recruiter":
            return DENIED, gr.update()
        try:
            result = ws.save_item(path, key or None, content or "", a["user"])
        except ValueError as exc:
            return f"**Not saved:** {exc}", gr.update()
        return result, gr.update(choices=ws.version_choices(path), value=None)

    save.click(on_save, [auth, files, editor, item], [errors, versions], api_name="recruiter_save")

    def on_diff(a: dict[str, Any], path: str, version: int | None):
        if role(a) != "recruiter":
            return DENIED
        return ws.diff(path, int(version)) if version else "Pick a saved version."

    diff_btn.click(on_diff, [auth, files, versions], [diff], api_name="recruiter_diff")

    def on_rollback(a: dict[str, Any], path: str, version: int | None, key: str | None):
        if role(a) != "recruiter":
            return DENIED, gr.update(), gr.update(), gr.update()
        if not version:
            return "Pick a saved version.", gr.update(), gr.update(), gr.update()
        msg = ws.rollback(path, int(version), a["user"])
        keys = [k for _, k in ws.item_choices(path)]
        key = key if key in keys else (keys[0] if keys else None)
        return (
            msg,
            ws.open(path, key),
            gr.update(choices=ws.item_choices(path), value=key),
            gr.update(choices=ws.version_choices(path), value=None),
        )

    rollback.click(
        on_rollback,
        [auth, files, versions, item],
        [errors, editor, item, versions],
        api_name="recruiter_rollback",
    )
