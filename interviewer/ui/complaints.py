"""The candidate's side of the review loop: "I think this grade is wrong", and reviewed grades on the scorecard.

A complaint can only be about a session of the caller's own profile key (profile_service.py checks it).
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from interviewer.review_loop.queue import ReviewError
from interviewer.sessions.identity import scrub
from interviewer.ui.caller import guarded, who


def reviews_markdown(services: Any, session_ids: list[str]) -> str:
    """A section listing recruiter-reviewed grades next to the machine grades they replace ('' when none)."""
    reviewed = services.loop.queue.reviewed_for_sessions(session_ids)
    if not reviewed:
        return ""
    lines = [
        "",
        "## Reviewed grades",
        "",
        "A recruiter reviewed these grades; the reviewed grade counts, the machine grade is kept for reference.",
        "",
        "| question | machine grade | reviewed grade | reviewer's reason |",
        "|---|---|---|---|",
    ]
    for (_sid, item), r in sorted(reviewed.items(), key=lambda kv: kv[1]["reviewed_at"]):
        lines.append(
            f"| {html.escape(item)} | {r['machine_score']:.1f} / 5, {r['machine_level']} (machine) | "
            f"**{r['human_score']:.1f} / 5, {r['human_level']}** (reviewed) | {html.escape(r['review_reason'])} |"
        )
    return "\n".join(lines) + "\n"


def session_reviews(services: Any, state: Any) -> str:
    """Reviewed grades of one session, with the overall score recomputed on them."""
    section = reviews_markdown(services, [state.id])
    if not section:
        return ""
    reviewed = services.loop.queue.reviewed_for_sessions([state.id])
    scores = [
        reviewed[(state.id, i.id)]["human_score"] if (state.id, i.id) in reviewed else i.grade.score
        for i in state.items
        if i.grade is not None
    ]
    overall = (
        f"\n**Overall score with reviewed grades:** {sum(scores) / len(scores):.1f} / 5\n" if scores else ""
    )
    return section + overall


def session_reviews_data(services: Any, state: Any) -> dict[str, Any]:
    """The reviewed grades of one session for the JSON scorecard: each beside the machine's, and the overall
    score recomputed on them (empty when nothing was reviewed)."""
    reviewed = services.loop.queue.reviewed_for_sessions([state.id])
    if not reviewed:
        return {}
    rows = [
        {
            "item": item,
            "machine_score": r["machine_score"],
            "machine_level": r["machine_level"],
            "reviewed_score": r["human_score"],
            "reviewed_level": r["human_level"],
            "reason": r["review_reason"],
            "reviewed_at": r["reviewed_at"],
        }
        for (_, item), r in sorted(reviewed.items())
    ]
    scores = [
        reviewed[(state.id, i.id)]["human_score"] if (state.id, i.id) in reviewed else i.grade.score
        for i in state.items
        if i.grade is not None
    ]
    return {
        "reviews": rows,
        "overall_score_reviewed": round(sum(scores) / len(scores), 2) if scores else None,
    }


def graded_choices(services: Any, caller: Any, sess: dict[str, Any]) -> list[tuple[str, str]]:
    """The graded questions of the caller's current session (none when it is not theirs)."""
    state = services.profiles.current(caller, (sess or {}).get("id"))
    if state is None:
        return []
    return [
        (f"{n}. {_short(services, i.id)}: {i.grade.score:.1f}/5, {i.grade.level}", i.id)
        for n, i in enumerate(state.items, 1)
        if i.grade
    ]


def _short(services: Any, item_id: str, width: int = 60) -> str:
    """A question as the candidate saw it, cut to `width` characters (its id is for files and code)."""
    if "#" in item_id:
        sid, stage_id = item_id.split("#", 1)
        scenario = services.corpus.scenario(sid)
        stage = next((s for s in scenario.stages if s.id == stage_id), None)
        text = f"{scenario.title}, {stage.name.lower()}" if stage else scenario.title
    else:
        question = services.corpus.by_id.get(item_id)
        text = question.text if question else item_id
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def complain(services: Any, caller: Any, sess: dict[str, Any], item_id: str | None, comment: str) -> str:
    """File the candidate's complaint about one graded question of their current session."""
    state = services.profiles.current(caller, (sess or {}).get("id"))
    if state is None:
        return "Start or resume an interview first."
    if not item_id:
        return "Pick the question whose grade you think is wrong."
    try:
        msg = services.loop.queue.complain(state, item_id, scrub(comment))
    except ReviewError as exc:
        return f"Not sent: {exc}."
    from interviewer.ops.monitoring import REVIEWS

    REVIEWS.labels("complaint").inc()
    return str(msg)


def build_complaints(services: Any, key: Any, state: gr.State) -> None:
    """Inside the Scorecard tab: pick a graded question, say why, send it to a recruiter."""
    with gr.Accordion("I think a grade is wrong", open=False, elem_id="complain-box"):
        load = gr.Button("List my graded questions", size="sm", elem_id="complain-load")
        which = gr.Dropdown([], label="Question", elem_id="complain-item")
        comment = gr.Textbox(label="Why (optional)", lines=2, elem_id="complain-comment")
        send = gr.Button("I think this grade is wrong", elem_id="complain-send")
        status = gr.Markdown("", elem_id="complain-status")
        show = gr.Button("Show reviewed grades", size="sm", elem_id="reviews-show")
        reviews = gr.Markdown("", elem_id="reviews-md")

    @guarded
    def on_load(key: Any, sess: dict[str, Any], request: gr.Request):
        choices = graded_choices(services, who(services, key, request), sess)
        return gr.update(choices=choices, value=None)

    @guarded
    def on_complain(key: Any, sess: dict[str, Any], item: str | None, text: str, request: gr.Request):
        return complain(services, who(services, key, request), sess, item, text)

    @guarded
    def on_reviews(key: Any, sess: dict[str, Any], request: gr.Request):
        return my_reviews(services, who(services, key, request), sess)

    load.click(on_load, [key, state], [which], api_name="graded_questions")
    send.click(on_complain, [key, state, which, comment], [status], api_name="complain")
    show.click(on_reviews, [key, state], [reviews], api_name="my_reviews")


def my_reviews(services: Any, caller: Any, sess: dict[str, Any]) -> str:
    """The reviewed grades of the candidate's current session, or a note that there are none yet."""
    state = services.profiles.current(caller, (sess or {}).get("id"))
    if state is None:
        return "Start or resume an interview first."
    return session_reviews(services, state) or "No reviewed grades yet."
