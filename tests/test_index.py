"""Incremental indexing by content hash, and the last good index surviving a bad edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer.config import load_settings
from interviewer.corpus.loader import CorpusError
from interviewer.search.index import corpus_docs
from interviewer.services import Services

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_copy(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    settings = load_settings(
        data_dir=tmp_path / "data",
        corpus_dir=tmp_path / "corpus",
        rubrics_dir=tmp_path / "rubrics",
        embeddings="fake",
    )
    return tmp_path, settings


def test_only_changed_documents_are_embedded_again(own_copy):
    tmp, settings = own_copy
    svc = Services(settings)
    first = svc.index_sync.ensure(progress=False)
    assert first["added"] > 200 and first["updated"] == 0
    path = tmp / "corpus" / "questions" / "embeddings.yaml"
    path.write_text(
        path.read_text().replace(
            "What is the difference between representing text as a bag of words",
            "What separates representing text as a bag of words",
            1,
        )
    )
    svc = Services(settings)
    second = svc.index_sync.ensure(progress=False)
    assert second["updated"] == 1 and second["added"] == 0 and second["deleted"] == 0


def test_removed_questions_leave_the_index(own_copy):
    tmp, settings = own_copy
    Services(settings).index_sync.ensure(progress=False)
    (tmp / "corpus" / "questions" / "leadership.yaml").unlink()
    id_map = tmp / "corpus" / "id_map.yaml"  # its renames into leadership would point nowhere: refused
    id_map.write_text("".join(ln for ln in id_map.read_text().splitlines(True) if ": lead-" not in ln))
    (tmp / "corpus" / "tracks" / "tracks.yaml").write_text(
        (tmp / "corpus" / "tracks" / "tracks.yaml")
        .read_text()
        .replace(", leadership]", "]")
        .replace(", leadership,", ",")
        .replace("[leadership, ", "[")
    )
    svc = Services(settings)
    stats = svc.index_sync.ensure(progress=False)
    assert stats["deleted"] >= 20
    assert svc.index.count("questions") == len(corpus_docs(svc.corpus)["questions"])
    assert not [
        h
        for h in svc.questions.search("leading a team through a failed launch", k=10)
        if h["id"].startswith("lead-")
    ]


def test_a_bad_edit_is_refused_and_the_last_good_index_keeps_serving(own_copy):
    tmp, settings = own_copy
    svc = Services(settings)
    svc.index_sync.ensure(progress=False)
    before = svc.index.count("questions")
    path = tmp / "corpus" / "questions" / "mlops.yaml"
    path.write_text(path.read_text().replace("kind: concept", "kind: essay", 1))
    with pytest.raises(CorpusError, match=r"mlops\.yaml"):
        Services(settings).index_sync.ensure(progress=False)
    assert svc.questions.search("model monitoring drift", k=1)
    assert svc.index.count("questions") == before


def test_a_new_embedding_model_embeds_every_document_again(own_copy, monkeypatch):
    """Vectors of the old model must not stay in place because the texts did not change."""
    from interviewer.encoders.embeddings import HashEmbedder

    _, settings = own_copy
    first = Services(settings).index_sync.ensure(progress=False)
    again = Services(settings).index_sync.ensure(progress=False)
    assert again["added"] == again["updated"] == 0
    monkeypatch.setattr(HashEmbedder, "name", "hash-bow-384-v2")  # what a new model release looks like
    svc = Services(settings)
    stats = svc.index_sync.ensure(progress=False)
    assert stats["updated"] == first["added"] and stats["unchanged"] == 0
    assert svc.index.count() == len(corpus_docs(svc.corpus)["questions"])
