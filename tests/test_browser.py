"""End to end in headless Debian Chromium (Playwright): the candidate and recruiter journeys."""

from __future__ import annotations

import pytest

from interviewer.sessions.identity import profile_of_key

from .browser import (
    browser_page,
    chromium_app,
    fill,
    open_scorecard,
    profile_key,
    start_and_wait,
    type_into_code,
    wait_status,
)
from .helpers import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("servers")]


@pytest.fixture(scope="module")
def app():
    with chromium_app() as served:
        yield served


def _send(page, text: str, expect: str) -> None:
    fill(page, "answer", text)
    page.click("#send")
    page.wait_for_function(
        "t => (document.querySelector('#chat')?.innerText || '').includes(t)", arg=expect, timeout=180_000
    )


def test_candidate_journey(app, tmp_path):
    url, _svc = app
    with browser_page() as page:
        page.goto(url)
        key = profile_key(page)  # made for this browser on its first visit
        fill(page, "profile", "browser-candidate")
        page.get_by_label("junior").check()
        page.locator("#length input[type=number]").fill("2")
        page.locator("#length input[type=number]").press("Enter")
        start_and_wait(page)
        assert "question" in page.locator("#chat").inner_text().lower()

        _send(page, "It splits the data step by step and I would check it on held-out data.", "Feedback")

        page.click("#pause")
        wait_status(page, "paused")
        page.reload()
        assert profile_key(page) == key  # the browser kept its key: no name to type again
        page.click("#refresh-paused")
        page.wait_for_function("() => document.querySelector('#paused input')?.value")
        page.click("#resume")
        wait_status(page, "Resumed")
        assert "It splits the data step by step" in page.locator("#chat").inner_text()

        page.click("#end")
        wait_status(page, "finished")
        assert "Overall score" in open_scorecard(page)
        assert page.locator("#radar svg, #radar ul").count() >= 1
        with page.expect_download() as dl:
            page.locator("#dl-md a").first.click()
        path = tmp_path / "card.md"
        dl.value.save_as(path)
        assert path.read_text().startswith("# Interview scorecard")


def test_coding_question_journey(app):
    url, svc = app
    with browser_page() as page:
        page.goto(url)
        fill(page, "profile", "browser-coder")
        page.get_by_label("junior").check()
        page.locator("#length input[type=number]").fill("1")
        page.locator("#length input[type=number]").press("Enter")
        page.locator("#track input").click()
        page.get_by_role("option", name="Coding").click()
        start_and_wait(page)
        editor = page.locator("#code .cm-content")
        editor.wait_for()

        session = svc.storage.sessions_of(profile_of_key(profile_key(page)))[-1]
        question = svc.corpus.by_id[svc.storage.load_session(session["id"]).current.id]
        spec = question.coding
        assert spec.function in editor.inner_text()  # prefilled with the starter code

        type_into_code(page, "#code", spec.solution, replace=True)
        page.click("#run-examples")
        n = len(spec.examples)
        page.wait_for_function(
            "t => (document.querySelector('#run-results')?.innerText || '').includes(t)",
            arg=f"passed {n}/{n} examples",
        )
        results = page.locator("#run-results").inner_text()
        assert "example 1 of" in results and "hidden test" not in results

        fill(page, "code-explanation", "I handle the empty input and keep it linear time.")
        page.click("#submit-code")
        page.wait_for_function(
            "t => (document.querySelector('#chat')?.innerText || '').includes(t)", arg="hidden tests"
        )
        chat = page.locator("#chat").inner_text()
        m = len(spec.tests)
        assert f"passed {n}/{n} examples and {m}/{m} hidden tests" in chat
        assert f"hidden test {m} of {m}" in chat and "Feedback (score" in chat
        visible = " ".join(e.call for e in spec.examples)
        for test in spec.tests:
            assert test.call in visible or test.call not in chat  # hidden inputs are never shown
        grade = svc.storage.load_session(session["id"]).items[0].grade
        assert grade.run is not None and grade.run.all_passed and grade.level != "none"


