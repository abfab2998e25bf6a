"""What an answer is graded against."""

from __future__ import annotations

from dataclasses import dataclass

from interviewer.domain.questions import CodingSpec, GradingItem, KeyPoint, Level
from interviewer.domain.text import spans, words


@dataclass
class Target:
    """What an answer is graded against: a corpus question or stage, or a bare question with a reference."""

    id: str
    question: str
    references: list[str]
    key_points: list[KeyPoint]
    level: Level | None = None
    kind: str = "concept"
    topic: str = ""
    misconceptions: tuple[str, ...] = ()
    probes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    coding: CodingSpec | None = None

    @classmethod
    def of(
        cls, item: GradingItem, level: Level | None = None, kind: str = "concept", topic: str = ""
    ) -> Target:
        return cls(
            id=item.id,
            question=item.text,
            references=[item.reference_answer],
            key_points=list(item.key_points),
            level=getattr(item, "level", level),
            kind=getattr(item, "kind", kind),
            topic=getattr(item, "topic", topic),
            misconceptions=tuple(item.misconceptions),
            probes=tuple((p.text, tuple(p.targets)) for p in item.probes),
            coding=getattr(item, "coding", None),
        )

    @classmethod
    def from_reference(cls, qid: str, question: str, reference: str) -> Target:
        """An eval row: alternatives split on '|||'; each becomes a criterion at the junior bar."""
        refs = [r.strip() for r in reference.split("|||") if r.strip()] or [reference]
        if len(refs) == 1:
            parts = [s.text for s in spans(refs[0], clauses=False) if len(words(s.text)) >= 3] or refs
        else:
            parts = refs
        kps = [
            KeyPoint(id=f"ref-{i + 1}", level="junior", text=p if len(p) >= 8 else p + " (reference)")
            for i, p in enumerate(parts)
        ]
        return cls(id=qid, question=question, references=refs, key_points=kps)

    @property
    def about_injection(self) -> bool:
        blob = (self.question + " " + " ".join(k.text for k in self.key_points)).lower()
        return "injection" in blob or "jailbreak" in blob
