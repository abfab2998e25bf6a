"""The per-question countdown under the chat: its value from the stored session, and the submit at time-up.

The countdown runs in the page (timer.js), not on a server gr.Timer, which would cost a request per second for
every open session. The server only says, after each event, whether a clock runs and from when; the engine
measures the answers itself and marks late ones.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import gradio as gr

from interviewer.domain.session import SessionState
from interviewer.engine.timing import mmss
from interviewer.ui.caller import guarded, who
from interviewer.ui.coding import CodingPanel, answer_text, current_coding, owned_state

MAX_MINUTES = 60
JS = resources.files("interviewer.ui").joinpath("timer.js").read_text(encoding="utf-8")
CSS = """
.q-timer { font-variant-numeric: tabular-nums; font-weight: 600; min-height: 1.4em; }
.q-timer[data-state="ending"], .q-timer[data-state="expired"] { color: #b91c1c; }
.q-timer[data-state="paused"] { font-weight: 400; opacity: 0.8; }
"""
OFF: dict[str, Any] = {"state": "off", "text": ""}


def minutes_input() -> gr.Number:
    """The setup's timer field: fractional minutes, so 0.5 gives a 30-second drill."""
    return gr.Number(
        label="Per-question timer, minutes (0 = none, 0.5 = 30 s)",
        value=0,
        precision=1,
        minimum=0,
        step=0.5,
        elem_id="timer-minutes",
    )


def timer_seconds(minutes: float | None) -> int:
    """The setup's minutes as seconds; out of range, a gr.Error that says what to enter."""
    m = float(minutes or 0)
    if not math.isfinite(m) or m < 0 or m > MAX_MINUTES:
        raise gr.Error(
            f"The per-question timer must be between 0 and {MAX_MINUTES} minutes (0 = no timer, 0.5 = 30 s); "
            f"{minutes:g} is out of range. Change it and start again."
        )
    return round(m * 60)


def timer_value(state: SessionState | None, now: float) -> dict[str, Any]:
    """What the countdown shows: off, paused, or running with the seconds left on the open question."""
    if state is None or not state.setup.timer_s or state.status == "finished":
        return OFF
    limit = state.setup.timer_s
    if state.status == "paused":
        return {"state": "paused", "text": f"Timer paused: you get the full {mmss(limit)} again on resume."}
    item = state.current
    if item is None or state.awaiting == "none" or item.asked_at is None:
        return OFF
    left = max(0.0, limit - (now - item.asked_at))
    # The key changes with every question, follow-up and resume: the page restarts its countdown on a new key.
    key = f"{state.id}:{len(state.items)}:{item.asked_at}"
    return {"state": "running", "key": key, "seconds": left, "asked_at": item.asked_at}


def countdown() -> gr.HTML:
    return gr.HTML(
        OFF,
        html_template='<div class="q-timer" role="timer" aria-live="off"></div>',
        css_template=CSS,
        js_on_load=JS,
        elem_id="timer",
    )


def draft_answer(services: Any, state: SessionState | None, draft: str, code: str, explanation: str) -> str:
    """What the candidate had written when time ran out: the draft, or the code and explanation of a coding
    question (the starter code alone is not an answer)."""
    _, spec = current_coding(services, state)
    if spec is None:
        return draft or ""
    notes = "\n\n".join(t.strip() for t in (explanation, draft) if t and t.strip())
    edited = (code or "").strip() not in ("", (spec.starter or "").strip())
    return answer_text(code, notes) if edited or notes else ""


def wire_time_up(
    services: Any,
    timer: Any,
    key: Any,
    state: Any,
    chat: Any,
    answer: Any,
    panel: CodingPanel,
    outputs: list[Any],
    on_message: Any,
) -> Any:
    """Submit what the candidate wrote when the page's countdown reaches zero; returns the event."""

    @guarded
    def on_time_up(
        key: Any,
        sess: dict[str, Any],
        history: list[Any],
        draft: str,
        code: str,
        explanation: str,
        evt: gr.EventData,
        request: gr.Request,
    ):
        caller = who(services, key, request)
        sid = (sess or {}).get("id", "")
        st = services.profiles.state(caller, sid) if sid else None  # refused when not the caller's
        # The page says which countdown ran out, so a time-up crossing an answer sent in the last second is
        # dropped by the engine (under the session's lock); an API call without it means the open question.
        asked_at = (getattr(evt, "_data", None) or {}).get("asked_at")
        if asked_at is None:
            asked_at = st.current.asked_at if st is not None and st.current is not None else None
        if asked_at is None:  # no interview, or no question whose clock runs
            return [gr.update()] * 7
        text = draft_answer(services, st, draft, code, explanation)
        return on_message(caller, sess, history, text, time_up=float(asked_at))

    inputs = [key, state, chat, answer, panel.code, panel.explanation]
    return timer.time_up(on_time_up, inputs, [*outputs, answer], api_name="time_up")


def wire_countdown(services: Any, timer: Any, key: Any, state: Any, after: list[Any]) -> None:
    """Refresh the countdown from the stored session after every event that can ask, pause or end."""

    def refresh(key: Any, sess: dict[str, Any], request: gr.Request) -> dict[str, Any]:
        return timer_value(owned_state(services, key, sess, request), services.clock())

    for dep in after:  # no progress overlay: the countdown must not dim or flicker while it refreshes
        dep.then(
            refresh,
            [key, state],
            [timer],
            api_name="countdown",
            api_visibility="private",
            show_progress="hidden",
        )
