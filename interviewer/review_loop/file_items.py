"""One item of a corpus file as text: find a question's (term's, track's) lines in a YAML list file, and put an
edited item back without touching a byte of the rest, so the editor can show one question at a time.

The files are hand-formatted (folded text, comments between levels), so nothing is loaded and dumped again: an
item is the run of lines from its `- ` at the list's indentation to the next one.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import yaml

LIST_KEYS = ("questions", "scenarios", "terms", "tracks")
LABEL_KEYS = ("id", "term", "name")


@dataclass(frozen=True)
class Item:
    key: str
    """The item's id (or term), which the picker shows and the editor opens by."""
    label: str
    start: int
    end: int
    """Line numbers, end exclusive; trailing blank lines and comments stay with the file, not the item."""
    indent: int


def items(content: str) -> list[Item]:
    """The items of the first top-level list (questions, scenarios, terms, tracks) of a YAML file; [] for others."""
    lines = content.splitlines(keepends=True)
    head = next(
        (i for i, ln in enumerate(lines) if re.match(rf"^({'|'.join(LIST_KEYS)}):\s*(#.*)?$", ln)), None
    )
    if head is None:
        return []
    starts: list[int] = []
    indent = -1
    for i in range(head + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        width = len(line) - len(line.lstrip(" "))
        if indent < 0 and line.lstrip().startswith("- "):
            indent = width
        if width < indent or (indent < 0 and width == 0) or (width == 0 and not line.startswith("- ")):
            break  # the list ended: the next top-level key
        if width == indent and line[width:].startswith("- "):
            starts.append(i)
    bounds = [*starts, _list_end(lines, starts, indent)]
    out: list[Item] = []
    for start, nxt in zip(starts, bounds[1:], strict=False):
        end = nxt
        while end > start + 1 and (not lines[end - 1].strip() or _is_comment_at(lines[end - 1], indent)):
            end -= 1
        block = "".join(lines[start:end])
        key, label = _key_and_label(block)
        out.append(Item(key or f"item {len(out) + 1}", label, start, end, indent))
    return out


def _is_comment_at(line: str, indent: int) -> bool:
    return line.lstrip().startswith("#") and len(line) - len(line.lstrip(" ")) <= indent


def _list_end(lines: list[str], starts: list[int], indent: int) -> int:
    if not starts:
        return len(lines)
    for i in range(starts[-1] + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.lstrip().startswith("#"):
            width = len(line) - len(line.lstrip(" "))
            if width < indent or (width == indent and not line[width:].startswith("- ")):
                return i
    return len(lines)


def _key_and_label(block: str) -> tuple[str, str]:
    try:
        data = yaml.safe_load(textwrap.dedent(block))
    except yaml.YAMLError:
        data = None
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    key = next((str(entry[k]) for k in LABEL_KEYS if entry.get(k)), "")
    words = " ".join(str(entry.get("text") or entry.get("title") or entry.get("definition") or "").split())
    label = f"{key}: {words[:70]}{'...' if len(words) > 70 else ''}" if words else key
    return key, label


def item_text(content: str, key: str) -> str:
    """The lines of one item, dedented so that its `- ` starts the first line."""
    item = _find(content, key)
    lines = content.splitlines(keepends=True)[item.start : item.end]
    return "".join(
        ln[item.indent :] if ln.rstrip("\n") and not ln[: item.indent].strip() else ln for ln in lines
    )


def replace_item(content: str, key: str, edited: str) -> str:
    """The file with one item's lines replaced by `edited` (indented back to the list's indentation)."""
    item = _find(content, key)
    try:
        parsed = yaml.safe_load(edited)
    except yaml.YAMLError as exc:
        raise ValueError(f"the edited item is not valid YAML: {exc}") from None
    if not (isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], dict)):
        raise ValueError(
            "the edited text must stay one list item that starts with '- ' (one question at a time)"
        )
    lines = content.splitlines(keepends=True)
    pad = " " * item.indent
    body = "".join(
        pad + ln if ln.rstrip("\n") else ln for ln in edited.rstrip("\n").splitlines(keepends=True)
    )
    return "".join(lines[: item.start]) + body + "\n" + "".join(lines[item.end :])


def _find(content: str, key: str) -> Item:
    for item in items(content):
        if item.key == key:
            return item
    raise ValueError(f"no item {key!r} in this file (it may have been renamed: pick it again)")
