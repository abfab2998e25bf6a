"""The candidate side: setup, the interview chat, scorecard, history and resume. Per-session state is gr.State."""

from __future__ import annotations

import json
import queue
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr

from ..engine.scorecard import build_scorecard
from ..engine.state import Setup
from ..sessions import LimitError
from .coding import coding_panel, wire_coding
from .complaints import build_complaints, reviews_markdown, session_reviews, session_reviews_data
from .messages import candidate_message, event_messages, radar_svg, transcript_messages
from .timer import countdown, minutes_input, timer_seconds, wire_countdown, wire_time_up

_NAME = re.compile(r"[^\w .@-]")


def profile_name(raw: str) -> str:
    name = _NAME.sub("", (raw or "").strip())[:60]
    return name or "anonymous"


def llm_status(services: Any) -> str:
    s = services.settings
    if s.llm == "none":
        return "No LLM configured: the rubric interviewer runs the interview and grades offline."
    if s.llm == "fake":
        return "Scripted test LLM (fake provider)."
    return f"LLM: {s.llm_model} at {s.llm_base_url} (falls back to the rubric interviewer if it fails)."


NO_CARD = ("", "Finish an interview to see its scorecard.", None, None)
"""The Scorecard tab while an interview runs (radar, card, two downloads).

Sent as values on every turn rather than as `gr.update()`: Gradio rebuilds a component and its API schema for
each update it receives, even an empty one, which cost about 8 ms of the event loop per turn under load.
"""


