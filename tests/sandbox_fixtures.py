"""Fixtures shared by the sandbox tests: a world-readable 'data folder' holding secrets, and a real runner."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from interviewer.coding.runner import CodeRunner
from interviewer.config import load_settings
from interviewer.domain.questions import CodeExample, CodingSpec

SECRET = "SECRET-ROW candidate answers"

PROBE = CodingSpec(
    function="probe",
    signature="def probe(x):",
    examples=[CodeExample(call="probe(1)", expected="1")],
    tests=[CodeExample(call="probe([])", expected="0"), CodeExample(call="probe(2)", expected="2")],
)


@pytest.fixture(scope="module")
def secret_dir():
    """A world-readable data folder, as in a source checkout: a database and a Gradio export under it."""
    folder = Path(tempfile.gettempdir()) / f"interviewer-secret-{os.getpid()}"
    export = folder / "gradio" / "3f2a9c" / "scorecard.csv"
    export.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    for path in (folder, export.parent.parent, export.parent):
        os.chmod(path, 0o755)
    for path in (folder / "interviewer.db", export):
        path.write_text(SECRET)
        os.chmod(path, 0o644)
    yield folder
    for path in (export, folder / "interviewer.db", folder / "draw-key"):
        path.unlink(missing_ok=True)  # draw-key: the random tests' seed key, made on the first run with them
    for path in (export.parent, export.parent.parent, folder):
        path.rmdir()


@pytest.fixture(scope="module")
def runner(secret_dir) -> CodeRunner:
    settings = load_settings(
        data_dir=secret_dir, sandbox_timeout_s=8, sandbox_test_timeout_s=1.5, sandbox_concurrency=2
    )
    r = CodeRunner(settings, hide=[secret_dir, Path(__file__).resolve().parent.parent])
    if not r.protections["isolated_interpreter"]:
        pytest.fail(f"{settings.sandbox_python} is missing; the sandbox needs Debian's python3")
    return r


def first(runner: CodeRunner, body: str, guard: bool = False, spec: CodingSpec = PROBE):
    """Run `body` as the body of probe(x) on the first example only; the run and that example's outcome."""
    code = "import os, socket\n\ndef probe(x):\n" + "\n".join("    " + line for line in body.splitlines())
    run = runner.run(spec, code, include_hidden=False, guard=guard)
    return run, run.tests[0]


def need_namespaces(runner: CodeRunner) -> None:
    if not runner.protections["own_file_system"]:
        pytest.skip("needs root and unshare (reported in the runner's warnings)")
