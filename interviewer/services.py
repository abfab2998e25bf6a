"""The one place that builds the object graph from the settings; the CLI and the UI both call it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from interviewer.config import Settings, load_settings
from interviewer.corpus.loader import Corpus, load_corpus
from interviewer.encoders.cross_encoder import PairScorer, make_cross_encoder
from interviewer.encoders.embeddings import Embedder, make_embedder
from interviewer.llm import tokens
from interviewer.search.index import IndexError_, VectorIndex

log = logging.getLogger(__name__)


class Services:
    """Lazily built components: importing heavy libraries only when a command needs them."""

    def __init__(self, settings: Settings | None = None, clock: Callable[[], float] = time.time):
        self.settings = settings or load_settings()
        self.clock = clock
        """The engine's clock for per-question timers (tests pass a fake one)."""
        self._lock = threading.RLock()
        self._corpus: Corpus | None = None
        self.index_error: str | None = None
        """Why the index could not be synced at start-up (None once it is): the app runs on meanwhile."""
        self.ready = threading.Event()
        """Set once warm_up has loaded the model, the grader and the stored encodings (GET /ready)."""

    @property
    def corpus(self) -> Corpus:
        with self._lock:
            if self._corpus is None:
                self._corpus = load_corpus(self.settings.corpus_dir, self.settings.rubrics_dir)
            return self._corpus

    def reload_corpus(self) -> Corpus:
        """Validate the files again; on error the previous corpus stays in use and the error is raised."""
        fresh = load_corpus(self.settings.corpus_dir, self.settings.rubrics_dir)
        with self._lock:
            self._corpus = fresh
            self.__dict__.pop("grader", None)
        return fresh

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

    def ensure_index(self, rebuild: bool = False, progress: bool = True) -> dict[str, int]:
        """Sync the index with the corpus (cheap when nothing changed); near-duplicates are refused."""
        from interviewer.search.duplicates import refuse_duplicates

        corpus = self.corpus
        return self.index.sync(
            corpus,
            rebuild=rebuild,
            progress=progress,
            before_write=lambda: refuse_duplicates(corpus, self.embedder),
        )

    def ensure_index_or_retry(self, progress: bool = True) -> dict[str, int] | None:
        """Sync the index; when it cannot be reached (a Chroma server that is down), say so and retry in the
        background until it succeeds. Interviews run from the corpus in memory meanwhile. None when not synced."""
        try:
            stats = self.ensure_index(progress=progress)
        except IndexError_ as exc:
            with self._lock:
                retrying, self.index_error = self.index_error is not None, str(exc)
            log.error(
                "%s. Interviews go on from the corpus files; search and re-indexing wait for the index, "
                "retried every %.0f s.",
                exc,
                self.settings.index_retry_s,
            )
            if not retrying:
                threading.Thread(target=self._retry_index, name="index-retry", daemon=True).start()
            return None
        self.index_error = None
        return stats

    def _retry_index(self) -> None:
        while self.index_error is not None:
            time.sleep(self.settings.index_retry_s)
            try:
                self.ensure_index(progress=False)
                self.index_error = None
                log.info("the index is reachable again and in sync")
            except IndexError_ as exc:
                self.index_error = str(exc)

    def warm_up(self) -> None:
        """Open the index and load the model ahead of the first answer (run in the background at start-up);
        `ready` is set when done. Each step stands alone: an index that is down does not keep the model cold."""
        steps = (
            lambda: self.index.count("questions"),
            lambda: self.embedder.embed(["warm up"]),
            lambda: (self.grader, self._answer_space),
            self.load_encodings,  # stored by `interviewer index`; encoding them here would take the cores
            tokens.encoding,  # tiktoken reads its BPE file (0.3 s) at first use: not in a candidate's first turn
            self.log_sandbox_warnings,  # probes the sandbox once, so /ready can report it
        )
        try:
            for step in steps:
                try:
                    step()
                except Exception as exc:  # the first request will meet (and report) the same problem
                    log.warning("warm-up step failed: %s", exc)
        finally:
            self.ready.set()

    def log_sandbox_warnings(self) -> None:
        """Tell the operator, once at start-up, what the code sandbox cannot do on this machine."""
        for text in self.runner.warnings:
            log.warning("code sandbox: %s", text)

    @property
    def encodings_path(self) -> Path:
        """Where the corpus's encoded texts are kept, next to the index they belong with."""
        return self.settings.chroma_path / f"encodings-{self.settings.collection_prefix}.npz"

    def grading_texts(self) -> list[str]:
        """Every corpus text an answer is compared with: questions, references, key points, misconceptions."""
        out: list[str] = []
        items = list(self.corpus.questions) + [st for sc in self.corpus.scenarios for st in sc.stages]
        for item in items:
            out += [
                item.text,
                item.reference_answer,
                *(k.text for k in item.key_points),
                *item.misconceptions,
            ]
        return list(dict.fromkeys(out))

    def load_encodings(self, build: bool = False) -> int:
        """Load the stored encodings of the corpus's texts; with `build`, encode the missing ones and store them.

        Grading a question's first answer then needs no model call for the corpus side.
        """
        load = getattr(self.embedder, "load_passages", None)
        if load is None:  # the hashed test embedder needs no cache
            return 0
        found = load(self.encodings_path)
        texts = self.grading_texts()
        missing = [t for t in texts if t not in found]
        if build and missing:
            log.info("encoding %d corpus texts for grading", len(missing))
            self.embedder.save_passages(self.encodings_path, texts)  # type: ignore[attr-defined]
            return len(texts)
        return len(texts) - len(missing)

    def search(self, text: str, level: str | None = None, k: int = 5) -> list[dict[str, Any]]:
        if self.index.count("questions") == 0:
            self.ensure_index()
        where = {"level": level} if level else None
        hits = self.index.query("questions", text, k=k * 3 + 5, where=where)
        best: dict[str, dict[str, Any]] = {}
        for h in hits:  # a question and its aliases are one result, at the distance of its closest phrasing
            qid = h.get("question") or h["id"]
            if qid not in best or h["distance"] < best[qid]["distance"]:
                q = self.corpus.by_id.get(qid)
                best[qid] = {**h, "id": qid, "text": q.text if q else h["text"]}
        out = sorted(best.values(), key=lambda h: h["distance"])[:k]
        for h in out:
            h.pop("question", None)
        return out

    @cached_property
    def grader(self) -> Any:
        from interviewer.coding.code_grader import CodingGrader
        from interviewer.grading.grader import RubricGrader
        from interviewer.grading.score_model import ScoreModel
        from interviewer.review_loop.loop import CalibratedGrader

        rubric = RubricGrader(
            self.embedder,
            ScoreModel.load(),
            self.corpus.rubric,
            self._nearest_other,
            cross=self.cross_encoder,
        )
        if self.settings.llm == "none":
            return CalibratedGrader(CodingGrader(rubric, self.runner), self.loop)  # active calibration on top
        from interviewer.grading.judge import JudgedGrader

        return CalibratedGrader(CodingGrader(JudgedGrader(rubric, self.llm), self.runner), self.loop)

    @cached_property
    def runner(self) -> Any:
        """The sandbox that runs candidate code; the app's data, corpus and code folders are hidden from it."""
        from interviewer.coding.runner import CodeRunner
        from interviewer.config import ROOT

        s = self.settings
        hide = [s.data_dir, s.corpus_dir, s.rubrics_dir, ROOT / "interviewer", Path("/root"), Path("/home")]
        if (ROOT / "pyproject.toml").exists():  # a source checkout: its .venv, .env and data live here too
            hide.append(ROOT)
        return CodeRunner(s, hide=hide)

    @cached_property
    def _answer_space(self) -> tuple[Any, Any]:
        """Ids and vectors of the reference answers of every question and stage, embedded once (the grader's
        off-topic check compares an answer with all of them)."""
        import numpy as np

        corpus = self.corpus
        items = [(q.id, q.reference_answer) for q in corpus.questions]
        items += [(f"{s.id}#{st.id}", st.reference_answer) for s in corpus.scenarios for st in s.stages]
        ids = np.array([i for i, _ in items])
        try:  # stored vectors: no need to embed ~270 long texts again in every process
            got = self.index.collection("answers").get(include=["embeddings", "documents"])
            stored = {
                i: (d, e) for i, d, e in zip(got["ids"], got["documents"], got["embeddings"], strict=True)
            }
            if all(i in stored and stored[i][0] == t for i, t in items):
                return ids, np.array([stored[i][1] for i, _ in items], dtype=np.float32)
        except Exception:
            pass
        return ids, self.embedder.embed([t for _, t in items])

    def _nearest_other(self, vec: Any, own_id: str) -> float:
        ids, mat = self._answer_space
        others = (mat @ vec)[ids != own_id]
        return float(others.max()) if len(others) else 0.0

    def find_question(self, text: str) -> Any:
        """The corpus question closest to `text` (the index is built first when there is none)."""
        hit = self.search(text, k=1)[0]
        return self.corpus.by_id[hit["id"]]

    @cached_property
    def llm(self) -> Any:
        from interviewer.llm.providers import make_llm
        from interviewer.ops.monitoring import CountedLLM

        return CountedLLM(make_llm(self.settings))

    @cached_property
    def engine(self) -> Any:
        from interviewer.engine.engine import Engine
        from interviewer.engine.phrasing import Phraser
        from interviewer.engine.planner import Planner

        planner = Planner(self.corpus, self.embedder, self.index)
        phraser = Phraser(self.llm, self.settings.llm_history_tokens)
        return Engine(
            self.corpus, self.grader, planner, phraser, self.settings.max_answer_tokens, clock=self.clock
        )

    @cached_property
    def storage(self) -> Any:
        from interviewer.sessions.downloads import private_dir
        from interviewer.storage.store import Storage

        private_dir(self.settings.data_dir)  # 0700: the database, index and downloads are the app's alone
        return Storage(self.settings.db_url)

    @cached_property
    def sessions(self) -> Any:
        from interviewer.review_loop.loop import LoopSessions

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
    def downloads(self) -> Any:
        """Exports and scorecard files: private, under Gradio's temp folder in the data folder (downloads.py)."""
        from interviewer.sessions.downloads import TEMP_SUBDIR, Downloads

        ttl_s = self.settings.download_ttl_minutes * 60
        return Downloads(self.settings.data_dir / TEMP_SUBDIR, ttl_s)

    @cached_property
    def login_backoff(self) -> Any:
        """Failed recruiter sign-ins per name and per address, and how long the next try must wait (limits.py)."""
        from interviewer.sessions.limits import Backoff

        return Backoff(self.settings.login_free_attempts, self.settings.login_backoff_max_s)

    @cached_property
    def profiles(self) -> Any:
        """Candidate identity, session ownership and per-client limits (profile_service.py)."""
        from interviewer.sessions.profiles import ProfileService

        return ProfileService(self.settings, self.storage, self.sessions, self.downloads)

    @cached_property
    def loop(self) -> Any:
        """Review queue, calibration versions and A/B tests (interviewer/loop.py)."""
        from interviewer.review_loop.loop import Loop

        return Loop(self)

    def agreement_note(self) -> str:
        """One line on how well the grader agrees with human graders, from the shipped measurements."""
        import json
        from importlib import resources

        try:
            data = json.loads(resources.files("interviewer.data").joinpath("agreement.json").read_text())
        except (FileNotFoundError, ValueError):
            return "Grader agreement with human graders has not been measured for this build."
        parts = [f"{d['name']}: {d['metric']} {d['value']:.2f}" for d in data.get("results", [])]
        return (
            "How well this grader agrees with human graders on public sets (unseen questions): "
            + "; ".join(parts)
        )
