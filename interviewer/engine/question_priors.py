"""How often readers found a question relevant to a job posting it fitted: a per-question prior for steering.

Many questions fit a posting's words without being about its work (a site-search question for a request-extraction
role): the same ones again and again. `training/fit_question_priors.py` turns the readers' verdicts on planned and
best-fitting questions of earlier posting sets into each question's smoothed log-odds of being judged relevant,
centred on the base rate, so a question nobody judged (a new one, or a recruiter's) counts as neutral. The planner
adds `weight` times it, in deviations of fit, only when the session has a posting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

PRIORS = "question_priors.json"


@dataclass
class QuestionPriors:
    weight: float = 0.0
    """Deviations of fit per unit of log-odds (chosen on dev sets of postings)."""
    priors: dict[str, float] = field(default_factory=dict)
    """Per question id: smoothed log-odds of a relevant verdict minus the base rate's."""
    smoothing: float = 0.0
    """Pseudo-verdicts at the base rate added to each question's own."""
    trained_on: str = ""
    validation: dict[str, float] = field(default_factory=dict)

    def of(self, question_id: str) -> float:
        """The prior's contribution to a question's score (0 for a question nobody judged)."""
        return self.weight * self.priors.get(question_id, 0.0)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> QuestionPriors:
        """The shipped priors, or none (every question neutral) when the package carries no file."""
        source = path or resources.files("interviewer.data").joinpath(PRIORS)
        try:
            return cls(**json.loads(source.read_text(encoding="utf-8")))
        except (FileNotFoundError, OSError):
            return cls()
