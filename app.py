"""Build the app from the package and launch it (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT are honoured)."""

import os
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from interviewer.metrics import configure_logging, metrics_routes
from interviewer.services import Services
from interviewer.ui.app import CSS, build_app

if __name__ == "__main__":
    configure_logging()
    services = Services()
    services.ensure_index()
    # The page is served at once; the model and the index open meanwhile (the first answer waits if needed).
    threading.Thread(target=services.warm_up, name="warm-up", daemon=True).start()
    demo = build_app(services)
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        css=CSS,
        show_error=True,
        app_kwargs={"routes": metrics_routes(services, demo)},  # GET /metrics for Prometheus
    )
