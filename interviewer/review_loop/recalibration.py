"""Calibration versions in the data folder, and recalibration from reviewed grades with a held-out check.

    data/calibrations/v0001.json ...   one file per saved version (version 0, the shipped one, is implicit)
    data/calibrations/active.json      which version grades now ({"version": N}); rolled back by rewriting it
    data/calibrations/history.json     every run, accepted or refused, with its held-out agreement

A run fits a candidate on the reviewed examples outside the held-out part (a fixed hash of each example's id
decides, so an example is held out in every run and never trains any version), then compares the active version
and the candidate on the held-out part. The candidate becomes active only when it is no worse on both score RMSE
and level accuracy and better on at least one; otherwise nothing changes and the run is recorded as refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.review_loop.calibration import Calibration, Example, agreement, fit_bars, fit_score

MIN_FIT, MIN_HOLDOUT = 8, 4


def is_held_out(example_id: str, share: float = 0.3) -> bool:
    """Whether an example belongs to the held-out part: a fixed hash of its id, the same in every run."""
    bucket = int(hashlib.sha256(example_id.encode()).hexdigest()[:8], 16) % 1000
    return bucket < share * 1000


class CalibrationStore:
    """Saved versions, the active pointer and the run history, as JSON files written atomically."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._cache: dict[int, Calibration] = {0: Calibration()}
        self._active: tuple[float, int] | None = None
        self._lock = threading.RLock()

    def _path(self, version: int) -> Path:
        return self.folder / f"v{version:04d}.json"

    def get(self, version: int) -> Calibration:
        """One saved version (0 is the shipped calibration); unknown versions raise KeyError."""
        with self._lock:
            if version not in self._cache:
                path = self._path(version)
                if not path.is_file():
                    raise KeyError(f"no calibration version {version}; `interviewer calibrations` lists them")
                self._cache[version] = Calibration(**json.loads(path.read_text()))
            return self._cache[version]

    def versions(self) -> list[Calibration]:
        found = (
            sorted(int(p.stem[1:]) for p in self.folder.glob("v[0-9]*.json")) if self.folder.is_dir() else []
        )
        return [self.get(0), *(self.get(v) for v in found)]

    def active_version(self) -> int:
        """The version that grades now; re-read when another process changed the pointer file."""
        path = self.folder / "active.json"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return 0
        if self._active is None or self._active[0] != mtime:
            self._active = (mtime, int(json.loads(path.read_text())["version"]))
        return self._active[1]

    def active(self) -> Calibration:
        return self.get(self.active_version())

    def activate(self, version: int) -> Calibration:
        cal = self.get(version)  # refuses an unknown version before touching the pointer
        self._write(self.folder / "active.json", {"version": version, "at": time.time()})
        self._active = None
        return cal

    def save(self, cal: Calibration) -> Calibration:
        """Store `cal` under the next version number (not activated)."""
        with self._lock:
            cal.version = max((c.version for c in self.versions()), default=0) + 1
            self._write(self._path(cal.version), cal.to_json())
            self._cache[cal.version] = cal
        return cal

    def history(self) -> list[dict[str, Any]]:
        path = self.folder / "history.json"
        return json.loads(path.read_text()) if path.is_file() else []

    def record(self, entry: dict[str, Any]) -> None:
        self._write(self.folder / "history.json", [*self.history(), entry])

    def _write(self, path: Path, data: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)


@dataclass
class RunResult:
    """What a recalibration run did, with the held-out agreement before (active) and after (candidate)."""

    accepted: bool
    message: str
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    version: int | None = None
    active: int = 0
    candidate: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def markdown(self) -> str:
        lines = [("**Accepted.** " if self.accepted else "**Refused.** ") + self.message]
        if self.before and self.after:
            lines += [
                "",
                f"Held-out reviewed examples: {self.after.get('n', 0)}",
                "",
                "| held-out agreement | active | candidate |",
                "|---|---|---|",
            ]
            for key in ("score_rmse", "score_mae", "level_accuracy"):
                lines.append(f"| {key} | {self.before.get(key)} | {self.after.get(key)} |")
        return "\n".join(lines)


