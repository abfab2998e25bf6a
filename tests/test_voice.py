"""Voice with the real models: Whisper base on speech that piper made in this run, fillers and pauses on clips of
known counts, the `transcribe` command, and the microphone endpoint through gradio_client.

The accuracy check is a smoke test: synthetic speech with pink noise at 10 dB SNR, not a measure on real voices.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interviewer.voice.clips import DELIVERY_CLIPS, WER_SENTENCES, add_noise, make_clip, word_error_rate
from interviewer.voice.delivery import measure
from interviewer.voice.stt import VoiceInputError
from interviewer.voice.tts import Speaker

from .voice_clips import corrupt, foreign, silence

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("voice")]


@pytest.fixture(scope="module")
def speaker():
    spk = Speaker("piper", steady=True)
    assert spk.engine == "piper", spk.reason  # the pinned voice is installed by `make install`
    return spk


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory):
    from interviewer.sessions.voice_service import shared_transcriber

    t = shared_transcriber(tmp_path_factory.mktemp("whisper"), 2)
    t.load()
    return t


def test_noisy_synthetic_speech_is_transcribed_within_15_percent_wer(speaker, transcriber, tmp_path):
    rates = []
    for i, sentence in enumerate(WER_SENTENCES):
        clean = make_clip(speaker, [sentence], tmp_path / f"s{i}.wav")
        noisy = add_noise(clean, snr_db=10, out=tmp_path / f"n{i}.wav", seed=i)
        rates.append(word_error_rate(sentence, transcriber.transcribe(noisy, 300).text))
    mean = sum(rates) / len(rates)
    print(f"WER per sentence {[round(r, 2) for r in rates]}, mean {mean:.3f}")
    assert mean <= 0.15


def test_fillers_and_pauses_on_clips_of_known_counts(speaker, transcriber, tmp_path):
    filler_hits = pause_hits = filler_error = 0
    for i, (pieces, fillers, long_pauses) in enumerate(DELIVERY_CLIPS):
        t = transcriber.transcribe(make_clip(speaker, pieces, tmp_path / f"d{i}.wav"), 300)
        d = measure(t.words, t.audio_seconds, 0, t.silences)
        print(i, (d.fillers, fillers), (d.pauses, long_pauses), t.text)
        filler_hits += d.fillers == fillers
        pause_hits += d.pauses == long_pauses
        filler_error += abs(d.fillers - fillers)
    n = len(DELIVERY_CLIPS)
    print(
        f"fillers exact on {filler_hits}/{n} (off by {filler_error} in all), pauses exact on {pause_hits}/{n}"
    )
    assert n >= 10 and filler_hits >= n - 2 and pause_hits >= n - 1 and filler_error <= 2


def test_bad_recordings_are_refused_before_the_model_runs(transcriber, tmp_path):
    for path, message in (
        (silence(tmp_path / "quiet.wav", 4), "silent"),
        (silence(tmp_path / "ten.wav", 600), "capped at 5 minutes"),
        (corrupt(tmp_path / "broken.wav"), "could not be read"),
        (foreign(tmp_path / "notes.txt"), "not a recording"),
    ):
        with pytest.raises(VoiceInputError, match=message):
            transcriber.transcribe(path, 300)


def test_the_transcribe_command_keeps_its_contract(speaker, tmp_path):
    clip = make_clip(
        speaker,
        ["Um, I would use a held out test set.", 2.5, "Then I would report recall."],
        tmp_path / "a.wav",
    )
    env = {**os.environ, "INTERVIEWER_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "interviewer.cli.main", "transcribe"]
    done = subprocess.run([*cli, str(clip), "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"text", "audio_seconds", "seconds"} <= out.keys()
    assert "recall" in out["text"].lower() and 5 < out["audio_seconds"] < 10 and 0 < out["seconds"] < 60
    assert out["delivery"]["fillers"] >= 1 and out["delivery"]["pauses"] == 1
    bad = subprocess.run(
        [*cli, str(foreign(tmp_path / "x.txt")), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 2 and "not a recording" in bad.stderr and bad.stdout == ""


@pytest.mark.server
def test_a_recording_uploaded_through_the_api_lands_in_the_answer_box(speaker, tmp_path):
    from gradio_client import handle_file

    from .candidate_app import candidate_app, new_browser

    clip = make_clip(speaker, ["I would compare the model with a simple baseline."], tmp_path / "answer.wav")
    with candidate_app(tmp_path / "app") as (url, _svc):
        alice, key = new_browser(url, "10.3.0.1")
        alice.predict(key, "", False, "mid", "general", 2, "", 0, True, False, api_name="/start")
        temp = Path(os.environ["GRADIO_TEMP_DIR"])
        # The endpoint returns the transcript; the page adds it to its answer box (test_voice_browser.py).
        answer, mic, note = alice.predict(key, handle_file(str(clip)), False, api_name="/transcribe")
        assert "compare the model" in answer.lower()
        assert mic is None and "How you spoke" in note
        assert not list(temp.rglob("answer.wav"))  # Gradio's cached copy of the upload is gone
        # Bad input through the app: each gets its message, nothing is added to the answer box, and no delivery
        # is recorded (the recording of the good answer above stays the only one).
        for bad_file, message in (
            (silence(tmp_path / "quiet.wav", 4), "silent"),
            (silence(tmp_path / "ten.wav", 600), "capped at 5 minutes"),
            (corrupt(tmp_path / "bad.wav"), "could not be read"),
            (foreign(tmp_path / "notes.txt"), "not a recording"),
        ):
            nothing, _, note = alice.predict(key, handle_file(str(bad_file)), False, api_name="/transcribe")
            assert nothing == "" and message in note, (bad_file.name, note)
        assert alice.predict(key, api_name="/delivery").count("wpm") == 1
        out = alice.predict(key, [], answer, api_name="/answer")
        assert "Feedback" in str(out[0]) or "score" in str(out[0]).lower()
        assert "wpm" in alice.predict(key, api_name="/delivery")
        spoken = alice.predict(key, True, api_name="/speak")  # the next question, read aloud
        assert spoken["visible"] and spoken["value"]["path"].endswith(".wav")
        # Bob, with his own key, cannot read Alice's delivery through her page's session.
        bob, bkey = new_browser(url, "10.3.0.2")
        bob.session_hash = alice.session_hash
        from gradio_client.exceptions import AppError

        with pytest.raises(AppError, match="No interview of yours"):
            bob.predict(bkey, api_name="/delivery")


def test_questions_are_spoken_by_piper_or_by_the_espeak_fallback(speaker, tmp_path):
    import shutil

    from interviewer.voice.tts import wav_seconds

    question = "What does `softmax` do?\n```python\nprint(1)\n```"
    assert speaker.speak(question, tmp_path / "piper.wav") == "piper"
    assert 1.5 < wav_seconds(tmp_path / "piper.wav") < 12
    fallback = Speaker("espeak-ng")
    if shutil.which("espeak-ng"):
        assert fallback.speak(question, tmp_path / "espeak.wav") == "espeak-ng"
        assert wav_seconds(tmp_path / "espeak.wav") > 1.0
    else:  # Debian's package is the fallback's only source: without it the reason says how to get it
        assert fallback.engine == "off" and "apt-get install -y espeak-ng" in fallback.reason
