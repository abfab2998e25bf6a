"""Let an LLM's streamed words through one sentence at a time, each only after it has passed the turn check.

The candidate sees the first sentence as soon as it is complete and checked, never a word that has not been
checked; the first sentence that fails stops the stream (`stop` is set, and the provider closes the request), and
the whole turn is checked once more at the end (does a follow-up ask at all, and for its probe?).
"""

from __future__ import annotations

import re
import threading

from interviewer.engine.turn_check import MAX_CHARS, TurnChecker, TurnContext
from interviewer.llm.providers import TokenCallback

_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+")


class SentenceGate:
    """Buffers streamed tokens and passes on whole, checked sentences; thread-safe (fed by the worker thread)."""

    def __init__(self, checker: TurnChecker, ctx: TurnContext, on_token: TokenCallback):
        self.checker = checker
        self.ctx = ctx
        self.on_token = on_token
        self.stop = threading.Event()
        """Set when no more words are wanted: a sentence failed, or the turn gave up waiting."""
        self.failure = ""
        self.text = ""
        self._buffer = ""
        self._shown = 0
        self._closed = False
        self._lock = threading.Lock()

    def feed(self, token: str) -> None:
        with self._lock:
            if self._closed or self.failure:
                return
            self._buffer += token
            if len(self._buffer) > MAX_CHARS:
                self._fail("too_long")
                return
            while (m := _BOUNDARY.search(self._buffer, self._shown)) is not None:
                sentence = self._buffer[self._shown : m.end()]
                shown = self._buffer[: self._shown]
                reason = self.checker.sentence_failure(sentence.strip(), self.ctx, shown)
                if reason:
                    self._fail(reason)
                    return
                self._emit(sentence)
                self._shown = m.end()

    def close(self) -> None:
        """Nothing more may be shown (the turn fell back to its template)."""
        with self._lock:
            self._closed = True
            self.stop.set()

    def finish(self, reply: str, tail: str = "") -> str:
        """Check the whole reply; when it passes, show the rest of it and `tail`. The failure reason, or ''."""
        with self._lock:
            if self._closed:
                return "budget"
            whole = (self._buffer or reply).strip()
            verdict = self.checker.check(whole, self.ctx)
            if not verdict.ok:
                self._fail(verdict.reason)
                return verdict.reason
            if not self._buffer:  # a provider that did not stream
                self._buffer = reply
            rest = self._buffer[self._shown :].rstrip()
            if rest.strip():
                self._emit(rest)
            if tail:
                self.on_token(tail)
            self.text = whole
            self._closed = True
            return ""

    def _emit(self, piece: str) -> None:
        self.on_token(piece.lstrip() if self._shown == 0 else piece)

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self.stop.set()