class Recalibrator:
    """Fits a candidate version on reviewed examples; the UI button and `interviewer calibrate` both call `run`."""

    def __init__(self, store: CalibrationStore, examples: Any, rubric_bars: dict[str, float]):
        self.store = store
        self.examples = examples
        self.rubric_bars = rubric_bars

    def run(self, author: str, holdout: float = 0.3, prior_weight: float = 20.0) -> RunResult:
        rows: list[Example] = self.examples()
        test = [e for e in rows if is_held_out(e.id, holdout)]
        train = [e for e in rows if not is_held_out(e.id, holdout)]
        current = self.store.active()
        if len(train) < MIN_FIT or len(test) < MIN_HOLDOUT:
            result = RunResult(
                False,
                f"Not enough reviewed grades yet: {len(rows)} reviewed ({len(train)} to fit, {len(test)} held "
                f"out); a run needs at least {MIN_FIT} to fit and {MIN_HOLDOUT} held out. Review more grades "
                "in the queue first.",
                active=current.version,
            )
            return self._log(result, author)
        offset, slope = fit_score(
            np.array([e.raw_score for e in train]), np.array([e.human_score for e in train]), prior_weight
        )
        bars = fit_bars(train, current.bars or self.rubric_bars)
        candidate = Calibration(
            offset=offset,
            slope=slope,
            bars=None if bars == self.rubric_bars else bars,
            created=time.time(),
            author=author,
            note=f"fitted on {len(train)} reviewed grades (prior weight {prior_weight:g})",
        )
        before, after = agreement(current, test), agreement(candidate, test)
        verdict = _compare(before, after)
        if verdict:
            result = RunResult(
                False,
                f"{verdict} Version {current.version} stays active; nothing was saved.",
                before,
                after,
                active=current.version,
                candidate=candidate.to_json(),
            )
            return self._log(result, author)
        candidate.metrics = {"held_out_before": before, "held_out_after": after, "parent": current.version}
        saved = self.store.save(candidate)
        self.store.activate(saved.version)
        result = RunResult(
            True,
            f"Version {saved.version} is active (score = {offset:+.2f} + {slope:.2f} x raw; level bars "
            f"{saved.bars or 'unchanged'}); roll back to version {current.version} at any time.",
            before,
            after,
            version=saved.version,
            active=saved.version,
            candidate=saved.to_json(),
        )
        return self._log(result, author)

    def rollback(self, version: int, author: str) -> str:
        """Make an earlier (or any saved) version active again; recorded in the history."""
        previous = self.store.active_version()
        try:
            self.store.activate(version)
        except KeyError as exc:
            return f"Not changed: {exc.args[0]}."
        self.store.record(
            {"at": time.time(), "author": author, "status": "rollback", "version": version, "from": previous}
        )
        return f"Version {version} is active again (was {previous})."

    def _log(self, result: RunResult, author: str) -> RunResult:
        self.store.record(
            {
                "at": time.time(),
                "author": author,
                "status": "accepted" if result.accepted else "refused",
                "version": result.version,
                "active_before": result.active if not result.accepted else None,
                "before": result.before,
                "after": result.after,
                "message": result.message,
            }
        )
        return result


def _compare(before: dict[str, float], after: dict[str, float]) -> str:
    """Why the candidate may not replace the active version ('' when it may)."""
    worse = []
    if after["score_rmse"] > before["score_rmse"]:
        worse.append(f"score RMSE rises from {before['score_rmse']} to {after['score_rmse']}")
    if after["level_accuracy"] < before["level_accuracy"]:
        worse.append(f"level accuracy falls from {before['level_accuracy']} to {after['level_accuracy']}")
    if worse:
        return "Held-out agreement would get worse: " + "; ".join(worse) + "."
    if after["score_rmse"] == before["score_rmse"] and after["level_accuracy"] == before["level_accuracy"]:
        return "The candidate agrees with the held-out reviews no better than the active version."
    return ""
