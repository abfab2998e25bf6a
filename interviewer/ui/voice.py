"""Voice in the Interview tab: record an answer (transcribed into the answer box to correct before sending), hear
the interviewer, and see how each answer was spoken; a delivery chart on the Scorecard tab.

Its own module with a narrow hook into the candidate tab (`voice_panel`, `delivery_card`, `wire_voice`). Every
handler identifies the caller from the profile key and acts through VoiceService, which checks that the session
is the caller's. Gradio's cached copy of a recording is removed once it is transcribed. `/transcribe` returns the
transcript; the page adds it after the answer box's text of the moment it arrives.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from interviewer.sessions.voice_service import VoiceService, remove_upload
from interviewer.ui.caller import guarded, who
from interviewer.voice.clips import read_wav
from interviewer.voice.delivery import Delivery
from interviewer.voice.stt import VoiceInputError
from interviewer.voice.tts import SpeechError


@dataclass
class VoicePanel:
    service: VoiceService
    mic: Any = None
    keep: Any = None
    transcribe: Any = None
    feedback: Any = None
    speak: Any = None
    question: Any = None
    spoken: Any = None
    chart: Any = None
    heard: Any = None


def voice_panel(services: Any) -> VoicePanel:
    """Lay out the voice controls under the answer box (a note saying why, when voice is off)."""
    panel = VoicePanel(VoiceService(services.profiles))
    on = panel.service.stt_on
    with gr.Accordion("Answer by voice", open=on, elem_id="voice"):
        if not on:
            gr.Markdown(
                f"Voice off because {panel.service.stt_off_reason}. Answers are typed.", elem_id="voice-off"
            )
        panel.mic = gr.Audio(
            sources=["microphone", "upload"],
            type="filepath",
            label=f"Record your answer (it stops at the {cap_words(panel.service.voice.max_seconds)} cap); the"
            " transcript goes into the answer box for you to correct before sending",
            elem_id="voice-mic",
            visible=on,
        )
        with gr.Row(visible=on):
            panel.transcribe = gr.Button("Transcribe", size="sm", elem_id="voice-transcribe")
            panel.keep = gr.Checkbox(
                label="Keep my recordings (in my data export; deleted with my data and at retention)",
                value=False,
                visible=panel.service.voice.store_audio,
                elem_id="voice-keep",
            )
        panel.feedback = gr.Markdown("", elem_id="voice-delivery")
        panel.heard = gr.Textbox(visible=False, elem_id="voice-heard")  # the last transcript, for the page
        wanted = panel.service.voice.enabled and panel.service.voice.tts != "off"
        speaker = panel.service.speaker if wanted else None
        if speaker is not None and speaker.engine == "off":
            gr.Markdown(f"Spoken questions off because {speaker.reason}.", elem_id="voice-tts-off")
        elif speaker is not None and speaker.reason:
            gr.Markdown(
                f"Questions use the robotic fallback voice: {speaker.reason}.", elem_id="voice-tts-off"
            )
        panel.speak = gr.Checkbox(
            label="Speak the interviewer's questions (the text stays on screen)",
            value=False,
            elem_id="voice-speak",
            visible=speaker is not None and speaker.engine != "off",
        )
        panel.question = gr.Audio(
            label="The interviewer", autoplay=True, interactive=False, elem_id="voice-question", visible=False
        )
        panel.spoken = gr.State("")
    return panel


def delivery_card() -> Any:
    """The Scorecard tab's delivery chart (empty until a voice answer is transcribed)."""
    return gr.HTML("", elem_id="voice-chart")


def delivery_chart(deliveries: list[Delivery]) -> str:
    """Pace and fillers of each voice answer as an inline SVG bar chart, with a one-line summary."""
    if not deliveries:
        return ""
    width, bar_h, gap = 420, 14, 10
    top = max(max(d.wpm for d in deliveries), 180.0)
    rows = []
    for i, d in enumerate(deliveries):
        y = i * (2 * bar_h + gap) + 20
        rows.append(
            f'<text x="0" y="{y + bar_h - 3}" font-size="11">#{i + 1}</text>'
            f'<rect x="30" y="{y}" width="{300 * d.wpm / top:.0f}" height="{bar_h}" fill="#2563eb"/>'
            f'<text x="{34 + 300 * d.wpm / top:.0f}" y="{y + bar_h - 3}" font-size="11">{d.wpm:.0f} wpm</text>'
            f'<rect x="30" y="{y + bar_h}" width="{min(d.fillers, 20) * 15}" height="{bar_h}" fill="#f59e0b"/>'
            f'<text x="{34 + min(d.fillers, 20) * 15}" y="{y + 2 * bar_h - 3}" font-size="11">'
            f"{d.fillers} fillers, {d.pauses} long pauses</text>"
        )
    height = len(deliveries) * (2 * bar_h + gap) + 24
    total = sum(d.fillers for d in deliveries)
    mean_wpm = sum(d.wpm for d in deliveries) / len(deliveries)
    summary = html.escape(
        f"How you spoke ({len(deliveries)} voice answers, not part of the score): {mean_wpm:.0f} words per minute"
        f" on average, {total} filler words, {sum(d.pauses for d in deliveries)} long pauses."
    )
    return (
        f'<p>{summary}</p><svg width="{width}" height="{height}" role="img" aria-label="delivery per answer">'
        f'<text x="30" y="12" font-size="11">pace (blue) and fillers (amber) per voice answer</text>'
        f"{''.join(rows)}</svg>"
    )


