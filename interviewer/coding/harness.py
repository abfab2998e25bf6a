"""Runs inside the sandbox (stdlib only): loads code, then answers one call at a time, as JSON lines.

Usage: python3 -I -S -B harness.py RESULT_FD, with stdin a pipe from the parent. The first line is the job; in
"candidate" mode each further line is one call, sent only after the previous result arrived, so this process
never holds a call still to come, nor any expected value (the parent compares). In "reference" mode it runs a
question's input generator and reference solution and reports each generated call with its value.
"""

import builtins
import io
import json
import os
import random
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import decode, encode, is_plain

del sys.path[0]

_dumps = json.dumps
_loads = json.loads
_write = os.write
_read = os.read
_perf = time.perf_counter
_eval = builtins.eval
_exec = builtins.exec
_compile = builtins.compile
MAX_VALUE = 65536

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
    _write(fd, (_dumps(event, default=repr) + "\n").encode("utf-8", "replace"))


def read_message() -> object:
    """The parent's next message (None at the end): a length line, then exactly that many bytes of JSON.

    Reading exactly one message means nothing beyond it is ever taken from the pipe."""
    os.set_blocking(0, True)  # the code may have made it non-blocking
    digits = b""
    while not digits.endswith(b"\n"):
        chunk = _read(0, 1)
        if not chunk:
            return None
        digits += chunk
    size, parts = int(digits), []
    while size > 0:
        chunk = _read(0, min(size, 1 << 16))
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return _loads(b"".join(parts))


def install_guard(fd: int, allowed: tuple[str, ...]) -> None:
    """An audit hook that refuses and reports network, process and out-of-folder file access.

    Only a source of friendly messages: code can switch it off, and every protection it mirrors is enforced by
    the operating system (namespaces, uid, rlimits) whether it runs or not."""
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
            path = os.path.realpath(os.fsdecode(args[0]))
            if not path.startswith(allowed):
                report(f"tried to open {path}")
                raise PermissionError(f"not allowed in the sandbox: opening {path}")

    sys.addaudithook(hook)


def _frame() -> object:
    """pandas.DataFrame when pandas is loaded (to rebuild DataFrame arguments), else None."""
    pandas = sys.modules.get("pandas")
    return getattr(pandas, "DataFrame", None)


def on_alarm(signum: int, frame: object) -> None:
    raise TestTimeout()


def attempt(thunk: object, timeout: float, cap: int) -> dict:
    """Call `thunk()` under a wall-clock alarm with its printing captured; the outcome as a JSON-ready dict."""
    out = Capped(cap)
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    t0 = _perf()
    result: dict = {}
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        value = thunk()  # type: ignore[operator]
        signal.setitimer(signal.ITIMER_REAL, 0)
        encoded = encode(value)
        large = len(_dumps(encoded)) >= MAX_VALUE
        result = {
            "status": "returned",
            "value": {"__repr__": "<too large>", "__type__": "large"} if large else encoded,
        }
    except TestTimeout:
        result = {"status": "timeout"}
    except BaseException as exc:  # anything the code raises is a result, not a harness failure
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


