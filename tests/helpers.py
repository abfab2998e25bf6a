"""What many tests need: free loopback ports, settings on the repo's corpus, starting a server and waiting for a
condition (never a fixed sleep that hopes the other side is ready)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    """A port nothing listens on now (the OS picks it on loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], T], timeout_s: float = 10.0, interval_s: float = 0.02, what: str = ""
) -> T:
    """Poll `condition` until it returns something true, and return that; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what or condition}")
        time.sleep(interval_s)


def answers_http(url: str, status: int = 200, timeout_s: float = 1.0) -> bool:
    """True when `url` answers with `status` (False while nothing listens yet)."""
    import httpx

    try:
        return httpx.get(url, timeout=timeout_s).status_code == status
    except httpx.HTTPError:
        return False


def stop(proc: subprocess.Popen[Any], timeout_s: float = 20) -> None:
    """Terminate a server process started by a test, and kill it if it does not go in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(
    args: list[str], ready_url: str, timeout_s: float = 120, **popen: Any
) -> subprocess.Popen[bytes]:
    """Start a server process and return it once `ready_url` answers 200; killed and failed if it never does."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    proc = subprocess.Popen(args, **popen)
    try:
        wait_until(
            lambda: proc.poll() is not None or answers_http(ready_url),
            timeout_s,
            interval_s=0.1,
            what=f"{Path(args[0]).name} to answer {ready_url}",
        )
    except AssertionError:
        proc.kill()
        raise
    if proc.poll() is not None:
        raise AssertionError(f"{Path(args[0]).name} exited with code {proc.returncode} before it answered")
    return proc


def repo_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings on the repository's corpus/ and rubrics/ with their own data folder, no LLM unless overridden."""
    from interviewer.config import load_settings

    values: dict[str, Any] = {"corpus_dir": ROOT / "corpus", "rubrics_dir": ROOT / "rubrics", "llm": "none"}
    return load_settings(data_dir=data_dir, **{**values, **overrides})
