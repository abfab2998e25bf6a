"""Test and bench recordings made offline: spoken pieces joined with silences of known length, noise at a set SNR.

Used by `interviewer bench` and the voice tests, so that accuracy and delivery checks run on clips whose words,
fillers and pauses are known exactly.
"""

from __future__ import annotations

import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interviewer.voice.tts import Speaker


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV as float32 in [-1, 1], and its sample rate."""
    with wave.open(str(path)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768.0, rate


def write_wav(path: Path, audio: np.ndarray, rate: int) -> Path:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def spoken(speaker: Speaker, text: str) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "piece.wav"
        speaker.speak(text, out)
        return read_wav(out)


def make_clip(speaker: Speaker, pieces: Sequence[str | float], out: Path) -> Path:
    """Speak each text piece and put the silence of each number (seconds) between them, into `out`."""
    voiced = {i: spoken(speaker, p) for i, p in enumerate(pieces) if isinstance(p, str)}
    rate = next(iter(voiced.values()))[1] if voiced else 22050
    joined = [
        voiced[i][0] if i in voiced else np.zeros(int(float(p) * rate), np.float32)
        for i, p in enumerate(pieces)
    ]
    return write_wav(out, np.concatenate(joined), rate)


def active_power(audio: np.ndarray, rate: int) -> float:
    """Mean power of the 20 ms frames within 40 dB of the loudest: the speech, without the silences."""
    frame = max(rate // 50, 1)
    usable = len(audio) // frame * frame
    energy = (audio[:usable].reshape(-1, frame) ** 2).mean(axis=1) if usable else np.array([1e-6])
    return float(energy[energy > energy.max() * 1e-4].mean())


def add_noise(path: Path, snr_db: float, out: Path, seed: int = 0, color: str = "pink") -> Path:
    """Noise added at `snr_db` below the active speech level: pink (1/f, like a room, a fan or traffic) by
    default, or white (on piper's speech at 10 dB, Whisper base's WER was about the same for both)."""
    audio, rate = read_wav(path)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, len(audio))
    if color == "pink":
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
        noise = np.fft.irfft(spectrum, len(audio))
    noise *= np.sqrt(active_power(audio, rate) / 10 ** (snr_db / 10) / np.mean(noise**2))
    return write_wav(out, audio + noise.astype(np.float32), rate)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference's length, case and punctuation ignored."""
    norm = lambda s: "".join(c if c.isalnum() or c.isspace() else " " for c in s.lower()).split()  # noqa: E731
    ref, hyp = norm(reference), norm(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


DELIVERY_CLIPS: list[tuple[list[str | float], int, int]] = [
    # (pieces, filler words, pauses of 2 s or more). Fillers: um, uh, "So," opening a sentence, "like," and
    # "you know," set off by commas (delivery.py's rules); silences below 2 s are not long pauses.
    (["I would start with a simple baseline.", 2.5, "Then I would compare it with a larger model."], 0, 1),
    (
        ["Um, I would start with a simple baseline.", 0.6, "Then I would compare it with a larger model."],
        1,
        0,
    ),
    (["So, the loss goes down, um, but the validation error goes up.", 3.0, "That is overfitting."], 2, 1),
    (
        [
            "Uh, regularization helps.",
            2.2,
            "Um, dropout and weight decay are common.",
            2.8,
            "Uh, so is early stopping.",
        ],
        3,
        2,
    ),
    (["A tokenizer splits text into pieces.", 1.0, "The model reads their ids."], 0, 0),
    (["Um.", 2.5, "Attention compares each word with every other word."], 1, 1),
    (["You know, the retriever finds passages first.", 0.8, "Then the reader answers from them."], 1, 0),
    (
        ["I think, um, the learning rate was too high.", 3.5, "Uh, we lowered it and training was stable."],
        2,
        1,
    ),
    (["Precision counts the false alarms.", 0.5, "Recall counts the misses.", 2.4, "Um, both matter."], 1, 1),
    (
        [
            "So, um, we shipped it behind a flag.",
            1.2,
            "Then, uh, we watched the error rate.",
            3.0,
            "It held.",
        ],
        3,
        1,
    ),
    (["Batching raises throughput on the GPU.", 2.6, "But it adds latency for each request."], 0, 1),
    (["Uh, I am not sure.", 4.0, "Um, maybe the data was leaking from the test set."], 2, 1),
]

WER_SENTENCES = [
    "I would start with a simple baseline and then compare it with a larger model.",
    "The validation loss went up while the training loss kept going down, so the model was overfitting.",
    "We split the documents into short passages and stored their embeddings in a vector index.",
    "A confusion matrix shows which classes the model mixes up most often.",
    "We lowered the learning rate and added warmup, and training became stable again.",
    "Latency matters more than throughput for a chat product, so we kept the batches small.",
]
