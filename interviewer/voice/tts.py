"""Text to speech in a separate process: piper (GPL-3.0, so never imported here) with the pinned joe voice, or
Debian's espeak-ng when piper is missing or fails. The text goes in on stdin, never as an argument."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

from interviewer.voice.weights import WeightsError, piper_voice

TIMEOUT_S = 120.0


class SpeechError(RuntimeError):
    """No engine could speak the text; the message says why."""


def speakable(markdown: str) -> str:
    """The words of a chat message, without code blocks, Markdown marks or links' targets."""
    text = re.sub(r"```.*?```", " (code shown on screen) ", markdown, flags=re.S)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_#>|~]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / float(w.getframerate())


class Speaker:
    """Speaks text into WAV files; `engine` says which engine is used and `reason` why not the better one."""

    def __init__(self, mode: str = "piper"):
        self.mode = mode
        self._voice: tuple[Path, Path] | None = None
        self.engine, self.reason = self._choose(mode)

    def _choose(self, mode: str) -> tuple[str, str]:
        if mode == "off":
            return "off", "spoken questions are turned off (INTERVIEWER_VOICE_TTS=off)"
        reason = ""
        if mode == "piper":
            try:
                self._voice = piper_voice()
                return "piper", ""
            except WeightsError as exc:
                reason = f"piper is unavailable ({exc}); using espeak-ng"
        if shutil.which("espeak-ng"):
            return "espeak-ng", reason
        return "off", (
            reason + "; " if reason else ""
        ) + "espeak-ng is not installed (apt-get install espeak-ng)"

    def speak(self, text: str, out: Path) -> str:
        """Write `text` spoken to the WAV file `out`; the engine that spoke it."""
        text = speakable(text)
        if not text:
            raise SpeechError("There is nothing to say.")
        if self.engine == "piper" and self._voice:
            model, config = self._voice
            cmd = [sys.executable, "-m", "piper", "-m", str(model), "-c", str(config), "-f", str(out)]
            if self._run(cmd, text, out):
                return "piper"
        if self.engine != "off" and shutil.which("espeak-ng"):
            cmd = ["espeak-ng", "-v", "en-us", "-s", "165", "--stdin", "-w", str(out)]
            if self._run(cmd, text, out):
                return "espeak-ng"
        raise SpeechError(f"The question could not be spoken: {self.reason or 'no speech engine worked'}.")

    @staticmethod
    def _run(cmd: list[str], text: str, out: Path) -> bool:
        try:
            done = subprocess.run(
                cmd, input=text.encode(), capture_output=True, timeout=TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0 and out.is_file() and out.stat().st_size > 44
