"""Voice for a candidate, checked like every other action: transcribe a recorded answer into the caller's own
session, speak its latest question, and read back how the answers were spoken. Ownership comes from the profile
service; the session must be waiting for a spoken (non-coding) answer. No Gradio here.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interviewer.domain.session import SessionState
from interviewer.sessions.identity import Caller
from interviewer.sessions.profiles import ProfileService
from interviewer.voice.delivery import Delivery, measure
from interviewer.voice.settings import VoiceSettings
from interviewer.voice.stt import Transcriber, Transcript, VoiceInputError
from interviewer.voice.tts import Speaker
from interviewer.voice.weights import (
    FASTER_WHISPER,
    WHISPER_PARTS,
    WeightsError,
    locate,
    prepare_whisper,
    require_package,
)

log = logging.getLogger(__name__)

_SHARED: dict[tuple[Path, int], Transcriber] = {}
_SHARED_LOCK = threading.Lock()


def shared_transcriber(model_dir: Path, threads: int) -> Transcriber:
    """One Whisper model per process and folder, however many apps are built (tests build several)."""
    with _SHARED_LOCK:
        return _SHARED.setdefault((model_dir, threads), Transcriber(model_dir, threads))


@dataclass
class SpokenAnswer:
    transcript: Transcript
    delivery: Delivery
    kept_recording: bool


class VoiceService:
    def __init__(
        self,
        profiles: ProfileService,
        voice: VoiceSettings | None = None,
        transcriber: Transcriber | None = None,
    ):
        self.profiles = profiles
        self._transcriber = transcriber
        self.voice = voice or VoiceSettings()
        data_dir = profiles.settings.data_dir
        self.model_dir = self.voice.model_dir or data_dir / "voice" / "whisper-base"
        self.store = profiles.voice_files
        self.stt_off_reason = self._stt_check()
        self._speaker: Speaker | None = None

    # -- status -----------------------------------------------------------------------------------------------

    def _stt_check(self) -> str:
        """Why voice answers are off ('' when on). Cheap: the hashes are checked when the model loads."""
        if not self.voice.enabled:
            return "voice is turned off (INTERVIEWER_VOICE_ENABLED=false)"
        try:
            require_package(*FASTER_WHISPER)
            for pin in WHISPER_PARTS:
                locate(pin)
        except WeightsError as exc:
            return str(exc)
        return ""

    @property
    def stt_on(self) -> bool:
        return not self.stt_off_reason

    @property
    def transcriber(self) -> Transcriber:
        if self._transcriber is not None:
            return self._transcriber
        return shared_transcriber(self.model_dir, self.voice.stt_threads)

    @functools.cached_property
    def speaker(self) -> Speaker:
        return Speaker(self.voice.tts if self.voice.enabled else "off")

    def warm(self) -> None:
        """Assemble, check and load the model now (the first answer then waits for none of it)."""
        if self.stt_on:
            try:
                self.transcriber.load()
            except WeightsError as exc:
                self.stt_off_reason = str(exc)

    # -- actions ----------------------------------------------------------------------------------------------

    def _open_state(self, caller: Caller, session_id: Any) -> SessionState:
        if not session_id:
            raise VoiceInputError("Start or resume an interview first, then record your answer.")
        state = self.profiles.state(caller, session_id)  # AccessError unless it is the caller's
        if state.status != "active" or state.awaiting == "none":
            raise VoiceInputError("This interview is not waiting for an answer. Start or resume one first.")
        if state.items and state.items[-1].kind == "coding":
            raise VoiceInputError("Coding answers stay typed: write your code in the editor.")
        return state

    def transcribe(
        self, caller: Caller, session_id: Any, audio: Path | None, keep: bool = False
    ) -> SpokenAnswer:
        """Transcribe a recorded answer for the caller's open session and record how it was spoken.

        The recording is read once and never kept unless `keep` (the candidate's opt-in) and the operator allows
        it. Raises AccessError for another's session, VoiceInputError for a bad recording, WeightsError when the
        model files do not check out (voice is then off for this app)."""
        if not self.stt_on:
            raise VoiceInputError(f"Voice answers are off: {self.stt_off_reason}. Type your answer instead.")
        state = self._open_state(caller, session_id)
        if audio is None:
            raise VoiceInputError("Record an answer first (allow the microphone when the browser asks).")
        try:
            transcript = self.transcriber.transcribe(audio, self.voice.max_seconds)
        except WeightsError as exc:
            self.stt_off_reason = str(exc)
            raise VoiceInputError(f"Voice answers are off: {exc}. Type your answer instead.") from None
        delivery = measure(
            transcript.words, transcript.audio_seconds, state.setup.timer_s, transcript.silences
        )
        kept = keep and self.voice.store_audio
        record = {"item": state.items[-1].id if state.items else "", "delivery": delivery.model_dump()}
        self.store.add(caller.profile, state.id, record, audio if kept else None)
        return SpokenAnswer(transcript, delivery, kept)

    def deliveries(self, caller: Caller, session_id: Any) -> list[Delivery]:
        """How each voice answer of the caller's session was spoken, in order."""
        self.profiles.owned(caller, session_id)
        return [Delivery(**r["delivery"]) for r in self.store.records(caller.profile, session_id)]

    def speak_latest(self, caller: Caller, session_id: Any, folder: Path) -> Path | None:
        """The caller's session's latest interviewer message, spoken into a WAV under `folder` (None: nothing)."""
        state = self.profiles.state(caller, session_id)  # AccessError unless it is the caller's
        said = next((t.text for t in reversed(state.turns) if t.role == "interviewer"), "")
        if not said.strip() or self.speaker.engine == "off":
            return None
        out = Path(tempfile.mkdtemp(dir=folder)) / "question.wav"
        self.speaker.speak(said, out)
        return out


def prepare_voice(data_dir: Path) -> str:
    """Join and check Whisper's files at start-up, so the first voice answer waits only for the model load;
    what is on, or why not (logged; the app never fails for it)."""
    voice = VoiceSettings()
    if not voice.enabled:
        return "voice off (INTERVIEWER_VOICE_ENABLED=false)"
    try:
        prepare_whisper(voice.model_dir or data_dir / "voice" / "whisper-base")
    except WeightsError as exc:
        log.warning("voice off because %s", exc)
        return f"voice off because {exc}"
    return "voice on"


def remove_upload(path: Path | None, temp_root: Path | None) -> None:
    """Remove Gradio's cached copy of an upload (only inside its temp folder) and its folder when empty."""
    if path is None or temp_root is None:
        return
    try:
        Path(path).resolve().relative_to(temp_root.resolve())
    except (ValueError, OSError):
        return
    with contextlib.suppress(OSError):
        Path(path).unlink()
        Path(path).parent.rmdir()
