"""One long-lived piper process per voice: it loads the voice once and speaks many texts, one line each.

piper is GPL-3.0, so it is never imported here: the worker is piper's own command line (`python -m piper -d DIR`),
which reads one text per line on stdin, writes one WAV per line into DIR and logs "Wrote PATH" on stderr. Starting
piper and loading the voice took about 1 s of every question when a process was started per question; the worker
pays it once. It is restarted when it has died, killed when it hangs, and shut down with the app (at exit, and by
the end of its stdin when the app dies without running its exit handlers).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WROTE = "Wrote "
"""piper's log line for each finished text (`_LOGGER.info("Wrote %s", wav_path)` in piper 1.8.0's __main__)."""


class PiperWorker:
    """A piper process fed one text per line; `speak` is serialised, so each "Wrote" line answers the last text."""

    def __init__(self, model: Path, steady: bool = False):
        self.model = model
        self.steady = steady
        self.starts = 0
        self.last_error = ""
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._written: queue.Queue[str | None] = queue.Queue()
        self._log: collections.deque[str] = collections.deque(maxlen=5)
        self._folder = Path(tempfile.mkdtemp(prefix="piper-worker-"))

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> None:
        """Start the process now (it loads the voice before reading its first line)."""
        with self._lock:
            self._alive()

    def speak(self, text: str, out: Path, timeout_s: float) -> bool:
        """Write one line of text spoken into the WAV file `out`; False when piper died or hung on it."""
        line = " ".join(text.split())
        if not line:
            return False
        with self._lock:
            deadline = time.monotonic() + timeout_s
            for _attempt in range(2):  # a pipe found broken means the process died between texts: start again
                proc = self._alive()
                try:
                    assert proc.stdin is not None
                    proc.stdin.write((line + "\n").encode())
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    self._stop("its input pipe was closed")
                    continue
                wav = self._wait(deadline)
                if wav == "":  # it ended before it spoke this text (e.g. killed between texts): start again
                    continue
                if wav is None:
                    return False
                try:
                    shutil.move(wav, out)
                except OSError as exc:  # e.g. `out`'s folder is gone: the caller's fallback voice tries
                    self.last_error = f"piper's WAV could not be moved to {out} ({exc})"
                    Path(wav).unlink(missing_ok=True)
                    return False
                return out.is_file() and out.stat().st_size > 44
            return False

    def close(self) -> None:
        """End the process (closing its input lets it finish the line it is on) and remove its folder."""
        with self._lock:
            self._stop("")
            shutil.rmtree(self._folder, ignore_errors=True)

    # -- the process ---------------------------------------------------------------------------------------------

    def _alive(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._proc is not None:
            self._stop(f"it had exited with code {self._proc.returncode}")
        self._folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "piper", "-m", str(self.model), "-d", str(self._folder)]
        if self.steady:  # piper samples its noise afresh for every text unless both noise scales are zero
            cmd += ["--noise-scale", "0", "--noise-w-scale", "0"]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, close_fds=True
        )
        self.starts += 1
        self._written = queue.Queue()
        threading.Thread(
            target=self._read_log, args=(self._proc, self._written), daemon=True, name="piper-log"
        ).start()
        return self._proc

    def _read_log(self, proc: subprocess.Popen[bytes], written: queue.Queue[str | None]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            text = raw.decode(errors="replace").rstrip()
            if WROTE in text:
                written.put(text.split(WROTE, 1)[1])
            elif text:
                self._log.append(text)
        written.put(None)  # end of the log: the process has ended

    def _wait(self, deadline: float) -> str | None:
        """The WAV piper wrote; '' when the process ended first; None when it did not answer in time."""
        try:
            wav = self._written.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            self._stop("it did not answer in time")
            return None
        if wav is None:
            self._stop("it stopped while speaking")
            return ""
        return wav

    def _stop(self, why: str) -> None:
        proc, self._proc = self._proc, None
        if why:
            self.last_error = f"piper was restarted because {why}" + (
                f" ({self._log[-1]})" if self._log else ""
            )
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin:
                proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_WORKERS: dict[tuple[Path, bool], PiperWorker] = {}
_WORKERS_LOCK = threading.Lock()


def piper_worker(model: Path, steady: bool = False) -> PiperWorker:
    """The process-wide worker for this voice (tests and apps built in one process share it); a `steady` one
    speaks the same text into the same audio every time."""
    with _WORKERS_LOCK:
        key = (model, steady)
        if key not in _WORKERS:
            _WORKERS[key] = PiperWorker(model, steady)
        return _WORKERS[key]


@atexit.register
def close_workers() -> None:
    """Shut every worker down with the app."""
    with _WORKERS_LOCK:
        workers = list(_WORKERS.values())
        _WORKERS.clear()
    for worker in workers:
        worker.close()
