"""Job-description steering: when a scenario may take the case slot."""

from __future__ import annotations

import numpy as np

from interviewer.domain.session import SessionState, Setup
from interviewer.engine.job_match import JobProfile
from interviewer.engine.planner import SCENARIO_FIT, Planner


def test_a_scenario_takes_the_case_slot_only_above_a_floor(services):
    """A generic design scenario (the internal-docs RAG assistant) took the case slot of a junior LLM-app, an
    evaluation and a clinical posting because no case question fitted them well either: a scenario needs to fit
    the posting in its own right, not only to be no worse than weak case questions."""
    planner = Planner(services.corpus, services.embedder, services.index)
    spread = np.linspace(-2.0, 2.0, len(services.corpus.questions))
    questions = {q.id: float(v) for q, v in zip(services.corpus.questions, spread, strict=True)}
    for q in services.corpus.questions:
        if q.kind == "case":
            questions[q.id] = -1.5  # every case question fits badly
    mean, std = float(np.mean(list(questions.values()))), float(np.std(list(questions.values())))
    profile = JobProfile(questions, {}, {s.id: mean + 0.5 * std for s in services.corpus.scenarios})
    planner.match.profile = lambda jd: profile  # type: ignore[method-assign]
    setup = Setup(level="mid", track="general", questions=6, job_description="A posting.")
    state = SessionState(id="s", setup=setup, current_level="mid")
    assert planner.next_scenario(state) is None  # 0.5 deviations: no scenario
    profile.scenarios = {s.id: mean + (SCENARIO_FIT + 0.2) * std for s in services.corpus.scenarios}
    assert planner.next_scenario(state) is not None
