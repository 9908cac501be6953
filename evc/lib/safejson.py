"""JSON parsing with shape limits: bounded nesting depth and size, clear errors."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JsonShapeError(ValueError):
    """The text is not acceptable JSON. The message is a sentence a person understands."""


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside strings, computed without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    if isinstance(text, bytes):
        if max_bytes is not None and len(text) > max_bytes:
            raise JsonShapeError(f"The JSON document is larger than {max_bytes // 1024} KB.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonShapeError("The file is not UTF-8 text.") from exc
    elif max_bytes is not None and len(text) > max_bytes:
        raise JsonShapeError(f"The JSON document is larger than {max_bytes // 1024} KB.")
    if nesting_depth(text) > max_depth:
        raise JsonShapeError(f"The JSON document is nested more than {max_depth} levels deep.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonShapeError(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from exc
    except RecursionError as exc:  # pragma: no cover - depth is checked above
        raise JsonShapeError("The JSON document is nested too deeply.") from exc
