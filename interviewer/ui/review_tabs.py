"""Recruiter tabs that close the loop: the review queue, recalibration with its history, and A/B tests.

The handlers are plain functions of (services, auth, ...) so tests call them without Gradio; every one of them
checks the role itself, because hiding a tab does not stop a direct API call.
"""

from __future__ import annotations

import html
import json
import time
from typing import Any

import gradio as gr

from interviewer.review_loop.queue import ReviewError
from interviewer.ui.access import DENIED, role

LEVEL_CHOICES = ["none", "junior", "mid", "senior"]


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""


def _question(services: Any, question_id: str) -> tuple[str, str, dict[str, str]]:
    """Text, reference answer and key-point texts of a question or scenario stage."""
    corpus = services.corpus
    if "#" in question_id:
        sid, stage_id = question_id.split("#", 1)
        sc = corpus.scenario(sid)
        st = next(s for s in sc.stages if s.id == stage_id)
        return (
            f"{sc.title} / {st.name}: {st.text}",
            st.reference_answer,
            {k.id: k.text for k in st.key_points},
        )
    q = corpus.by_id.get(question_id)
    if q is None:
        return question_id, "", {}
    return q.text, q.reference_answer, {k.id: k.text for k in q.key_points}


def queue_rows(services: Any, auth: dict[str, Any]) -> list[list[Any]]:
    if role(auth) != "recruiter":
        raise PermissionError(DENIED)
    return [
        [
            r["id"],
            r["question_id"],
            ", ".join(json.loads(r["reasons"])),
            r["machine_score"],
            r["machine_level"],
            _when(r["created"]),
        ]
        for r in services.loop.queue.open_items()
    ]


def show_item(services: Any, auth: dict[str, Any], review_id: str) -> str:
    """Everything a recruiter needs to judge one grade: answer, rubric, evidence and the machine's verdict."""
    if role(auth) != "recruiter":
        return DENIED
    try:
        row = services.loop.queue.get((review_id or "").strip())
    except ReviewError as exc:
        return str(exc)
    grade = json.loads(row["machine_grade"])
    if not grade:
        return f"Imported labelled example for {row['question_id']}: there is no machine grade to show."
    text, reference, points = _question(services, row["question_id"])
    lines = [
        f"### {html.escape(text)}",
        f"Asked at **{grade.get('asked_level')}**. Queued because: **{', '.join(json.loads(row['reasons']))}**"
        + (f". Candidate's comment: _{html.escape(row['comment'])}_" if row["comment"] else ""),
        "",
        "**Answer**",
        "",
        "\n".join("> " + html.escape(line) for line in (row["answer"] or "(empty)").splitlines()),
        "",
        f"**Machine grade:** score {grade['score']}/5 (raw {grade.get('raw_score')}, calibration "
        f"v{grade.get('calibration', 0)}), level {grade['level']}, confidence {grade['confidence']}, "
        f"flags {', '.join(grade['flags']) or 'none'}",
        "",
        "| key point | level | met | evidence |",
        "|---|---|---|---|",
    ]
    for c in grade["criteria"]:
        label = html.escape(points.get(c["id"], c["id"]))
        lines.append(f"| {label} | {c['level']} | {c['met']:.2f} | {html.escape(c['evidence'] or '-')} |")
    lines += ["", f"**Reference answer:** {html.escape(reference)}"]
    if row["status"] == "reviewed":
        lines += ["", f"Reviewed by {row['reviewer']}: {row['human_score']}/5, {row['human_level']}."]
    return "\n".join(lines)


def submit_review(
    services: Any, auth: dict[str, Any], review_id: str, score: float | None, level: str, reason: str
) -> str:
    if role(auth) != "recruiter":
        return DENIED
    if score is None:
        return "Set the reviewed score first."
    try:
        row = services.loop.queue.review((review_id or "").strip(), auth["user"], float(score), level, reason)
    except ReviewError as exc:
        return f"**Not saved:** {exc}"
    return f"Saved: {row['question_id']} reviewed as {row['human_score']}/5, {row['human_level']}."


def recalibrate(services: Any, auth: dict[str, Any]) -> str:
    if role(auth) != "recruiter":
        return DENIED
    return services.loop.recalibrator.run(auth["user"]).markdown()