def load(code: str, function: str, timeout: float, cap: int) -> tuple[dict, object]:
    """Execute the code as module `solution`; the 'loaded' event and the function it defines (or None)."""
    ns: dict = {"__name__": "solution", "__builtins__": builtins}
    event = {"event": "loaded", "ok": False, "error": "", "ms": 0.0, "output": ""}
    try:
        compiled = _compile(code, "solution.py", "exec")
    except SyntaxError as exc:
        event["error"] = f"SyntaxError: {exc.msg} (line {exc.lineno})"
        return event, None
    except Exception as exc:  # null bytes, nesting too deep for the compiler ...
        event["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        return event, None
    outcome = attempt(lambda: _exec(compiled, ns), timeout, cap)
    error = ""
    if outcome["status"] == "timeout":
        error = "loading the code took too long (a loop at module level?)"
    elif outcome["status"] == "raised":
        error = f"{outcome['error_type']}: {outcome['error']}"
    elif not callable(ns.get(function)):
        error = f"no function named {function} was defined"
    event.update(ok=not error, error=error, ms=outcome["ms"], output=outcome["output"])
    return event, (None if error else ns[function])


def serve_calls(fd: int, fn: object, function: str, timeout: float, cap: int) -> None:
    """Answer the parent's calls one line at a time until it closes the pipe."""
    while True:
        message = read_message()
        if not isinstance(message, dict):
            return
        i = message["i"]
        if "args" in message:
            args = decode(message["args"], None, _frame())
            outcome = attempt(lambda: fn(*args), timeout, cap)  # type: ignore[operator]  # noqa: B023
        else:  # a call written in the corpus, e.g. f([1, 2], k=3): evaluated with only the function in scope
            scope = {"__builtins__": builtins, function: fn}
            source = message["call"]
            outcome = attempt(lambda: _eval(_compile(source, "<test>", "eval"), scope), timeout, cap)  # noqa: B023
        del message
        emit(fd, event="result", i=i, **outcome)


def reference(fd: int, job: dict, timeout: float, cap: int) -> None:
    """Draw `count` calls from the question's generator and report each with the reference solution's value."""
    event, generate = load(job["generator"], "generate", timeout, cap)
    if not event["ok"]:
        emit(fd, event="failed", error="the generator: " + event["error"])
        return
    event, solution = load(job["solution"], job["function"], timeout, cap)
    if not event["ok"]:
        emit(fd, event="failed", error="the reference solution: " + event["error"])
        return
    rng = random.Random(job["seed"])
    for k in range(int(job["count"])):
        drawn = attempt(lambda: generate(rng), timeout, cap)  # type: ignore[operator]
        args = drawn.get("value")
        if isinstance(args, dict) and "__tuple__" in args:
            args = args["__tuple__"]
        if drawn["status"] != "returned" or not isinstance(args, list) or not is_plain(args):
            problem = (
                drawn.get("error_type", "") + " " + drawn.get("error", "")
                if drawn["status"] == "raised"
                else ""
            )
            why = problem.strip() or "it must return a tuple of the call's arguments, made of plain values"
            emit(fd, event="failed", error=f"the generator's call {k + 1}: {why}")
            return
        value = attempt(lambda: solution(*decode(args, None, _frame())), timeout, cap)  # type: ignore[operator]  # noqa: B023
        if value["status"] != "returned":
            why = (
                value.get("error_type", "") + " " + value.get("error", "")
                if value["status"] == "raised"
                else ""
            )
            emit(
                fd,
                event="failed",
                error=f"the reference solution on generated call {k + 1}: {why or 'timeout'}",
            )
            return
        if not is_plain(value["value"]):
            emit(
                fd,
                event="failed",
                error=f"the reference solution on generated call {k + 1}: a value with no plain form",
            )
            return
        emit(fd, event="case", k=k, args=args, value=value["value"])


def main() -> None:
    fd = int(sys.argv[1])
    job = read_message()
    assert isinstance(job, dict)
    cap = int(job.get("output_cap", 4096))
    timeout = float(job.get("test_timeout", 2.0))
    if job.get(
        "preload"
    ):  # numpy (and pandas) load before the guard: they open native libraries and data files
        sys.path.insert(0, job["libs"])
        for name in job["preload"]:
            __import__(name)
    sys.setrecursionlimit(3000)
    signal.signal(signal.SIGALRM, on_alarm)
    if job.get("mode") == "reference":
        reference(fd, job, timeout, cap)
        emit(fd, event="done")
        return
    if job.get("guard", True):
        roots = [p for p in sys.path if p] + [os.getcwd(), job.get("libs") or os.getcwd()]
        install_guard(fd, (*(os.path.join(os.path.realpath(r), "") for r in roots), "/dev/null"))
    code, function = job["code"], job["function"]
    del job  # nothing the candidate's code can reach holds more than its own code and the call in hand
    event, fn = load(code, function, timeout, cap)
    emit(fd, **event)
    if fn is not None:
        serve_calls(fd, fn, function, timeout, cap)
    emit(fd, event="done")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
