"""The README's result tables are generated from docs/results/ (scripts/readme_tables.py): they must match the
committed files, read as they are (nothing is re-run). Run `make docs` after adding a result."""

from __future__ import annotations

import importlib.util
import re

from .helpers import ROOT


def _tables_module():
    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "scripts" / "readme_tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_tables_match_the_result_files():
    readme = (ROOT / "README.md").read_text()
    assert _tables_module().render(readme) == readme, (
        "README.md's tables differ from docs/results/: run `make docs`"
    )


def test_each_table_shows_its_file_and_an_edit_would_be_caught():
    tables = _tables_module()
    readme = (ROOT / "README.md").read_text()
    assert "| SciEntsBank 2-way, test_unseen_questions | 733 / 15 | macro_f1 | 0.752 |" in readme
    assert "| before the grader issue | 200 / 40 | 0.470" in readme
    edited = readme.replace("| 0.752 |", "| 0.799 |", 1)
    assert (
        tables.render(edited) == readme
    )  # a hand edit is put back from the file, so the check above fails on it


def test_the_readme_links_only_to_files_that_exist():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    assert links and [link for link in links if not (ROOT / link).exists()] == []


def test_every_command_in_the_readme_runs_as_written():
    """Issue 27 item 15: `interviewer ...` alone is not on the PATH after `make run`; the README says
    `.venv/bin/interviewer`, and every subcommand it names exists."""
    import contextlib
    import importlib

    from interviewer.cli.main import build_parser

    for module in ("grading_commands", "llm_commands", "loop_commands", "voice_commands"):  # as main() does
        with contextlib.suppress(ImportError):  # a command module this checkout does not have
            importlib.import_module(f"interviewer.cli.{module}")

    readme = (ROOT / "README.md").read_text()
    blocks = [line.strip() for line in readme.splitlines() if line.startswith("    ")]
    bare = [line for line in blocks if line.startswith("interviewer ")]
    assert not bare, f"commands that are not on the PATH after make run: {bare}"
    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "cmd").choices
    named = re.findall(r"\.venv/bin/interviewer ([a-z-]+)", readme)
    assert named and [name for name in named if name not in choices] == []
