"""Build the Gradio app from Services (launching is app.py's job)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from gradio import routes

from .candidate import build_candidate
from .recruiter import build_recruiter

CSS = ".radar { display: block; margin: 0 auto; } #llm-status { font-size: 0.85em; opacity: 0.8; }"


def build_app(services: Any) -> gr.Blocks:
    with _no_throwaway_servers():
        with gr.Blocks(title="Mock interviewer: NLP, ML and LLM roles") as demo:
            gr.Markdown("## Mock interviewer for NLP, ML and LLM engineering roles")
            with gr.Tabs():
                build_candidate(services)
                build_recruiter(services)
        # Handlers run in worker threads, so grading never blocks the event loop; how many at once is a setting.
        demo.queue(
            default_concurrency_limit=services.settings.answer_concurrency,
            max_size=500,
            status_update_rate=1.0,
        )
    return demo


@contextmanager
def _no_throwaway_servers() -> Iterator[None]:
    """Skip the server apps Gradio builds while the page is defined; `launch()` builds the one it serves.

    Gradio 6 builds its FastAPI app (about 80 routes, each with pydantic adapters) in `Blocks()`, again at the end
    of the with-block and again in `queue()`, and each replaces the last; `launch()` then builds its own. Skipping
    those three took `build_app` from 0.33 to 0.08 s (median of six, 2 cores). Nothing reads them in between.
    """
    real = routes.App.__dict__["create_app"]
    routes.App.create_app = staticmethod(lambda *args, **kwargs: None)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        routes.App.create_app = real  # type: ignore[method-assign]
