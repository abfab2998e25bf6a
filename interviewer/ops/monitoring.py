"""Monitoring: Prometheus metrics served at /metrics, and JSON log lines that carry the session id.

Counters and histograms live in one module-level registry (a process has one set, whichever app serves it).
Gauges that are cheaper to read than to keep in step (open sessions, review queue, Gradio's queue) are computed
when Prometheus scrapes, by a collector bound to one app's services.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector

from interviewer.llm.providers import ChatModel, Message, TokenCallback

disable_created_metrics()  # no *_created series: they double the output and nothing here reads them
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

TURN_SECONDS = Histogram(
    "interviewer_turn_seconds", "Time to handle one session action", ["action"], registry=REGISTRY,
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
GRADE_SECONDS = Histogram(
    "interviewer_grade_seconds", "Time to grade one answer", registry=REGISTRY, buckets=LATENCY_BUCKETS
)
GRADES = Counter("interviewer_grades_total", "Graded answers by level verdict", ["level"], registry=REGISTRY)
LLM_CALLS = Counter(
    "interviewer_llm_calls_total", "LLM requests by provider", ["provider"], registry=REGISTRY
)
LLM_ERRORS = Counter(
    "interviewer_llm_errors_total", "Failed LLM requests by kind", ["kind"], registry=REGISTRY
)
LLM_TOKENS = Counter(
    "interviewer_llm_tokens_total", "LLM tokens the server reported, by direction (prompt, completion)",
    ["direction"], registry=REGISTRY,
)  # fmt: skip
LLM_WORDED = Counter(
    "interviewer_llm_worded_total", "LLM-worded turns shown after passing the turn check", ["kind"],
    registry=REGISTRY,
)  # fmt: skip
LLM_FALLBACKS = Counter(
    "interviewer_llm_fallbacks_total",
    "LLM-worded turns replaced by their template, by reason (a failed check, a fault, the time budget)",
    ["reason"], registry=REGISTRY,
)  # fmt: skip
LLM_JUDGE = Counter(
    "interviewer_llm_judge_total", "LLM judge outcomes: used, failed, late (past the turn budget)", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
TURN_ERRORS = Counter(
    "interviewer_turn_errors_total", "Session actions that raised, by exception", ["kind"], registry=REGISTRY
)
REVIEWS = Counter("interviewer_review_events_total", "Review queue events", ["event"], registry=REGISTRY)

SESSION_ID: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="")
log = logging.getLogger("interviewer")


@contextmanager
def session_context(session_id: str) -> Iterator[None]:
    """Mark work as belonging to a session: log lines carry its id and the grader picks its A/B version."""
    token = SESSION_ID.set(session_id)
    try:
        yield
    finally:
        SESSION_ID.reset(token)


def count_error(exc: BaseException) -> None:
    """Count a failed session action by exception type, once per exception however many layers see it."""
    if getattr(exc, "_interviewer_counted", False):
        return
    TURN_ERRORS.labels(type(exc).__name__).inc()
    # An exception type that takes no attributes is counted each time it is seen.
    with contextlib.suppress(AttributeError):
        exc._interviewer_counted = True  # type: ignore[attr-defined]


@contextmanager
def timed(action: str) -> Iterator[None]:
    """Observe the duration of a session action; count it as an error by exception type when it raises."""
    t0 = time.perf_counter()
    try:
        yield
    except Exception as exc:
        count_error(exc)
        raise
    finally:
        TURN_SECONDS.labels(action).observe(time.perf_counter() - t0)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, session id and any `extra` fields."""

    SKIP = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "session_id": getattr(record, "session_id", "") or SESSION_ID.get(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in self.SKIP and k not in data})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the package's logs to stderr as JSON lines (once per process)."""
    if any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


class CountedLLM:
    """Wraps a chat model: counts its calls and its failures by LLMError kind; everything else passes through."""

    def __init__(self, inner: ChatModel):
        self.inner = inner
        self.name = inner.name

    def complete(
        self, messages: list[Message], *, on_token: TokenCallback | None = None, **options: Any
    ) -> str:
        from interviewer.llm.providers import LLMError

        if self.name != "none":
            LLM_CALLS.labels(self.name).inc()
        try:
            reply = self.inner.complete(messages, on_token=on_token, **options)
            for direction in ("prompt", "completion"):
                LLM_TOKENS.labels(direction).inc(getattr(reply, f"{direction}_tokens", 0) or 0)
            return reply
        except LLMError as exc:
            if self.name != "none":
                LLM_ERRORS.labels(exc.kind).inc()
                log.warning("llm error", extra={"kind": exc.kind, "provider": self.name})
            raise


class LiveGauges:
    """Gauges read at scrape time from one app: sessions by status, review queue, Gradio's request queue."""

    def __init__(self, services: Any, demo: Any = None):
        self.services = services
        self.demo = demo

    def collect(self) -> Iterator[GaugeMetricFamily]:
        g = GaugeMetricFamily("interviewer_sessions", "Sessions by status", labels=["status"])
        counts = self.services.storage.sessions_by_status()
        for status in ("active", "paused", "finished"):
            g.add_metric([status], counts.get(status, 0))
        yield g
        q = GaugeMetricFamily("interviewer_review_queue", "Review queue entries by status", labels=["status"])
        for status in ("open", "reviewed"):
            q.add_metric([status], self.services.loop.queue.size(status))
        yield q
        up = GaugeMetricFamily(
            "interviewer_index_synced", "1 when the index was reached and synced at start-up"
        )
        up.add_metric([], 0 if self.services.index_sync.error else 1)
        yield up
        cal = GaugeMetricFamily("interviewer_calibration_version", "Active calibration version")
        cal.add_metric([], self.services.loop.calibrations.active_version())
        yield cal
        queue = getattr(self.demo, "_queue", None)
        if queue is not None:
            waiting = GaugeMetricFamily(
                "interviewer_request_queue_depth", "Requests waiting in Gradio's queue"
            )
            waiting.add_metric([], len(queue))
            yield waiting
            busy = GaugeMetricFamily("interviewer_request_workers_busy", "Gradio workers running a request")
            busy.add_metric([], queue.get_active_worker_count())
            yield busy


def render(services: Any, demo: Any = None) -> bytes:
    """The Prometheus text exposition of the process metrics and this app's live gauges."""
    live = CollectorRegistry()
    live.register(LiveGauges(services, demo))
    return generate_latest(REGISTRY) + generate_latest(live)


def metrics_routes(services: Any, demo: Any = None) -> list[Any]:
    """Routes to add to the app's FastAPI instance (`launch(app_kwargs={"routes": ...})`): GET /metrics, and
    GET /ready for a load balancer's readiness probe (503 until the model and the grader are loaded)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def endpoint(_request: Request) -> Response:
        return Response(render(services, demo), media_type=CONTENT_TYPE_LATEST)

    def ready(_request: Request) -> Response:
        body = {"ready": services.ready.is_set(), "index_error": services.index_sync.error}
        if body["ready"]:  # the operator's sandbox notes (no numpy, no namespaces ...), probed during warm-up
            body["sandbox_warnings"] = services.runner.warnings
        return JSONResponse(body, status_code=200 if body["ready"] else 503)

    return [Route("/metrics", endpoint, methods=["GET"]), Route("/ready", ready, methods=["GET"])]
