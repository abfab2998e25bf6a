"""Load and validate corpus/ and rubrics/ into typed models, with errors that name the file and the field."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from interviewer.corpus.id_map import load_id_map, resolve_id
from interviewer.domain.questions import LEVELS, GlossaryEntry, Question, Rubric, Scenario, Track

M = TypeVar("M", bound=BaseModel)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CorpusError(ValueError):
    """A corpus or rubric file is invalid; the message names every file, field and problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid corpus or rubrics:\n  " + "\n  ".join(problems))


@dataclass
class Corpus:
    questions: list[Question]
    scenarios: list[Scenario]
    glossary: list[GlossaryEntry]
    tracks: list[Track]
    rubric: Rubric
    digest: str = ""
    by_id: dict[str, Question] = field(default_factory=dict)
    id_map: dict[str, str] = field(default_factory=dict)
    """Old id -> the id that stands for it now (corpus/id_map.yaml)."""

    def __post_init__(self) -> None:
        self.by_id = {q.id: q for q in self.questions}

    def resolve(self, item_id: str) -> str:
        """The id in use now for a stored question or `scenario#stage` id (unchanged when it was never renamed)."""
        return resolve_id(self.id_map, item_id)

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(f"unknown track {track_id!r}; known: {[t.id for t in self.tracks]}")

    def scenario(self, scenario_id: str) -> Scenario:
        for s in self.scenarios:
            if s.id == scenario_id:
                return s
        raise KeyError(f"unknown scenario {scenario_id!r}")

    def stats(self) -> dict[str, Any]:
        """Counts for `interviewer corpus --json`."""
        cells = Counter((q.level, q.topic) for q in self.questions)
        return {
            "questions": len(self.questions),
            "scenarios": len(self.scenarios),
            "glossary": len(self.glossary),
            "tracks": [t.id for t in self.tracks],
            "by_level": dict(Counter(q.level for q in self.questions)),
            "by_topic": dict(sorted(Counter(q.topic for q in self.questions).items())),
            "by_kind": dict(Counter(q.kind for q in self.questions)),
            "cells": [
                {"level": lv, "topic": t, "count": cells.get((lv, t), 0)}
                for t in self.topics
                for lv in LEVELS
            ],
        }


def _read_yaml(path: Path, problems: list[str]) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".md":
            return _front_matter(text)
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        problems.append(f"{path}: not valid YAML: {exc}".replace("\n", " "))
        return None


def _front_matter(text: str) -> dict[str, Any]:
    """Markdown with YAML front matter: the body becomes the reference answer unless one is given."""
    if not text.startswith("---"):
        raise yaml.YAMLError("a Markdown corpus file must start with '---' front matter")
    _, head, body = text.split("---", 2)
    data = yaml.load(head, Loader=_LOADER) or {}
    data.setdefault("reference_answer", body.strip())
    return dict(data)


def _describe(err: ValidationError, items_key: str | None, raw: Any) -> list[str]:
    out = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        if items_key and loc and isinstance(loc[0], int) and isinstance(raw, list) and loc[0] < len(raw):
            item = raw[loc[0]]
            if isinstance(item, dict) and "id" in item:
                where = f"{items_key}[{item['id']}]." + ".".join(str(p) for p in loc[1:])
        out.append(f"{where}: {e['msg']}")
    return out


def _validate(model: type[M], data: Any, path: Path, problems: list[str], where: str = "") -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for msg in _describe(exc, None, data):
            problems.append(f"{path}: {where}{msg}")
        return None


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".md") and p.is_file())


def _load_questions(folder: Path, problems: list[str], only: Path | None = None) -> list[Question]:
    out: list[Question] = []
    for path in [only] if only else _files(folder):
        data = _read_yaml(path, problems)
        if data is None:
            continue
        # A file is either one question, or {topic, questions: [...]} sharing the topic.
        if isinstance(data, dict) and "questions" in data:
            topic = data.get("topic")
            items = data["questions"] or []
        else:
            topic, items = None, [data]
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(f"{path}: questions[{i}]: expected a mapping, got {type(item).__name__}")
                continue
            if topic and "topic" not in item:
                item = {**item, "topic": topic}
            label = f"questions[{item.get('id', i)}]."
            q = _validate(Question, item, path, problems, label)
            if q is not None:
                q.source_file = str(path)
                out.append(q)
    return out


