"""What this machine lets the sandbox do: the protections it can apply and the libraries it can offer."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from interviewer.coding.sandbox import MINIMAL_ENV, UNSHARE
from interviewer.config import Settings
from interviewer.domain.questions import CodingSpec

LIBRARIES = ("numpy", "pandas", "dateutil", "pytz", "six")
NOTES = {
    "isolated_interpreter": "the sandbox Python {python} is missing: code cannot run",
    "unprivileged_user": "not running as root, so code runs as this same user (no uid switch, and "
    "RLIMIT_NPROC counts all of this user's processes)",
    "no_network": "no namespaces (unshare --net --mount --pid unavailable): code could reach the network",
    "own_file_system": "no private root: code sees the host's files, /tmp included, as this user can",
    "own_process_table": "no PID namespace: code can see other processes",
    "hidden_app_files": "the app's files are protected only by file permissions",
    "private_folder": "the run folder is readable by other runs of the same user",
    "numpy_available": "the sandbox Python has no numpy: questions that allow numpy cannot run "
    "(install Debian's python3-numpy)",
    "pandas_available": "the sandbox Python has no pandas: questions that use pandas cannot run "
    "(install Debian's python3-pandas)",
}
"""What the operator is told when a protection is missing (start-up log, /ready, strict refusals)."""


def probe_protections(settings: Settings, libraries: dict[str, str]) -> dict[str, bool]:
    """Which protections this machine can apply: a uid switch needs root, the namespaces need unshare too."""
    python = Path(settings.sandbox_python)
    root = os.geteuid() == 0
    unshare = shutil.which("unshare")
    ns = False
    if unshare and root:
        probe = subprocess.run(
            [unshare, *UNSHARE, "true"], capture_output=True, env=MINIMAL_ENV, timeout=10, check=False
        )
        ns = probe.returncode == 0
    return {
        "separate_process": True,
        "isolated_interpreter": python.is_file() and os.access(python, os.X_OK),
        "unprivileged_user": root,
        "no_network": ns,
        "own_file_system": ns,
        "own_process_table": ns,
        "private_folder": ns or root,
        "hidden_app_files": ns,
        "rlimits": True,
        "numpy_available": "numpy" in libraries,
        "pandas_available": "pandas" in libraries,
    }


def find_libraries(settings: Settings) -> dict[str, str]:
    """Where the sandbox Python finds numpy, pandas and pandas's own imports (Debian's packages): name ->
    package folder or module file; offered only to questions with `allow_numpy`."""
    script = (
        "import importlib, os\n"
        f"for name in {LIBRARIES!r}:\n"
        "    try: m = importlib.import_module(name)\n"
        "    except Exception: continue\n"
        "    f = m.__file__\n"
        "    print(name, os.path.dirname(f) if f.endswith('__init__.py') else f)\n"
    )
    try:
        out = subprocess.run(
            [str(settings.sandbox_python), "-I", "-c", script],
            capture_output=True,
            text=True,
            env=MINIMAL_ENV,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    if settings.sandbox_numpy_dir:
        found.pop("numpy", None)
        if Path(settings.sandbox_numpy_dir).is_dir():
            found["numpy"] = str(settings.sandbox_numpy_dir)
    if "pandas" in found and not all(dep in found for dep in LIBRARIES):
        found.pop("pandas")  # without its own imports pandas would not load
    return found


def preload(spec: CodingSpec) -> list[str]:
    """The libraries a question's processes import before any code runs: numpy, and pandas when its solution,
    generator or tests use it."""
    if not spec.allow_numpy:
        return []
    calls = [t.call for t in [*spec.examples, *spec.tests]]
    text = " ".join([spec.solution, spec.starter, spec.generator, *calls])
    return ["numpy", "pandas"] if re.search(r"\bpandas\b", text) else ["numpy"]


def app_folders(settings: Settings) -> list[Path]:
    """The folders candidate code must never see: the app's data, corpus and code, and the home folders."""
    from interviewer.config import ROOT

    hide = [
        settings.data_dir,
        settings.corpus_dir,
        settings.rubrics_dir,
        settings.live_folder,  # the live corpus copy, when it is configured outside the data folder
        ROOT / "interviewer",
        Path("/root"),
        Path("/home"),
    ]
    if (ROOT / "pyproject.toml").exists():  # a source checkout: its .venv, .env and data live here too
        hide.append(ROOT)
    return hide
