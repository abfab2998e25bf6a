"""Chat LLM providers behind one small interface, chosen by INTERVIEWER_LLM: none, openai, or a scripted fake.

Callers always have a fallback (the template text, the rubric grade), so a provider may raise LLMError freely.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from interviewer.config import Settings

Message = dict[str, str]
TokenCallback = Callable[[str], None]


class LLMError(RuntimeError):
    """The LLM could not give a usable reply; `kind` is timeout, rate_limit, server, stream, bad_output or other."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


class ChatModel(Protocol):
    name: str

    def complete(
        self, messages: list[Message], *, json_mode: bool = False, on_token: TokenCallback | None = None
    ) -> str:
        """The assistant's reply to `messages`; streamed token by token to `on_token` when given."""
        ...


class NoLLM:
    """No model configured: every caller uses its rubric or template path."""

    name = "none"

    def complete(
        self, messages: list[Message], *, json_mode: bool = False, on_token: TokenCallback | None = None
    ) -> str:
        raise LLMError("other", "no LLM configured")


class FakeChat:
    """A scripted model for tests, registered like the real ones: `enqueue` replies or exceptions, in order."""

    name = "fake"

    def __init__(self, settings: Settings | None = None):
        self._queue: deque[str | Exception] = deque()
        self.calls: list[list[Message]] = []
        self._lock = threading.Lock()

    def enqueue(self, *items: str | Exception) -> None:
        with self._lock:
            self._queue.extend(items)

    def complete(
        self, messages: list[Message], *, json_mode: bool = False, on_token: TokenCallback | None = None
    ) -> str:
        with self._lock:
            self.calls.append(messages)
            item = self._queue.popleft() if self._queue else None
        if isinstance(item, Exception):
            raise item
        if item is None:
            raise LLMError("other", "fake model has nothing scripted")
        if on_token:
            for word in item.split(" "):
                on_token(word + " ")
        return item


class OpenAIChat:
    """Any OpenAI-compatible endpoint through langchain-openai, with our own retries that honour Retry-After."""

    name = "openai"

    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self._client = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",
            model=settings.llm_model,
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=0.3,
        )

    def complete(
        self, messages: list[Message], *, json_mode: bool = False, on_token: TokenCallback | None = None
    ) -> str:
        model: Any = self._client.bind(response_format={"type": "json_object"}) if json_mode else self._client
        attempts = self.settings.llm_max_retries + 1
        for attempt in range(attempts):
            try:
                if on_token is None:
                    return str(model.invoke(messages).content)
                parts = []
                for chunk in model.stream(messages):
                    piece = str(chunk.content)
                    parts.append(piece)
                    on_token(piece)
                return "".join(parts)
            except Exception as exc:
                err = classify_error(exc)
                if attempt + 1 >= attempts or err.kind not in ("rate_limit", "server", "timeout", "stream"):
                    raise err from exc
                time.sleep(backoff_delay(exc, attempt))
        raise LLMError("other", "unreachable")


def classify_error(exc: Exception) -> LLMError:
    import httpx
    import openai

    if isinstance(exc, LLMError):
        return exc
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