def _load_list(
    model: type[M], folder: Path, key: str, problems: list[str], only: Path | None = None
) -> list[M]:
    out: list[M] = []
    for path in [only] if only else _files(folder):
        data = _read_yaml(path, problems)
        if data is None:
            continue
        items = data.get(key, []) if isinstance(data, dict) and key in data else data
        items = items if isinstance(items, list) else [items]
        for i, item in enumerate(items):
            label = f"{key}[{item.get('id', item.get('term', i)) if isinstance(item, dict) else i}]."
            m = _validate(model, item, path, problems, label)
            if m is not None:
                if hasattr(m, "source_file"):
                    m.source_file = str(path)
                out.append(m)
    return out


def check_file(path: Path) -> tuple[int, list[str]]:
    """Validate one question, scenario or glossary file alone: (items loaded, problems)."""
    path = Path(path)
    problems: list[str] = []
    data = _read_yaml(path, problems)
    kind = path.parent.name
    n = 0
    if data is not None and kind == "scenarios":
        n = len(_load_list(Scenario, path.parent, "scenarios", problems, only=path))
    elif data is not None and kind == "glossary":
        n = len(_load_list(GlossaryEntry, path.parent, "terms", problems, only=path))
    elif data is not None:
        n = len(_load_questions(path.parent, problems, only=path))
    return n, problems


def load_rubric(rubrics_dir: Path, problems: list[str] | None = None) -> Rubric | None:
    """Merge every YAML file of rubrics/ into one mapping and validate it."""
    own = problems is None
    problems = [] if problems is None else problems
    merged: dict[str, Any] = {}
    for path in _files(rubrics_dir):
        data = _read_yaml(path, problems)
        if not isinstance(data, dict):
            if data is not None:
                problems.append(f"{path}: expected a mapping at the top level")
            continue
        for key, value in data.items():
            if isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = merged[key] + value
            else:
                merged[key] = value
    if not merged:
        problems.append(f"{rubrics_dir}: no rubric files found (expected levels, scale, bars, dimensions)")
        rubric = None
    else:
        rubric = _validate(Rubric, merged, rubrics_dir, problems)
    if own and problems:
        raise CorpusError(problems)
    return rubric


def digest_files(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in _files(folder):
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def load_corpus(corpus_dir: Path, rubrics_dir: Path) -> Corpus:
    """Validate every file; raise CorpusError listing all problems at once."""
    corpus_dir, rubrics_dir = Path(corpus_dir), Path(rubrics_dir)
    problems: list[str] = []
    if not corpus_dir.is_dir():
        raise CorpusError([f"{corpus_dir}: corpus folder not found; set INTERVIEWER_CORPUS_DIR"])
    questions = _load_questions(corpus_dir / "questions", problems)
    scenarios = _load_list(Scenario, corpus_dir / "scenarios", "scenarios", problems)
    glossary = _load_list(GlossaryEntry, corpus_dir / "glossary", "terms", problems)
    tracks = _load_list(Track, corpus_dir / "tracks", "tracks", problems)
    rubric = load_rubric(rubrics_dir, problems)
    _check_unique(questions, scenarios, problems)
    id_map = load_id_map(corpus_dir, {q.id for q in questions} | {s.id for s in scenarios}, problems)
    topics = {q.topic for q in questions}
    for t in tracks:
        unknown = sorted(set(t.topics) - topics)
        if unknown:
            problems.append(f"{t.id}: track names topics that have no questions: {unknown}")
    if problems or rubric is None:
        raise CorpusError(problems)
    digest = digest_files(corpus_dir, rubrics_dir)
    return Corpus(questions, scenarios, glossary, tracks, rubric, digest, id_map=id_map)


def _check_unique(questions: list[Question], scenarios: list[Scenario], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    items: list[Question | Scenario] = [*questions, *scenarios]
    for item in items:
        if item.id in seen:
            problems.append(f"{item.source_file}: id {item.id!r} is also used in {seen[item.id]}")
        seen[item.id] = item.source_file


if __name__ == "__main__":  # python -m interviewer.corpus.loader FILE...: check files while writing them
    import sys

    bad = 0
    for arg in sys.argv[1:]:
        count, errs = check_file(Path(arg))
        bad += len(errs)
        print(f"{arg}: {count} items, {len(errs)} problems")
        for e in errs:
            print("  " + e)
    raise SystemExit(1 if bad else 0)
