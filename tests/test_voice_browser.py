"""A spoken answer end to end in headless Chromium: its fake microphone plays a WAV that piper made, the page
records it, the transcript is added after what the candidate typed (also while it ran), and the answer is graded
once sent."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from interviewer.voice.clips import make_clip
from interviewer.voice.stt import AUDIO_SUFFIXES
from interviewer.voice.tts import Speaker

from .browser import CHROMIUM, CHROMIUM_ARGS, profile_key, start_and_wait
from .candidate_app import candidate_app

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("servers")]


def test_an_answer_recorded_through_the_microphone_is_transcribed_and_graded(tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("INTERVIEWER_VOICE_MAX_SECONDS", "6")  # the page stops the recording at the cap

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian chromium is missing: run scripts/setup-browser.sh (make test does)")
    said = "I would compare the model with a simple baseline."
    wav = make_clip(Speaker("piper", steady=True), [said, 1.0], tmp_path / "microphone.wav")
    fake_mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]
    with candidate_app(tmp_path / "data") as (url, _svc), sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="chromium-"),
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *fake_mic],
            headless=True,
            viewport={"width": 1400, "height": 1200},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            profile_key(page)  # the page's load event has given it its key: start waits for nothing
            start_and_wait(page)
            assert "6-second cap" in page.locator("#voice-mic").inner_text()
            page.click("#voice-mic .record-button")
            # No Stop pressed: the page stops at the cap (the fake microphone loops the file, 1.5 passes by then)
            page.wait_for_selector(
                "#voice-mic audio, #voice-mic [data-testid='waveform-controls']",
                state="attached",
                timeout=20_000,
            )
            page.wait_for_function(
                "() => (document.querySelector('#voice-delivery')?.innerText || '').includes('6-second cap')",
                timeout=20_000,
            )
            box = page.locator("#answer textarea")
            box.fill("My typed start.")
            page.click("#voice-transcribe")
            # The candidate goes on typing while the recording is transcribed (the model's first load alone
            # takes seconds): nothing typed may be lost when the transcript arrives.
            box.press("End")
            box.press_sequentially(" Typed while it ran.", delay=20)
            assert "Transcribed" not in page.locator("#voice-delivery").inner_text()  # it typed in time
            page.wait_for_function(
                "() => /Transcribed|Record an answer|silent|No words|could not/"
                ".test(document.querySelector('#voice-delivery')?.innerText || '')",
                timeout=180_000,
            )
            note = page.locator("#voice-delivery").inner_text()
            assert "How you spoke" in note, note
            page.wait_for_function(
                "() => (document.querySelector('#answer textarea')?.value || '').includes('\\n\\n')"
            )
            typed, _, heard = box.input_value().partition("\n\n")
            assert typed == "My typed start. Typed while it ran." and "compare the model" in heard.lower()
            page.click("#send")
            page.wait_for_function(
                "() => (document.querySelector('#chat')?.innerText || '').includes('Feedback')",
                timeout=120_000,
            )
            assert page.locator("#answer textarea").input_value() == ""
            chat = page.locator("#chat").inner_text().lower()
            assert "typed while it ran" in chat and "compare the model" in chat
            temp = Path(os.environ["GRADIO_TEMP_DIR"])
            recordings = [f for f in temp.rglob("*") if f.suffix.lower() in AUDIO_SUFFIXES]
            assert not recordings, recordings  # Gradio's cached copies of the recording are removed
        finally:
            context.close()
