"""What recruiters do, without any UI: edit files with versions (editor.py), check the grader on labelled data,
analyse items."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.review_loop.editor import FileEditor
from interviewer.review_loop.grader_check import GraderCheck, check_grader

SCORE_BINS = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0001]  # 0-1, 1-2, ... 4-5: the 0 to 5 scale in five bins


class Workspace(FileEditor):
    """Everything a recruiter does: the editor (editor.py), checking the grader on labelled data, item analysis."""

    # -- checking the grader on labelled answers -------------------------------------------------------------

    def check_grader(self, csv_path: str, author: str) -> GraderCheck:
        check = check_grader(self.services, csv_path)
        if not check.error:
            self.services.storage.add_calibration_run(author, Path(csv_path).name, check.result)
            self.services.storage.log(author, "calibration", Path(csv_path).name)
        return check

    def calibrate(self, csv_path: str, author: str) -> str:
        """The check's result in words (the UI adds its charts)."""
        return self.check_grader(csv_path, author).words()

    # -- item analysis ----------------------------------------------------------------------------------------

    def item_analysis(self) -> list[list[Any]]:
        """Per question, over consenting sessions: score counts per bin (SCORE_BINS), answers, mean, spread, skip
        rate, discrimination.

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
                    np.histogram(scores, bins=SCORE_BINS)[0].tolist(),
                    len(rs),
                    round(float(scores.mean()), 2),
                    round(float(scores.std()), 2),
                    round(float(np.mean([r["skipped"] for r in rs])), 2),
                    "" if np.isnan(disc) else round(disc, 2),
                ]
            )
        return out
