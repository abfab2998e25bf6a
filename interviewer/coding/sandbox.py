"""One sandboxed process: started through unshare and launcher.py, talked to one message at a time, then killed.

The parent writes length-prefixed JSON messages to the process's stdin and reads its JSON-line events from a pipe
of their own; what the code prints on stdout is kept apart, up to a cap. Stopping kills the process group (the
namespace's init goes with unshare, and the kernel then kills the rest of the namespace) and, as a last resort,
every process left under the run's uid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MINIMAL_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
UID_SPAN = 64  # uids uid_base .. +63, leased one per sandboxed process across every process on the host
UNSHARE = [
    "--net",
    "--mount",
    "--pid",
    "--ipc",
    "--uts",
    "--fork",
    "--kill-child",
    "--propagation",
    "private",
]
EVENTS_CAP = 4 * 1024 * 1024
_EOF: dict[str, Any] = {"event": "eof"}


class _Reader(threading.Thread):
    """Reads a pipe into memory up to a cap; past the cap it calls `on_overflow` once and drops the rest."""

    def __init__(self, fd: int, cap: int, on_overflow: Any):
        super().__init__(daemon=True)
        self.fd, self.cap, self.on_overflow = fd, cap, on_overflow
        self.data = bytearray()
        self.overflow = False

    def run(self) -> None:
        try:
            while chunk := os.read(self.fd, 65536):
                if len(self.data) + len(chunk) > self.cap:
                    self.data += chunk[: self.cap - len(self.data)]
                    if not self.overflow:
                        self.overflow = True
                        self.on_overflow()
                else:
                    self.data += chunk
        except OSError:
            pass


class _EventReader(threading.Thread):
    """Splits the event pipe into JSON objects on a queue (junk lines are dropped); EOF queues `_EOF`."""

    def __init__(self, fd: int, cap: int, on_overflow: Any):
        super().__init__(daemon=True)
        self.fd, self.cap, self.on_overflow = fd, cap, on_overflow
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.size = 0
        self.overflow = False

    def run(self) -> None:
        pending = b""
        try:
            while chunk := os.read(self.fd, 65536):
                self.size += len(chunk)
                if self.size > self.cap:
                    self.overflow = True
                    self.on_overflow()
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    with contextlib.suppress(ValueError):
                        event = json.loads(line)
                        if isinstance(event, dict):
                            self.events.put(event)
        except OSError:
            pass
        self.events.put(_EOF)


def wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait for the process to exit without reaping it, so its pid (the group id) cannot be reused yet."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        time.sleep(delay)
        delay = min(0.05, delay * 1.5)
    return False


def processes_of(uid: int) -> list[int]:
    """Pids owned by `uid` (zombies included, since they still count against RLIMIT_NPROC)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


