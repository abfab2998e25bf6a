"""Importing the UI package makes Gradio skip its type-stub writer, and nothing else changes."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import interviewer.ui
import gradio as gr
import gradio.blocks_events as be
import gradio.component_meta as cm
from interviewer.ui.gradio_import import _SkipStubWriter, skip_stub_writer
assert cm.create_or_modify_pyi.__name__ == "_no_stubs", cm.create_or_modify_pyi
assert be.create_or_modify_pyi is cm.create_or_modify_pyi
assert not any(isinstance(f, _SkipStubWriter) for f in sys.meta_path), "the finder removes itself"
assert skip_stub_writer() is False, "nothing to do once Gradio is imported"
with gr.Blocks() as demo:
    box = gr.Textbox()
    out = gr.Markdown()
    box.submit(lambda s: s.upper(), box, out)
assert callable(gr.Textbox.submit) and len(demo.fns) == 1
print("ok")
"""


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_ui_package_skips_the_stub_writer_and_gradio_still_works():
    assert run(CHECK).strip() == "ok"


def test_gradio_imported_first_is_left_alone():
    out = run(
        "import gradio.component_meta as cm\nimport interviewer.ui\nprint(cm.create_or_modify_pyi.__name__)"
    )
    assert out.strip() == "create_or_modify_pyi"
