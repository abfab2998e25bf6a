"""Run candidate code in a separate, limited, unprivileged process without network, and report per test.

Each run gets a slot (a semaphore bounds concurrent runs), a uid leased for it alone (a lock file per uid keeps
runs of other processes off it), a fresh folder owned by that uid, a
process started through `unshare --net --mount` (when available) and `launcher.py`, which mounts a private
tmpfs on the folder, hides the app's folders, applies rlimits, drops to the leased uid and execs `harness.py` under
the system Python in isolated mode. The parent reads capped output, enforces a wall clock, kills everything of
the run's uid afterwards and deletes the folder.
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
from functools import cached_property
from pathlib import Path
from typing import Any

from ..config import Settings
from ..models import CodingSpec
from .models import RunResult
from .results import build_result

HERE = Path(__file__).resolve().parent
MINIMAL_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
UID_SPAN = 64  # uids sandbox_uid_base .. +63, leased one per run across every process on the host


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


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait for the process to exit without reaping it, so its pid (the group id) cannot be reused yet."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        time.sleep(delay)
        delay = min(0.05, delay * 1.5)
    return False


def _processes_of(uid: int) -> list[int]:
    """Pids owned by `uid` (zombies included, since they still count against RLIMIT_NPROC)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


class CodeRunner:
    """Runs code against a CodingSpec in the sandbox; thread-safe, at most `sandbox_concurrency` runs at once."""

    def __init__(self, settings: Settings, hide: list[Path] | None = None):
        self.s = settings
        self.hide = [str(Path(p).resolve()) for p in (hide or [])]
        self._slots: queue.Queue[int] = queue.Queue()
        for i in range(settings.sandbox_concurrency):
            self._slots.put(i)

    # -- what this platform allows ------------------------------------------------------------------------

    @cached_property
    def protections(self) -> dict[str, bool]:
        """Which protections this machine can apply (probed once)."""
        python = Path(self.s.sandbox_python)
        root = os.geteuid() == 0
        unshare = shutil.which("unshare")
        ns = False
        if unshare and root:
            probe = subprocess.run(
                [unshare, "--net", "--mount", "--propagation", "private", "true"],
                capture_output=True,
                env=MINIMAL_ENV,
                timeout=10,
                check=False,
            )
            ns = probe.returncode == 0
        return {
            "separate_process": True,
            "isolated_interpreter": python.is_file() and os.access(python, os.X_OK),
            "unprivileged_user": root,
            "no_network": ns,
            "private_folder": ns or root,
            "hidden_app_files": ns,
            "rlimits": True,
            "numpy_available": bool(self.numpy_dir),
        }

    @property
    def warnings(self) -> list[str]:
        p = self.protections
        notes = {
            "isolated_interpreter": f"the sandbox Python {self.s.sandbox_python} is missing: code cannot run",
            "unprivileged_user": "not running as root, so code runs as this same user (no uid switch, and "
            "RLIMIT_NPROC counts all of this user's processes)",
            "no_network": "no network namespace (unshare --net unavailable): code could reach the network",
            "hidden_app_files": "no mount namespace: the app's files are protected only by file permissions",
            "private_folder": "the run folder is readable by other runs of the same user",
            "numpy_available": "the sandbox Python has no numpy: questions that allow numpy cannot run "
            "(install Debian's python3-numpy)",
        }
        return [text for key, text in notes.items() if not p.get(key)]

    @cached_property
    def numpy_dir(self) -> str:
        """The folder of a numpy the sandbox Python can import (Debian's python3-numpy), or ''."""
        if self.s.sandbox_numpy_dir:
            return str(self.s.sandbox_numpy_dir) if Path(self.s.sandbox_numpy_dir).is_dir() else ""
        try:
            out = subprocess.run(
                [
                    str(self.s.sandbox_python),
                    "-I",
                    "-c",
                    "import numpy, os; print(os.path.dirname(numpy.__file__))",
                ],
                capture_output=True,
                text=True,
                env=MINIMAL_ENV,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.strip() if out.returncode == 0 else ""

    # -- running --------------------------------------------------------------------------------------------

    def run(self, spec: CodingSpec, code: str, include_hidden: bool = True, guard: bool = True) -> RunResult:
        """Run `code` on the spec's examples (and hidden tests); never raises for anything the code does."""
        prot, warnings = self.protections, self.warnings
        base = {"protections": prot, "warnings": warnings}
        if not prot["isolated_interpreter"]:
            return RunResult(status="unavailable", message=warnings[0], **base)
        if spec.allow_numpy and not self.numpy_dir:
            return RunResult(
                status="unavailable",
                message="This question needs numpy, which the sandbox's Python does not have; "
                "the code was not run (an administrator can install Debian's python3-numpy).",
                **base,
            )
        if self.s.sandbox_strict and not all(prot.values()):
            return RunResult(status="unavailable", message="strict sandbox: " + "; ".join(warnings), **base)
        try:
            slot = self._slots.get(timeout=self.s.sandbox_queue_timeout_s)
        except queue.Empty:
            return RunResult(status="busy", message="The code runner is busy; try again in a moment.", **base)
        try:
            tests = list(spec.examples) + (list(spec.tests) if include_hidden else [])
            raw = self._execute(spec, code, [t.call for t in tests], guard)
        finally:
            self._slots.put(slot)
        return build_result(spec, raw, include_hidden, prot, warnings, self.s.sandbox_output_kb * 1024)

    def _execute(self, spec: CodingSpec, code: str, calls: list[str], guard: bool) -> dict[str, Any]:
        if not self.protections["unprivileged_user"]:
            return self._execute_as(None, spec, code, calls, guard)
        with self.lease_uid() as uid:
            return self._execute_as(uid, spec, code, calls, guard)

    @contextlib.contextmanager
    def lease_uid(self) -> Iterator[int]:
        """A uid no other run on this host is using, for as long as the block runs.

        Runs of several app processes (or test workers) share the uid range; a lock file per uid keeps two runs
        off the same uid, where one's clean-up ("kill every process of my uid") would kill the other.
        """
        base = self._sandbox_base()
        deadline = time.monotonic() + self.s.sandbox_queue_timeout_s
        while True:
            for k in range(UID_SPAN):
                uid = self.s.sandbox_uid_base + k
                fd = os.open(base / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
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

    def _execute_as(
        self, uid: int | None, spec: CodingSpec, code: str, calls: list[str], guard: bool
    ) -> dict[str, Any]:
        prot = self.protections
        folder = self._make_folder(uid)
        cfg = {
            "folder": folder,
            "uid": uid,
            "gid": uid,
            "mount": prot["hidden_app_files"],
            "hide": self.hide,
            "tmpfs_mb": self.s.sandbox_folder_mb,
            "python": str(self.s.sandbox_python),
            "limits": {
                "cpu": self.s.sandbox_cpu_s,
                "as": self.s.sandbox_memory_mb * 1024 * 1024,
                "fsize": self.s.sandbox_file_kb * 1024,
                "nproc": self.s.sandbox_max_processes,
                "nofile": 64,
                "core": 0,
            },
        }
        job = {
            "code": code,
            "function": spec.function,
            "calls": calls,
            "test_timeout": self.s.sandbox_test_timeout_s,
            "numpy_dir": self.numpy_dir if spec.allow_numpy else "",
            "guard": guard,
            "output_cap": self.s.sandbox_output_kb * 1024,
        }
        r_fd, w_fd = os.pipe()
        cfg["result_fd"] = w_fd
        cmd = [str(self.s.sandbox_python), "-I", "-S", "-B", str(HERE / "launcher.py"), json.dumps(cfg)]
        if prot["no_network"]:
            cmd = [shutil.which("unshare") or "unshare", "--net", "--mount", "--propagation", "private", *cmd]
        t0 = time.perf_counter()
        killed = threading.Event()
        proc: subprocess.Popen[bytes] | None = None
        try:
            proc = subprocess.Popen(
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
        assert proc.stdin is not None and proc.stdout is not None

        def kill() -> None:
            killed.set()
            self._kill(proc, uid)

        out = _Reader(proc.stdout.fileno(), self.s.sandbox_output_kb * 1024, kill)
        res = _Reader(r_fd, 4 * 1024 * 1024, kill)
        out.start()
        res.start()
        timed_out = False
        try:
            try:
                proc.stdin.write(json.dumps(job).encode())
                proc.stdin.close()
            except OSError:
                pass
            timed_out = not _wait_unreaped(proc.pid, self.s.sandbox_timeout_s)
        finally:
            self._kill(proc, uid)
            proc.wait()
            for reader in (out, res):
                reader.join(timeout=5)
            proc.stdout.close()
            os.close(r_fd)
            shutil.rmtree(folder, ignore_errors=True)
        return {
            "pid": proc.pid,
            "returncode": proc.returncode,
            "timed_out": timed_out,
            "output": out.data.decode("utf-8", "replace"),
            "output_overflow": out.overflow,
            "results": res.data.decode("utf-8", "replace"),
            "results_overflow": res.overflow,
            "ms": round((time.perf_counter() - t0) * 1000, 1),
            "calls": calls,
        }

    def _sandbox_base(self) -> Path:
        base = Path(self.s.sandbox_dir or Path(tempfile.gettempdir()) / "interviewer-sandbox")
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base, 0o711)  # others may enter their own folder, but not list anyone's
        return base

    def _make_folder(self, uid: int | None) -> str:
        base = self._sandbox_base()
        folder = tempfile.mkdtemp(prefix="run-", dir=base)
        if uid is not None:
            os.chown(folder, uid, uid)
        os.chmod(folder, 0o700)
        return folder

    def _kill(self, proc: subprocess.Popen[bytes], uid: int | None) -> None:
        """Kill the run's process group and, when it has its own uid, every process of that uid."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if uid is None:
            return
        # kill(-1) from a process running as the run's uid reaches exactly that uid's processes (setsid or not);
        # repeat until none is left, so the next run in this slot starts below RLIMIT_NPROC.
        deadline = time.monotonic() + 5
        while True:
            subprocess.run(
                [
                    str(self.s.sandbox_python),
                    "-I",
                    "-S",
                    "-c",
                    "import os\ntry: os.kill(-1, 9)\nexcept OSError: pass",
                ],
                user=uid,
                group=uid,
                extra_groups=[],
                env=MINIMAL_ENV,
                timeout=10,
                check=False,
            )
            if not set(_processes_of(uid)) - {proc.pid} or time.monotonic() > deadline:  # ours: a zombie
                return
            time.sleep(0.05)
