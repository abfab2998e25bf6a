"""Shared helpers for the browser tests and the screenshot script: a served app and headless Debian Chromium."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .helpers import ROOT, free_port, repo_settings, stop

__all__ = ["ROOT", "browser_page", "free_port", "served_app", "stop"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_app():
    """The served app for a module of browser tests; fails (never skips) when Debian chromium is missing."""
    import os

    import pytest

    if not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Debian chromium is missing: run scripts/setup-browser.sh (make test does)")
    with served_app() as served:
        yield served


@contextmanager
def served_app(data_dir: Path | None = None, recruiter: tuple[str, str] = ("rec", "recruiter-pass")):
    """The real app on a free loopback port, with its own data folder and a recruiter account."""
    from interviewer.services import Services
    from interviewer.ui.app import build_app, launch_options

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="app-"))
    settings = repo_settings(
        data_dir,
        max_requests_per_minute=1000,
        max_open_per_ip=1000,  # every test client comes from loopback
        max_starts_per_hour_per_ip=1000,
    )
    svc = Services(settings)
    svc.index_sync.ensure(progress=False)
    svc.storage.add_user(*recruiter)
    demo = build_app(svc)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(svc, demo),
    )
    try:
        yield f"http://127.0.0.1:{port}/", svc
    finally:
        demo.close()


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()


def fill(page: Any, elem_id: str, text: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(text)


def last_bot_message(page: Any) -> str:
    return page.locator("#chat .message.bot, #chat [data-testid='bot']").last.inner_text()


def profile_key(page: Any) -> str:
    """The profile key the page shows, once its load event has filled it in."""
    page.wait_for_function(
        "() => (document.querySelector('#profile-key textarea, #profile-key input')?.value || '')"
        ".startsWith('ik-')"
    )
    return str(page.locator("#profile-key textarea, #profile-key input").first.input_value())


def bot_messages(page: Any) -> int:
    return int(page.locator("#chat .message.bot, #chat [data-testid='bot']").count())


def wait_status(page: Any, text: str, nothing_yet: Any = None) -> None:
    """Wait for the status to show `text` (a liveness bound, not a speed check: starting beside the bench took
    > 60 s). `nothing_yet(page)`, when given, is called once after 60 s of waiting; a timeout says what the page
    showed, error toasts included."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    script = "t => (document.querySelector('#status')?.innerText || '').includes(t)"
    for wait_ms, retry in ((60_000, nothing_yet), (180_000, None)):
        try:
            page.wait_for_function(script, arg=text, timeout=wait_ms)
            return
        except PlaywrightTimeout:
            if retry is not None:
                retry(page)
                continue
    status = page.evaluate("() => document.querySelector('#status')?.innerText")
    toasts = page.evaluate("() => [...document.querySelectorAll('.toast-body')].map(t => t.innerText)")
    raise AssertionError(
        f"status never showed {text!r}; it shows {status!r}; {bot_messages(page)} bot messages; toasts {toasts}"
    )


def press_start_again(page: Any) -> bool:
    """Click Start once more when the first click left no trace (no status, no message), as a person would: in
    several clean-clone runs beside the bench, a start showed nothing for 180 s. A late first start only makes the
    second one the session shown."""
    if page.evaluate("() => document.querySelector('#status')?.innerText || ''") or bot_messages(page):
        return False
    page.click("#start")
    return True


def start_and_wait(page: Any) -> None:
    """Press Start and wait for the interview to be active (pressing once more if the first click left no trace)."""
    page.click("#start")
    wait_status(page, "active", nothing_yet=press_start_again)


def open_scorecard(page: Any) -> str:
    """Open the Scorecard tab and return the card's text once it has rendered.

    Gradio mounts a tab's children when the tab is first shown, so the card's text can be read a moment after the
    click; CI once read it before the Markdown had rendered. Waiting for the card's first line removes that race."""
    page.get_by_role("tab", name="Scorecard").click()
    try:
        page.wait_for_function(
            "() => (document.querySelector('#scorecard-md')?.innerText || '').includes('Overall score')",
            timeout=30_000,
        )
    except Exception as exc:
        shown = page.locator("#scorecard-md").inner_text()
        raise AssertionError(f"the Scorecard tab never showed a card; it shows {shown!r}") from exc
    return str(page.locator("#scorecard-md").inner_text())


def bot_count(page: Any) -> int:
    return page.locator("#chat .message.bot, #chat [data-testid='bot']").count()


_FOCUSED_IN = "s => !!document.activeElement?.closest(s)"
# The editor's own document (what Gradio's value is bound to), not the page's text, which CodeMirror reads a moment
# later. (A Save that sent the unedited text in CI turned out to be the file picker firing twice: editor_tab.py.)
# The tile/view names are CodeMirror internals (`cmTile` since 6.3x, `cmView` before); the page text is the fallback.
_EDITOR_TEXT = (
    "s => { const c = document.querySelector(s + ' .cm-content'); if (!c) return '';"
    " const v = c.cmTile?.view || c.cmView?.view || c.cmView?.rootView?.view;"
    " return v ? v.state.doc.toString() : c.innerText; }"
)
_CONTENT_HAS_ALL = (
    f"([s, lines]) => {{ const t = ({_EDITOR_TEXT})(s); return lines.every(l => t.includes(l)); }}"
)
_EDITOR_STATE = (
    "s => ({focused: document.activeElement?.outerHTML.slice(0, 120) || null,"
    " editable: document.querySelector(s + ' .cm-content')?.getAttribute('contenteditable')})"
)


def type_into_code(page: Any, selector: str, text: str, *, replace: bool = False) -> None:
    """Type `text` into the code editor at `selector` as a person would: click, go to the end (or select all and
    delete), insert, and look that it arrived, clicking again if it did not.

    The text is inserted without key events so the editor's auto-indent stays out of it. Under load in CI a click
    has landed while the editor was still being laid out, and the text went nowhere; a person would see that and
    type again, and so do we, focusing the editor directly when a click does not."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator(f"{selector} .cm-content")
    editor.wait_for()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for _ in range(6):
        editor.click()
        if not page.evaluate(_FOCUSED_IN, selector):
            editor.focus()
        if replace:
            page.keyboard.press("Control+a")
            page.keyboard.press("Delete")
        else:
            page.keyboard.press("Control+End")
        page.keyboard.insert_text(text)
        try:
            page.wait_for_function(_CONTENT_HAS_ALL, arg=[selector, lines], timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    state = page.evaluate(_EDITOR_STATE, selector)
    raise AssertionError(f"the typed text never reached the editor {selector}: {state}")