def calibration_history(services: Any, auth: dict[str, Any]) -> str:
    if role(auth) != "recruiter":
        return DENIED
    store = services.loop.calibrations
    active = store.active_version()
    lines = [
        "| version | active | by | at | score correction | level bars | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in store.versions():
        bars = ", ".join(f"{k} {v:.2f}" for k, v in c.bars.items()) if c.bars else "rubric's"
        lines.append(
            f"| {c.version} | {'yes' if c.version == active else ''} | {c.author} | {_when(c.created)} | "
            f"{c.offset:+.2f} + {c.slope:.2f} x raw | {bars} | {c.note} |"
        )
    lines += ["", "Runs:", ""]
    for h in reversed(store.history()[-15:]):
        rmse = (
            f" (held-out RMSE {h['before'].get('score_rmse')} -> {h['after'].get('score_rmse')})"
            if h.get("after")
            else ""
        )
        lines.append(f"- {_when(h['at'])} {h['author']}: {h['status']} v{h.get('version')}{rmse}")
    return "\n".join(lines)


def rollback(services: Any, auth: dict[str, Any], version: float | None) -> str:
    if role(auth) != "recruiter":
        return DENIED
    if version is None:
        return "Pick a version."
    return services.loop.recalibrator.rollback(int(version), auth["user"])


def start_ab(services: Any, auth: dict[str, Any], name: str, a: float, b: float, share: float) -> str:
    if role(auth) != "recruiter":
        return DENIED
    try:
        eid = services.loop.ab.start(name, int(a), int(b), float(share), auth["user"])
    except (ValueError, KeyError) as exc:
        return f"**Not started:** {exc}"
    return f"Experiment {eid} is running on {share:.0%} of new sessions."


def ab_report(services: Any, auth: dict[str, Any]) -> str:
    if role(auth) != "recruiter":
        return DENIED
    exps = services.loop.ab.experiments()
    if not exps:
        return "No experiments yet."
    rep = services.loop.ab.report(exps[0]["id"])
    e, arms = rep["experiment"], rep["arms"]
    lines = [
        f"### {html.escape(e['name'])} ({e['status']}, id {e['id']}, {e['share']:.0%} of new sessions)",
        "",
        "| | arm A | arm B |",
        "|---|---|---|",
    ]
    for key in ("version", "sessions", "completion", "answers", "score_mean", "score_median", "levels"):
        lines.append(f"| {key} | {arms['A'][key]} | {arms['B'][key]} |")
    ag = rep["agreement"]
    if ag.get("n"):
        lines.append(f"| MAE vs reviews ({ag['n']} reviewed) | {ag['mae_a']} | {ag['mae_b']} |")
        lines.append(f"| level accuracy vs reviews | {ag['level_accuracy_a']} | {ag['level_accuracy_b']} |")
    tests = rep["tests"]
    lines += [
        "",
        f"Scores, Mann-Whitney U p = {tests.get('scores_mann_whitney_p', 'n/a')}; completion, two-proportion "
        f"z-test p = {tests['completion_z_p']}; agreement, Wilcoxon signed-rank p = {ag.get('wilcoxon_p', 'n/a')}.",
        "",
        f"**Recommendation:** {rep['recommendation']['why']}.",
    ]
    return "\n".join(lines)


def promote(services: Any, auth: dict[str, Any], arm: str) -> str:
    if role(auth) != "recruiter":
        return DENIED
    running = services.loop.ab.running()
    if running is None:
        return "No experiment is running."
    return services.loop.ab.promote(running["id"], arm, auth["user"])


def build_review_tabs(services: Any, auth: gr.State) -> None:
    """The three tabs, inside the recruiter workspace's tab set; `auth` is the signed-in recruiter's state."""
    with gr.Tab("Review queue"):
        refresh = gr.Button("Show the queue", elem_id="rev-refresh")
        table = gr.Dataframe(
            headers=["id", "question", "reasons", "machine score", "machine level", "queued"],
            elem_id="rev-table",
        )
        rid = gr.Textbox(label="Review id (copy from the table)", elem_id="rev-id")
        open_btn = gr.Button("Open", elem_id="rev-open")
        detail = gr.Markdown("", elem_id="rev-detail")
        with gr.Row():
            score = gr.Number(label="Reviewed score (0-5)", minimum=0, maximum=5, elem_id="rev-score")
            level = gr.Radio(LEVEL_CHOICES, value="junior", label="Reviewed level", elem_id="rev-level")
        reason = gr.Textbox(label="Reason (shown to the candidate)", elem_id="rev-reason")
        save = gr.Button("Save review", variant="primary", elem_id="rev-save")
        saved = gr.Markdown("", elem_id="rev-saved")
    with gr.Tab("Recalibration"):
        run = gr.Button("Recalibrate from reviewed grades", variant="primary", elem_id="cal-run")
        run_out = gr.Markdown("", elem_id="cal-run-out")
        hist_btn = gr.Button("Calibration history", elem_id="cal-history")
        hist = gr.Markdown("", elem_id="cal-history-out")
        version = gr.Number(label="Version to activate", precision=0, elem_id="cal-version")
        back = gr.Button("Activate this version (roll back)", elem_id="cal-rollback")
    with gr.Tab("A/B tests"):
        with gr.Row():
            name = gr.Textbox(label="Name", elem_id="ab-name")
            va = gr.Number(label="Version A", precision=0, value=0, elem_id="ab-a")
            vb = gr.Number(label="Version B", precision=0, value=1, elem_id="ab-b")
            share = gr.Slider(
                0.05, 1.0, value=0.5, step=0.05, label="Share of new sessions", elem_id="ab-share"
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
    open_btn.click(lambda a, r: show_item(services, a, r), [auth, rid], [detail], api_name="review_open")
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
    ab_start.click(
        lambda a, n, x, y, s: start_ab(services, a, n, x, y, s),
        [auth, name, va, vb, share],
        [ab_out],
        api_name="ab_start",
    )
    ab_rep.click(lambda a: ab_report(services, a), [auth], [ab_out], api_name="ab_report")
    ab_promote.click(lambda a, w: promote(services, a, w), [auth, arm], [ab_out], api_name="ab_promote")
