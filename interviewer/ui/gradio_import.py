"""Import Gradio without its type-stub writer, which is most of what `import gradio` costs.

Gradio 6 regenerates its own `.pyi` stubs while it is being imported: for each of its ~80 component classes it reads
the class's source file, parses the whole file with `ast`, compiles a Jinja template, renders a stub and compares
it with the `.pyi` file beside it in site-packages (`gradio.component_meta.create_or_modify_pyi`). That is for
editors and type checkers working on Gradio itself; nothing at run time reads the stubs. Skipping it took
`import gradio` from 2.9-4.2 s to 1.4-1.8 s here (three alternating runs each, 2 cores), most of the app's cold start.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_TARGET = "gradio.component_meta"


def _no_stubs(*args: Any, **kwargs: Any) -> None:
    return None


class _SkipStubWriter(importlib.abc.MetaPathFinder):
    """Finds `gradio.component_meta` as usual, then swaps its stub writer out right after the module has run."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        if self in sys.meta_path:  # one module, once
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec else None
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if hasattr(module, "create_or_modify_pyi"):  # a later Gradio without it is left as it is
                module.create_or_modify_pyi = _no_stubs  # type: ignore[attr-defined]

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def skip_stub_writer() -> bool:
    """Install the finder if Gradio is not imported yet; True if it was installed."""
    if _TARGET in sys.modules or any(isinstance(f, _SkipStubWriter) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _SkipStubWriter())
    return True
