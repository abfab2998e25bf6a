"""A reloaded page comes back to the candidate's open interview: its chat, its setup and its coding question.

The page's gr.State is lost on a reload, but the interview is stored under the profile key, which the browser
keeps. So on load the caller's most recent unfinished interview is put back: an active one as it was (the chat,
the setup panel showing the session's own settings, the coding question with its signature and examples; the code
draft comes back through the coding panel's browser copy), a paused one ready in the Resume list.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from interviewer.domain.session import SessionState
from interviewer.sessions.identity import AccessError, identify
from interviewer.ui.caller import request_info
from interviewer.ui.messages import coding_block, transcript_messages


def restored_chat(state: SessionState, coding: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored transcript as chat messages; an open coding question gets its signature and examples back."""
    chat = transcript_messages(state.turns)
    if coding.get("coding") and chat and chat[-1]["role"] == "assistant":
        chat[-1] = {**chat[-1], "content": chat[-1]["content"] + coding_block(coding["coding"])}
    return chat


def paused_choice(row: dict[str, Any], tracks: dict[str, str] | None = None) -> tuple[str, str]:
    """How a paused interview is listed under Resume (`tracks`: track names by id)."""
    track = (tracks or {}).get(row["track"], row["track"])
    return f"{track} ({row['target_level']}), {row['id']}", row["id"]


def wire_restore(tab: Any, demo: gr.Blocks) -> Any:
    """On page load, put the caller's open interview back into the tab; returns the load event."""
    services = tab.services
    setup_fields = [tab.level, tab.track, tab.length, tab.jd, tab.timer, tab.feedback]
    outputs = [tab.state, tab.chat, tab.status, *setup_fields, tab.paused]

    def on_restore(key: Any, request: gr.Request) -> list[Any]:
        unchanged = [gr.update() for _ in outputs]
        try:
            caller = identify(services.settings, key, request_info(request))
        except AccessError:  # a first visit: the key is being made by the key panel's own load event
            return unchanged
        rows = services.profiles.resumable(caller)
        if not rows:
            return unchanged
        row = max(rows, key=lambda r: r["updated"])
        state = services.profiles.state(caller, row["id"])
        s = state.setup
        setup = [s.level, s.track, s.questions, s.job_description, s.timer_s / 60, s.feedback]
        if state.status == "paused":
            note = "Your interview is paused: press Resume to go on where you stopped."
            names = {t.id: t.name for t in services.corpus.tracks}
            listed = gr.update(choices=[paused_choice(r, names) for r in rows], value=row["id"])
            return [gr.update(), gr.update(), note, *setup, listed]
        chat = restored_chat(state, services.engine.coding_data(state))
        page = {"id": state.id, "feedback": s.feedback}
        return [page, chat, f"Session {state.id}: {state.status}", *setup, gr.update()]

    return demo.load(on_restore, [tab.keys.store], outputs, api_name="restore", api_visibility="private")
