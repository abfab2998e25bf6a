"""Build the Gradio app from Services (launching is app.py's job)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from gradio import routes

from interviewer.sessions.downloads import private_temp_dir
from interviewer.ui import chat_view
from interviewer.ui.candidate import build_candidate
from interviewer.ui.recruiter import build_recruiter

CSS = (
    chat_view.CSS
    + ".radar { display: block; margin: 0 auto; } #llm-status { font-size: 0.85em; opacity: 0.8; }"
)


def build_app(services: Any) -> gr.Blocks:
    # Gradio serves anything in its temp folder to whoever has the path: keep it private, under the data folder.
    private_temp_dir(services.settings.data_dir)
    with _no_throwaway_servers():
        with gr.Blocks(title="Mock interviewer: NLP, ML and LLM roles") as demo:
            gr.Markdown("## Mock interviewer for NLP, ML and LLM engineering roles")
            with gr.Tabs():
                build_candidate(services, demo)
                build_recruiter(services)
        # Handlers run in worker threads, so grading never blocks the event loop; how many at once is a setting.
        demo.queue(
            default_concurrency_limit=services.settings.answer_concurrency,
            max_size=500,
            status_update_rate=1.0,
        )
    return demo


def launch_options(services: Any, demo: gr.Blocks) -> dict[str, Any]:
    """What `launch()` needs besides the address: the page's CSS, GET /metrics and /ready, the middleware that
    removes a download once sent, and Gradio's login page when candidates sign in through it."""
    from starlette.middleware import Middleware

    from interviewer.ops.monitoring import metrics_routes
    from interviewer.sessions.downloads import RemoveAfterDownload

    options: dict[str, Any] = {
        "css": CSS,
        # Uploads land in the private temp folder on the data folder's disk; the largest labelled CSV is 5 MB.
        "max_file_size": "50mb",
        "app_kwargs": {
            "routes": metrics_routes(services, demo),
            "middleware": [Middleware(RemoveAfterDownload, downloads=services.downloads)],
        },
    }
    if services.settings.candidate_sign_in == "gradio":
        storage = services.storage
        options["auth"] = lambda user, password: storage.authenticate(user, password) is not None
        options["auth_message"] = "Sign in with the account your organiser gave you."
    return options


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
