"""The composition root: builds each component from the settings and hands it exactly its collaborators.

No logic lives here (search, index sync, the off-topic answer space, the sandbox's hidden folders are in their
layers); each component is built on first use, so a command imports only the heavy libraries it needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cached_property

from interviewer.coding.capabilities import app_folders
from interviewer.coding.code_grader import CodingGrader
from interviewer.coding.runner import CodeRunner
from interviewer.config import Settings, load_settings
from interviewer.corpus.live import LiveCopy
from interviewer.corpus.loader import Corpus, CorpusError, load_corpus
from interviewer.domain.ports import Grader
from interviewer.encoders.cross_encoder import PairScorer, make_cross_encoder
from interviewer.encoders.embeddings import Embedder, make_embedder
from interviewer.engine.engine import Engine
from interviewer.engine.phrasing import Phraser
from interviewer.grading import addressed
from interviewer.grading.corpus_encodings import load_encodings
from interviewer.grading.grader import RubricGrader
from interviewer.grading.polarity import PolarityScorer, make_polarity
from interviewer.grading.score_model import ScoreModel
from interviewer.llm import tokens
from interviewer.llm.providers import ChatModel
from interviewer.ops.warm_up import warm_up
from interviewer.review_loop.loop import CalibratedGrader, Loop, LoopSessions
from interviewer.search.answer_space import AnswerSpace
from interviewer.search.index import VectorIndex
from interviewer.search.question_search import QuestionSearch
from interviewer.search.sync import IndexSync
from interviewer.sessions.downloads import Downloads
from interviewer.sessions.limits import Backoff
from interviewer.sessions.profiles import ProfileService
from interviewer.storage.store import Storage


class Services:
    """Lazily built components, one of each per app process; the CLI and the UI both use this."""

    def __init__(self, settings: Settings | None = None, clock: Callable[[], float] = time.time):
        self.settings = settings or load_settings()
        self.clock = clock
        """The engine's clock for per-question timers (tests pass a fake one)."""
        self._lock = threading.RLock()
        self._corpus: Corpus | None = None
        self.ready = threading.Event()
        """Set once warm_up has loaded the model, the grader and the stored encodings (GET /ready)."""

    # -- the corpus, which a recruiter's edit reloads ---------------------------------------------------------

    @cached_property
    def live(self) -> LiveCopy:
        """The live corpus/ and rubrics/ the app reads and recruiters edit, seeded from the shipped ones."""
        return LiveCopy(self.settings.corpus_dir, self.settings.rubrics_dir, self.settings.live_folder)

    def _load_corpus(self) -> Corpus:
        try:
            return load_corpus(*self.live.folders())
        except CorpusError as exc:
            raise CorpusError(self.live.explain(exc.problems)) from None

    @property
    def corpus(self) -> Corpus:
        with self._lock:
            if self._corpus is None:
                self._corpus = self._load_corpus()
            return self._corpus

    def reload_corpus(self) -> Corpus:
        """Validate the files again; on error the previous corpus stays in use and the error is raised."""
        fresh = self._load_corpus()
        with self._lock:
            self._corpus = fresh
            for name in ("grader", "interview_grader", "judged_grader", "rubric_grader"):
                # built again from the new corpus on next use
                self.__dict__.pop(name, None)
        return fresh

    # -- models, index and search -----------------------------------------------------------------------------

    @cached_property
    def embedder(self) -> Embedder:
        return make_embedder(self.settings.embeddings, self.settings.encoder_threads)

    @cached_property
    def cross_encoder(self) -> PairScorer | None:
        if not self.settings.cross_encoder:
            return None
        return make_cross_encoder(self.settings.embeddings, self.settings.encoder_threads, self.embedder.name)

    @cached_property
    def index(self) -> VectorIndex:
        return VectorIndex(self.settings, self.embedder)

    @cached_property
    def index_sync(self) -> IndexSync:
        return IndexSync(self.index, lambda: self.corpus, self.embedder, self.settings.index_retry_s)

    @cached_property
    def questions(self) -> QuestionSearch:
        return QuestionSearch(self.index, lambda: self.corpus, self.index_sync.ensure)

    @cached_property
    def answer_space(self) -> AnswerSpace:
        return AnswerSpace(self.corpus, self.index, self.embedder)

    def load_encodings(self, build: bool = False) -> int:
        """Load (with `build`, first encode and store) the corpus texts' encodings into the embedder."""
        return load_encodings(self.embedder, self.settings.encodings_path, self.corpus, build=build)

    # -- grading ----------------------------------------------------------------------------------------------

    @cached_property
    def score_model(self) -> ScoreModel:
        return ScoreModel.load()

    @cached_property
    def rubric_grader(self) -> RubricGrader:
        return RubricGrader(
            self.embedder,
            self.score_model,
            self.corpus.rubric,
            self.answer_space.nearest_other,
            cross=self.cross_encoder,
            polarity=self.polarity,
            addressed=addressed.shipped() if self.settings.embeddings == "onnx" else None,
        )

    @cached_property
    def polarity(self) -> PolarityScorer | None:
        """Key-point verdicts that read polarity, and the level and score fitted on them (issue 25)."""
        if not self.settings.verifier:
            return None
        s = self.settings
        return make_polarity(s.embeddings, s.encoder_threads, s.verifier_workers)

    @cached_property
    def grader(self) -> Grader:
        """The grader for one-off grading (`grade`, `eval`): the rubric grader, judged by the LLM when
        INTERVIEWER_LLM_JUDGE is on, running code for coding questions, with the active calibration on top."""
        return self.judged_grader or self.interview_grader

    @cached_property
    def interview_grader(self) -> Grader:
        """The grader every answer gets at once in an interview: no LLM in front of the reply."""
        return CalibratedGrader(CodingGrader(self.rubric_grader, self.runner), self.loop)

    @cached_property
    def judged_grader(self) -> Grader | None:
        """The rubric grader with the LLM judge (None unless the judge is on), calibrated like the others."""
        s = self.settings
        if s.llm == "none" or not s.llm_judge:
            return None
        from interviewer.grading.judge import JudgedGrader

        judged = JudgedGrader(self.rubric_grader, self.llm, s.llm_judge_max_tokens)
        return CalibratedGrader(CodingGrader(judged, self.runner), self.loop)

    @cached_property
    def runner(self) -> CodeRunner:
        """The sandbox that runs candidate code; the app's data, corpus and code folders are hidden from it."""
        return CodeRunner(self.settings, hide=app_folders(self.settings))

    @cached_property
    def llm(self) -> ChatModel:
        from interviewer.llm.providers import make_llm
        from interviewer.ops.monitoring import CountedLLM

        return CountedLLM(make_llm(self.settings))

    # -- the interview and its sessions -----------------------------------------------------------------------

    @cached_property
    def engine(self) -> Engine:
        from interviewer.engine.planner import Planner

        s = self.settings
        return Engine(
            self.corpus,
            self.interview_grader,
            Planner(self.corpus, self.embedder, self.index),
            self.phraser,
            self.embedder,
            s.max_answer_tokens,
            clock=self.clock,
            judge=self.judged_grader,
            llm_budget_s=s.llm_turn_budget_s,
        )

    @cached_property
    def phraser(self) -> Phraser:
        """The LLM's wording of follow-ups and preambles, checked before it is shown (off without an LLM)."""
        from interviewer.engine.phrasing import Phraser
        from interviewer.engine.turn_check import TurnChecker, shipped_thresholds
        from interviewer.grading.verifier import make_verifier

        s = self.settings
        fitted_with_verifier = shipped_thresholds().uses_verifier()
        verifier = (
            make_verifier(s.embeddings, s.encoder_threads, s.verifier_workers)
            if fitted_with_verifier
            else None
        )
        from interviewer.engine.turn_model import model_for_checks

        checker = TurnChecker(self.embedder, verifier=verifier, model=model_for_checks())
        return Phraser(self.llm, checker, s.llm_history_tokens, s.llm_max_tokens, enabled=s.llm_wording)

    @cached_property
    def storage(self) -> Storage:
        from interviewer.sessions.downloads import private_dir

        private_dir(self.settings.data_dir)  # 0700: the database, index and downloads are the app's alone
        return Storage(self.settings.db_url)

    @cached_property
    def sessions(self) -> LoopSessions:
        s = self.settings
        return LoopSessions(
            self.engine,
            self.storage,
            s.max_requests_per_minute,
            s.max_open_sessions,
            runner=self.runner,
            loop=self.loop,
            idle_s=s.session_idle_minutes * 60,
        )

    @cached_property
    def downloads(self) -> Downloads:
        """Exports and scorecard files: private, under Gradio's temp folder in the data folder."""
        from interviewer.sessions.downloads import TEMP_SUBDIR

        return Downloads(self.settings.data_dir / TEMP_SUBDIR, self.settings.download_ttl_minutes * 60)

    @cached_property
    def login_backoff(self) -> Backoff:
        """Failed recruiter sign-ins per name and per address, and how long the next try must wait."""
        return Backoff(self.settings.login_free_attempts, self.settings.login_backoff_max_s)

    @cached_property
    def profiles(self) -> ProfileService:
        """Candidate identity, session ownership and per-client limits."""
        return ProfileService(self.settings, self.storage, self.sessions, self.downloads)

    @cached_property
    def loop(self) -> Loop:
        """Review queue, calibration versions and A/B tests."""
        from interviewer.review_loop.recalibration import CalibrationStore

        bars = self.corpus.rubric.bars
        return Loop(
            self.storage,
            CalibrationStore(self.settings.data_dir / "calibrations"),
            {lv: bars.for_level(lv) for lv in ("junior", "mid", "senior")},
            resolve=lambda item_id: self.corpus.resolve(item_id),
        )

    # -- start-up ---------------------------------------------------------------------------------------------

    def _warm_turn_model(self) -> None:
        """Build the learned turn model's graph when LLM-worded turns will be checked with it."""
        from interviewer.engine.turn_model import model_for_checks

        if self.settings.llm == "none" or not self.settings.llm_wording:
            return
        model = model_for_checks()
        if model is not None:
            model.graph.ensure()

    def warm_up(self) -> None:
        """Open the index and load the model ahead of the first answer (run in the background at start-up)."""
        warm_up(
            (
                lambda: self.index.count("questions"),
                lambda: self.embedder.embed(["warm up"]),
                lambda: (self.grader, self.answer_space.vectors),
                self.load_encodings,  # stored by `interviewer index`; encoding them here would take the cores
                lambda: self.engine.planner.match.warm(),  # job-description steering reads those encodings
                tokens.encoding,  # tiktoken reads its BPE file (0.3 s) at first use: not in a first turn
                self._warm_turn_model,  # built on first use (2.5 s cold): not inside a first LLM turn's budget
                self.runner.log_warnings,  # probes the sandbox once, so /ready can report it
            ),
            self.ready,
        )
