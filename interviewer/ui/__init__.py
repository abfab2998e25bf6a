"""The Gradio app. Every module here imports Gradio, so the package makes that import cheap first."""

from interviewer.ui.gradio_import import skip_stub_writer

skip_stub_writer()
