"""Shared fixtures. The network is off in tests: only loopback connections are allowed."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest

from .helpers import repo_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not (
        str(host).startswith("127.") or host in ("::1", "localhost")
    ):
        raise OSError(f"test tried to reach the network ({host}); only loopback is allowed")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory):

    return repo_settings(
        tmp_path_factory.mktemp("data"),
        llm="none",
    )


@pytest.fixture(scope="session")
def services(settings):
    """Real corpus, real ONNX embeddings, an embedded Chroma index in a temp folder."""
    from interviewer.services import Services

    svc = Services(settings)
    vectors = _vector_cache(svc.embedder)
    if vectors is not None:
        svc.embedder.load_vectors(vectors)
    svc.index_sync.ensure(progress=False)
    yield svc
    if vectors is not None:  # what this run embedded, with what it loaded, for the next run
        vectors.parent.mkdir(parents=True, exist_ok=True)
        svc.embedder.save_vectors(vectors)


def _vector_cache(embedder: object) -> Path | None:
    """Where this checkout keeps text vectors between test runs (.cache/, not in git): embedding the 2,199 documents
    for the index took 45 s of each worker's start, and the key points for job matching 22 s more. Named by the encoder's code and model,
    so a change to either embeds them again; the vectors are the ones the model gives (each text runs alone).
    A clean clone, as in CI, has none and embeds everything."""
    if not hasattr(embedder, "load_vectors"):
        return None
    from interviewer.encoders import embeddings, minilm_graph

    digest = hashlib.sha256(str(getattr(embedder, "name", "")).encode())
    for module in (embeddings, minilm_graph):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(embeddings.packaged_model().read_bytes())
    return ROOT / ".cache" / "test-vectors" / f"{minilm_graph.weight_layout()}-{digest.hexdigest()[:16]}.npz"


@pytest.fixture(scope="session")
def corpus(services):
    return services.corpus


@pytest.fixture(scope="session")
def grader(services):
    return services.grader


@pytest.fixture
def shared_data() -> Path | None:
    """../shared/data when it is next to the project (CI has a copy), else None: tests then use the small
    samples vendored under tests/data instead of skipping."""
    return SHARED if SHARED.is_dir() else None


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings on the repository's corpus and rubrics with this test's own data folder; keywords override."""
    return lambda **overrides: repo_settings(tmp_path / "data", **overrides)


@pytest.fixture
def loop_services(services, tmp_path):
    """Services with their own data folder (database, calibration versions) sharing the heavy parts: the
    embedder, the corpus and the index of the session-wide `services`."""
    from interviewer.services import Services

    svc = Services(services.settings.model_copy(update={"data_dir": tmp_path}))
    for name in ("embedder", "index", "answer_space"):
        svc.__dict__[name] = getattr(services, name)
    svc._corpus = services.corpus
    return svc


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server per test worker (tests/pg_server.py)."""
    from .pg_server import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_database(pg_server):
    """A fresh, empty database on the shared PostgreSQL server, for one test."""
    import uuid

    from sqlalchemy import create_engine, text

    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def shap_follow_up():
    """Make the follow-up context of xai-shap-vs-lime's SHAP probe after a given candidate answer."""
    from interviewer.config import load_settings
    from interviewer.corpus.loader import load_corpus
    from interviewer.domain.target import Target
    from interviewer.engine.phrasing import turn_context

    settings = load_settings()
    question = load_corpus(settings.corpus_dir, settings.rubrics_dir).by_id["xai-shap-vs-lime"]
    probe = "What do SHAP attributions for one prediction add up to, and why is that useful?"
    return lambda candidate: turn_context("follow_up", Target.of(question), probe=probe, candidate=candidate)
