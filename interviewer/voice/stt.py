"""Speech to text with faster-whisper (Whisper base, int8, CPU), one transcription at a time.

Whisper leaves out "um" and "uh" unless its context shows them, so every transcription starts from a prompt
written with disfluencies: the decoder then keeps them in the text, where delivery.py counts them. Word timings
give the pauses and the pace. The audio is read and checked first (format, length, silence), so a bad recording
gets a message that says what to do instead of a model run.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from interviewer.voice.weights import prepare_whisper

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = (".wav", ".webm", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".mp4", ".flac", ".aac")
DISFLUENT_PROMPT = "Umm, let me think, like, hmm... Okay, so, uh, here's what I'm, you know, thinking."
"""A context in the verbatim style: with it Whisper writes the fillers it hears instead of dropping them."""
SILENCE_RMS = 0.003
"""Loudest 30 ms frame below this (about -50 dBFS): nothing but silence or a muted microphone."""


class VoiceInputError(ValueError):
    """A recording that cannot be transcribed; the message says why and what to do."""


class Word(BaseModel):
    text: str
    start: float
    end: float


class Transcript(BaseModel):
    """What `interviewer transcribe` prints (DESIGN.md): text, audio_seconds, seconds; and the word timings."""

    text: str
    audio_seconds: float = Field(description="Length of the recording.")
    seconds: float = Field(description="Time spent transcribing, model load excluded.")
    words: list[Word] = Field(default_factory=list)
    silences: list[float] | None = Field(
        default=None,
        description="Silent stretches of 2 s or more between the first and last sound, read from the audio's"
        " level; None when the noise floor is too close to the speech to tell.",
    )


def read_audio(path: Path, max_seconds: float) -> np.ndarray:
    """The recording as 16 kHz mono float32, or a VoiceInputError saying what is wrong with it."""
    formats = ", ".join(s.lstrip(".").upper() for s in AUDIO_SUFFIXES[:7])
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise VoiceInputError(
            f"A '{path.suffix or 'no extension'}' file is not a recording this app reads. Record with the"
            f" microphone, or upload one of: {formats}. Your typed answer is kept."
        )
    if not path.is_file() or path.stat().st_size == 0:
        raise VoiceInputError("The recording is empty. Record again (allow the microphone when asked).")
    _check_length(path, max_seconds)
    from faster_whisper.audio import decode_audio

    try:
        audio = np.asarray(decode_audio(str(path), sampling_rate=SAMPLE_RATE), dtype=np.float32)
    except Exception:  # av raises many kinds for a damaged or foreign file; all mean "cannot read it"
        raise VoiceInputError(
            "The recording could not be read as audio (the file may be damaged or cut short). Record again;"
            " your typed answer is kept."
        ) from None
    seconds = len(audio) / SAMPLE_RATE
    if seconds > max_seconds:
        raise VoiceInputError(_too_long(seconds, max_seconds))
    if seconds < 0.3 or _loudest_frame(audio) < SILENCE_RMS:
        raise VoiceInputError(
            "No speech was heard: the recording is silent. Check that the right microphone is selected and"
            " unmuted, then record again."
        )
    return audio


def _check_length(path: Path, max_seconds: float) -> None:
    """Refuse an over-long file from its header, before decoding minutes of audio for nothing."""
    import av

    try:
        with av.open(str(path)) as container:
            duration = container.duration
    except Exception:  # an unreadable header is reported by the decoder with the same message
        return
    if duration is not None and duration / 1_000_000 > max_seconds:
        raise VoiceInputError(_too_long(duration / 1_000_000, max_seconds))


def _too_long(seconds: float, max_seconds: float) -> str:
    return (
        f"The recording is {seconds / 60:.1f} minutes long; answers are capped at {max_seconds / 60:g} minutes."
        " Record a shorter answer, or type the rest. Your typed answer is kept."
    )


def silent_stretches(audio: np.ndarray, at_least: float = 2.0, frame: int = 320) -> list[float] | None:
    """Silences of at least `at_least` seconds inside the speech, from 20 ms frame levels.

    Whisper's word timings stretch a word over the silence after it (a lone "Um." swallowed a 2.5 s pause), so
    pauses are read from the audio when its level shows them: a frame is silent 30 dB below the loud frames.
    """
    usable = len(audio) // frame * frame
    if usable < 2 * frame:
        return []
    level = 10 * np.log10((audio[:usable].reshape(-1, frame) ** 2).mean(axis=1) + 1e-12)
    loud, floor = np.percentile(level, 95), np.percentile(level, 10)
    if loud - floor < 25:  # noisy: silence and speech are not told apart by level
        return None
    voiced = np.flatnonzero(level > loud - 30)
    quiet = level[voiced[0] : voiced[-1] + 1] <= loud - 30
    runs, run = [], 0
    for q in quiet:
        if q:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    seconds = frame / SAMPLE_RATE
    return [round(r * seconds, 2) for r in runs if r * seconds >= at_least]


def _loudest_frame(audio: np.ndarray, frame: int = 480) -> float:
    usable = len(audio) // frame * frame
    if usable == 0:
        return float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0
    frames = audio[:usable].reshape(-1, frame)
    return float(np.sqrt((frames**2).mean(axis=1)).max())


class Transcriber:
    """Whisper base on the CPU. Loads once (about 6 s), then transcribes one recording at a time: the single
    worker keeps transcriptions from taking both cores away from grading at once."""

    def __init__(self, model_dir: Path, threads: int = 2):
        self.model_dir = model_dir
        self.threads = threads
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._worker = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Any:
        """The model, assembled and checked on first use (WeightsError when a file is missing or changed)."""
        with self._load_lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from faster_whisper import WhisperModel

                folder = prepare_whisper(self.model_dir)
                self._model = WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.threads,
                    local_files_only=True,
                )
            return self._model

    def transcribe(self, path: Path, max_seconds: float) -> Transcript:
        audio = read_audio(Path(path), max_seconds)
        return self.transcribe_audio(audio)

    def transcribe_audio(self, audio: np.ndarray) -> Transcript:
        model = self.load()
        with self._worker:
            t0 = time.perf_counter()
            segments, _info = model.transcribe(
                audio,
                language="en",
                beam_size=1,
                word_timestamps=True,
                initial_prompt=DISFLUENT_PROMPT,
                condition_on_previous_text=False,  # one misheard sentence must not steer the rest
            )
            words: list[Word] = []
            texts: list[str] = []
            for seg in segments:
                texts.append(seg.text.strip())
                words.extend(
                    Word(text=w.word.strip(), start=round(float(w.start), 2), end=round(float(w.end), 2))
                    for w in seg.words or []
                )
            seconds = time.perf_counter() - t0
        text = " ".join(t for t in texts if t).strip()
        if not text:
            raise VoiceInputError(
                "No words were recognised in the recording. Speak closer to the microphone and record again,"
                " or type your answer."
            )
        return Transcript(
            text=text,
            audio_seconds=round(len(audio) / SAMPLE_RATE, 2),
            seconds=round(seconds, 3),
            words=words,
            silences=silent_stretches(audio),
        )
