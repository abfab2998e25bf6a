"""corpus/id_map.yaml: the id that now stands for each question that was merged, renamed or cut.

Stored sessions, review rows, calibration examples and labelled answers keep the ids they were made with; they
are read through this map, so a merged question's history lands on the question that replaced it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

FILE = "id_map.yaml"


def load_id_map(corpus_dir: Path, current_ids: set[str], problems: list[str]) -> dict[str, str]:
    """Read and check the map (old id -> new id); an absent file is an empty map. Problems are appended."""
    path = Path(corpus_dir) / FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        problems.append(f"{path}: not valid YAML: {exc}".replace("\n", " "))
        return {}
    renamed = data.get("renamed") if isinstance(data, dict) else None
    unknown_keys = sorted(set(data) - {"renamed"}) if isinstance(data, dict) else []
    if unknown_keys or not isinstance(renamed, dict):
        problems.append(
            f"{path}: expected one mapping `renamed:` of old id -> new id (found {unknown_keys or data!r})"
        )
        return {}
    out = {str(k): str(v) for k, v in renamed.items()}
    problems.extend(f"{path}: {p}" for p in id_map_problems(out, current_ids))
    return out


def id_map_problems(id_map: dict[str, str], current_ids: set[str]) -> list[str]:
    """What is wrong with a map: a target that does not exist, an old id still in use, a chain or a cycle."""
    out = []
    for old, new in sorted(id_map.items()):
        if old in current_ids:
            out.append(f"renamed.{old}: {old!r} is still a question or scenario id; remove it from the map")
        if new in id_map:
            # a chain a -> b -> c (a cycle is a chain that comes back): point every old id at the final one
            out.append(f"renamed.{old}: {new!r} is itself renamed; map {old!r} straight to the id in use now")
        elif new not in current_ids:
            out.append(f"renamed.{old}: the new id {new!r} is no question or scenario of the corpus")
    return out


def resolve_id(id_map: dict[str, str], item_id: str) -> str:
    """The id in use now for a stored id: a question id, or `scenario#stage` (its scenario part is mapped)."""
    head, sep, stage = item_id.partition("#")
    return id_map.get(head, head) + sep + stage
