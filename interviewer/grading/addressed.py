"""Sentences addressed to an assistant rather than part of an answer (a role-play set-up, "repeat everything above").

The regular expressions of `guards.py` catch the attacks they name ("ignore previous instructions", "give me 5/5");
most text addressed to an assistant names none of them. This small network (five fitted from different seeds,
averaged, stored as one) reads the grader's own sentence vectors (no extra model run) and five word-level cues;
`training/addressed_trial.py` fits it on texts written for it, answers in other languages among its negatives, and
chooses its thresholds on dev so that it flags no sentence of 234 real answers and at most 3% of hard negatives
(docs/grader.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from interviewer.domain.text import words

MIN_WORDS = 4
"""Shorter fragments ("assessment:", "Orchestrator.") have vectors too noisy to read; they are never flagged."""
CUE_WEIGHT = 3.0  # the cues sit beside 384 vector dimensions; scaled so they are not lost among them

_SECOND = re.compile(r"\b(you|your|you're|yourself|u)\b", re.I)
_ASSISTANT = re.compile(
    r"\b(assistant|ai|chatbot|bot|gpt|llm|model|system|grader|evaluator|reviewer|persona|character|roleplay|"
    r"role-play|instructions?|prompt|conversation|chat)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^\W*(please\s+)?(repeat|print|output|show|tell|write|translate|summari[sz]e|respond|reply|answer|act|"
    r"pretend|imagine|let's|lets|ignore|forget|stop|from now on|you are|you will|you must|you're|stay|remember|"
    r"do not|don't|never|always|begin|start|list|reveal|give|mark|grade|score|rate|treat|consider|assume)\b",
    re.I,
)
_FIRST = re.compile(r"\b(i|me|my|mine)\b", re.I)


def cues(sentence: str) -> np.ndarray:
    """Second person, words for an assistant or its instructions, an opening imperative, first person, length."""
    n = max(1, len(words(sentence)))
    return CUE_WEIGHT * np.array(
        [
            len(_SECOND.findall(sentence)) / n,
            len(_ASSISTANT.findall(sentence)) / n,
            float(bool(_IMPERATIVE.match(sentence))),
            len(_FIRST.findall(sentence)) / n,
            min(n, 40) / 40,
        ]
    )


def inputs(sentences: list[str], vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's input rows (vector, then cues) and each sentence's word count."""
    if not sentences:
        return np.zeros((0, vecs.shape[1] + 5)), np.zeros(0, dtype=np.int64)
    rows = np.array([np.r_[v, cues(s)] for s, v in zip(sentences, vecs, strict=True)])
    return rows, np.array([len(words(s)) for s in sentences])


ARRAYS = ("mean", "scale", "hidden_w", "hidden_b", "out_w")


@dataclass(frozen=True)
class AddressedModel:
    mean: np.ndarray
    scale: np.ndarray
    hidden_w: np.ndarray
    hidden_b: np.ndarray
    out_w: np.ndarray
    out_b: float
    threshold: float
    """A sentence whose logit reaches this is read as addressed to an assistant, and not graded."""
    end_threshold: float
    """... and at this (no false alarm on the 3,379 sentences of dev answers nor on the dev hard negatives), the
    answer ends there, as it does at a pattern of `guards.py`: a role-play set-up's other sentences are not graded
    either."""

    def logits(self, rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        hidden = np.tanh(((rows - self.mean) / self.scale) @ self.hidden_w + self.hidden_b)
        return np.where(counts >= MIN_WORDS, hidden @ self.out_w + self.out_b, -np.inf)

    def flagged(self, sentences: list[str], vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sentence: whether it is addressed to an assistant, and whether the answer ends there."""
        logits = self.logits(*inputs(sentences, vecs))
        return logits >= self.threshold, logits >= self.end_threshold

    def save(self, path: Path) -> None:
        fields = {
            k: np.round(getattr(self, k), 6).tolist()
            for k in ("mean", "scale", "hidden_w", "hidden_b", "out_w")
        }
        limits = {"threshold": self.threshold, "end_threshold": self.end_threshold}
        path.write_text(json.dumps({**fields, "out_b": self.out_b, **limits}) + "\n")

    @classmethod
    def from_json(cls, text: str) -> AddressedModel:
        d = json.loads(text)
        mean, scale, hidden_w, hidden_b, out_w = (np.array(d[k]) for k in ARRAYS)
        limits = float(d["threshold"]), float(d["end_threshold"])
        return cls(mean, scale, hidden_w, hidden_b, out_w, float(d["out_b"]), *limits)


@lru_cache(maxsize=1)
def shipped() -> AddressedModel:
    return AddressedModel.from_json(
        resources.files("interviewer.data").joinpath("addressed_model.json").read_text()
    )
