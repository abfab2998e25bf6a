"""The review tabs' handlers: plain functions of (services, auth, ...) that tests call without Gradio; every one
checks the role itself, because hiding a tab does not stop a direct API call."""

from __future__ import annotations

import html
import json
import time
from typing import Any

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
    stated = grade.get("misconception")
    if stated:  # the flag is a similarity reading, right about one time in three: show what it read
        lines += [
            "",
            f"**Misconception flag:** reads close to _{html.escape(stated['text'])}_ in "
            f'"{html.escape(stated["evidence"])}"',
        ]
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
        lines.append(f"- {_when(h['at'])} {h['author']}: {describe_run(h)}{rmse}")
    return "\n".join(lines)


def describe_run(entry: dict[str, Any]) -> str:
    """One line of the calibration history in words (a refused run made no version)."""
    status = entry.get("status")
    if status == "accepted":
        return f"fitted version {entry.get('version')}, now active"
    if status == "rollback":
        return f"rolled back to version {entry.get('version')} (was {entry.get('from')})"
    kept = entry.get("active_before")
    why = str(entry.get("message") or "").split(". ")[0].rstrip(".")
    return f"run refused, version {kept if kept is not None else '?'} stays active" + (
        f": {why}" if why else ""
    )


def version_choices(services: Any) -> list[tuple[str, int]]:
    """Calibration versions that exist, for the A/B pickers (0 is the shipped grader)."""
    active = services.loop.calibrations.active_version()
    return [
        (
            f"{c.version}: {'shipped grader' if c.version == 0 else c.note or 'fitted'}"
            + (" (active)" if c.version == active else ""),
            c.version,
        )
        for c in services.loop.calibrations.versions()
    ]


def open_review(services: Any, auth: dict[str, Any], review_id: str) -> tuple[str, float | None, str]:
    """The item's details, and the review form preset to the machine's grade (the recruiter changes what is off)."""
    detail = show_item(services, auth, review_id)
    if role(auth) != "recruiter":
        return detail, None, "junior"
    try:
        row = services.loop.queue.get((review_id or "").strip())
    except ReviewError:
        return detail, None, "junior"
    if row["status"] == "reviewed" and row["human_score"] is not None:
        return detail, row["human_score"], row["human_level"]
    return detail, row["machine_score"], row["machine_level"]


def rollback(services: Any, auth: dict[str, Any], version: float | None) -> str:
    if role(auth) != "recruiter":
        return DENIED
    if version is None:
        return "Pick a version."
    return services.loop.recalibrator.rollback(int(version), auth["user"])


def start_ab(
    services: Any, auth: dict[str, Any], name: str, a: float | None, b: float | None, share: float
) -> str:
    if role(auth) != "recruiter":
        return DENIED
    if a is None or b is None or int(a) == int(b):
        return "**Not started:** pick two different versions (0 is the shipped grader)."
    try:
        eid = services.loop.ab.start(name, int(a), int(b), float(share), auth["user"])
    except (ValueError, KeyError) as exc:
        return f"**Not started:** {exc}"
    return f"Experiment {eid} is running on {share:.0%} of new sessions."


AB_ROWS = {
    "version": "grader version",
    "sessions": "sessions",
    "completion": "completed",
    "answers": "answers graded",
    "score_mean": "mean score",
    "score_median": "median score",
    "levels": "levels given",
}


def ab_cell(value: Any, share: bool = False) -> str:
    """One cell of the A/B table in words: '-' for nothing yet, a share as a percentage, counts per level."""
    if value is None:
        return "-"
    if share:
        return f"{value:.0%}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


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
    for key, label in AB_ROWS.items():
        share = key == "completion"
        lines.append(f"| {label} | {ab_cell(arms['A'][key], share)} | {ab_cell(arms['B'][key], share)} |")
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
