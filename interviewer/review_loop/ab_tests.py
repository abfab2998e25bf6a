"""A/B tests of calibration versions on a share of new sessions, with a report and a promotion step.

A session joins at start, by a hash of the experiment and session ids: below share/2 it is arm A, below share it
is arm B, otherwise it keeps the active version. The arm is stored with the session, so every process grades it
with the same version. The report compares the arms on the answers they graded (Mann-Whitney U), completion
(two-proportion z-test) and agreement with reviewed grades: every reviewed answer of the experiment is scored by
both versions (a version is a fixed correction of the raw grade), so the errors are paired (Wilcoxon signed-rank).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import numpy as np
from sqlalchemy import insert, select, update

from interviewer.review_loop.recalibration import CalibrationStore
from interviewer.storage.schema import ab_assignments, ab_experiments, labelled_examples, review_items
from interviewer.storage.store import Storage, grades, sessions

ALPHA = 0.05


def bucket(experiment_id: str, session_id: str) -> float:
    """A number in [0, 1) fixed by the two ids."""
    digest = hashlib.sha256(f"{experiment_id}:{session_id}".encode()).hexdigest()
    return int(digest[:12], 16) / 16**12


def two_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the z-test that two proportions are equal (1.0 when it cannot be computed)."""
    from scipy import stats  # imported here: it adds over a second to the app's start-up

    if not n1 or not n2:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs((k1 / n1 - k2 / n2) / se)))


