"""Voice in `interviewer bench`: stt_rtf (a 60 s answer), stt_10s_ms, tts_rtf, and the HTTP turn p95 at 2
turns/s without and then with transcriptions running in the same app. Measures; never asserts.

The recordings are made here by piper from scripted answers, so the bench needs no audio files.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.voice.clips import make_clip, spoken, write_wav
from interviewer.voice.settings import VoiceSettings
from interviewer.voice.stt import Transcriber
from interviewer.voice.tts import Speaker, wav_seconds
from interviewer.voice.weights import WeightsError

ANSWER = [
    "I would start by writing down what a good result looks like for the product.",
    "Then I would build a simple baseline, so that every later model has something to beat.",
    "For the data, I would split by user, because the same user in train and test leaks information.",
    "I would track precision and recall separately, since the two errors cost different amounts.",
    "If the classes are imbalanced, I would look at the precision recall curve rather than accuracy.",
    "Next I would try a fine tuned transformer, and compare it with the baseline on the same split.",
    "I would check the errors by hand, grouped by length and by source, to see where it fails.",
    "Before shipping, I would run it in shadow mode and compare its decisions with the current system.",
    "Finally, I would monitor the input distribution, and retrain when it drifts.",
]
QUESTION = (
    "Walk me through how you would evaluate a retrieval augmented generation system before it goes to"
    " production. Which metrics would you track for the retriever, which for the generated answers, and how"
    " would you build the test set?"
)


def _model_dir(services: Any) -> Path:
    return VoiceSettings().model_dir or services.settings.data_dir / "voice" / "whisper-base"


def make_answers(speaker: Speaker, folder: Path) -> tuple[Path, Path]:
    """A spoken answer of 60 s (the scripted answer, said again after a pause, cut at one minute) and one of
    about 10 s: two runs of the speech engine."""
    audio, rate = spoken(speaker, " ".join(ANSWER))
    gap = np.zeros(int(0.8 * rate), np.float32)
    repeats = int(np.ceil(60 * rate / (len(audio) + len(gap))))
    long = write_wav(folder / "answer-60s.wav", np.concatenate([audio, gap] * repeats)[: 60 * rate], rate)
    short = make_clip(speaker, [f"{ANSWER[1]} {ANSWER[3]}"], folder / "answer-10s.wav")
    return long, short


def bench_voice_models(services: Any) -> dict[str, Any]:
    speaker = Speaker(VoiceSettings().tts)
    if speaker.engine == "off":
        print(f"bench: voice skipped, no speech engine: {speaker.reason}", file=sys.stderr)
        return {}
    folder = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        # The app keeps one piper process running, so its start and voice load are paid once (tts_load_s, with a
        # first short sentence) and tts_rtf is what each question costs after that, as stt_rtf excludes the load.
        t = time.perf_counter()
        speaker.warm()
        speaker.speak("Hello, and welcome.", folder / "hello.wav")
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        speaker.speak(QUESTION, folder / "question.wav")
        tts_s = time.perf_counter() - t
        print(f"bench: questions spoken by {speaker.engine}", file=sys.stderr)
        out: dict[str, Any] = {
            "tts_rtf": round(tts_s / wav_seconds(folder / "question.wav"), 3),
            "tts_load_s": round(load_s, 2),
        }
        long, short = make_answers(speaker, folder)
        transcriber = Transcriber(_model_dir(services), VoiceSettings().stt_threads)
        try:
            t = time.perf_counter()
            transcriber.load()
            out["stt_load_s"] = round(time.perf_counter() - t, 2)
        except WeightsError as exc:
            print(f"bench: speech to text skipped: {exc}", file=sys.stderr)
            return out
        transcriber.transcribe(short, 600)  # first run allocates its buffers
        result = transcriber.transcribe(long, 600)
        out["stt_answer_s"] = result.audio_seconds
        out["stt_rtf"] = round(result.seconds / result.audio_seconds, 3)
        walls = []
        for _ in range(3):
            t = time.perf_counter()
            transcriber.transcribe(short, 600)
            walls.append(1000 * (time.perf_counter() - t))
        out["stt_10s_ms"] = round(float(np.median(walls)), 0)
        out["stt_10s_audio_s"] = round(wav_seconds(short), 1)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_turns_while_transcribing(services: Any, seconds: float = 20.0, rate: float = 2.0) -> dict[str, Any]:
    """One app: the turn p95 at `rate` turns/s over 50 sessions, then again while one candidate after another
    sends a 60 s recording to /transcribe (the single transcription worker stays busy).

    2 turns/s, not the 10 of turn_p95_ms_50: on the shared 2-core machine 10 turns/s already saturated the app
    before any transcription (p95 8.6 s at load 4.4, 21 s at load 7.5), which hides what transcription adds."""
    from gradio_client import Client, handle_file

    from interviewer.bench.http_turns import load, start_app, wait_ready

    speaker = Speaker(VoiceSettings().tts)
    if speaker.engine == "off":
        return {}
    folder = Path(tempfile.mkdtemp(prefix="bench-voice-app-"))
    shutil.copytree(services.settings.chroma_path, folder / "data" / "chroma", dirs_exist_ok=True)
    long, _short = make_answers(speaker, folder)
    proc, url, _cold = start_app(folder / "data")
    stop = threading.Event()
    done: list[float] = []

    def transcribe_in_a_loop() -> None:
        client = Client(url, verbose=False, download_files=False)
        key = client.predict("", api_name="/profile_key")[0]
        client.predict(key, "", False, "mid", "general", 12, "", 0, True, False, api_name="/start")
        while not stop.is_set():
            t = time.perf_counter()
            client.predict(key, handle_file(str(long)), False, api_name="/transcribe")
            done.append(time.perf_counter() - t)

    try:
        wait_ready(url, time.perf_counter())
        print(f"bench: turns at {rate:g}/s without transcriptions", file=sys.stderr)
        quiet, errors_quiet = load(url, 50, rate, seconds)
        worker = threading.Thread(target=transcribe_in_a_loop, daemon=True)
        worker.start()
        while not done and worker.is_alive():  # the model loads on the first transcription
            time.sleep(0.5)
        print(f"bench: turns at {rate:g}/s while 60 s answers are transcribed", file=sys.stderr)
        busy, errors_busy = load(url, 50, rate, seconds)
        stop.set()
        worker.join(timeout=120)
        return {
            "stt_turn_rate": rate,
            "turn_p95_ms_50_no_stt": round(float(np.percentile(quiet, 95)), 1),
            "turn_p95_ms_50_stt": round(float(np.percentile(busy, 95)), 1),
            "turn_errors_stt": errors_quiet + errors_busy,
            "transcriptions_during_load": max(len(done) - 1, 0),
            **({"transcription_wall_s": round(float(np.median(done[1:] or done)), 1)} if done else {}),
        }
    finally:
        stop.set()
        proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
