"""The candidate side: profile key, setup, the interview chat, scorecard, and resume. Per-session state is gr.State.

Every handler takes the profile key (kept in the browser) as its first input and acts only through
`services.profiles`, which checks that the session belongs to that key: the gr.State holds which session the page
shows, never whose it is. Handlers build a TurnView (ui/turn_view.py), a named result; `send` turns it into
Gradio's output list in one place.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import gradio as gr

from interviewer.domain.session import Setup
from interviewer.evaluation.asag import agreement_note
from interviewer.sessions.identity import browser_secret, scrub, scrub_all
from interviewer.ui.caller import guarded, key_panel, who, wire_key_panel
from interviewer.ui.candidate_actions import CandidateActions
from interviewer.ui.chat_view import follow_newest
from interviewer.ui.coding import coding_panel, wire_coding
from interviewer.ui.complaints import build_complaints
from interviewer.ui.messages import candidate_message
from interviewer.ui.mydata import build_my_data
from interviewer.ui.restore import paused_choice, wire_restore
from interviewer.ui.timer import countdown, minutes_input, timer_seconds, wire_countdown, wire_time_up
from interviewer.ui.turn_view import NO_CARD_TEXT, UNCHANGED, TurnView
from interviewer.ui.voice import delivery_card, voice_panel, wire_voice


def llm_status(services: Any) -> str:
    s = services.settings
    if s.llm == "none":
        return "No LLM configured: the rubric interviewer runs the interview and grades offline."
    if s.llm == "fake":
        return "Scripted test LLM (fake provider)."
    from interviewer.llm.checks import verdict_for

    check = verdict_for(s.llm_check_path, s.llm_model, s.llm_base_url)
    verdict = check.summary() if check else "Not yet qualified: run `interviewer check-llm`."
    return f"LLM: {s.llm_model} at {s.llm_base_url} (falls back to the rubric interviewer if it fails). {verdict}"


class CandidateTab(CandidateActions):
    """The Interview and Scorecard tabs of one app: components built in `build`, wired to the actions."""

    # -- layout -----------------------------------------------------------------------------------------------

    def build(self, demo: gr.Blocks) -> None:
        services = self.services
        tracks = [(t.name, t.id) for t in self.corpus.tracks]
        with gr.Tab("Interview"):
            self.state = gr.State(
                {}
            )  # the session this page shows; whose it is comes from the key on every event
            with gr.Row():
                with gr.Column(scale=1, min_width=280):
                    self.keys = key_panel(services)
                    gr.Markdown("### Setup")
                    self.name = gr.Textbox(
                        label="Display name (optional; shown with your data, never used to find it)",
                        value="",
                        elem_id="profile",
                    )
                    self.consent = gr.Checkbox(
                        label="Recruiters may use my answers for item analysis", value=False
                    )
                    self.level = gr.Radio(
                        ["junior", "mid", "senior"], value="mid", label="Target level", elem_id="level"
                    )
                    self.track = gr.Dropdown(tracks, value="general", label="Track", elem_id="track")
                    self.length = gr.Slider(
                        1, 12, value=5, step=1, label="Number of questions", elem_id="length"
                    )
                    self.jd = gr.Textbox(label="Job description (optional)", lines=4, elem_id="jd")
                    self.timer = minutes_input()
                    self.feedback = gr.Checkbox(
                        label="Show feedback after each answer", value=True, elem_id="feedback"
                    )
                    self.use_history = gr.Checkbox(
                        label="Let weak topics from my earlier sessions steer this one", value=False
                    )
                    gr.Markdown(llm_status(services), elem_id="llm-status")
                    self.start_btn = gr.Button("Start interview", variant="primary", elem_id="start")
                    gr.Markdown("### Resume")
                    self.paused = gr.Dropdown(
                        [], label="Paused interviews", elem_id="paused", allow_custom_value=True
                    )
                    self.refresh_btn = gr.Button(
                        "Find my paused interviews", size="sm", elem_id="refresh-paused"
                    )
                    self.resume_btn = gr.Button("Resume", elem_id="resume")
                with gr.Column(scale=3):
                    self.chat = gr.Chatbot(label="Interview", height=520, elem_id="chat")
                    self.clock = countdown()
                    self.panel = coding_panel(browser_secret(services.settings))
                    self.answer = gr.Textbox(
                        label="Your answer",
                        lines=4,
                        placeholder="Type your answer (Markdown and code welcome)",
                        elem_id="answer",
                    )
                    self.voice = voice_panel(services)  # ui/voice.py: microphone, spoken questions
                    with gr.Row():
                        self.send_btn = gr.Button("Send", variant="primary", elem_id="send")
                        self.hint_btn = gr.Button("Hint", elem_id="hint")
                        self.skip_btn = gr.Button("Skip", elem_id="skip")
                        self.pause_btn = gr.Button("Pause", elem_id="pause")
                        self.end_btn = gr.Button("End", variant="stop", elem_id="end")
                    self.status = gr.Markdown("", elem_id="status")

        with gr.Tab("Scorecard"):
            self.radar = gr.HTML("", elem_id="radar")
            self.card_md = gr.Markdown(NO_CARD_TEXT, elem_id="scorecard-md")
            self.voice_card = delivery_card()
            with gr.Row():
                self.dl_md = gr.File(label="Scorecard (Markdown)", elem_id="dl-md")
                self.dl_json = gr.File(label="Scorecard (JSON)", elem_id="dl-json")
            gr.Markdown(agreement_note(), elem_id="agreement")
            build_complaints(services, self.keys.store, self.state)
        self.wire(demo)

    # -- turning views into Gradio outputs --------------------------------------------------------------------

    @property
    def outputs(self) -> list[Any]:
        """The components a TurnView fills, in its field order (the answer box apart)."""
        return [self.chat, self.radar, self.card_md, self.dl_md, self.dl_json, self.status]

    @staticmethod
    def send(view: TurnView, with_answer: bool = True) -> list[Any]:
        return view.values(gr.update, with_answer)

    # -- streaming an LLM's words ------------------------------------------------------------------------------

    def streamed(
        self, caller: Any, sess: dict[str, Any], history: list[Any], text: str
    ) -> Iterator[TurnView]:
        """`message`, showing the interviewer's words as an LLM writes them (one final view without one)."""
        text = scrub(text)
        if not (sess or {}).get("id"):
            yield self.message(caller, sess, history, text)
            return
        tokens: queue.Queue[str | None] = queue.Queue()
        done: list[Any] = []

        def work() -> None:
            try:
                done.append(guarded(self.message)(caller, sess, history, text, on_token=tokens.put))
            except Exception as exc:  # shown by Gradio like any handler error (counted by `guarded`)
                done.append(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, name="reply", daemon=True).start()
        shown = [*scrub_all(history or []), candidate_message(text)]
        partial, emptied = "", False
        while (token := tokens.get()) is not None:
            partial += token
            writing = {"role": "assistant", "content": partial}
            # The first words empty the answer box (the answer is taken); later ones leave it alone, so what the
            # candidate starts typing while the interviewer writes is not wiped by the next word.
            yield TurnView(
                [*shown, writing], status="The interviewer is writing...", answer=UNCHANGED if emptied else ""
            ).without_scorecard()
            emptied = True
        if isinstance(done[0], Exception):
            raise done[0]
        final = done[0]
        if emptied and final.answer == "":
            final.answer = UNCHANGED  # emptied with the first words already
        yield final

    # -- wiring -----------------------------------------------------------------------------------------------

    def wire(self, demo: gr.Blocks) -> None:
        services, key, state, chat = self.services, self.keys.store, self.state, self.chat
        wire_key_panel(services, demo, self.keys, state)
        send, outputs = self.send, self.outputs

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
            new_state, view = self.start(caller, nm, cons, hist_on, setup)
            return [new_state, *send(view, with_answer=False)]

        inputs = [
            key,
            self.name,
            self.consent,
            self.level,
            self.track,
            self.length,
            self.jd,
            self.timer,
            self.feedback,
            self.use_history,
        ]
        started = self.start_btn.click(on_start, inputs, [state, *outputs], api_name="start")

        def on_message_streamed(
            key: Any, sess: dict[str, Any], history: list[Any], text: str, request: gr.Request
        ):
            for view in self.streamed(who(services, key, request), sess, history, text):
                yield send(view)

        @guarded
        def on_message_whole(
            key: Any, sess: dict[str, Any], history: list[Any], text: str, request: gr.Request
        ):
            """One result: without an LLM there is nothing to stream."""
            return send(self.message(who(services, key, request), sess, history, text))

        # A generator costs Gradio a worker-thread hop per step and an extra message per answer, and it costs us a
        # thread per answer: only worth it when an LLM writes the interviewer's words.
        reply = on_message_streamed if services.settings.llm != "none" else on_message_whole
        chat_in = [key, state, chat, self.answer]
        sent = self.send_btn.click(reply, chat_in, [*outputs, self.answer], api_name="answer")
        submitted = self.answer.submit(
            reply, chat_in, [*outputs, self.answer], api_name="answer_enter", api_visibility="undocumented"
        )

        def command(word: str):
            @guarded
            def handler(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
                return send(self.message(who(services, key, request), sess, history, word), with_answer=False)

            return handler

        hinted = self.hint_btn.click(command("hint"), [key, state, chat], outputs, api_name="hint")
        skipped = self.skip_btn.click(command("skip"), [key, state, chat], outputs, api_name="skip")

        @guarded
        def on_pause(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
            view = self.pause(who(services, key, request), sess, history)
            return [view.chat, view.status]

        paused_ev = self.pause_btn.click(on_pause, [key, state, chat], [chat, self.status], api_name="pause")

        @guarded
        def on_end(key: Any, sess: dict[str, Any], history: list[Any], request: gr.Request):
            return send(self.end(who(services, key, request), sess, history), with_answer=False)

        ended = self.end_btn.click(on_end, [key, state, chat], outputs, api_name="end")

        @guarded
        def on_refresh(key: Any, request: gr.Request):
            rows = self.profiles.resumable(who(services, key, request))
            names = {t.id: t.name for t in self.corpus.tracks}
            choices = [paused_choice(r, names) for r in rows]
            return gr.update(choices=choices, value=choices[-1][1] if choices else None)

        self.refresh_btn.click(on_refresh, [key], [self.paused], api_name="paused_sessions")

        @guarded
        def on_resume(key: Any, sid: str | None, request: gr.Request):
            new_state, view = self.resume(who(services, key, request), sid)
            return [new_state, view.chat, view.status]

        resumed = self.resume_btn.click(
            on_resume, [key, self.paused], [state, chat, self.status], api_name="resume"
        )

        def message_outputs(*args: Any, **kwargs: Any) -> list[Any]:
            """`message` as the time-up and code-submit handlers take it: the outputs with the answer box last."""
            return send(self.message(*args, **kwargs))

        timed_out = wire_time_up(
            services, self.clock, key, state, chat, self.answer, self.panel, outputs, message_outputs
        )
        restored = wire_restore(self, demo)  # ui/restore.py: a reloaded page comes back to the open interview
        after = [started, sent, submitted, skipped, ended, resumed, timed_out, restored]
        coded = wire_coding(services, self.panel, key, state, chat, outputs, message_outputs, after)
        follow_newest([*after, hinted, coded])  # ui/chat_view.py: the newest message and the editor in view
        wire_countdown(services, self.clock, key, state, [*after, hinted, paused_ev, coded])
        scorecard = [self.radar, self.card_md, self.dl_md, self.dl_json]
        build_my_data(services, key, state, chat, scorecard, self.paused)
        wire_voice(self, demo)


def build_candidate(services: Any, demo: gr.Blocks) -> CandidateTab:
    """Build the candidate's tabs inside `demo` (called within its Blocks context)."""
    tab = CandidateTab(services)
    tab.build(demo)
    return tab
