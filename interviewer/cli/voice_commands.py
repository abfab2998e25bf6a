"""Voice commands: `transcribe FILE` (the DESIGN.md contract) and `voice` (assemble and check the model files)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from interviewer.cli.common import EXTRA_PARSERS, command, emit


def _parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sp = add("transcribe", "transcribe an audio file offline (Whisper base); also how it was spoken")
    sp.add_argument("file", type=Path)
    sp.add_argument(
        "--timer", type=int, default=0, help="seconds the answer was allowed (for the length note)"
    )
    add("voice", "assemble Whisper's model.bin, check every pinned voice file's SHA-256, and say what is on")


EXTRA_PARSERS.append(_parsers)


def _model_dir() -> Path:
    from interviewer.config import load_settings
    from interviewer.voice.settings import VoiceSettings

    voice = VoiceSettings()
    return voice.model_dir or load_settings().data_dir / "voice" / "whisper-base"


@command
def cmd_transcribe(args: argparse.Namespace) -> None:
    from interviewer.voice.delivery import measure
    from interviewer.voice.settings import VoiceSettings
    from interviewer.voice.stt import Transcriber, VoiceInputError
    from interviewer.voice.weights import WeightsError

    voice = VoiceSettings()
    transcriber = Transcriber(_model_dir(), voice.stt_threads)
    try:
        t0 = time.perf_counter()
        transcriber.load()
        load_s = time.perf_counter() - t0
        result = transcriber.transcribe(args.file, voice.max_seconds)
    except (VoiceInputError, WeightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    data = result.model_dump()
    data["load_seconds"] = round(load_s, 3)
    data["delivery"] = measure(result.words, result.audio_seconds, args.timer, result.silences).model_dump()
    emit(args, data, lambda: result.text)


@command
def cmd_voice(args: argparse.Namespace) -> None:
    from interviewer.voice.tts import Speaker
    from interviewer.voice.weights import WeightsError, prepare_whisper

    status: dict[str, str] = {}
    try:
        t0 = time.perf_counter()
        folder = prepare_whisper(_model_dir())
        status["stt"] = f"on: Whisper base checked in {time.perf_counter() - t0:.1f} s at {folder}"
    except WeightsError as exc:
        status["stt"] = f"off because {exc}"
    speaker = Speaker()
    status["tts"] = speaker.engine + (f" ({speaker.reason})" if speaker.reason else "")
    emit(args, status, lambda: "\n".join(f"{k}: {v}" for k, v in status.items()))
