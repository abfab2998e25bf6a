"""One pass per text: passages slice sentences out of it, and long texts are run in windows."""

from __future__ import annotations

import numpy as np

from interviewer.domain.text import spans
from interviewer.encoders.embeddings import make_embedder

SHORT = "Dropout randomly zeroes activations during training so units cannot co-adapt."
SENTENCES = [
    "Tokenizers split text into subword units before a model sees it.",
    "Byte pair encoding merges the most frequent adjacent pairs until the vocabulary is full.",
    "WordPiece picks merges that most increase the likelihood of the training data.",
    "A larger vocabulary shortens sequences but makes the embedding matrix bigger.",
    "Rare words fall apart into many pieces, which costs context length.",
]


def test_short_text_passage_matches_its_embedding():
    emb = make_embedder("onnx")
    passage = emb.passages([SHORT])[0]
    np.testing.assert_allclose(passage.vec, emb.embed([SHORT])[0], atol=1e-5)
    assert "".join(p.lstrip("#") for p in passage.pieces) == "".join(SHORT.lower().split())
    start, end = (int(x) for x in passage.offsets[[0, -1], [0, 1]])
    assert SHORT[start:end] == SHORT


def test_long_text_is_run_in_windows_and_keeps_its_end():
    emb = make_embedder("onnx")
    text = " ".join(SENTENCES * 12)  # far past the model's 256-piece window
    passage = emb.passages([text])[0]
    assert len(passage.pieces) > 600
    assert passage.offsets[-1, 1] == len(text)  # nothing after the first window is lost
    assert (np.diff(passage.offsets[:, 0]) >= 0).all()
    last = spans(text, clauses=False)[-1]
    sliced = passage.pooled(last.start, last.end)
    alone = emb.embed(SENTENCES)
    assert last.text == SENTENCES[-1]
    assert int(np.argmax(alone @ sliced)) == len(SENTENCES) - 1  # the last window still says what it says
    assert abs(float(np.linalg.norm(passage.vec)) - 1) < 1e-4


def test_span_vectors_follow_meaning_not_position():
    emb = make_embedder("onnx")
    text = " ".join(SENTENCES)
    passage = emb.passages([text])[0]
    sents = spans(text, clauses=False)
    sliced = np.stack([passage.pooled(s.start, s.end) for s in sents])
    alone = emb.embed([s.text for s in sents])
    sims = sliced @ alone.T
    assert (sims.argmax(axis=1) == np.arange(len(sents))).all()


def test_one_sentence_longer_than_the_window_is_cut_not_truncated():
    emb = make_embedder("onnx")
    text = " ".join(f"word{i}" for i in range(400))  # no sentence end at all
    passage = emb.passages([text])[0]
    assert passage.offsets[-1, 1] == len(text)
    assert "".join(p.lstrip("#") for p in passage.pieces) == text.replace(" ", "")


def test_stored_passages_come_back_identical(tmp_path):
    from interviewer.encoders.embeddings import OnnxMiniLM

    texts = [SHORT, " ".join(SENTENCES)]
    path = tmp_path / "enc.npz"
    first = OnnxMiniLM()
    first.save_passages(path, texts)
    fresh = OnnxMiniLM()
    assert fresh.load_passages(path) == set(texts)
    for a, b in zip(first.passages(texts), fresh.passages(texts), strict=True):
        assert a.pieces == b.pieces
        np.testing.assert_array_equal(a.offsets, b.offsets)
        np.testing.assert_array_equal(a.hidden, b.hidden)
        np.testing.assert_array_equal(a.vec, b.vec)
    assert OnnxMiniLM().load_passages(tmp_path / "missing.npz") == set()


def test_passages_stored_before_the_layout_was_recorded_are_redone_without_vnni(tmp_path, monkeypatch):
    from interviewer.encoders import minilm_graph
    from interviewer.encoders.embeddings import OnnxMiniLM

    path = tmp_path / "enc.npz"
    OnnxMiniLM().save_passages(path, [SHORT])
    data = dict(np.load(path, allow_pickle=False))
    del data["layout"]  # as written before 2026-12-07
    np.savez(path, **data)
    for layout, kept in (("s8", {SHORT}), ("u8", set())):
        monkeypatch.setattr(minilm_graph, "weight_layout", lambda layout=layout: layout)
        assert OnnxMiniLM().load_passages(path) == kept


def test_answers_encoded_at_once_by_several_threads_match_one_at_a_time():
    """The model runs outside the cache lock: concurrent grades must get the same vectors and one cache entry."""
    from concurrent.futures import ThreadPoolExecutor

    from interviewer.encoders.embeddings import OnnxMiniLM

    texts = [
        f"Answer {i}: gradient descent follows the slope. Regularisation limits weights." for i in range(24)
    ]
    alone = OnnxMiniLM()
    expected = {t: alone.passages([t])[0] for t in texts}
    shared = OnnxMiniLM()
    with ThreadPoolExecutor(4) as pool:  # overlapping requests: each text is asked for by two threads
        got = list(pool.map(lambda t: shared.passages([t])[0], texts + texts[::-1]))
    for passage in got:
        want = expected[passage.text]
        assert passage.pieces == want.pieces
        assert np.allclose(passage.hidden.astype(np.float32), want.hidden.astype(np.float32), atol=2e-2)
    assert len(shared._passages) == len(texts)
    assert shared._passage_rows == sum(len(p.pieces) for p in expected.values())
