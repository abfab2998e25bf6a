"""The candidate's identity in the page: the profile key panel, and each request turned into a checked caller.

The key lives in the browser (gr.BrowserState, encrypted in localStorage) and travels as the first input of every
candidate event; the rules about it are in profiles.py and profile_service.py, not here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from interviewer.ops.monitoring import count_error
from interviewer.sessions.identity import AccessError, Caller, RequestInfo, browser_secret, identify

KEY_STORAGE = "interviewer-profile-key"
KEY_WARNING = (
    "This key is your only way back to your interviews, history and data: there are no accounts and no "
    "recovery. **Copy it somewhere safe.** To continue on another device, paste it there under 'Use a key from "
    "another device'. Anyone who has the key can see and delete your data, so keep it to yourself. Lose it, "
    "and nobody (you included) can reach that data again; the retention purge removes it in time."
)


def request_info(request: gr.Request | None) -> RequestInfo:
    if request is None:
        return RequestInfo()
    client = getattr(request, "client", None)
    return RequestInfo(
        username=getattr(request, "username", None),
        headers=dict(getattr(request, "headers", {}) or {}),
        peer=str(getattr(client, "host", "") or ""),
    )


def who(services: Any, key: Any, request: gr.Request | None) -> Caller:
    """The caller of this event; a shown error (and nothing done) without a valid identity."""
    try:
        return identify(services.settings, key, request_info(request))
    except AccessError as exc:
        raise gr.Error(str(exc), title="Not allowed") from None


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A handler whose refusals (AccessError) are shown as errors, and whose failures are counted in
    interviewer_turn_errors_total before Gradio reports them."""

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AccessError as exc:
            raise gr.Error(str(exc), title="Not allowed") from None
        except gr.Error:
            raise
        except Exception as exc:
            count_error(exc)
            raise

    return handler


@dataclass
class KeyPanel:
    """The key's components: kept in the browser, shown with a copy button, pasted from another device."""

    store: Any
    shown: Any
    status: Any
    pasted: Any
    use: Any
    old_name: Any
    claim: Any


def key_panel(services: Any) -> KeyPanel:
    """Lay out the key panel in the current column."""
    key_mode = services.settings.candidate_sign_in == "key"
    store = gr.BrowserState("", storage_key=KEY_STORAGE, secret=browser_secret(services.settings))
    gr.Markdown("### Your profile key" if key_mode else "### Your sign-in")
    shown = gr.Textbox(
        label="Your profile key", interactive=False, buttons=["copy"], elem_id="profile-key", visible=key_mode
    )
    gr.Markdown(KEY_WARNING, visible=key_mode, elem_id="key-warning")
    status = gr.Markdown("", elem_id="key-status")
    with gr.Accordion(
        "Use a key from another device, or claim earlier interviews", open=False, elem_id="key-tools"
    ):
        pasted = gr.Textbox(
            label="Profile key from another device", elem_id="use-key-input", visible=key_mode
        )
        use = gr.Button("Use this key", size="sm", elem_id="use-key", visible=key_mode)
        old_name = gr.Textbox(
            label="The name you typed before this version had profile keys", elem_id="claim-name"
        )
        claim = gr.Button("Claim the interviews saved under that name", size="sm", elem_id="claim")
    return KeyPanel(store, shown, status, pasted, use, old_name, claim)


def wire_key_panel(services: Any, demo: gr.Blocks, panel: KeyPanel, state: Any) -> None:
    """Give the page its key on load, switch to a pasted key, and claim an old name-keyed profile."""
    profiles = services.profiles

    def on_load(key: Any, request: gr.Request):
        if services.settings.candidate_sign_in != "key":
            try:
                caller = identify(services.settings, key, request_info(request))
            except AccessError as exc:
                return key, "", str(exc)
            return (
                key,
                "",
                f"Signed in as **{caller.signed_in_as}**: your interviews are tied to this sign-in.",
            )
        fresh, stored = profiles.page_key(key)
        note = (
            "Your interviews are saved under this key."
            if stored
            else "A new key was made for this browser. Nothing is saved under it until you start an interview."
        )
        return fresh, fresh, note

    demo.load(on_load, [panel.store], [panel.store, panel.shown, panel.status], api_name="profile_key")

    @guarded
    def on_use(pasted: str):
        key = profiles.use_key(pasted)
        return key, key, "This browser now uses the key you pasted.", "", {}

    panel.use.click(
        on_use,
        [panel.pasted],
        [panel.store, panel.shown, panel.status, panel.pasted, state],
        api_name="use_key",
    )

    @guarded
    def on_claim(key: Any, typed: str, request: gr.Request):
        moved = profiles.claim(who(services, key, request), typed)
        return f"Claimed {moved} interviews: they are saved under your key now (see History)."

    panel.claim.click(on_claim, [panel.store, panel.old_name], [panel.status], api_name="claim_profile")
