"""Runs inside the sandbox (stdlib only): loads the candidate's code, evaluates each call, reports JSON lines.

It never sees expected values: the parent compares. Usage: python3 -I -S -B harness.py RESULT_FD < job.json
"""

import builtins
import io
import json
import math
import os
import signal
import sys
import time
import traceback

_dumps = json.dumps
_write = os.write
_perf = time.perf_counter
_eval = builtins.eval
_exec = builtins.exec
_compile = builtins.compile

BLOCKED = {
    "socket.connect": "opened a network connection",
    "socket.bind": "opened a network socket",
    "socket.getaddrinfo": "looked up a network address",
    "os.fork": "started a new process",
    "os.forkpty": "started a new process",
    "os.system": "ran a shell command",
    "os.exec": "ran another program",
    "os.posix_spawn": "ran another program",
    "os.spawn": "ran another program",
    "subprocess.Popen": "ran another program",
    "os.kill": "sent a signal to a process",
    "os.killpg": "sent a signal to a process group",
    "ctypes.dlopen": "loaded a native library",
    "os.setuid": "tried to change user",
}


class TestTimeout(BaseException):
    """Raised by the per-test alarm; a BaseException so `except Exception` in candidate code cannot swallow it."""


class Capped(io.TextIOBase):
    """A text stream that keeps at most `cap` characters and remembers whether more was written."""

    def __init__(self, cap: int):
        self.cap, self.size, self.truncated = cap, 0, False
        self.parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = self.cap - self.size
        if len(s) > room:
            self.truncated = True
            s = s[: max(0, room)]
        self.parts.append(s)
        self.size += len(s)
        return len(s)

    def text(self) -> str:
        return "".join(self.parts)


def emit(fd: int, **event: object) -> None:
    event["pid"] = os.getpid()
    _write(fd, (_dumps(event, default=repr) + "\n").encode("utf-8", "replace"))


def encode(value: object, depth: int = 0) -> object:
    """A JSON form of a return value that keeps sets, dict keys and special floats; numpy becomes lists."""
    if depth > 20:
        return {"__repr__": "<nested too deeply>", "__type__": type(value).__name__}
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        value = value.tolist()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"__repr__": repr(value)[:200], "__type__": type(value).__name__}


def install_guard(fd: int, allowed: tuple[str, ...]) -> None:
    """An audit hook that refuses and reports network, process and out-of-folder file access."""
    seen: set[str] = set()

    def report(what: str) -> None:
        if what not in seen and len(seen) < 20:
            seen.add(what)
            emit(fd, event="violation", what=what)

    def hook(name: str, args: tuple) -> None:
        if name in BLOCKED:
            report(BLOCKED[name])
            raise PermissionError(f"not allowed in the sandbox: {BLOCKED[name]}")
        if name == "open" and args and isinstance(args[0], (str, bytes)):
            path = os.path.abspath(os.fsdecode(args[0]))
            if not path.startswith(allowed):
                report(f"tried to open {path}")
                raise PermissionError(f"not allowed in the sandbox: opening {path}")

    sys.addaudithook(hook)


def on_alarm(signum: int, frame: object) -> None:
    raise TestTimeout()


def run_call(ns: dict, call: str, timeout: float, cap: int) -> dict:
    out = Capped(cap)
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    t0 = _perf()
    result: dict = {}
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        value = _eval(_compile(call, "<test>", "eval"), ns)
        signal.setitimer(signal.ITIMER_REAL, 0)
        encoded = encode(value)
        text = _dumps(encoded)
        result = (
            {"status": "returned", "value": encoded}
            if len(text) < 65536
            else {
                "status": "returned",
                "value": {"__repr__": "<return value too large>", "__type__": "large"},
            }
        )
    except TestTimeout:
        result = {"status": "timeout"}
    except BaseException as exc:  # anything the candidate's code raises is a result, not a harness failure
        signal.setitimer(signal.ITIMER_REAL, 0)
        line = 0
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == "solution.py":
                line = lineno
        result = {"status": "raised", "error_type": type(exc).__name__, "error": str(exc)[:300], "line": line}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = old
    result.update(ms=round((_perf() - t0) * 1000, 2), output=out.text(), output_truncated=out.truncated)
    return result


def main() -> None:
    fd = int(sys.argv[1])
    job = json.loads(sys.stdin.read())
    sys.stdin.close()
    cap = int(job.get("output_cap", 4096))
    if job.get("numpy_dir"):
        os.mkdir("_libs")
        os.symlink(job["numpy_dir"], os.path.join("_libs", "numpy"))
        sys.path.insert(0, os.path.abspath("_libs"))
        import numpy  # noqa: F401  (loaded before the guard: its import loads native libraries via ctypes)
    sys.setrecursionlimit(3000)
    signal.signal(signal.SIGALRM, on_alarm)
    if job.get("guard", True):
        roots = [p for p in sys.path if p] + [
            os.getcwd(),
            os.path.realpath(job.get("numpy_dir") or os.getcwd()),
        ]
        install_guard(fd, (*(os.path.join(os.path.abspath(r), "") for r in roots), "/dev/null"))
    ns: dict = {"__name__": "solution", "__builtins__": builtins}
    out = Capped(cap)
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    t0 = _perf()
    try:
        signal.setitimer(signal.ITIMER_REAL, float(job.get("test_timeout", 2.0)))
        _exec(_compile(job["code"], "solution.py", "exec"), ns)
        signal.setitimer(signal.ITIMER_REAL, 0)
        error = (
            "" if callable(ns.get(job["function"])) else f"no function named {job['function']} was defined"
        )
    except TestTimeout:
        error = "loading the code took too long (a loop at module level?)"
    except SyntaxError as exc:
        error = f"SyntaxError: {exc.msg} (line {exc.lineno})"
    except BaseException as exc:
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = old
    ms = round((_perf() - t0) * 1000, 2)
    emit(fd, event="loaded", ok=not error, error=error, ms=ms, output=out.text())
    if error:
        return
    for i, call in enumerate(job["calls"]):
        emit(fd, event="start", i=i)
        emit(fd, event="result", i=i, **run_call(ns, call, float(job.get("test_timeout", 2.0)), cap))
    emit(fd, event="done")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
