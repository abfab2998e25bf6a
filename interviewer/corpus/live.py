"""The deployment's live copy of corpus/ and rubrics/: the folders the app reads and the recruiter editor writes.

The shipped folders (in the git checkout or the installed package) are the defaults and are never written. The
live copy is seeded from them, and each start-up brings it up to date file by file: a file nobody edited follows
the shipped one (an upgrade reaches it), a file a recruiter edited keeps the edit (and the log says when the
shipped file changed underneath it). `.shipped.json` in the live folder remembers what each copy was seeded from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

MANIFEST = ".shipped.json"
SUFFIXES = (".yaml", ".yml", ".md")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file so that a reader sees the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class LiveCopy:
    """Shipped corpus and rubric folders, and the live copy of them under `root` (root/corpus, root/rubrics)."""

    def __init__(self, shipped_corpus: Path, shipped_rubrics: Path, root: Path):
        self.shipped = {"corpus": Path(shipped_corpus), "rubrics": Path(shipped_rubrics)}
        self.root = Path(root)
        self.writable = True
        """False when the live folder could not be written: the app then reads the shipped folders."""

    def live(self, name: str) -> Path:
        return self.root / name

    def folders(self) -> tuple[Path, Path]:
        """The corpus and rubric folders to read, after bringing the live copy up to date."""
        try:
            self.sync()
        except OSError as exc:
            self.writable = False
            log.warning(
                "cannot write the live corpus folder %s (%s): serving the shipped files, and the recruiter"
                " editor cannot save; make the folder writable or set INTERVIEWER_LIVE_DIR",
                self.root,
                exc,
            )
            return self.shipped["corpus"], self.shipped["rubrics"]
        self.writable = True
        return self.live("corpus"), self.live("rubrics")

    def _manifest(self) -> dict[str, str]:
        try:
            return dict(json.loads((self.root / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def sync(self) -> dict[str, list[str]]:
        """Copy new and unedited shipped files into the live folder; drop unedited files the shipped set dropped."""
        seeded = self._manifest()
        done: dict[str, list[str]] = {"copied": [], "kept_edit": [], "removed": []}
        shipped_now: dict[str, str] = {}
        for name, folder in self.shipped.items():
            for path in sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
                rel = f"{name}/{path.relative_to(folder)}"
                shipped_now[rel] = sha = _sha(path)
                target = self.root / rel
                if not target.exists():
                    write_atomic(target, path.read_bytes())
                    done["copied"].append(rel)
                elif rel in seeded and seeded[rel] != sha:
                    if _sha(target) == seeded[rel]:  # nobody edited it: follow the shipped file
                        write_atomic(target, path.read_bytes())
                        done["copied"].append(rel)
                    else:
                        done["kept_edit"].append(rel)
                        log.warning(
                            "%s changed in the shipped files but was edited here: the edit is kept", rel
                        )
                        sha = seeded[rel]  # keep warning until the edit is reconciled or rolled back
                elif rel not in seeded and _sha(target) != sha:
                    sha = "edited-before-the-manifest"
                shipped_now[rel] = sha
        for rel, sha in seeded.items():
            target = self.root / rel
            if rel not in shipped_now and target.exists() and _sha(target) == sha:
                target.unlink()
                done["removed"].append(rel)
        if shipped_now != seeded:
            write_atomic(self.root / MANIFEST, json.dumps(shipped_now, indent=0, sort_keys=True))
        return done

    def edited(self, rel: str) -> bool:
        """Whether the live copy of `rel` differs from the shipped file."""
        name, _, rest = rel.partition("/")
        shipped, live = self.shipped[name] / rest, self.root / rel
        return not shipped.exists() or not live.exists() or _sha(shipped) != _sha(live)

    def shipped_text(self, rel: str) -> str | None:
        name, _, rest = rel.partition("/")
        path = self.shipped[name] / rest
        return path.read_text(encoding="utf-8") if path.exists() else None

    def explain(self, problems: list[str]) -> list[str]:
        """Point validation problems in unedited live files at the shipped file a developer would fix."""
        out = []
        for problem in problems:
            for name, folder in self.shipped.items():
                live = str(self.live(name))
                if live in problem:
                    rel = problem.split(live, 1)[1].lstrip("/").split(":", 1)[0]
                    if not self.edited(f"{name}/{rel}"):
                        problem = problem.replace(live, str(folder))
            out.append(problem)
        return out
