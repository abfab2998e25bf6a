"""Chat LLM providers behind one small interface, chosen by INTERVIEWER_LLM: none, openai, or a scripted fake.

Callers always have a fallback (the template text, the rubric grade), so a provider may raise LLMError freely.
Every call is bounded: `max_tokens` goes to the server, and a `deadline` (time.monotonic(); by default the turn
budget from now) caps each request's timeout and stops retries that could not finish in time. A reply counts
only when the server says it finished (`finish_reason` "stop"): a stream that just ends, as one cut behind an
HTTP/1.0 proxy does, or a reply cut at `max_tokens`, is an error, not a shorter reply.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Protocol

from interviewer.config import Settings

Message = dict[str, str]
TokenCallback = Callable[[str], None]
RETRIED = ("rate_limit", "server", "timeout", "stream")
MIN_ATTEMPT_S = 0.5
"""A retry needs at least this much of the budget left, or it is not started."""
DEADLINE: ContextVar[float | None] = ContextVar("llm_deadline", default=None)
"""The deadline of the turn being served, for calls made deep inside a grader (the judge)."""


@contextlib.contextmanager
def within(deadline: float) -> Iterator[None]:
    """Calls made inside this block (in this thread or a copied context) end by `deadline` (time.monotonic())."""
    token = DEADLINE.set(deadline)
    try:
        yield
    finally:
        DEADLINE.reset(token)


class LLMError(RuntimeError):
    """The LLM gave no usable reply. `kind`: timeout, rate_limit, server, stream (the connection failed or the
    stream ended without a finish), length (cut at max_tokens), cancelled, budget, bad_output or other."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


class Reply(str):
    """A reply's text, with what the server reported about it (token counts when it sent them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"

    @classmethod
    def of(cls, text: str, prompt_tokens: int = 0, completion_tokens: int = 0, finish: str = "stop") -> Reply:
        out = cls(text)
        out.prompt_tokens, out.completion_tokens, out.finish_reason = prompt_tokens, completion_tokens, finish
        return out


class ChatModel(Protocol):
    name: str

    def complete(
        self,
        messages: list[Message],
        *,
        json_mode: bool = False,
        on_token: TokenCallback | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,
        cancel: threading.Event | None = None,
    ) -> str:
        """The assistant's reply to `messages`; streamed token by token to `on_token` when given. Setting `cancel`
        ends a stream early (LLMError 'cancelled')."""
        ...


class NoLLM:
    """No model configured: every caller uses its rubric or template path."""

    name = "none"

    def complete(self, messages: list[Message], **_: Any) -> str:
        raise LLMError("other", "no LLM configured")


class FakeChat:
    """A scripted model for tests, registered like the real ones: `enqueue` replies or exceptions, in order."""

    name = "fake"

    def __init__(self, settings: Settings | None = None):
        self._queue: deque[str | Exception] = deque()
        self.calls: list[list[Message]] = []
        self.options: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def enqueue(self, *items: str | Exception) -> None:
        with self._lock:
            self._queue.extend(items)

    def complete(
        self, messages: list[Message], *, on_token: TokenCallback | None = None, **options: Any
    ) -> str:
        with self._lock:
            self.calls.append(messages)
            self.options.append(options)
            item = self._queue.popleft() if self._queue else None
        if isinstance(item, Exception):
            raise item
        if item is None:
            raise LLMError("other", "fake model has nothing scripted")
        if on_token:
            words = item.split(" ")
            for i, word in enumerate(words):
                on_token(word + (" " if i < len(words) - 1 else ""))
        return Reply.of(item)


class OpenAIChat:
    """Any OpenAI-compatible endpoint through langchain-openai, with our own retries that honour Retry-After."""

    name = "openai"

    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.model = settings.llm_model
        self._client = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",
            model=settings.llm_model,
            timeout=settings.llm_timeout_s,
            max_retries=0,  # ours below: they honour Retry-After and stop at the turn's deadline
            temperature=0.3,
            stream_usage=True,
        )

    def complete(
        self,
        messages: list[Message],
        *,
        json_mode: bool = False,
        on_token: TokenCallback | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,
        cancel: threading.Event | None = None,
    ) -> str:
        s = self.settings
        deadline = deadline if deadline is not None else DEADLINE.get()
        if deadline is None:
            deadline = time.monotonic() + s.llm_turn_budget_s
        # `max_tokens` goes in the body as is: langchain-openai would rename it to max_completion_tokens, which
        # not every OpenAI-compatible server (llama.cpp, Ollama, LM Studio) reads.
        request: dict[str, Any] = {"extra_body": {"max_tokens": max_tokens or s.llm_max_tokens}}
        if json_mode:
            request["response_format"] = {"type": "json_object"}
        for attempt in range(s.llm_max_retries + 1):
            left = deadline - time.monotonic()
            if left < (MIN_ATTEMPT_S if attempt else 0.05):
                raise LLMError("budget", f"no time left in the turn budget after {attempt} attempts")
            timeout = min(s.llm_timeout_s, left)
            shown: list[str] = []
            try:
                if on_token is None:
                    return self._whole(messages, request, timeout)
                return self._stream(messages, request, timeout, deadline, shown, on_token, cancel)
            except Exception as exc:
                err = classify_error(exc)
                # Words already shown cannot be taken back, so a stream that failed after them is not retried.
                if err.kind not in RETRIED or shown or attempt == s.llm_max_retries:
                    raise err from exc
                pause = backoff_delay(exc, attempt)
                if time.monotonic() + pause + MIN_ATTEMPT_S > deadline:
                    raise err from exc
                time.sleep(pause)
        raise LLMError("other", "unreachable")

    def _whole(self, messages: list[Message], request: dict[str, Any], timeout: float) -> Reply:
        message = self._client.invoke(messages, timeout=timeout, **request)
        meta = message.response_metadata or {}
        _check_finish(meta.get("finish_reason"))
        usage: dict[str, Any] = dict(message.usage_metadata or {})
        return Reply.of(_text(message.content), usage.get("input_tokens", 0), usage.get("output_tokens", 0))

    def _stream(
        self,
        messages: list[Message],
        request: dict[str, Any],
        timeout: float,
        deadline: float,
        shown: list[str],
        on_token: TokenCallback,
        cancel: threading.Event | None,
    ) -> Reply:
        finish: str | None = None
        usage: Any = None
        chunks = self._client.stream(messages, timeout=timeout, **request)
        try:
            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    raise LLMError("cancelled", "the caller stopped the stream")
                if time.monotonic() > deadline:
                    raise LLMError("budget", "the turn budget ran out mid-stream")
                usage = chunk.usage_metadata or usage
                piece = _text(chunk.content)
                if piece:
                    shown.append(piece)
                    on_token(piece)
                finish = (chunk.response_metadata or {}).get("finish_reason") or finish
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # ends the HTTP response, so the server stops generating
        _check_finish(finish)
        counts: dict[str, Any] = dict(usage or {})
        return Reply.of("".join(shown), counts.get("input_tokens", 0), counts.get("output_tokens", 0))


def _text(content: Any) -> str:
    """A message's text (langchain gives a list of parts for some providers)."""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content or [])


