"""The verifier reads an answer's note-style notation as words (interviewer/grading/notation.py)."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.grading.notation import as_words


@pytest.mark.parametrize(
    ("notes", "prose"),
    [
        ("small batches -> freeze BN stats", "small batches so freeze BN stats"),
        ("query→understanding => retrieval", "query so understanding so retrieval"),
        ("OOV w/ no known n-grams", "OOV with no known n-grams"),
        ("W/o the .bin model, no OOV vectors", "without the .bin model, no OOV vectors"),
        ("B/c CRF is discriminative", "because CRF is discriminative"),
        ("surface form != meaning", "surface form is not meaning"),
        ("word vector = sum of n-gram vectors", "word vector is sum of n-gram vectors"),
        ("latency ~100-200ms", "latency about 100-200ms"),
        ("morphology + typos & names", "morphology and typos and names"),
        ("dense vs. lexical, e.g. SKU queries", "dense versus lexical, for example SKU queries"),
        ("**Ranking:** `LambdaMART`", "Ranking: LambdaMART"),
    ],
)
def test_notation_reads_as_words(notes, prose):
    assert as_words(notes) == prose


@pytest.mark.parametrize(
    "text",
    [
        "The model is fine-tuned on 3-6 character n-grams.",
        "Use a/b tests and x=1 style configs; i+1 steps; C++ code; top-k>=5",
        "",
    ],
)
def test_prose_and_code_like_tokens_are_left_alone(text):
    assert as_words(text) == text.strip()


def test_the_shipped_verifier_reads_notes_as_it_reads_the_words():
    from interviewer.grading.verifier import Verifier, shipped

    if not shipped():
        pytest.skip("no trained verifier in the package")
    point = "Without subword vectors, a word never seen in training gets no vector at all."
    verifier = Verifier(workers=1, cache=0)
    notes = verifier.probs(point, "unseen word w/o subwords -> no vector")
    words = verifier.probs(point, "unseen word without subwords so no vector")
    np.testing.assert_array_equal(notes, words)
