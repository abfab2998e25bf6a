"""Small recordings the voice tests write themselves: tones, silence, noise, damaged and foreign files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interviewer.voice.clips import write_wav


def silence(path: Path, seconds: float, rate: int = 16000) -> Path:
    return write_wav(path, np.zeros(int(seconds * rate), np.float32), rate)


def noise(path: Path, seconds: float = 1.0, rate: int = 16000, level: float = 0.1) -> Path:
    rng = np.random.default_rng(1)
    return write_wav(path, rng.normal(0, level, int(seconds * rate)).astype(np.float32), rate)


def corrupt(path: Path) -> Path:
    """A WAV header that promises audio, followed by bytes that are not."""
    path.write_bytes(b"RIFF\x24\x80\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    return path


def foreign(path: Path) -> Path:
    path.write_text("This is a text file, not a recording.\n")
    return path