class ABTests:
    def __init__(self, storage: Storage, store: CalibrationStore):
        self.storage = storage
        self.store = store
        self._versions: dict[str, int | None] = {}

    def start(self, name: str, version_a: int, version_b: int, share: float, author: str) -> str:
        """Start an experiment (one runs at a time); returns its id."""
        for v in (version_a, version_b):
            self.store.get(v)  # KeyError with a hint for an unknown version
        if version_a == version_b:
            raise ValueError("pick two different versions")
        if not 0 < share <= 1:
            raise ValueError("the share of new sessions must be above 0 and at most 1")
        if self.running():
            raise ValueError("an experiment is already running; promote a winner or stop it first")
        eid = uuid.uuid4().hex[:12]
        with self.storage.tx() as conn:
            conn.execute(
                insert(ab_experiments).values(
                    id=eid,
                    name=(name or f"v{version_a} vs v{version_b}")[:120],
                    version_a=version_a,
                    version_b=version_b,
                    share=share,
                    status="running",
                    author=author,
                    created=time.time(),
                )
            )
        self.storage.log(author, "ab_start", f"{eid}: v{version_a} vs v{version_b}, share {share}")
        return eid

    def running(self) -> dict[str, Any] | None:
        with self.storage.engine.connect() as conn:
            q = select(ab_experiments).where(ab_experiments.c.status == "running")
            row = conn.execute(q).mappings().first()
        return dict(row) if row else None

    def experiments(self) -> list[dict[str, Any]]:
        with self.storage.engine.connect() as conn:
            q = select(ab_experiments).order_by(ab_experiments.c.created.desc())
            return [dict(r) for r in conn.execute(q).mappings()]

    def assign(self, session_id: str) -> str | None:
        """Put a new (already saved) session into an arm of the running experiment, or leave it out."""
        exp = self.running()
        if exp is None:
            return None
        u = bucket(exp["id"], session_id)
        if u >= exp["share"]:
            return None
        arm = "A" if u < exp["share"] / 2 else "B"
        version = exp["version_a"] if arm == "A" else exp["version_b"]
        with self.storage.tx() as conn:
            conn.execute(
                insert(ab_assignments).values(
                    session_id=session_id, experiment_id=exp["id"], arm=arm, version=version, at=time.time()
                )
            )
        self._versions[session_id] = version
        return arm

    def version_for(self, session_id: str) -> int | None:
        """The calibration version an assigned session is graded with (None: the active one)."""
        if session_id not in self._versions:
            if len(self._versions) > 50_000:  # a long-running server: forget old sessions, they are re-read
                self._versions.clear()
            with self.storage.engine.connect() as conn:
                q = select(ab_assignments.c.version).where(ab_assignments.c.session_id == session_id)
                self._versions[session_id] = conn.execute(q).scalar()
        return self._versions[session_id]

    def stop(self, experiment_id: str, author: str, winner: str | None = None) -> None:
        with self.storage.tx() as conn:
            conn.execute(
                update(ab_experiments)
                .where(ab_experiments.c.id == experiment_id)
                .values(status="promoted" if winner else "stopped", ended=time.time(), winner=winner)
            )
        self._versions.clear()
        self.storage.log(author, "ab_stop", f"{experiment_id} winner {winner}")

    def promote(self, experiment_id: str, arm: str, author: str) -> str:
        """Make the version of `arm` the active calibration and end the experiment."""
        exp = self._get(experiment_id)
        if arm not in ("A", "B"):
            raise ValueError("the winner is arm A or arm B")
        version = exp["version_a"] if arm == "A" else exp["version_b"]
        self.store.activate(version)
        self.store.record(
            {
                "at": time.time(),
                "author": author,
                "status": "promoted",
                "version": version,
                "experiment": exp["id"],
            }
        )
        self.stop(experiment_id, author, winner=arm)
        return f"Arm {arm} (version {version}) is now the active calibration; experiment {exp['id']} ended."

    def _get(self, experiment_id: str) -> dict[str, Any]:
        with self.storage.engine.connect() as conn:
            row = (
                conn.execute(select(ab_experiments).where(ab_experiments.c.id == experiment_id))
                .mappings()
                .first()
            )
        if row is None:
            raise ValueError(f"no experiment {experiment_id!r}")
        return dict(row)

    def report(self, experiment_id: str) -> dict[str, Any]:
        """Per arm: sessions, completion, score distribution, agreement with reviews; tests between the arms."""
        from scipy import stats  # imported here: it adds over a second to the app's start-up

        exp = self._get(experiment_id)
        with self.storage.engine.connect() as conn:
            members = conn.execute(
                select(ab_assignments.c.session_id, ab_assignments.c.arm, sessions.c.status)
                .join(sessions, sessions.c.id == ab_assignments.c.session_id)
                .where(ab_assignments.c.experiment_id == experiment_id)
            ).all()
            ids = [m.session_id for m in members]
            graded = conn.execute(
                select(grades.c.session_id, grades.c.score, grades.c.level).where(
                    grades.c.session_id.in_(ids), grades.c.skipped.is_(False)
                )
            ).all()
            reviewed = (
                conn.execute(
                    select(labelled_examples)
                    .join(review_items, review_items.c.id == labelled_examples.c.review_id)
                    .where(review_items.c.session_id.in_(ids))
                )
                .mappings()
                .all()
            )
        arm_of = {m.session_id: m.arm for m in members}
        arms: dict[str, dict[str, Any]] = {}
        scores: dict[str, list[float]] = {"A": [], "B": []}
        for arm in ("A", "B"):
            mine = [m for m in members if m.arm == arm]
            rows = [g for g in graded if arm_of[g.session_id] == arm]
            scores[arm] = [float(g.score) for g in rows]
            levels = {lv: sum(g.level == lv for g in rows) for lv in ("none", "junior", "mid", "senior")}
            finished = sum(m.status == "finished" for m in mine)
            arms[arm] = {
                "version": exp[f"version_{arm.lower()}"],
                "sessions": len(mine),
                "finished": finished,
                "completion": round(finished / len(mine), 3) if mine else None,
                "answers": len(rows),
                "score_mean": round(float(np.mean(scores[arm])), 3) if rows else None,
                "score_median": round(float(np.median(scores[arm])), 3) if rows else None,
                "levels": levels,
            }
        out: dict[str, Any] = {"experiment": exp, "arms": arms, "tests": {}}
        if scores["A"] and scores["B"]:
            out["tests"]["scores_mann_whitney_p"] = round(
                float(stats.mannwhitneyu(scores["A"], scores["B"], alternative="two-sided").pvalue), 4
            )
        a, b = arms["A"], arms["B"]
        out["tests"]["completion_z_p"] = round(
            two_proportion_z(a["finished"], a["sessions"], b["finished"], b["sessions"]), 4
        )
        out["agreement"] = self._agreement(exp, reviewed)
        out["recommendation"] = self._recommend(out)
        return out

    def _agreement(self, exp: dict[str, Any], reviewed: Any) -> dict[str, Any]:
        """Both versions applied to every reviewed answer of the experiment: paired absolute errors."""
        from scipy import stats  # imported here: it adds over a second to the app's start-up

        if not reviewed:
            return {"n": 0}
        cal_a, cal_b = self.store.get(exp["version_a"]), self.store.get(exp["version_b"])
        err_a, err_b, lev_a, lev_b = [], [], [], []
        for r in reviewed:
            flags, shares = json.loads(r["flags"]), json.loads(r["shares"])
            err_a.append(abs(cal_a.score(r["raw_score"], flags) - r["human_score"]))
            err_b.append(abs(cal_b.score(r["raw_score"], flags) - r["human_score"]))
            lev_a.append(cal_a.level(shares, flags, r["raw_level"]) == r["human_level"])
            lev_b.append(cal_b.level(shares, flags, r["raw_level"]) == r["human_level"])
        out: dict[str, Any] = {
            "n": len(reviewed),
            "mae_a": round(float(np.mean(err_a)), 3),
            "mae_b": round(float(np.mean(err_b)), 3),
            "level_accuracy_a": round(float(np.mean(lev_a)), 3),
            "level_accuracy_b": round(float(np.mean(lev_b)), 3),
        }
        diffs = np.array(err_a) - np.array(err_b)
        if len(reviewed) >= 5 and np.any(diffs != 0):
            out["wilcoxon_p"] = round(float(stats.wilcoxon(err_a, err_b).pvalue), 4)
        return out

    @staticmethod
    def _recommend(report: dict[str, Any]) -> dict[str, Any]:
        agree = report["agreement"]
        p = agree.get("wilcoxon_p")
        if p is None:
            return {
                "winner": None,
                "why": "not enough reviewed grades in the experiment to compare agreement",
            }
        if p >= ALPHA:
            return {"winner": None, "why": f"no significant difference in agreement (Wilcoxon p = {p})"}
        winner = "A" if agree["mae_a"] < agree["mae_b"] else "B"
        return {
            "winner": winner,
            "why": f"arm {winner} agrees better with reviewers (MAE {agree['mae_a']} vs {agree['mae_b']}, "
            f"Wilcoxon p = {p})",
        }
