"""Typed settings, read from the environment (prefix INTERVIEWER_) and a `.env` file.

Length (about 330 lines): one flat list of described fields, one per variable, is what an operator reads.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is wrong; the message says which variable to set and how."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=ROOT / "data", description="Folder for the Chroma index and the SQLite file."
    )
    corpus_dir: Path = Field(
        default=ROOT / "corpus", description="Question bank, scenarios, glossary, tracks."
    )
    rubrics_dir: Path = Field(default=ROOT / "rubrics", description="Level definitions, scale, dimensions.")
    live_dir: Path | None = Field(
        default=None,
        description=(
            "The deployment's live copy of corpus_dir and rubrics_dir (the shipped defaults, never written): the"
            " app reads it and the recruiter editor writes it. Empty: data_dir/live. Shared storage when several"
            " machines serve one deployment."
        ),
    )

    chroma_mode: Literal["embedded", "server"] = Field(
        default="embedded",
        description="'embedded' keeps the index under data_dir; 'server' uses chroma_host.",
    )
    chroma_host: str = Field(
        default="", description="Chroma server host (chroma run); setting it selects server."
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    collection_prefix: str = Field(
        default="interviewer", description="Prefix of the Chroma collection names."
    )
    index_retry_s: float = Field(
        default=15.0,
        gt=0,
        description="When the index cannot be reached at start-up, retry the sync this often (seconds).",
    )

    embeddings: Literal["onnx", "fake"] = Field(
        default="onnx", description="'onnx': bundled all-MiniLM-L6-v2 int8; 'fake': hashed vectors for tests."
    )
    cross_encoder: bool = Field(
        default=True,
        description=(
            "Also judge an answer against a bare reference answer (eval rows, a question given with its reference)"
            " with the fine-tuned MiniLM cross-encoder: one more model run per such grade, and about 60 MB once"
            " loaded. Corpus questions are graded on their key points and never load it. Only with onnx"
            " embeddings; off: the feature scorer alone."
        ),
    )
    verifier: bool = Field(
        default=True,
        description=(
            "Grade corpus questions by what the answer says about each key point: a fine-tuned MiniLM reads whether"
            " a sentence states, contradicts or leaves out a point, and the level and score are fitted on those"
            " verdicts. Off: the similarity matcher and the hand-set level bars of rubrics/ alone (as before)."
        ),
    )
    concurrency: int = Field(
        default=0,
        ge=0,
        description=(
            "Requests of one kind (answers, starts, ...) the app works on at once; more wait in Gradio's queue. 0:"
            " the number of cores without an LLM, since grading is CPU-bound and more at once only contend for"
            " Python's lock (2 cores, 15 turns/s: HTTP p95 376-408 ms with 2, 731-2749 ms with 8); 8 with an LLM,"
            " whose calls mostly wait."
        ),
    )

    encoder_threads: int = Field(
        default=1,
        ge=0,
        description=(
            "ONNX Runtime threads per encoder run (0: one per core). With several candidates at once, runs side by"
            " side on one thread each get through more answers than runs that share the cores (on 2 cores, 8 grades"
            " at a time: 41 against 34 answers/s)."
        ),
    )
    verifier_workers: int = Field(
        default=0,
        ge=0,
        description=(
            "Key-point verifier runs side by side while grading one answer (0: one per core; 1: one after"
            " another). The pool is shared by all answers being graded, so it also caps verifier runs at once."
        ),
    )

    llm: Literal["none", "openai", "fake"] = Field(
        default="none", description="'none': rubric interviewer; 'openai': any OpenAI-compatible endpoint."
    )
    llm_base_url: str = Field(
        default="", description="Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1."
    )
    llm_api_key: str = Field(default="", description="API key of the endpoint (any text for local servers).")
    llm_model: str = Field(default="", description="Model name the endpoint serves.")
    llm_timeout_s: float = Field(
        default=30.0, gt=0, description="Timeout of one LLM request, in seconds (never past the turn budget)."
    )
    llm_max_retries: int = Field(
        default=3, ge=0, le=10, description="Retries on 429, 5xx and timeouts, while the turn budget lasts."
    )
    llm_history_tokens: int = Field(
        default=3000, ge=256, description="Token budget of the conversation sent with each wording request."
    )
    llm_turn_budget_s: float = Field(
        default=20.0,
        gt=0,
        description="Most seconds the LLM may add to one turn (wording and judge together); then the template"
        " wording and the rubric grade are used.",
    )
    llm_max_tokens: int = Field(
        default=120,
        ge=16,
        le=4096,
        description="max_tokens of a wording request (a turn is a few sentences).",
    )
    llm_judge_max_tokens: int = Field(
        default=600,
        ge=64,
        le=8192,
        description="max_tokens of a judge request (JSON, one entry per key point).",
    )
    llm_wording: bool = Field(
        default=True,
        description="With an LLM configured, let it word follow-ups and the words before the next question (each"
        " checked before it is shown). Sends the conversation and the follow-up's probe, never a key point.",
    )
    llm_judge: bool = Field(
        default=False,
        description="With an LLM configured, also let it judge answers against the key points (sends the question,"
        " every key point with its id and level, and the answer). Off unless `interviewer check-llm` shows the"
        " model improves agreement.",
    )

    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means a SQLite file in data_dir."
    )

    max_answer_tokens: int = Field(default=1200, ge=50, description="Longer answers are cut, with a notice.")
    max_requests_per_minute: int = Field(default=30, ge=1, description="Per-session answer rate limit.")
    max_open_sessions: int = Field(
        default=200,
        ge=1,
        description="Open sessions at once over all candidates: unfinished ones with a turn in the last"
        " session_idle_minutes.",
    )
    retention_days: int = Field(
        default=365, ge=0, description="Days to keep finished sessions; 0 keeps forever."
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        description="A session with no turn for this long is idle: it no longer counts toward the open-session"
        " limits (it can still be resumed).",
    )
    paused_days: int = Field(
        default=14,
        ge=1,
        description="A paused (or abandoned) session with no turn for this many days is ended with the scorecard"
        " of what was answered.",
    )
    max_open_per_key: int = Field(
        default=3, ge=1, description="Open (non-idle) sessions one candidate profile may have at once."
    )
    max_starts_per_hour_per_key: int = Field(
        default=12, ge=1, description="Interviews one candidate profile may start in an hour."
    )
    max_open_per_ip: int = Field(
        default=50,
        ge=1,
        description="Open (non-idle) sessions started from one IP address, counted in this process. Behind a"
        " proxy, set trust_forwarded_for, or every candidate shares the proxy's address.",
    )
    max_starts_per_hour_per_ip: int = Field(
        default=200, ge=1, description="Interviews started from one IP address in an hour, in this process."
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client's IP address from the last X-Forwarded-For entry. Only behind a reverse"
        " proxy that sets it: otherwise a client could claim any address.",
    )
    candidate_sign_in: Literal["key", "gradio", "header"] = Field(
        default="key",
        description="How a candidate is identified. 'key': a random secret profile key kept in the browser"
        " (no accounts). 'gradio': Gradio's login page, against accounts made with `interviewer add-recruiter"
        " NAME --role candidate`. 'header': the user name a trusted reverse proxy (OIDC, SSO) puts in"
        " sign_in_header; the app must be reachable only through that proxy.",
    )
    sign_in_header: str = Field(
        default="X-Forwarded-User",
        description="Request header that carries the signed-in user with candidate_sign_in=header.",
    )
    allow_legacy_claims: bool = Field(
        default=True,
        description="Let a browser with a fresh key claim the interviews stored under a typed name by versions"
        " before profile keys (once per name). Turn off when every old profile has been claimed.",
    )
    browser_secret: str = Field(
        default="",
        description="Secret Gradio's BrowserState encrypts the stored profile key with (empty: one generated into"
        " data_dir/browser-secret). The page receives it to decrypt the key, so it keeps the key readable across"
        " restarts rather than hiding it. App processes behind one address must share it.",
    )
    download_ttl_minutes: int = Field(
        default=60,
        ge=1,
        description="Exports and scorecard files are removed after one download, or after this many minutes.",
    )
    login_free_attempts: int = Field(
        default=5,
        ge=1,
        description="Failed recruiter sign-ins (per name and per IP) before each further try must wait,"
        " 1 s doubling per failure.",
    )
    login_backoff_max_s: float = Field(
        default=900.0, gt=0, description="Longest wait between recruiter sign-in tries after failures."
    )

    sandbox_python: Path = Field(
        default=Path("/usr/bin/python3"),
        description="Interpreter that runs candidate code; the sandbox uid must be able to read it (not a venv "
        "under root's home). It runs in isolated mode (-I -S) with a minimal environment.",
    )
    sandbox_numpy_dir: Path | None = Field(
        default=None,
        description="numpy package folder for questions that allow numpy; empty: ask sandbox_python "
        "(Debian's python3-numpy).",
    )
    sandbox_concurrency: int = Field(
        default=2, ge=1, le=64, description="Candidate code runs at once; more wait for a free slot."
    )
    sandbox_queue_timeout_s: float = Field(
        default=30.0, gt=0, description="How long a run waits for a free slot before reporting 'busy'."
    )
    sandbox_timeout_s: float = Field(
        default=15.0,
        gt=0,
        description="Wall-clock limit of one run (all tests); the process group is killed.",
    )
    sandbox_test_timeout_s: float = Field(default=2.0, gt=0, description="Wall-clock limit of one test call.")
    sandbox_cpu_s: int = Field(default=8, ge=1, description="RLIMIT_CPU of one run, in seconds.")
    sandbox_memory_mb: int = Field(
        default=512, ge=64, description="RLIMIT_AS (address space) of the run, in MiB."
    )
    sandbox_output_kb: int = Field(
        default=64, ge=1, description="Output read from a run (and kept per test), in KiB; more stops it."
    )
    sandbox_file_kb: int = Field(default=1024, ge=1, description="RLIMIT_FSIZE: largest file it may write.")
    sandbox_folder_mb: int = Field(
        default=16,
        ge=1,
        description="Size of the run's private /tmp, its working folder (a tmpfs, with unshare).",
    )
    sandbox_scratch_mb: int = Field(
        default=4,
        ge=1,
        description="Size of each of the run's private /var/tmp and /dev/shm (tmpfs, with unshare).",
    )
    sandbox_max_files: int = Field(
        default=256, ge=16, description="Files and folders each of the run's tmpfs may hold (nr_inodes)."
    )
    sandbox_random_tests: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Hidden tests drawn at run time from the question's input generator, checked against its"
        " reference solution (run in a sandbox of its own); 0 turns them off.",
    )
    sandbox_draw_key: str = Field(
        default="",
        description="Secret the random tests' seed is derived from, with the question and the code: the same code"
        " always meets the same inputs (a re-run or re-grade agrees), changed code meets new ones, and nobody"
        " without the key can know them in advance. Empty: one generated into data_dir/draw-key.",
    )
    sandbox_max_processes: int = Field(
        default=16, ge=1, description="RLIMIT_NPROC for the sandbox uid (binds only after the uid switch)."
    )
    sandbox_uid_base: int = Field(
        default=64000,
        ge=1000,
        description="Runs lease uid and gid sandbox_uid_base to +63, one per concurrent run on the host (unused ids).",
    )
    sandbox_dir: Path | None = Field(
        default=None, description="Parent folder of the run folders; empty: <tmp>/interviewer-sandbox."
    )
    sandbox_strict: bool = Field(
        default=False,
        description="Refuse to run code when any protection (not a library) is unavailable on this platform.",
    )

    @property
    def answer_concurrency(self) -> int:
        """How many requests of one kind run at once (see `concurrency`)."""
        if self.concurrency:
            return self.concurrency
        return 8 if self.llm != "none" else max(1, os.cpu_count() or 1)

    @field_validator("llm_base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8000/v1")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chroma_host and self.chroma_mode == "embedded":
            self.chroma_mode = "server"
        if self.chroma_mode == "server" and not self.chroma_host:
            raise ValueError("INTERVIEWER_CHROMA_MODE=server needs INTERVIEWER_CHROMA_HOST (e.g. 127.0.0.1)")
        if self.llm == "openai":
            missing = [n for n in ("llm_base_url", "llm_model") if not getattr(self, n)]
            if missing:
                names = " and ".join(f"INTERVIEWER_{n.upper()}" for n in missing)
                raise ValueError(f"INTERVIEWER_LLM=openai needs {names}; or set INTERVIEWER_LLM=none")
        return self

    @property
    def live_folder(self) -> Path:
        """Where the live corpus/ and rubrics/ are (corpus/live.py)."""
        return self.live_dir or self.data_dir / "live"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def encodings_path(self) -> Path:
        """Where the corpus's encoded texts are kept, next to the index they belong with."""
        return self.chroma_path / f"encodings-{self.collection_prefix}.npz"

    @property
    def llm_check_path(self) -> Path:
        """Where `interviewer check-llm` stores its verdicts, one per model (the app shows the configured one's)."""
        return self.data_dir / "llm_checks.json"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'interviewer.db'}"


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn pydantic's errors into one message naming the variables to fix."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            name = "INTERVIEWER_" + "_".join(str(p) for p in e["loc"]).upper() if e["loc"] else "settings"
            lines.append(f"{name}: {e['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def kept_secret(folder: Path, name: str) -> str:
    """A random secret in `folder/name` (0600), made on first use and the same ever after, also across processes."""
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)  # whole or not at all; a process that lost the race reads the winner's
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
