"""Build the app from the package and launch it (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT are honoured)."""

import importlib.util
import os
import sys
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio summarises its queue's recent events (a pandas DataFrame, up to 10,000 rows) after every event by default:
# 4.4 ms an event at 500 recorded events and 12.7 ms at 10,000, most of it holding the GIL. Nothing here reads the
# summary, so it is refreshed every 1,000 events over the last 2,000.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "2000")

from interviewer.ops.memory import limit_malloc_arenas
from interviewer.ops.monitoring import configure_logging
from interviewer.services import Services
from interviewer.sessions.voice_service import prepare_voice
from interviewer.ui.app import build_app, launch_options

if __name__ == "__main__":
    limit_malloc_arenas()  # before the worker threads start allocating
    if importlib.util.find_spec("matplotlib") is None:
        # Gradio tries `import matplotlib` twice for every event; a failed import is not remembered, so each try
        # searched sys.path again on the event loop (about 1 ms a turn under load). Marking it absent is what
        # not having it installed means anyway.
        sys.modules["matplotlib"] = None  # type: ignore[assignment]
    configure_logging()
    services = Services()
    services.index_sync.ensure_or_retry()  # a Chroma server that is down is reported and retried, not fatal
    demo = build_app(services)
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        show_error=True,
        prevent_thread_lock=True,
        **launch_options(services, demo),  # CSS, GET /metrics and /ready, one-shot downloads, optional login
    )
    # The page is served first; the model, the index and the corpus's encodings load meanwhile (an answer that
    # arrives before they are ready waits for them). Then expired sessions and old downloads are cleaned up, and
    # Whisper's files are joined and checked (the model itself loads on the first voice answer).
    threading.Thread(
        target=lambda: (
            services.warm_up(),
            services.profiles.sweep(),
            prepare_voice(services.settings.data_dir),
        ),
        name="warm-up",
        daemon=True,
    ).start()
    demo.block_thread()
