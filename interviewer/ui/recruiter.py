"""The recruiter workspace: sign-in and sign-out, the editor (editor_tab.py), checking the grader on labelled
answers, item analysis, and the review tabs (review_tabs.py).

Every handler checks the role itself: hiding a tab does not stop a direct API call.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import gradio as gr

from interviewer.review_loop.grader_check import sample_csv
from interviewer.review_loop.recruiting import Workspace
from interviewer.sessions.identity import identify_ip, scrub
from interviewer.ui.access import DENIED, role
from interviewer.ui.caller import request_info
from interviewer.ui.editor_tab import build_editor_tab
from interviewer.ui.recruiter_charts import grader_check_charts, item_plot, item_table
from interviewer.ui.review_tabs import build_review_tabs

log = logging.getLogger(__name__)


def build_recruiter(services: Any) -> None:

    ws = Workspace(services)
    with gr.Tab("Recruiter"):
        auth = gr.State({})  # the signed-in recruiter, per browser session
        with gr.Row():
            user = gr.Textbox(label="Recruiter name", elem_id="rec-user")
            password = gr.Textbox(label="Password", type="password", elem_id="rec-password")
            with gr.Column(scale=0, min_width=140):
                login = gr.Button("Sign in", elem_id="rec-login")
                logout = gr.Button("Sign out", elem_id="rec-logout", size="sm")
        login_status = gr.Markdown(
            "An operator creates accounts with `.venv/bin/interviewer add-recruiter NAME`.",
            elem_id="rec-status",
        )

        with gr.Tabs():
            build_editor_tab(ws, auth)

            with gr.Tab("Check the grader"):
                gr.Markdown(
                    "Upload answers your own reviewers labelled, to see how closely the grader agrees with them. "
                    "The file is a CSV with the columns of the sample below (one answer per row: the question, a "
                    "reference answer, the answer, the reviewers' score out of a maximum, and optionally a label). "
                    "Rows whose `split` is `train` only set where scores turn into your labels."
                )
                with gr.Row():
                    csv_file = gr.File(
                        label="Labelled answers (CSV)", file_types=[".csv"], elem_id="rec-csv", scale=3
                    )
                    with gr.Column(scale=1):
                        gr.DownloadButton(
                            "Download the sample CSV", value=str(sample_csv()), elem_id="rec-sample"
                        )
                        run_sample = gr.Button("Try it on the sample", elem_id="rec-try-sample")
                        run_cal = gr.Button("Check the grader", variant="primary", elem_id="rec-calibrate")
                cal_out = gr.Markdown("", elem_id="rec-cal-out")
                cal_charts = gr.HTML("", elem_id="rec-cal-charts")

            with gr.Tab("Item analysis"):
                gr.Markdown(
                    "How each question performs over the sessions of candidates who agreed to it. Difficulty is the "
                    "mean score (low: hard); discrimination is how well the question separates stronger from weaker "
                    "candidates (their score on the rest of the session): near 0 or negative deserves a look."
                )
                run_items = gr.Button("Analyse questions", elem_id="rec-items")
                items_plot = gr.HTML("", elem_id="rec-items-plot")
                items = gr.HTML("", elem_id="rec-items-table")
            build_review_tabs(services, auth)  # review queue, correcting the grader, A/B tests

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

    def on_logout(a: dict[str, Any]):
        if role(a):
            services.storage.log(a.get("user", "?"), "logout")
        return {}, "", "Signed out.", "", "", "", ""

    logout.click(
        on_logout,
        [auth],
        [auth, password, login_status, cal_out, cal_charts, items, items_plot],
        api_name="recruiter_logout",
    )

    def on_calibrate(a: dict[str, Any], upload: Any):
        if role(a) != "recruiter":
            return DENIED, ""
        if upload is None:
            return "Upload a CSV first, or try the sample.", ""
        path = upload if isinstance(upload, str) else getattr(upload, "name", str(upload))
        check = ws.check_grader(path, a["user"])
        return check.words(), grader_check_charts(check)

    run_cal.click(on_calibrate, [auth, csv_file], [cal_out, cal_charts], api_name="recruiter_calibrate")
    run_sample.click(
        lambda a: on_calibrate(a, str(sample_csv())),
        [auth],
        [cal_out, cal_charts],
        api_name="recruiter_try_sample",
    )

    def on_items(a: dict[str, Any]):
        if role(a) != "recruiter":
            raise gr.Error(DENIED)
        rows = ws.item_analysis()
        return item_plot(rows), item_table(rows)

    run_items.click(on_items, [auth], [items_plot, items], api_name="recruiter_items")