def build_candidate(services: Any) -> None:
    corpus = services.corpus
    sessions = services.sessions
    tracks = [(t.name, t.id) for t in corpus.tracks]
    with gr.Tab("Interview"):
        state = gr.State({})  # per browser session
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                gr.Markdown("### Setup")
                name = gr.Textbox(
                    label="Your name (or leave 'anonymous')", value="anonymous", elem_id="profile"
                )
                consent = gr.Checkbox(label="Recruiters may use my answers for item analysis", value=False)
                level = gr.Radio(
                    ["junior", "mid", "senior"], value="mid", label="Target level", elem_id="level"
                )
                track = gr.Dropdown(tracks, value="general", label="Track", elem_id="track")
                length = gr.Slider(1, 12, value=5, step=1, label="Number of questions", elem_id="length")
                jd = gr.Textbox(label="Job description (optional)", lines=4, elem_id="jd")
                timer = minutes_input()
                feedback = gr.Checkbox(
                    label="Show feedback after each answer", value=True, elem_id="feedback"
                )
                use_history = gr.Checkbox(
                    label="Let weak topics from my earlier sessions steer this one", value=False
                )
                gr.Markdown(llm_status(services), elem_id="llm-status")
                start = gr.Button("Start interview", variant="primary", elem_id="start")
                gr.Markdown("### Resume")
                paused = gr.Dropdown([], label="Paused interviews", elem_id="paused", allow_custom_value=True)
                refresh = gr.Button("Find my paused interviews", size="sm", elem_id="refresh-paused")
                resume = gr.Button("Resume", elem_id="resume")
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Interview", height=520, elem_id="chat")
                clock = countdown()
                panel = coding_panel()
                answer = gr.Textbox(
                    label="Your answer",
                    lines=4,
                    placeholder="Type your answer (Markdown and code welcome)",
                    elem_id="answer",
                )
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send")
                    hint = gr.Button("Hint", elem_id="hint")
                    skip = gr.Button("Skip", elem_id="skip")
                    pause = gr.Button("Pause", elem_id="pause")
                    end = gr.Button("End", variant="stop", elem_id="end")
                status = gr.Markdown("", elem_id="status")

    with gr.Tab("Scorecard"):
        radar = gr.HTML("", elem_id="radar")
        card_md = gr.Markdown(NO_CARD[1], elem_id="scorecard-md")
        with gr.Row():
            dl_md = gr.File(label="Scorecard (Markdown)", elem_id="dl-md")
            dl_json = gr.File(label="Scorecard (JSON)", elem_id="dl-json")
        gr.Markdown(services.agreement_note(), elem_id="agreement")
        build_complaints(services, state)

    with gr.Tab("History"):
        hist_refresh = gr.Button("Show my sessions", elem_id="history-refresh")
        hist = gr.Dataframe(
            headers=["started", "track", "target", "status", "score", "level"], elem_id="history-table"
        )
        trend = gr.Markdown("")

    def _card_outputs(st: Any) -> tuple[str, str, str | None, str | None]:
        card = build_scorecard(st, corpus)
        folder = Path(tempfile.mkdtemp(prefix="scorecard-"))
        md_path, json_path = folder / f"scorecard-{st.id}.md", folder / f"scorecard-{st.id}.json"
        markdown = card.markdown() + session_reviews(services, st)  # reviewed grades next to the machine's
        md_path.write_text(markdown, encoding="utf-8")
        json_path.write_text(card.to_json(session_reviews_data(services, st)), encoding="utf-8")
        return radar_svg(card.competencies), markdown, str(md_path), str(json_path)

    def _after(st: Any, events: list[Any], history: list[Any], show: bool) -> list[Any]:
        history = [*history, *event_messages(events, show)]
        if st.status == "finished":
            return [history, *_card_outputs(st), "Interview finished: see the Scorecard tab."]
        return [history, *NO_CARD, f"Session {st.id}: {st.status}"]

    outputs = [chat, radar, card_md, dl_md, dl_json, status]

    def on_start(
        nm: str, cons: bool, lv: str, tr: str, n: float, jd_text: str, tmin: float, fb: bool, hist_on: bool
    ):
        timer_s = timer_seconds(tmin)  # gr.Error with what to enter when out of range
        profile = profile_name(nm)
        services.storage.ensure_profile(profile, consent=cons, use_history=hist_on)
        setup = Setup(
            level=lv,
            track=tr,
            questions=int(n),
            job_description=jd_text or "",
            feedback=fb,
            use_history=hist_on,
            timer_s=timer_s,
        )
        try:
            st, events = sessions.start(profile, setup)
        except LimitError as exc:
            return [{}, [], gr.update(), gr.update(), gr.update(), gr.update(), str(exc)]
        return [{"id": st.id, "profile": profile, "feedback": fb}, *_after(st, events, [], fb)]

    started = start.click(
        on_start,
        [name, consent, level, track, length, jd, timer, feedback, use_history],
        [state, *outputs],
        api_name="start",
    )

    def on_message(
        sess: dict[str, Any],
        history: list[Any],
        text: str,
        on_token: Any = None,
        time_up: float | None = None,
    ):
        if not sess.get("id"):
            return [history, *[gr.update()] * 4, "Start an interview first.", text]
        shown = [*(history or []), *([candidate_message(text)] if text.strip() else [])]
        try:
            st, events = sessions.reply(sess["id"], text, on_token=on_token, time_up=time_up)
        except LimitError as exc:
            return [history, gr.update(), gr.update(), gr.update(), gr.update(), str(exc), text]
        if not events:  # a time-up that crossed an answer sent in its last second: the page stays as it is
            return [gr.update()] * 7
        return [*_after(st, events, shown, sess.get("feedback", True)), ""]

    def on_message_streamed(sess: dict[str, Any], history: list[Any], text: str):
        """on_message, showing the interviewer's words as an LLM writes them (one final update without one)."""
        if not sess.get("id"):
            yield on_message(sess, history, text)
            return
        tokens: queue.Queue[str | None] = queue.Queue()
        done: list[Any] = []

        def work() -> None:
            try:
                done.append(on_message(sess, history, text, on_token=tokens.put))
            except Exception as exc:  # shown by Gradio like any handler error
                done.append(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, name="reply", daemon=True).start()
        shown = [*(history or []), candidate_message(text)]
        partial = ""
        while (token := tokens.get()) is not None:
            partial += token
            writing = {"role": "assistant", "content": partial}
            yield [[*shown, writing], *NO_CARD, "The interviewer is writing...", ""]
        if isinstance(done[0], Exception):
            raise done[0]
        yield done[0]

    def on_message_whole(sess: dict[str, Any], history: list[Any], text: str):
        """on_message as one result: without an LLM there is nothing to stream."""
        return on_message(sess, history, text)

    # A generator costs Gradio a worker-thread hop per step and an extra message per answer, and it costs us a
    # thread per answer: only worth it when an LLM writes the interviewer's words.
    reply = on_message_streamed if services.settings.llm != "none" else on_message_whole
    sent = send.click(reply, [state, chat, answer], [*outputs, answer], api_name="answer")
    submitted = answer.submit(reply, [state, chat, answer], [*outputs, answer], api_visibility="undocumented")

    def command(word: str):
        def handler(sess: dict[str, Any], history: list[Any]):
            return on_message(sess, history, word)[:-1]

        return handler

    hinted = hint.click(command("hint"), [state, chat], outputs, api_name="hint")
    skipped = skip.click(command("skip"), [state, chat], outputs, api_name="skip")

    def on_pause(sess: dict[str, Any], history: list[Any]):
        if not sess.get("id"):
            return [history, "Nothing to pause."]
        st, events = sessions.pause(sess["id"])
        return [[*history, *event_messages(events)], f"Session {st.id} paused."]

    paused_ev = pause.click(on_pause, [state, chat], [chat, status], api_name="pause")

    def on_end(sess: dict[str, Any], history: list[Any]):
        if not sess.get("id"):
            return [history, gr.update(), gr.update(), gr.update(), gr.update(), "Nothing to end."]
        st, events = sessions.end(sess["id"])
        return _after(st, events, history, False)

    ended = end.click(on_end, [state, chat], outputs, api_name="end")

    def on_refresh(nm: str):
        rows = services.storage.sessions_of(profile_name(nm))
        choices = [
            (f"{r['track']} ({r['target_level']}), {r['id']}", r["id"])
            for r in rows
            if r["status"] != "finished"
        ]
        return gr.update(choices=choices, value=choices[-1][1] if choices else None)

    refresh.click(on_refresh, [name], [paused], api_name="paused_sessions")

    def on_resume(nm: str, sid: str | None):
        profile = profile_name(nm)
        st = services.storage.load_session(sid) if sid else None
        if st is None or st.profile != profile:
            return [{}, [], "No paused interview of yours with that id."]
        st, events = sessions.resume(sid)
        history = transcript_messages(st.turns[:-1]) + event_messages(events[-1:])
        return [
            {"id": st.id, "profile": profile, "feedback": st.setup.feedback},
            history,
            f"Resumed session {st.id}.",
        ]

    resumed = resume.click(on_resume, [name, paused], [state, chat, status], api_name="resume")
    timed_out = wire_time_up(services, clock, state, chat, answer, panel, outputs, on_message)
    after = [started, sent, submitted, skipped, ended, resumed, timed_out]
    coded = wire_coding(services, panel, state, chat, outputs, on_message, after)
    wire_countdown(services, clock, state, [*after, hinted, paused_ev, coded])

    def on_history(nm: str):
        rows = services.storage.sessions_of(profile_name(nm))
        import time as _t

        table = [
            [
                _t.strftime("%Y-%m-%d %H:%M", _t.localtime(r["created"])),
                r["track"],
                r["target_level"],
                r["status"],
                r["score"] if r["score"] is not None else "",
                r["level"] or "",
            ]
            for r in rows
        ]
        done = [r["score"] for r in rows if r["score"] is not None]
        note = ""
        if len(done) >= 2:
            delta = done[-1] - done[0]
            note = f"Trend over {len(done)} finished sessions: {'+' if delta >= 0 else ''}{delta:.1f} points."
        return table, note + reviews_markdown(services, [r["id"] for r in rows])

    hist_refresh.click(on_history, [name], [hist, trend], api_name="history")

    def on_export(nm: str):
        data = services.storage.export_profile(profile_name(nm))
        path = Path(tempfile.mkdtemp(prefix="export-")) / "my-data.json"
        path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
        return str(path)

    with gr.Tab("My data"):
        gr.Markdown("Download everything stored about you, or delete it. Deleting cannot be undone.")
        export_btn = gr.Button("Export my data", elem_id="export")
        export_file = gr.File(label="Your data (JSON)")
        confirm = gr.Textbox(label="Type DELETE to confirm deletion", elem_id="confirm-delete")
        delete_btn = gr.Button("Delete my data", variant="stop", elem_id="delete")
        privacy_status = gr.Markdown("")
    export_btn.click(on_export, [name], [export_file], api_name="export_my_data")

    def on_delete(nm: str, word: str):
        if word.strip() != "DELETE":
            return "Type DELETE to confirm."
        n = services.storage.delete_profile(profile_name(nm))
        return f"Deleted your profile and {n} sessions."

    delete_btn.click(on_delete, [name, confirm], [privacy_status], api_name="delete_my_data")
