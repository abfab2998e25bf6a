"""The JSON form of Python values that crosses the sandbox's pipes (stdlib only: the sandbox imports it too).

Tuples, sets, dicts with any keys and special floats keep their type; numpy values become lists and numbers; a
pandas DataFrame keeps its columns (and becomes a DataFrame again where pandas is loaded, e.g. a generated
argument); anything else becomes an opaque repr that equals nothing.
"""

import math

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported inside the sandbox
    from collections.abc import Callable

MAX_DEPTH = 20


def encode(value: object, depth: int = 0) -> object:
    """A JSON-ready form of `value` that `decode` turns back into an equal value."""
    if depth > MAX_DEPTH:
        return {"__repr__": "<nested too deeply>", "__type__": type(value).__name__}
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        value = value.tolist()
    if type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas"):
        columns = value.to_dict(orient="list")  # type: ignore[attr-defined]
        return {"__frame__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in columns.items()]}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"__repr__": repr(value)[:200], "__type__": type(value).__name__}


def is_plain(value: object, depth: int = 0) -> bool:
    """Whether an encoded value holds no opaque object (what a generator must return)."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        pairs = value.get("__dict__") or value.get("__frame__") or []
        if pairs or "__dict__" in value or "__frame__" in value:
            return all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in pairs)
        inner = value.get("__tuple__", value.get("__set__"))
        return "__float__" in value or (inner is not None and is_plain(inner, depth + 1))
    return True


def decode(
    value: object, opaque: "Callable[[str, str], object] | None" = None, frame: "Callable | None" = None
) -> object:
    """The inverse of `encode`; an opaque value becomes `opaque(type_name, text)` (or a ValueError without it),
    and a DataFrame becomes `frame(columns)` (pandas.DataFrame), or opaque without it."""
    if isinstance(value, list):
        return [decode(v, opaque, frame) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v, opaque, frame) for v in value["__tuple__"])
    if "__frame__" in value and frame is not None:
        return frame({decode(k, opaque): decode(v, opaque) for k, v in value["__frame__"]})
    if "__float__" in value:
        return float(value["__float__"])
    try:
        if "__set__" in value:
            return {decode(v, opaque, frame) for v in value["__set__"]}
        if "__dict__" in value:
            return {decode(k, opaque, frame): decode(v, opaque, frame) for k, v in value["__dict__"]}
    except TypeError:  # an unhashable member: only a broken return value has one
        if opaque is None:
            raise ValueError("an unhashable set member or dict key") from None
        return opaque("set" if "__set__" in value else "dict", repr(value)[:200])
    kind = "DataFrame" if "__frame__" in value else str(value.get("__type__", "object"))
    if opaque is None:
        raise ValueError(f"an object with no plain form ({kind})")
    return opaque(kind, str(value.get("__repr__", f"<{kind}>")))