APPEND_TRANSCRIPT = """(typed, heard) => {
    const before = (typed || "").replace(/\\s+$/, "");
    if (!heard) return typed;
    return before ? before + "\\n\\n" + heard : heard;
}"""
"""Runs in the page once a transcript arrives: the box's text of that moment, then the transcript."""


CAP_START = """() => {
    clearTimeout(window.voiceCapTimer);
    window.voiceCapHit = false;
    window.voiceCapTimer = setTimeout(() => {
        const stop = document.querySelector("#voice-mic .stop-button");
        if (stop) { window.voiceCapHit = true; stop.click(); }
    }, %d);
}"""
"""Runs in the page when recording starts: press Stop once the cap is reached (pauses count towards it)."""
CAP_STOP = """(note) => {
    clearTimeout(window.voiceCapTimer);
    if (!window.voiceCapHit) return note;
    window.voiceCapHit = false;
    return %s;
}"""
"""Runs in the page when recording stops: says so when it was the cap that stopped it."""


def cap_words(seconds: int) -> str:
    """The recording cap as said to the candidate: "5-minute", "90-second"."""
    return f"{seconds // 60}-minute" if seconds % 60 == 0 else f"{seconds}-second"


def _temp_root() -> Path | None:
    folder = os.environ.get("GRADIO_TEMP_DIR")
    return Path(folder) if folder else None


def wire_voice(tab: Any, demo: gr.Blocks) -> None:
    """Connect the voice controls of `tab` (a CandidateTab with `voice` and `voice_card`) to VoiceService."""
    services, panel, key, state = tab.services, tab.voice, tab.keys.store, tab.state
    service = panel.service

    @guarded
    def on_transcribe(key: Any, sess: dict[str, Any], audio: str | None, keep: bool, request: gr.Request):
        caller = who(services, key, request)
        try:
            spoken = service.transcribe(
                caller, (sess or {}).get("id"), Path(audio) if audio else None, bool(keep)
            )
        except VoiceInputError as exc:
            return "", None, str(exc)  # nothing to add: the answer box stays as it is
        finally:
            if audio:
                remove_upload(Path(audio), _temp_root())
        kept = "\n\nYour recording is kept with your data." if spoken.kept_recording else ""
        note = f"Transcribed {spoken.transcript.audio_seconds:.0f} s: correct the text, then press Send."
        return spoken.transcript.text, None, f"{note}\n\n{spoken.delivery.markdown()}{kept}"

    voice_in = [key, state, panel.mic, panel.keep]
    voice_out = [panel.heard, panel.mic, panel.feedback]
    # One transcription at a time (its own queue): it shares the two cores with grading.
    options: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "voice"}
    transcribed = panel.transcribe.click(on_transcribe, voice_in, voice_out, api_name="transcribe", **options)
    # The answer box is no output of the transcription, so the candidate can go on typing while it runs; the
    # transcript is then added in the page after whatever the box holds at that moment, so nothing typed is lost.
    transcribed.success(None, [tab.answer, panel.heard], [tab.answer], js=APPEND_TRANSCRIPT, queue=False)
    # gr.Audio has no length limit of its own: the page stops the microphone at the cap, so a long answer keeps
    # what was said up to it instead of being refused whole after the candidate has finished speaking.
    cap = service.voice.max_seconds
    panel.mic.start_recording(None, None, None, js=CAP_START % (cap * 1000), queue=False)
    stopped = json.dumps(
        f"Recording stopped at the {cap_words(cap)} cap: what you said up to then is kept. Press Transcribe,"
        " then record or type the rest."
    )
    panel.mic.stop_recording(None, [panel.feedback], [panel.feedback], js=CAP_STOP % stopped, queue=False)

    @guarded
    def on_speak(key: Any, sess: dict[str, Any], on: bool, last: str, request: gr.Request):
        sid = (sess or {}).get("id")
        if not on or not sid:
            return gr.update(visible=False), last
        caller = who(services, key, request)
        marker = f"{sid}:{len(service.profiles.state(caller, sid).turns)}"  # AccessError unless the caller's
        if marker == last:
            return gr.update(), last
        root = _temp_root() or Path(service.model_dir)
        try:
            path = service.speak_latest(caller, sid, root)
        except SpeechError as exc:
            gr.Warning(str(exc))
            return gr.update(visible=False), marker
        if path is None:
            return gr.update(visible=False), marker
        audio, rate = read_wav(path)
        remove_upload(path, root)
        pcm = (audio * 32767).astype("int16")
        return gr.update(value=(rate, pcm), visible=True), marker

    speak_in = [key, state, panel.speak, panel.spoken]
    gr.on(
        [tab.chat.change, panel.speak.change],
        on_speak,
        speak_in,
        [panel.question, panel.spoken],
        api_name="speak",
        trigger_mode="always_last",
    )

    @guarded
    def on_card(key: Any, sess: dict[str, Any], request: gr.Request):
        sid = (sess or {}).get("id")
        if not sid:
            return ""
        return delivery_chart(service.deliveries(who(services, key, request), sid))

    tab.card_md.change(on_card, [key, state], [tab.voice_card], api_name="delivery")
