"""What recruiters do, without any UI: edit files with versions, check the grader on labelled data, analyse items.

The files in corpus/ and rubrics/ stay the source of truth: a save validates a copy, writes the file atomically,
records the version (content, author, time) and re-indexes; the database never holds a second live copy.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.corpus.loader import CorpusError, load_corpus


class Workspace:
    def __init__(self, services: Any):
        self.services = services
        self.settings = services.settings

    # -- files ------------------------------------------------------------------------------------------------

    def _roots(self) -> dict[str, Path]:
        return {"corpus": Path(self.settings.corpus_dir), "rubrics": Path(self.settings.rubrics_dir)}

    def editable_files(self) -> list[str]:
        out = []
        for name, root in self._roots().items():
            out += [f"{name}/{p.relative_to(root)}" for p in sorted(root.rglob("*.yaml"))]
        return out

    def resolve(self, rel: str) -> Path:
        """The real path of an editable file; anything outside corpus/ and rubrics/ is refused."""
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

    def validate(self, rel: str, content: str) -> list[str]:
        """Problems the corpus would have with `content` in place of `rel` (checked on a copy)."""
        target = self.resolve(rel)
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
            del target
            problems = [f"questions {a} and {b} are near-duplicates (cosine {c})" for a, b, c in dupes]
            return problems + coding_problems(corpus, self.services.corpus, self.services.runner)

    def save(self, rel: str, content: str, author: str, note: str = "") -> str:
        problems = self.validate(rel, content)
        if problems:
            return "**Not saved.** Fix these first:\n\n" + "\n".join(f"- `{p}`" for p in problems)
        path = self.resolve(rel)
        if not self.services.storage.file_versions(
            rel
        ):  # keep the file as it was, so it can be rolled back to
            self.services.storage.add_file_version(
                rel, path.read_text(encoding="utf-8"), "repository", "original"
            )
        self._write_atomic(path, content)
        version = self.services.storage.add_file_version(rel, content, author, note or "save")
        self.services.storage.log(author, "save", f"{rel} v{version}")
        return f"Saved {rel} as version {version}; {self._reindex()}."

    def rollback(self, rel: str, version: int, author: str) -> str:
        rows = {r["id"]: r for r in self.services.storage.file_versions(rel)}
        if version not in rows:
            return f"No version {version} of {rel}."
        return self.save(rel, rows[version]["content"], author, note=f"roll back to version {version}")

    def diff(self, rel: str, version: int) -> str:
        rows = {r["id"]: r for r in self.services.storage.file_versions(rel)}
        if version not in rows:
            return f"No version {version} of {rel}."
        old, new = rows[version]["content"].splitlines(), self.read(rel).splitlines()
        return (
            "\n".join(difflib.unified_diff(old, new, f"version {version}", "current", lineterm=""))
            or "(identical)"
        )

    def version_choices(self, rel: str) -> list[tuple[str, int]]:
        import time

        return [
            (
                f"v{r['id']} by {r['author']} at {time.strftime('%Y-%m-%d %H:%M', time.localtime(r['at']))}"
                f" ({r['note'] or 'save'})",
                r["id"],
            )
            for r in self.services.storage.file_versions(rel)
        ]

    @staticmethod
    def _write_atomic(path: Path, content: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _reindex(self) -> str:
        self.services.reload_corpus()
        stats = self.services.index_sync.ensure_or_retry(progress=False)
        if stats is None:  # the file is saved and in use; only the search index lags behind
            return "the index cannot be reached now and is re-synced automatically once it is back"
        return "index updated (" + ", ".join(f"{k} {v}" for k, v in stats.items() if v) + ")"

    # -- calibration ------------------------------------------------------------------------------------------

    def calibrate(self, csv_path: str, author: str) -> str:
        from interviewer.evaluation.asag import EvalError, evaluate, grader_scorer, read_rows

        try:
            rows = read_rows(Path(csv_path))
            has_test = any(r.split != "train" for r in rows)
            result = evaluate(
                Path(csv_path),
                grader_scorer(self.services),
                None if has_test else "train",
                self.services.score_model.cuts,
                resamples=200,
            )
        except EvalError as exc:
            return f"**Cannot use this file:** {exc}"
        self.services.storage.add_calibration_run(author, Path(csv_path).name, result)
        self.services.storage.log(author, "calibration", Path(csv_path).name)
        lines = [
            f"**{result['n']} answers, {result['questions']} questions**",
            "",
            "| metric | value | 95% interval |",
            "|---|---|---|",
        ]
        for k in ("pearson", "spearman", "qwk", "rmse", "macro_f1"):
            if k in result:
                lines.append(f"| {k} | {result[k]} | {result.get(k + '_ci', '')} |")
        if "confusion" in result:
            labels = result["labels"]
            lines += [
                "",
                "Confusion matrix (rows: human label, columns: grader):",
                "",
                "| | " + " | ".join(labels) + " |",
                "|---" * (len(labels) + 1) + "|",
            ]
            for lab, row in zip(labels, result["confusion"], strict=True):
                lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
        if "label_cuts" in result:
            shipped = self.services.score_model.cuts.get(f"{len(result.get('labels', [])) or 2}way")
            lines += [
                "",
                f"Suggested score thresholds for these labels: {result['label_cuts']} "
                f"(fitted on {result['label_cuts_from']}; shipped: {shipped}).",
            ]
        return "\n".join(lines)

    # -- item analysis ----------------------------------------------------------------------------------------

    def item_analysis(self) -> list[list[Any]]:
        """Per question, over consenting sessions: answers, mean, spread, skip rate, discrimination.

        Discrimination is the correlation between the item's score and the rest of the session's score: high when
        the question separates strong from weak candidates.
        """
        rows = self.services.storage.item_rows(consenting_only=True)
        by_session: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            by_session[r["session_id"]].append(r["score"])
        per_q: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            per_q[self.services.corpus.resolve(r["question_id"])].append(r)  # a merged question's rows join
        out = []
        for qid, rs in sorted(per_q.items()):
            scores = np.array([r["score"] for r in rs])
            rest = np.array(
                [
                    (sum(by_session[r["session_id"]]) - r["score"])
                    / max(1, len(by_session[r["session_id"]]) - 1)
                    for r in rs
                ]
            )
            disc = (
                float(np.corrcoef(scores, rest)[0, 1])
                if len(rs) >= 3 and scores.std() and rest.std()
                else float("nan")
            )
            out.append(
                [
                    qid,
                    len(rs),
                    round(float(scores.mean()), 2),
                    round(float(scores.std()), 2),
                    round(float(np.mean([r["skipped"] for r in rs])), 2),
                    "" if np.isnan(disc) else round(disc, 2),
                ]
            )
        return out
