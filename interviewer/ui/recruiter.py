"""The recruiter workspace: login, rubric and question editor with versions, calibration and item analysis.

Every handler checks the role itself: hiding a tab does not stop a direct API call.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import gradio as gr

from interviewer.review_loop.recruiting import Workspace
from interviewer.sessions.identity import identify_ip, scrub
from interviewer.ui.access import DENIED, role
from interviewer.ui.caller import request_info
from interviewer.ui.review_tabs import build_review_tabs

log = logging.getLogger(__name__)


def build_recruiter(services: Any) -> None:

    ws = Workspace(services)
    with gr.Tab("Recruiter"):
        auth = gr.State({})  # the signed-in recruiter, per browser session
        with gr.Row():
            user = gr.Textbox(label="Recruiter name", elem_id="rec-user")
            password = gr.Textbox(label="Password", type="password", elem_id="rec-password")
            login = gr.Button("Sign in", elem_id="rec-login")
        login_status = gr.Markdown(
            "Create the first account with `interviewer add-recruiter NAME`.", elem_id="rec-status"
        )

        with gr.Tabs():
            with gr.Tab("Editor"):
                files = gr.Dropdown(ws.editable_files(), label="File", elem_id="rec-file")
                load = gr.Button("Open", elem_id="rec-open")
                editor = gr.Code(language="yaml", label="Content", lines=24, elem_id="rec-editor")
                with gr.Row():
                    save = gr.Button("Validate and save", variant="primary", elem_id="rec-save")
                errors = gr.Markdown("", elem_id="rec-errors")
                versions = gr.Dropdown([], label="Saved versions", elem_id="rec-versions")
                with gr.Row():
                    diff_btn = gr.Button("Show diff with current", elem_id="rec-diff")
                    rollback = gr.Button("Roll back to this version", elem_id="rec-rollback")
                diff = gr.Code(language=None, label="Diff", lines=12, elem_id="rec-diff-out")

            with gr.Tab("Calibration"):
                csv_file = gr.File(
                    label="Labelled answers (CSV, shared ASAG schema)", file_types=[".csv"], elem_id="rec-csv"
                )
                run_cal = gr.Button("Check the grader", elem_id="rec-calibrate")
                cal_out = gr.Markdown("", elem_id="rec-cal-out")

            with gr.Tab("Item analysis"):
                run_items = gr.Button("Analyse questions", elem_id="rec-items")
                items = gr.Dataframe(
                    headers=["question", "answers", "mean", "spread", "skip rate", "discrimination"],
                    elem_id="rec-items-table",
                )
            build_review_tabs(services, auth)  # review queue, recalibration, A/B tests

    def on_login(name: str, pw: str, request: gr.Request):
        name = scrub(name).strip()[:80]
        ip = identify_ip(services.settings, request_info(request))
        keys = (f"name:{name.lower()}", f"ip:{ip}")
        wait = services.login_backoff.wait_s(*keys)
        if wait > 0:  # refused before the password is even checked: guessing gets no faster by asking
            log.warning("recruiter sign-in refused during back-off", extra={"user": name, "ip": ip})
            return {}, f"Too many failed sign-ins: wait {math.ceil(wait)} s, then try again."
        granted = services.storage.authenticate(name, scrub(pw))
        if granted != "recruiter":
            failures = services.login_backoff.failed(*keys)
            log.warning("recruiter sign-in failed", extra={"user": name, "ip": ip, "failures": failures})
            services.storage.log(name or "?", "login_failed", f"from {ip}, failure {failures}")
            return {}, "Wrong name or password."
        services.login_backoff.succeeded(*keys)
        services.storage.log(name, "login")
        return {"user": name, "role": granted}, f"Signed in as **{name}**."

    login.click(on_login, [user, password], [auth, login_status], api_name="recruiter_login")

    def on_open(a: dict[str, Any], path: str):
        if role(a) != "recruiter":
            return "", DENIED, gr.update()
        try:
            return ws.read(path), "", gr.update(choices=ws.version_choices(path), value=None)
        except (ValueError, OSError) as exc:
            return "", f"Cannot open: {exc}", gr.update()

    load.click(on_open, [auth, files], [editor, errors, versions], api_name="recruiter_open")

    def on_save(a: dict[str, Any], path: str, content: str):
        if role(a) != "recruiter":
            return DENIED, gr.update()
        try:
            result = ws.save(path, content or "", a["user"])
        except ValueError as exc:
            return f"**Not saved:** {exc}", gr.update()
        return result, gr.update(choices=ws.version_choices(path), value=None)

    save.click(on_save, [auth, files, editor], [errors, versions], api_name="recruiter_save")

    def on_diff(a: dict[str, Any], path: str, version: int | None):
        if role(a) != "recruiter":
            return DENIED
        return ws.diff(path, version) if version else "Pick a saved version."

    diff_btn.click(on_diff, [auth, files, versions], [diff], api_name="recruiter_diff")

    def on_rollback(a: dict[str, Any], path: str, version: int | None):
        if role(a) != "recruiter":
            return DENIED, gr.update(), gr.update()
        if not version:
            return "Pick a saved version.", gr.update(), gr.update()
        msg = ws.rollback(path, int(version), a["user"])
        return msg, ws.read(path), gr.update(choices=ws.version_choices(path), value=None)

    rollback.click(
        on_rollback, [auth, files, versions], [errors, editor, versions], api_name="recruiter_rollback"
    )

    def on_calibrate(a: dict[str, Any], upload: Any):
        if role(a) != "recruiter":
            return DENIED
        if upload is None:
            return "Upload a CSV first."
        path = upload if isinstance(upload, str) else getattr(upload, "name", str(upload))
        return ws.calibrate(path, a["user"])

    run_cal.click(on_calibrate, [auth, csv_file], [cal_out], api_name="recruiter_calibrate")

    def on_items(a: dict[str, Any]):
        if role(a) != "recruiter":
            raise gr.Error(DENIED)
        return ws.item_analysis()

    run_items.click(on_items, [auth], [items], api_name="recruiter_items")
