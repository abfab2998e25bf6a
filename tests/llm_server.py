"""An OpenAI-compatible chat server on loopback whose replies a test scripts, faults included.

    server = ScriptedLLM(); server.start()
    server.script(reply("Hello"), fault(429, retry_after=1), stream_cut("Half a sen"), malformed(), slow(5))
    settings: INTERVIEWER_LLM=openai, INTERVIEWER_LLM_BASE_URL=server.url, INTERVIEWER_LLM_MODEL=test
When the script runs out, the server answers with `default` (a plain reply). `reply(..., finish="length")` ends a
reply with another finish_reason (None: a stream that stops without a finish chunk); `word_delay` trickles a
stream. `Http10Proxy(server)` sits in front of it the way an HTTP/1.0 proxy does: no chunking, no length, the
body ends when the connection closes, so a stream cut upstream looks complete to the client.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


@dataclass
class Step:
    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_stream: bool = False
    raw_body: str | None = None
    finish: str | None = "stop"
    word_delay: float = 0.0


def reply(content: str, delay: float = 0.0, finish: str | None = "stop", word_delay: float = 0.0) -> Step:
    return Step(content=content, delay=delay, finish=finish, word_delay=word_delay)


def fault(status: int, retry_after: float | None = None, message: str = "fault") -> Step:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Step(
        status=status, headers=headers, raw_body=json.dumps({"error": {"message": message, "type": "x"}})
    )


def stream_cut(content: str) -> Step:
    return Step(content=content, cut_stream=True)


def malformed(body: str = '{"id": "x", "choices": [ {"message": ') -> Step:
    return Step(raw_body=body)


def slow(seconds: float, content: str = "late") -> Step:
    return Step(content=content, delay=seconds)


def polite_interviewer(body: dict[str, Any]) -> str:
    """A well-behaved interviewer's reply to a wording request: the follow-up it was given, or a short move on."""
    system = str(body.get("messages", [{}])[0].get("content", ""))
    if "Follow-up question:" in system:
        probe = system.split("Follow-up question:", 1)[1].strip().splitlines()[0]
        return f"Okay, thanks. {probe}"
    return "Thanks, let's move on to the next one."


class ScriptedLLM:
    def __init__(self, default: str = "Thanks. Let's continue.", respond: Any = None):
        self.respond = respond
        """When set, a function of the request body that gives the reply (text or a Step) once the script has
        run out."""
        self.steps: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []
        self.default = default
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def script(self, *steps: Step) -> None:
        with self._lock:
            self.steps.extend(steps)

    def next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
            if self.steps:
                return self.steps.popleft()
            answer = self.respond(body) if self.respond else self.default
            return answer if isinstance(answer, Step) else Step(content=answer)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> ScriptedLLM:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                step = owner.next_step(body)
                if step.delay:
                    time.sleep(step.delay)
                try:
                    if step.raw_body is not None:
                        self._send(step.status, step.raw_body.encode(), step.headers)
                    elif body.get("stream"):
                        self._stream(step, body)
                    else:
                        done = _completion(step.content, body, step.finish)
                        self._send(step.status, json.dumps(done).encode(), step.headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, step: Step, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                words = step.content.split(" ")
                for i, word in enumerate(words):
                    chunk = {
                        "id": "c",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body.get("model", "m"),
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"content": word + (" " if i < len(words) - 1 else "")},
                                "finish_reason": None,
                            }
                        ],
                    }
                    self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())
                    if step.word_delay:
                        time.sleep(step.word_delay)
                    if step.cut_stream and i >= len(words) // 2:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # drop the connection mid-reply
                        return
                if step.finish is not None:
                    end = {
                        "id": "c",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body.get("model", "m"),
                        "choices": [{"index": 0, "delta": {}, "finish_reason": step.finish}],
                    }
                    self._chunk(f"data: {json.dumps(end)}\n\n".encode())
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


class Http10Proxy:
    """A loopback proxy that answers in HTTP/1.0: it copies the upstream's body as it arrives and closes the
    connection at its end, with no length and no chunking, so the client cannot tell a cut from a finish."""

    def __init__(self, upstream: ScriptedLLM):
        self.upstream = upstream
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> Http10Proxy:
        target = urlparse(self.upstream.url)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                conn.request("POST", self.path, body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.getheader("Content-Type") or "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    while piece := resp.read1(4096):
                        self.wfile.write(piece)
                        self.wfile.flush()
                except (http.client.HTTPException, OSError):
                    pass  # the upstream broke off: the client just sees the body end, as behind a real one
                finally:
                    conn.close()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _completion(content: str, body: dict[str, Any], finish: str | None = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