@contextlib.contextmanager
def lease_uid(lock_dir: Path, uid_base: int, timeout: float) -> Iterator[int]:
    """A uid no other sandboxed process on this host is using, for as long as the block runs.

    App processes (and test workers) share the uid range; a lock file per uid keeps two processes off the same
    uid, where one's clean-up ("kill every process of my uid") would kill the other's."""
    deadline = time.monotonic() + timeout
    while True:
        for k in range(UID_SPAN):
            uid = uid_base + k
            fd = os.open(lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield uid
                return
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        if time.monotonic() > deadline:
            raise RuntimeError(f"all {UID_SPAN} sandbox uids are in use")
        time.sleep(0.05)


class SandboxProcess:
    """A launcher process for one job; use as a context manager (leaving it kills everything the job left)."""

    def __init__(self, cfg: dict[str, Any], python: str, isolate: bool, output_cap: int, deadline: float):
        self.cfg, self.python, self.isolate = cfg, python, isolate
        self.output_cap, self.deadline = output_cap, deadline
        self.uid: int | None = cfg.get("uid")
        self.folder = ""
        self.timed_out = False
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SandboxProcess:
        cfg = dict(self.cfg)
        if not self.isolate:  # no mount namespace: a host folder of its own, owned by the run's uid
            self.folder = tempfile.mkdtemp(prefix="run-", dir=cfg.pop("lock_dir"))
            if self.uid is not None:
                os.chown(self.folder, self.uid, self.uid)
            os.chmod(self.folder, 0o700)
            cfg["folder"] = self.folder
        cfg.pop("lock_dir", None)
        r_fd, w_fd = os.pipe()
        cfg["result_fd"] = w_fd
        cmd = [self.python, "-I", "-S", "-B", str(HERE / "launcher.py"), json.dumps(cfg)]
        if self.isolate:
            cmd = [shutil.which("unshare") or "unshare", *UNSHARE, *cmd]
        self.t0 = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(w_fd,),
                start_new_session=True,
                env=MINIMAL_ENV,
                cwd="/",
            )
        finally:
            os.close(w_fd)
        assert self.proc.stdout is not None
        self.r_fd = r_fd
        self.out = _Reader(self.proc.stdout.fileno(), self.output_cap, self.kill)
        self.events = _EventReader(r_fd, EVENTS_CAP, self.kill)
        self.out.start()
        self.events.start()
        return self

    def send(self, message: dict[str, Any]) -> bool:
        """Write one message; False when the process no longer reads."""
        assert self.proc is not None and self.proc.stdin is not None
        data = json.dumps(message).encode()
        try:
            self.proc.stdin.write(b"%d\n%s" % (len(data), data))
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def close_input(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()

    def next_event(self, within: float) -> dict[str, Any] | None:
        """The next event, `{"event": "eof"}` when the process has closed its pipe, None after `within` seconds
        (or at the run's deadline, which also sets `timed_out`)."""
        until = min(time.monotonic() + within, self.deadline)
        try:
            return self.events.events.get(timeout=max(0.0, until - time.monotonic()))
        except queue.Empty:
            if time.monotonic() >= self.deadline:
                self.timed_out = True
            return None

    def kill(self) -> None:
        """Kill the process group (unshare takes the namespace with it) and any process left under the uid."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.uid is None:
            return
        now = time.monotonic()
        deadline, sweep_at = now + 5, now + (0.5 if self.isolate else 0.0)  # a namespace dies on its own
        while set(processes_of(self.uid)) - {self.proc.pid} and time.monotonic() < deadline:
            if time.monotonic() >= sweep_at:
                # kill(-1) from a process running as the run's uid reaches exactly that uid's processes (a
                # setsid child included); repeated until none is left, so the next process on this uid starts
                # below RLIMIT_NPROC.
                subprocess.run(
                    [self.python, "-I", "-S", "-c", "import os\ntry: os.kill(-1, 9)\nexcept OSError: pass"],
                    user=self.uid,
                    group=self.uid,
                    extra_groups=[],
                    env=MINIMAL_ENV,
                    timeout=10,
                    check=False,
                )
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.close_input()
        if not wait_unreaped(self.proc.pid, max(0.0, min(1.0, self.deadline - time.monotonic()))):
            self.timed_out = self.timed_out or time.monotonic() >= self.deadline
        self.kill()
        self.proc.wait()
        self.out.join(timeout=5)
        self.events.join(timeout=5)
        self.proc.stdout.close()
        os.close(self.r_fd)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.ms = round((time.perf_counter() - self.t0) * 1000, 1)

    @property
    def returncode(self) -> int | None:
        """The harness's exit status; a signal n is -n (the namespace's init reports it as 128 + n)."""
        rc = self.proc.returncode if self.proc else None
        return 128 - rc if self.isolate and rc is not None and 128 < rc < 160 else rc

    @property
    def output(self) -> str:
        return self.out.data.decode("utf-8", "replace")

    @property
    def overflow(self) -> bool:
        return self.out.overflow or self.events.overflow
