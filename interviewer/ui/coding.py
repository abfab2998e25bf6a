"""The coding panel of the interview tab: a code editor prefilled with the starter, "Run examples" and submit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from interviewer.coding.report import run_markdown
from interviewer.sessions.identity import AccessError, identify
from interviewer.sessions.service import LimitError
from interviewer.ui.caller import guarded, request_info, who
from interviewer.ui.chat_view import follow_newest


@dataclass
class CodingPanel:
    """Components of the panel; shown only while the current question is a coding question."""

    group: Any
    intro: Any
    code: Any
    explanation: Any
    run: Any
    submit: Any
    results: Any
    shown: Any
    draft: Any = None
    """The editor's content and the question it was written for, kept in the browser: a reload keeps the code."""


def coding_panel(secret: str = "") -> CodingPanel:
    """Lay the panel out in the current column (call inside the Interview tab: it creates a gr.State); `secret`
    encrypts the code draft kept in the browser."""
    with gr.Group(visible=False, elem_id="coding-panel") as group:
        intro = gr.Markdown("", elem_id="coding-intro")
        code = gr.Code(language="python", lines=12, interactive=True, label="Your code", elem_id="code")
        explanation = gr.Textbox(
            label="Explanation (optional): approach, complexity, edge cases",
            lines=2,
            elem_id="code-explanation",
        )
        with gr.Row():
            run = gr.Button("Run examples", elem_id="run-examples")
            submit = gr.Button("Submit code", variant="primary", elem_id="submit-code")
        results = gr.Markdown("", elem_id="run-results")
    shown = gr.State("")  # id of the question the editor was filled for; inside the Tab, per session
    draft = gr.BrowserState({}, storage_key="interviewer-code-draft", secret=secret or None)
    return CodingPanel(group, intro, code, explanation, run, submit, results, shown, draft)


def current_coding(services: Any, state: Any) -> tuple[str, Any]:
    """(item id, CodingSpec) of the session's open coding question, or ('', None)."""
    if state is None or state.status == "finished" or state.awaiting == "none" or state.current is None:
        return "", None
    question = services.corpus.by_id.get(state.current.id)
    if question is None or question.coding is None:
        return "", None
    return question.id, question.coding


def answer_text(code: str, explanation: str) -> str:
    """The message a code submission sends: the explanation, then the code in a python block."""
    return f"{(explanation or '').strip()}\n\n```python\n{(code or '').rstrip()}\n```".strip()


def owned_state(services: Any, key: Any, sess: dict[str, Any] | None, request: Any) -> Any:
    """The page's session when the key owns it, else None (for refreshing what the page shows)."""
    try:
        caller = identify(services.settings, key, request_info(request))
    except AccessError:
        return None
    return services.profiles.current(caller, (sess or {}).get("id"))


def wire_coding(
    services: Any,
    panel: CodingPanel,
    key: Any,
    state: Any,
    chat: Any,
    outputs: list[Any],
    on_message: Any,
    after: list[Any],
) -> Any:
    """Attach the panel's handlers, and refresh it after every event in `after` (start, answer, skip ...);
    returns the code submission's event."""

    def refresh(key: Any, sess: dict[str, Any], shown: str, draft: Any, request: gr.Request):
        item_id, spec = current_coding(services, owned_state(services, key, sess, request))
        if spec is None:
            return gr.update(visible=False), gr.update(), gr.update(), gr.update(), gr.update(), ""
        if item_id == shown:
            return gr.update(visible=True), gr.update(), gr.update(), gr.update(), gr.update(), shown
        intro = (
            f"**Coding question**: write `{spec.function}`. Edit the code below, run the visible examples, "
            "then submit it (hidden tests run on submission)."
        )
        starter = spec.starter or f"{spec.signature}\n    ...\n"
        if isinstance(draft, dict) and draft.get("intro") == intro and draft.get("code"):
            starter = str(draft["code"])  # the page was reloaded: the candidate's code, not the starter again
        return gr.update(visible=True), intro, starter, "", "", item_id

    refresh_in = [key, state, panel.shown, panel.draft]
    refresh_out = [panel.group, panel.intro, panel.code, panel.explanation, panel.results, panel.shown]
    for dep in after:
        shown = dep.then(refresh, refresh_in, refresh_out, api_name="coding_panel", api_visibility="private")
        follow_newest([shown])  # the editor opens after the turn is drawn: bring it into view once it has

    @guarded
    def on_run(key: Any, sess: dict[str, Any], code: str, request: gr.Request) -> str:
        caller = who(services, key, request)
        if not (sess or {}).get("id"):
            return "Start an interview first."
        try:
            run = services.profiles.run_examples(caller, sess["id"], code or "")
        except LimitError as exc:
            return str(exc)
        return run_markdown(run, "Examples")

    panel.run.click(on_run, [key, state, panel.code], [panel.results], api_name="run_examples")
    # Kept in the page's own storage as the candidate types (no request): the editor's text and its question.
    panel.code.change(None, [panel.intro, panel.code], [panel.draft], js="(intro, code) => ({intro, code})")

    @guarded
    def on_submit(
        key: Any, sess: dict[str, Any], history: list[Any], code: str, explanation: str, request: gr.Request
    ):
        caller = who(services, key, request)
        return on_message(caller, sess, history, answer_text(code, explanation))[:-1]

    sub = panel.submit.click(
        on_submit, [key, state, chat, panel.code, panel.explanation], outputs, api_name="submit_code"
    )
    shown = sub.then(refresh, refresh_in, refresh_out, api_name="coding_panel", api_visibility="private")
    follow_newest([shown])
    return sub
