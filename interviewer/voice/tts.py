"""Text to speech in a separate process: piper (GPL-3.0, so never imported here) with the pinned joe voice, kept
running between questions (piper_worker.py), or Debian's espeak-ng, started per text, when piper is missing or
fails. The text goes in on stdin, never as an argument."""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from pathlib import Path

from interviewer.voice.piper_worker import piper_worker
from interviewer.voice.weights import WeightsError, piper_voice

TIMEOUT_S = 120.0
NO_ESPEAK = (
    "espeak-ng, the fallback voice, is not installed (`make run` installs it when run as root; otherwise run"
    " `sudo apt-get install -y espeak-ng`)"
)


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
    """Speaks text into WAV files; `engine` says which engine is used and `reason` why not the better one.

    piper varies its delivery at random from one rendering to the next; a `steady` speaker does not, so that
    measurements on synthetic clips (fillers heard, word error rate) are the same in every run."""

    def __init__(self, mode: str = "piper", steady: bool = False):
        self.mode = mode
        self.steady = steady
        self._voice: tuple[Path, Path] | None = None
        self.engine, self.reason = self._choose(mode)

    def _choose(self, mode: str) -> tuple[str, str]:
        if mode == "off":
            return "off", "spoken questions are turned off (INTERVIEWER_VOICE_TTS=off)"
        why_not_piper = ""
        if mode == "piper":
            try:
                self._voice = piper_voice()
                return "piper", ""
            except WeightsError as exc:
                why_not_piper = f"piper is unavailable ({exc})"
        if shutil.which("espeak-ng"):
            return "espeak-ng", f"{why_not_piper}; using espeak-ng" if why_not_piper else ""
        return "off", f"{why_not_piper}, and {NO_ESPEAK}" if why_not_piper else NO_ESPEAK

    def warm(self) -> None:
        """Start piper's worker now, so the first question waits for no process start or voice load."""
        if self.engine == "piper" and self._voice:
            piper_worker(self._voice[0], self.steady).start()

    def speak(self, text: str, out: Path) -> str:
        """Write `text` spoken to the WAV file `out`; the engine that spoke it."""
        text = speakable(text)
        if not text:
            raise SpeechError("There is nothing to say.")
        why = self.reason
        if self.engine == "piper" and self._voice:
            # piper reads the voice's config from the file beside the model (<model>.onnx.json), checked with it
            worker = piper_worker(self._voice[0], self.steady)
            if worker.speak(text, out, TIMEOUT_S):
                return "piper"
            why = worker.last_error or "piper failed"
        if self.engine != "off":
            if not shutil.which("espeak-ng"):
                why = f"{why}, and {NO_ESPEAK}"
            elif self._run(["espeak-ng", "-v", "en-us", "-s", "165", "--stdin", "-w", str(out)], text, out):
                return "espeak-ng"
            else:
                why = f"{why}; espeak-ng failed too" if why else "espeak-ng failed"
        raise SpeechError(f"The question could not be spoken: {why}. It is on screen as text.")

    @staticmethod
    def _run(cmd: list[str], text: str, out: Path) -> bool:
        try:
            done = subprocess.run(
                cmd, input=text.encode(), capture_output=True, timeout=TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0 and out.is_file() and out.stat().st_size > 44
