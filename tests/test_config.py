from __future__ import annotations

import pytest

from interviewer.config import ConfigError, load_settings


def test_defaults_need_no_setup(tmp_path):
    s = load_settings(data_dir=tmp_path)
    assert s.llm == "none" and s.chroma_mode == "embedded" and s.db_url.startswith("sqlite:///")


def test_openai_without_url_says_what_to_set(monkeypatch):
    monkeypatch.setenv("INTERVIEWER_LLM", "openai")
    with pytest.raises(ConfigError, match="INTERVIEWER_LLM_BASE_URL"):
        load_settings()


def test_a_wrong_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="INTERVIEWER_CHROMA_PORT"):
        load_settings()


def test_bad_url_is_explained(monkeypatch):
    monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", "localhost:8000")
    with pytest.raises(ConfigError, match="http://"):
        load_settings()


def test_a_chroma_host_selects_server_mode():
    assert load_settings(chroma_host="127.0.0.1").chroma_mode == "server"


def test_env_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("INTERVIEWER_MAX_ANSWER_TOKENS=321\n")
    assert load_settings().max_answer_tokens == 321


def test_concurrency_follows_the_cores_without_an_llm_and_can_be_set(monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert load_settings(llm="none").answer_concurrency == 4  # CPU-bound grading: one per core
    assert load_settings(llm="fake").answer_concurrency == 8  # LLM calls mostly wait
    assert load_settings(llm="none", concurrency=3).answer_concurrency == 3


def test_the_app_queue_takes_the_configured_concurrency(tmp_path):
    from interviewer.services import Services
    from interviewer.ui.app import build_app

    settings = load_settings(data_dir=tmp_path / "data", embeddings="fake", concurrency=3)
    demo = build_app(Services(settings))
    assert demo._queue.default_concurrency_limit == 3
