"""The long-lived piper process: one process speaks many questions, comes back when it dies, and ends with the app
(at exit, and when the app dies without running its exit handlers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interviewer.voice.piper_worker import piper_worker
from interviewer.voice.tts import Speaker, wav_seconds
from interviewer.voice.weights import piper_voice

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("voice")]


def running(pid: int) -> bool:
    """True while `pid` is a live process (a zombie waiting for its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def ended_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def speaker():
    spk = Speaker("piper")
    assert spk.engine == "piper", spk.reason  # the pinned voice is installed by `make install`
    return spk


def test_one_process_speaks_many_questions_and_is_restarted_when_it_dies(speaker, tmp_path):
    worker = piper_worker(piper_voice()[0])
    assert speaker.speak("What is a confusion matrix?", tmp_path / "a.wav") == "piper"
    first, starts = worker.pid, worker.starts
    assert first is not None
    for i, text in enumerate(
        ("How would you pick a threshold?", "And how would you explain it to a manager?")
    ):
        assert speaker.speak(text, tmp_path / f"b{i}.wav") == "piper"
        assert 1.0 < wav_seconds(tmp_path / f"b{i}.wav") < 8
    assert (worker.pid, worker.starts) == (first, starts)  # the same process spoke all three

    os.kill(first, signal.SIGKILL)
    assert ended_within(first, 10)
    assert speaker.speak("Tell me about a project you led.", tmp_path / "c.wav") == "piper"
    assert worker.pid not in (None, first) and worker.starts == starts + 1
    # Seen dead before the text was written ("exited"), or only when its log ended ("stopped while speaking"):
    # the kernel may not have reaped it yet when the next text comes. Either way a new process speaks it.
    assert "exited" in worker.last_error or "stopped while speaking" in worker.last_error

    again = worker.pid
    assert again is not None
    worker.close()
    assert ended_within(again, 10) and worker.pid is None


@pytest.mark.parametrize("how", ["exit", "killed"])
def test_the_worker_ends_with_the_app(how, tmp_path):
    # A child process stands in for the app: it speaks once, prints piper's pid, and exits normally (exit
    # handlers run) or is killed (they do not: piper then ends on the end of its input).
    script = (
        "import sys, time; from pathlib import Path\n"
        "from interviewer.voice.tts import Speaker\n"
        "from interviewer.voice.piper_worker import piper_worker\n"
        "from interviewer.voice.weights import piper_voice\n"
        f"Speaker('piper').speak('Hello.', Path({str(tmp_path / 'x.wav')!r}))\n"
        "print(piper_worker(piper_voice()[0]).pid, flush=True)\n"
        "time.sleep(0 if sys.argv[1] == 'exit' else 600)\n"
    )
    app = subprocess.Popen([sys.executable, "-c", script, how], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    pid = int(app.stdout.readline())
    assert running(pid)
    if how == "killed":
        app.kill()
    app.wait(timeout=60)
    assert ended_within(pid, 15)
