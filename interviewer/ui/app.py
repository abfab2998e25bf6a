"""Build the Gradio app from Services (launching is app.py's job)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from .candidate import build_candidate
from .recruiter import build_recruiter

CSS = ".radar { display: block; margin: 0 auto; } #llm-status { font-size: 0.85em; opacity: 0.8; }"


def build_app(services: Any) -> gr.Blocks:
    with gr.Blocks(title="Mock interviewer: NLP, ML and LLM roles") as demo:
        gr.Markdown("## Mock interviewer for NLP, ML and LLM engineering roles")
        with gr.Tabs():
            build_candidate(services)
            build_recruiter(services)
    # Handlers run in worker threads, so grading never blocks the event loop; how many at once is a setting.
    demo.queue(
        default_concurrency_limit=services.settings.answer_concurrency, max_size=500, status_update_rate=1.0
    )
    return demo
