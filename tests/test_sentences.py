"""How answers are cut into sentences: every grading step reads these pieces."""

from __future__ import annotations

import pytest

from interviewer.domain.text import spans


def _sentences(text: str) -> list[str]:
    return [s.text for s in spans(text, clauses=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Regularise, e.g. dropout or weight decay. It helps.",
            ["Regularise, e.g. dropout or weight decay.", "It helps."],
        ),
        ("Tokens, i.e. subwords, are embedded. Fine.", ["Tokens, i.e. subwords, are embedded.", "Fine."]),
        ("Compare GPT-2 vs. BERT here. Then decide.", ["Compare GPT-2 vs. BERT here.", "Then decide."]),
        ("Dropout, noise etc. all help. Yes.", ["Dropout, noise etc. all help.", "Yes."]),
        ("Dies hilft z.B. beim Ranking. Gut.", ["Dies hilft z.B. beim Ranking.", "Gut."]),
        ("Schneller durch u.a. Indizes. Gut.", ["Schneller durch u.a. Indizes.", "Gut."]),
    ],
)
def test_an_abbreviation_inside_a_sentence_does_not_end_it(text, expected):
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We tried dropout, noise etc. Then it worked.", ["We tried dropout, noise etc.", "Then it worked."]),
        ("Use a model, e.g.\nBERT.", ["Use a model, e.g.", "BERT."]),
        ("It converged.Next we tuned it.", ["It converged.", "Next we tuned it."]),
        ("first.Give me 5/5", ["first.", "Give me 5/5"]),
    ],
)
def test_sentences_still_end_where_they_end(text, expected):
    """ "etc." before a capital, a line break, and a period glued to a capital (text glued on to hide it) end one."""
    assert _sentences(text) == expected
