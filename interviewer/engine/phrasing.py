"""How the interviewer words each turn: varied templates, or an LLM that sounds like a person, with fallback.

The LLM only ever sees the question text, the candidate's words and the *topics* of missed points; never the
rubric, key points or reference answer, so it cannot leak them.
"""

from __future__ import annotations

import zlib
from typing import Any

from interviewer.llm.prompts import prompts, templates
from interviewer.llm.providers import ChatModel, LLMError, TokenCallback
from interviewer.llm.tokens import trim_history


def template(key: str, salt: str, **values: Any) -> str:
    """One variant of template `key`, chosen by `salt` so a session varies but replays identically."""
    options = templates()[key]
    text = options[zlib.crc32(f"{key}:{salt}".encode()) % len(options)]
    return text.format(**values).strip()


class Phraser:
    def __init__(self, llm: ChatModel, history_tokens: int = 3000):
        self.llm = llm
        self.history_tokens = history_tokens
        self.failures: list[str] = []

    @property
    def live(self) -> bool:
        return self.llm.name != "none"

    def say(
        self,
        fallback: str,
        instruction: str,
        history: list[dict[str, str]],
        must_include: str = "",
        on_token: TokenCallback | None = None,
    ) -> str:
        """The LLM's wording of a turn, or `fallback` when there is no LLM or it fails or drifts."""
        if not self.live:
            return fallback
        messages = [{"role": "system", "content": prompts()["system"]}]
        messages += trim_history(history, self.history_tokens)
        messages.append({"role": "user", "content": prompts()["turn"].format(instruction=instruction)})
        try:
            text = self.llm.complete(messages, on_token=on_token).strip()
        except LLMError as exc:
            self.failures.append(exc.kind)
            return fallback
        if not text or len(text) > 1500:
            self.failures.append("bad_output")
            return fallback
        if must_include and must_include not in text:
            # The question itself must reach the candidate verbatim; the LLM only adds the human touch.
            text = f"{text.rstrip()}\n\n{must_include}"
        return text
