"""How the interviewer words each turn: varied templates, or an LLM whose words are checked before they are shown.

The LLM only ever sees the conversation, the probe of a follow-up (a question meant for the candidate) and the
topic of the next question; never the rubric, key points or reference answer. What it writes is checked sentence
by sentence as it streams (turn_check): a sentence is shown only once it has passed, the whole turn is checked at
the end, and any failure, timeout or fault gives the template instead. Every fallback is counted by reason.
"""

from __future__ import annotations

import threading
import time
import zlib
from typing import Any

from interviewer.domain.target import Target
from interviewer.engine.turn_check import TurnChecker, TurnContext, TurnKind
from interviewer.engine.turn_gate import SentenceGate
from interviewer.llm.prompts import prompts, templates
from interviewer.llm.providers import ChatModel, LLMError, Message, TokenCallback
from interviewer.llm.tokens import trim_history
from interviewer.ops.monitoring import LLM_FALLBACKS, LLM_WORDED


def template(key: str, salt: str, **values: Any) -> str:
    """One variant of template `key`, chosen by `salt` so a session varies but replays identically."""
    options = templates()[key]
    text = options[zlib.crc32(f"{key}:{salt}".encode()) % len(options)]
    return text.format(**values).strip()


def topic_name(topic: str) -> str:
    return topic.replace("_", " ").replace("-", " ")


def task_prompt(kind: TurnKind, probe: str = "", topic: str = "") -> str:
    """The system message of a wording call: who the interviewer is, and this turn's task."""
    task = prompts()[kind].format(probe=probe, topic=topic_name(topic)).strip()
    return prompts()["system"].format(task=task).strip()


def wording_messages(
    kind: TurnKind, history: list[Message], probe: str = "", topic: str = "", history_tokens: int = 3000
) -> list[Message]:
    """The instruction in the system message, then the conversation (the candidate's words in <candidate> tags)."""
    return [
        {"role": "system", "content": task_prompt(kind, probe, topic)},
        *trim_history(history, history_tokens),
    ]


class Phraser:
    """Words follow-ups and preambles with the LLM when one is configured and the turn can stream."""

    def __init__(
        self,
        llm: ChatModel,
        checker: TurnChecker | None = None,
        history_tokens: int = 3000,
        max_tokens: int = 120,
        enabled: bool = True,
    ):
        self.llm = llm
        self.checker = checker
        self.history_tokens = history_tokens
        self.max_tokens = max_tokens
        self.enabled = enabled
        self.failures: list[str] = []
        """Why each turn fell back to its template, in order (also counted in /metrics)."""

    @property
    def live(self) -> bool:
        return self.enabled and self.llm.name != "none" and self.checker is not None

    def follow_up(
        self,
        fallback: str,
        probe: str,
        ctx: TurnContext,
        history: list[Message],
        on_token: TokenCallback | None,
        deadline: float,
    ) -> str:
        """The LLM's wording of a follow-up that asks `probe`, or `fallback`."""
        if not self.live or on_token is None:
            return fallback
        messages = wording_messages("follow_up", history, probe=probe, history_tokens=self.history_tokens)
        text = self._word(messages, ctx, on_token, deadline)
        return text if text is not None else fallback

    def preamble(
        self,
        fallback: str,
        question: str,
        topic: str,
        ctx: TurnContext,
        history: list[Message],
        on_token: TokenCallback | None,
        deadline: float,
        note: str = "",
    ) -> str:
        """The LLM's words before the next question, then `note` and the question verbatim; or `fallback`."""
        if not self.live or on_token is None:
            return fallback
        messages = wording_messages("preamble", history, topic=topic, history_tokens=self.history_tokens)
        tail = f"{(' ' + note) if note else ''}\n\n{question}"
        words = self._word(messages, ctx, on_token, deadline, tail=tail)
        return f"{words}{tail}" if words is not None else fallback

    def _word(
        self,
        messages: list[Message],
        ctx: TurnContext,
        on_token: TokenCallback,
        deadline: float,
        tail: str = "",
    ) -> str | None:
        """Stream a reply through the sentence gate; None (and the reason counted) when it must not be shown."""
        assert self.checker is not None
        gate = SentenceGate(self.checker, ctx, on_token)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["text"] = self.llm.complete(
                    messages,
                    on_token=gate.feed,
                    max_tokens=self.max_tokens,
                    deadline=deadline,
                    cancel=gate.stop,
                )
            except LLMError as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="wording", daemon=True)
        worker.start()
        # The worker's request ends by the deadline too; waiting past it would only let the turn run over.
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            gate.close()
            return self._fallback("budget")
        if gate.failure:
            return self._fallback(gate.failure)
        if "error" in outcome:
            return self._fallback(outcome["error"].kind)
        reason = gate.finish(str(outcome.get("text", "")), tail)
        if reason:
            return self._fallback(reason)
        LLM_WORDED.labels(ctx.kind).inc()
        return gate.text

    def _fallback(self, reason: str) -> str | None:
        """Count why the template is used instead; None tells the caller to use it."""
        self.failures.append(reason)
        LLM_FALLBACKS.labels(reason).inc()
        return None


def turn_context(
    kind: TurnKind, target: Target, probe: str = "", candidate: str = "", topic: str = ""
) -> TurnContext:
    """What a turn about `target` is checked against (the engine's and the validator's fitting use this one)."""
    points = {k.id: k.text for k in target.key_points}
    probe_points = next(
        (tuple(points[i] for i in ids if i in points) for p, ids in target.probes if p == probe), ()
    )
    return TurnContext(
        kind=kind,
        question=target.question,
        answer_texts=(*(k.text for k in target.key_points), *target.references),
        probe=probe,
        probe_points=probe_points,
        candidate=candidate,
        instruction=task_prompt(kind, topic=topic or target.topic),
        wrong_texts=tuple(target.misconceptions),
        key_points=tuple(k.text for k in target.key_points),
    )
