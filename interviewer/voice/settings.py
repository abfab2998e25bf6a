"""Voice settings, read from the environment (prefix INTERVIEWER_VOICE_), apart from the main settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VoiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_VOICE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    enabled: bool = Field(
        default=True,
        description="Offer voice answers and spoken questions when the pinned model files check out; false turns"
        " voice off (the app works by text alone).",
    )
    max_seconds: int = Field(
        default=300, ge=5, le=3600, description="Longest recording transcribed, in seconds (5 minutes)."
    )
    stt_threads: int = Field(
        default=1,
        ge=1,
        le=16,
        description="CPU threads of a transcription (one runs at a time, next to grading). On 2 busy cores, 2"
        " threads took the turn p95 at 2 turns/s from 978 to 4592 ms while 60 s answers were transcribed; 1 thread"
        " left it at 693 ms (1329 ms without), at a real-time factor of 0.18 instead of 0.06 (docs/voice.md).",
    )
    tts: Literal["piper", "espeak-ng", "off"] = Field(
        default="piper",
        description="Voice of the spoken questions: piper (neural, separate process), espeak-ng (robotic"
        " fallback, used when piper is missing), or off.",
    )
    store_audio: bool = Field(
        default=True,
        description="Let candidates opt in to keeping their recordings (covered by export, delete and"
        " retention). False: recordings are never kept, whatever the candidate ticks.",
    )
    model_dir: Path | None = Field(
        default=None,
        description="Where the Whisper weights are assembled (model.bin from its two parts); default"
        " <data_dir>/voice/whisper-base.",
    )
