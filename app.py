"""Build the app from the package and launch it (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT are honoured)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from interviewer.services import Services
from interviewer.ui.app import CSS, build_app

if __name__ == "__main__":
    services = Services()
    services.ensure_index()
    build_app(services).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        css=CSS,
        show_error=True,
    )