def _check_finish(finish: str | None) -> None:
    if finish == "stop":
        return
    if finish == "length":
        raise LLMError("length", "the reply was cut at max_tokens")
    raise LLMError("stream", f"the reply ended without a proper finish (finish_reason={finish!r})")


def classify_error(exc: Exception) -> LLMError:
    import httpx
    import openai

    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.LengthFinishReasonError):  # JSON mode goes through the SDK's parse()
        return LLMError("length", "the reply was cut at max_tokens")
    if isinstance(exc, openai.RateLimitError):
        return LLMError("rate_limit", str(exc))
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return LLMError("timeout", str(exc))
    if isinstance(exc, openai.InternalServerError) or (
        isinstance(exc, openai.APIStatusError) and exc.status_code >= 500
    ):
        return LLMError("server", str(exc))
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return LLMError("stream", str(exc))
    if isinstance(exc, openai.APIStatusError):
        return LLMError("other", f"HTTP {exc.status_code}: {exc}")
    if isinstance(exc, ValueError):  # a body that is not the JSON the SDK expects
        return LLMError("bad_output", f"{type(exc).__name__}: {exc}")
    return LLMError("other", f"{type(exc).__name__}: {exc}")


def backoff_delay(exc: Exception, attempt: int, cap: float = 20.0) -> float:
    """Retry-After when the server sent one, else exponential backoff with jitter."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        return min(cap, float(headers.get("retry-after", "")))
    except ValueError:
        return min(cap, 0.5 * 2**attempt + random.uniform(0, 0.25))


PROVIDERS: dict[str, Callable[[Settings], ChatModel]] = {
    "none": lambda s: NoLLM(),
    "openai": OpenAIChat,
    "fake": FakeChat,
}


def make_llm(settings: Settings) -> ChatModel:
    try:
        return PROVIDERS[settings.llm](settings)
    except KeyError:
        raise ValueError(
            f"unknown LLM provider {settings.llm!r}; choose one of {sorted(PROVIDERS)}"
        ) from None
