"""The candidate side: profile key, setup, the interview chat, scorecard, and resume. Per-session state is gr.State.

Every handler takes the profile key (kept in the browser) as its first input and acts only through
`services.profiles`, which checks that the session belongs to that key: the gr.State holds which session the page
shows, never whose it is.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import gradio as gr

from interviewer.domain.session import Setup
from interviewer.engine.scorecard import build_scorecard
from interviewer.evaluation.asag import agreement_note
from interviewer.sessions.identity import scrub, scrub_all
from interviewer.sessions.service import LimitError
from interviewer.ui.coding import coding_panel, wire_coding
from interviewer.ui.complaints import build_complaints, session_reviews, session_reviews_data
from interviewer.ui.identity import guarded, key_panel, who, wire_key_panel
from interviewer.ui.messages import candidate_message, event_messages, radar_svg, transcript_messages
from interviewer.ui.mydata import build_my_data
from interviewer.ui.timer import countdown, minutes_input, timer_seconds, wire_countdown, wire_time_up


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


def build_candidate(services: Any, demo: gr.Blocks) -> None:
    corpus = services.corpus
    profiles = services.profiles
    tracks = [(t.name, t.id) for t in corpus.tracks]
    with gr.Tab("Interview"):
        state = gr.State({})  # the session this page shows; whose it is comes from the key on every event
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                keys = key_panel(services)
                gr.Markdown("### Setup")
                name = gr.Textbox(
                    label="Display name (optional; shown with your data, never used to find it)",
                    value="",
                    elem_id="profile",
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
        gr.Markdown(agreement_note(), elem_id="agreement")
        build_complaints(services, keys.store, state)

    key = keys.store
    wire_key_panel(services, demo, keys, state)

    def _card_outputs(caller: Any, st: Any) -> tuple[str, str, str | None, str | None]:
        card = build_scorecard(st, corpus)
        markdown = card.markdown() + session_reviews(services, st)  # reviewed grades next to the machine's
        body = card.to_json(session_reviews_data(services, st))
        md_path, json_path = profiles.write_scorecard(caller, st, markdown, body)
        return radar_svg(card.competencies), markdown, str(md_path), str(json_path)

    def _after(caller: Any, st: Any, events: list[Any], history: list[Any], show: bool) -> list[Any]:
        history = [*history, *event_messages(events, show)]
        if st.status == "finished":
            return [history, *_card_outputs(caller, st), "Interview finished: see the Scorecard tab."]
        return [history, *NO_CARD, f"Session {st.id}: {st.status}"]

    outputs = [chat, radar, card_md, dl_md, dl_json, status]

    @guarded
    def on_start(
        key: Any,
        nm: str,
        cons: bool,
        lv: str,
        tr: str,
        n: float,
        jd_text: str,
        tmin: float,
        fb: bool,
        hist_on: bool,
        request: gr.Request,
    ):
        caller = who(services, key, request)
        timer_s = timer_seconds(tmin)  # gr.Error with what to enter when out of range
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
            st, events = profiles.start(caller, nm, cons, hist_on, setup)
        except LimitError as exc:
            return [{}, [], gr.update(), gr.update(), gr.update(), gr.update(), str(exc)]
        return [{"id": st.id, "feedback": fb}, *_after(caller, st, events, [], fb)]

    started = start.click(
        on_start,
        [key, name, consent, level, track, length, jd, timer, feedback, use_history],
        [state, *outputs],
        api_name="start",
    )

    def on_message(
        caller: Any,
        sess: dict[str, Any],
        history: list[Any],
        text: str,
        on_token: Any = None,
        time_up: float | None = None,
    ):
        """Send one message of the page's session; the outputs plus the answer box (emptied once saved)."""
        text = scrub(text)  # a lone surrogate would make the reply itself unsendable
        if not (sess or {}).get("id"):
            return [history, *[gr.update()] * 4, "Start an interview first.", text]
        history = scrub_all(history or [])
        shown = [*history, *([candidate_message(text)] if (text or "").strip() else [])]
        try:
            st, events = profiles.reply(caller, sess["id"], text, on_token=on_token, time_up=time_up)
        except LimitError as exc:
            return [history, gr.update(), gr.update(), gr.update(), gr.update(), str(exc), text]
        if not events:  # a time-up that crossed an answer sent in its last second: the page stays as it is
            return [gr.update()] * 7
        return [*_after(caller, st, events, shown, sess.get("feedback", True)), ""]

    def on_message_streamed(
        key: Any, sess: dict[str, Any], history: list[Any], text: str, request: gr.Request
    ):
        """on_message, showing the interviewer's words as an LLM writes them (one final update without one)."""
        caller = who(services, key, request)
        text = scrub(text)
        if not (sess or {}).get("id"):
            yield on_message(caller, sess, history, text)
            return
        tokens: queue.Queue[str | None] = queue.Queue()
        done: list[Any] = []

        def work() -> None:
            try:
                done.append(guarded(on_message)(caller, sess, history, text, on_token=tokens.put))
            except Exception as exc:  # shown by Gradio like any handler error (counted by `guarded`)
                done.append(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, name="reply", daemon=True).start()
        shown = [*scrub_all(history or []), candidate_message(text)]
        partial = ""
        while (token := tokens.get()) is not None:
            partial += token
            writing = {"role": "assistant", "content": partial}
            yield [[*shown, writing], *NO_CARD, "The interviewer is writing...", ""]
        if isinstance(done[0], Exception):
            raise done[0]
        yield done[0]

    @guarded
    def on_message_whole(key: Any, sess: dict[str, Any], history: list[Any], text: str, request: gr.Request):
        """on_message as one result: without an LLM there is nothing to stream."""
        return on_message(who(services, key, request), sess, history, text)

    # A generator costs Gradio a worker-thread hop per step and an extra message per answer, and it costs us a
    # thread per answer: only worth it when an LLM writes the interviewer's words.
    reply = on_message_streamed if services.settings.llm != "none" else on_message_whole
    chat_in = [key, state, chat, answer]
    sent = send.click(reply, chat_in, [*outputs, answer], api_name="answer")
    submitted = answer.submit(
        reply, chat_in, [*outputs, answer], api_name="answer_enter", api_visibility="undocumented"
    )

    def command(word: str):
        @guarded
        def handler(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
            return on_message(who(services, key, request), sess, history, word)[:-1]

        return handler

    hinted = hint.click(command("hint"), [key, state, chat], outputs, api_name="hint")
    skipped = skip.click(command("skip"), [key, state, chat], outputs, api_name="skip")

    @guarded
    def on_pause(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
        caller = who(services, key, request)
        if not (sess or {}).get("id"):
            return [history, "Nothing to pause."]
        st, events = profiles.pause(caller, sess["id"])
        return [[*scrub_all(history or []), *event_messages(events)], f"Session {st.id} paused."]

    paused_ev = pause.click(on_pause, [key, state, chat], [chat, status], api_name="pause")

    @guarded
    def on_end(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
        caller = who(services, key, request)
        if not (sess or {}).get("id"):
            return [history, gr.update(), gr.update(), gr.update(), gr.update(), "Nothing to end."]
        st, events = profiles.end(caller, sess["id"])
        return _after(caller, st, events, scrub_all(history or []), False)

    ended = end.click(on_end, [key, state, chat], outputs, api_name="end")

    @guarded
    def on_refresh(key: Any, request: gr.Request):
        rows = profiles.resumable(who(services, key, request))
        choices = [(f"{r['track']} ({r['target_level']}), {r['id']}", r["id"]) for r in rows]
        return gr.update(choices=choices, value=choices[-1][1] if choices else None)

    refresh.click(on_refresh, [key], [paused], api_name="paused_sessions")

    @guarded
    def on_resume(key: Any, sid: str | None, request: gr.Request):
        caller = who(services, key, request)
        try:
            st, events = profiles.resume(caller, sid)
        except LimitError as exc:
            return [{}, [], str(exc)]
        history = transcript_messages(st.turns[:-1]) + event_messages(events[-1:])
        return [{"id": st.id, "feedback": st.setup.feedback}, history, f"Resumed session {st.id}."]

    resumed = resume.click(on_resume, [key, paused], [state, chat, status], api_name="resume")
    timed_out = wire_time_up(services, clock, key, state, chat, answer, panel, outputs, on_message)
    after = [started, sent, submitted, skipped, ended, resumed, timed_out]
    coded = wire_coding(services, panel, key, state, chat, outputs, on_message, after)
    wire_countdown(services, clock, key, state, [*after, hinted, paused_ev, coded])
    scorecard = [radar, card_md, dl_md, dl_json]
    build_my_data(services, key, state, chat, scorecard, paused)
