"""The recruiter's editor, without any UI: open a file of the live corpus or rubrics (or one question of it),
validate an edit on a copy, write it atomically, record it as a version numbered within its file, re-index, diff
and roll back.

Edits land in the live copy (corpus/live.py), never in the shipped folders of the git checkout; the database keeps
the versions, never a second live copy.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from interviewer.corpus.live import write_atomic
from interviewer.corpus.loader import CorpusError, load_corpus
from interviewer.review_loop.file_items import item_text, items, replace_item


class FileEditor:
    def __init__(self, services: Any):
        self.services = services
        self.settings = services.settings

    def _roots(self) -> dict[str, Path]:
        corpus, rubrics = self.services.live.folders()
        return {"corpus": Path(corpus), "rubrics": Path(rubrics)}

    def editable_files(self) -> list[str]:
        out = []
        for name, root in self._roots().items():
            out += [f"{name}/{p.relative_to(root)}" for p in sorted(root.rglob("*.yaml"))]
        return out

    def resolve(self, rel: str) -> Path:
        """The real path of an editable file; anything outside the live corpus and rubric folders is refused."""
        head, _, rest = (rel or "").partition("/")
        root = self._roots().get(head)
        if root is None or not rest:
            raise ValueError(f"{rel!r} is not a corpus or rubric file")
        path = (root / rest).resolve()
        if root.resolve() not in path.parents or path.suffix not in (".yaml", ".yml"):
            raise ValueError(f"{rel!r} is outside the corpus and rubric folders")
        return path

    def read(self, rel: str) -> str:
        return self.resolve(rel).read_text(encoding="utf-8")

    # -- one item at a time -----------------------------------------------------------------------------------

    def item_choices(self, rel: str) -> list[tuple[str, str]]:
        """(label, key) of each question, term or track of a list file; [] for a file edited whole."""
        return [(it.label, it.key) for it in items(self.read(rel))]

    def open(self, rel: str, key: str | None = None) -> str:
        """One item's text when `key` names one, else the whole file."""
        content = self.read(rel)
        return item_text(content, key) if key else content

    def save_item(self, rel: str, key: str | None, edited: str, author: str) -> str:
        """Put one edited item back into its file (the rest unchanged), then save the file like any edit."""
        if not key:
            return self.save(rel, edited, author)
        try:
            content = replace_item(self.read(rel), key, edited)
        except ValueError as exc:
            return f"**Not saved.** {exc}"
        return self.save(rel, content, author, note=f"edit {key}")

    # -- whole files ------------------------------------------------------------------------------------------

    def validate(self, rel: str, content: str) -> list[str]:
        """Problems the corpus would have with `content` in place of `rel` (checked on a copy)."""
        self.resolve(rel)
        with tempfile.TemporaryDirectory() as tmp:
            copies = {}
            for name, root in self._roots().items():
                copies[name] = Path(tmp) / name
                shutil.copytree(root, copies[name])
            head, _, rest = rel.partition("/")
            (copies[head] / rest).write_text(content, encoding="utf-8")
            try:
                corpus = load_corpus(copies["corpus"], copies["rubrics"])
            except CorpusError as exc:
                return [p.replace(str(copies[head]), head) for p in exc.problems]
            from interviewer.coding.checks import coding_problems
            from interviewer.search.duplicates import near_duplicates

            dupes = near_duplicates(corpus, self.services.embedder)
            problems = [f"questions {a} and {b} are near-duplicates (cosine {c})" for a, b, c in dupes]
            return problems + coding_problems(corpus, self.services.corpus, self.services.runner)

    def save(self, rel: str, content: str, author: str, note: str = "") -> str:
        if not self.services.live.writable:
            return f"**Not saved.** The live folder {self.services.live.root} cannot be written; see the log."
        path = self.resolve(rel)
        # A second click, or a save with nothing edited: no new version, and no full validation to wait for.
        if path.is_file() and content == path.read_text(encoding="utf-8"):
            return f"Nothing to save: {rel} is already as shown."
        problems = self.validate(rel, content)
        if problems:
            return "**Not saved.** Fix these first:\n\n" + "\n".join(f"- `{p}`" for p in problems)
        storage = self.services.storage
        if not storage.file_versions(rel):  # keep the file as it was, so it can be rolled back to
            storage.add_file_version(rel, path.read_text(encoding="utf-8"), "shipped", "original")
        write_atomic(path, content)
        version = storage.add_file_version(rel, content, author, note or "save")
        storage.log(author, "save", f"{rel} v{version}")
        return f"Saved {rel} as version {version}; {self._reindex()}."

    def rollback(self, rel: str, version: int, author: str) -> str:
        rows = {r["number"]: r for r in self.services.storage.file_versions(rel)}
        if version not in rows:
            return f"No version {version} of {rel}."
        return self.save(rel, rows[version]["content"], author, note=f"roll back to version {version}")

    def diff(self, rel: str, version: int) -> str:
        rows = {r["number"]: r for r in self.services.storage.file_versions(rel)}
        if version not in rows:
            return f"No version {version} of {rel}."
        old, new = rows[version]["content"].splitlines(), self.read(rel).splitlines()
        return (
            "\n".join(difflib.unified_diff(old, new, f"version {version}", "current", lineterm=""))
            or "(identical)"
        )

    def version_choices(self, rel: str) -> list[tuple[str, int]]:
        return [
            (
                f"v{r['number']} by {r['author']} at {time.strftime('%Y-%m-%d %H:%M', time.localtime(r['at']))}"
                f" ({r['note'] or 'save'})",
                r["number"],
            )
            for r in self.services.storage.file_versions(rel)
        ]

    def _reindex(self) -> str:
        self.services.reload_corpus()
        stats = self.services.index_sync.ensure_or_retry(progress=False)
        if stats is None:  # the file is saved and in use; only the search index lags behind
            return "the index cannot be reached now and is re-synced automatically once it is back"
        return "index updated (" + ", ".join(f"{k} {v}" for k, v in stats.items() if v) + ")"