def _timer_seconds(page) -> int:
    text = page.locator("#timer .q-timer").inner_text()
    minutes, seconds = text.removeprefix("Time left: ").split(":")
    return 60 * int(minutes) + int(seconds)


def test_the_countdown_submits_the_draft_when_time_runs_out(app):
    url, svc = app
    draft = "My unfinished draft: a tree asks yes or no questions about the features"
    with browser_page() as page:
        page.goto(url)
        fill(page, "profile", "browser-timer")
        key = profile_key(page)
        page.get_by_label("junior").check()
        page.locator("#length input[type=number]").fill("3")
        page.locator("#length input[type=number]").press("Enter")
        page.locator("#timer-minutes input[type=number]").fill("0.1")  # six seconds a question
        start_and_wait(page)
        fill(page, "answer", draft)  # typed, never sent

        page.wait_for_function(
            "() => /^Time left: 0:0\\d$/.test(document.querySelector('#timer')?.innerText)"
        )
        first = _timer_seconds(page)
        assert 0 < first <= 6
        page.wait_for_function(
            "s => { const m = /0:0(\\d)/.exec(document.querySelector('#timer').innerText); return m && +m[1] < s; }",
            arg=first,
        )
        page.wait_for_function(
            "t => (document.querySelector('#chat')?.innerText || '').includes(t)", arg="Time ran out"
        )
        chat = page.locator("#chat").inner_text()
        assert draft in chat and "your draft was submitted" in chat
        assert page.locator("#answer textarea").input_value() == ""

        # The next question (or follow-up) restarts the countdown; pausing stops it.
        page.wait_for_function("() => document.querySelector('#timer')?.innerText.startsWith('Time left')")
        page.click("#pause")
        page.wait_for_function("() => document.querySelector('#timer')?.innerText.includes('paused')")

    session = svc.storage.sessions_of(profile_of_key(key))[-1]
    item = svc.storage.load_session(session["id"]).items[0]
    assert item.answers == [draft] and item.grade is not None and not item.skipped


def test_the_key_carries_the_interview_to_another_browser_and_the_export_downloads_once(app, tmp_path):
    url, svc = app
    with browser_page() as page:
        page.goto(url)
        key = profile_key(page)
        assert "Copy it somewhere safe" in page.locator("#key-warning").inner_text()
        page.get_by_label("junior").check()
        start_and_wait(page)
        _send(page, "A decision tree asks one question about a feature at each node.", "Feedback")
        page.click("#pause")
        wait_status(page, "paused")

    with browser_page() as other:  # another device: its own storage, so its own new key
        other.goto(url)
        assert profile_key(other) != key
        other.get_by_role("button", name="Use a key from another device").click()
        fill(other, "use-key-input", key)
        other.click("#use-key")
        other.wait_for_function("() => document.querySelector('#key-status').innerText.includes('now uses')")
        assert profile_key(other) == key
        other.click("#refresh-paused")
        other.wait_for_function("() => document.querySelector('#paused input')?.value")
        other.click("#resume")
        wait_status(other, "Resumed")
        assert "asks one question about a feature" in other.locator("#chat").inner_text()

        other.get_by_role("tab", name="My data").click()
        other.click("#export")
        link = other.locator("#export-file a").first
        link.wait_for()
        with other.expect_download() as dl:
            link.click()
        path = tmp_path / "my-data.json"
        dl.value.save_as(path)
        [row] = svc.storage.sessions_of(profile_of_key(key))
        assert row["id"] in path.read_text()
        folder = svc.settings.data_dir / "gradio-tmp" / "downloads"
        wait_until(lambda: not any(folder.rglob("my-data.json")), 5, what="the export removed once sent")
        other.reload()
        assert profile_key(other) == key  # the pasted key is now this browser's own
