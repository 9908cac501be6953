"""JSON parsing with shape limits: bounded nesting depth and size, clear errors."""

from __future__ import annotations

import json
import math
from typing import Any

from evc.lib.sentences import SentenceError

MAX_DEPTH = 64


class JsonShapeError(SentenceError):
    """The text is not acceptable JSON. The message is a sentence a person understands (its templates
    below are msgids as well)."""


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


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN, Infinity and -Infinity, which JSON does not have; a database refuses them.
    raise JsonShapeError("The file is not valid JSON: it contains {value}, which is not a number in JSON.", value=name)


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise JsonShapeError("The file is not valid JSON: the number {value} is too large.", value=text[:40])
    return number


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    if isinstance(text, bytes):
        if max_bytes is not None and len(text) > max_bytes:
            raise JsonShapeError("The JSON document is larger than {kb} KB.", kb=max_bytes // 1024)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonShapeError("The file is not UTF-8 text.") from exc
    elif max_bytes is not None and len(text) > max_bytes:
        raise JsonShapeError("The JSON document is larger than {kb} KB.", kb=max_bytes // 1024)
    if nesting_depth(text) > max_depth:
        raise JsonShapeError("The JSON document is nested more than {depth} levels deep.", depth=max_depth)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except JsonShapeError:
        raise
    except json.JSONDecodeError as exc:
        # The parser's own wording ("Expecting value") is left out: it is English and means little to a reader.
        raise JsonShapeError("The file is not valid JSON (line {line}, column {column}).", line=exc.lineno, column=exc.colno) from exc
    except RecursionError as exc:  # pragma: no cover - depth is checked above
        raise JsonShapeError("The JSON document is nested too deeply.") from exc
    except ValueError as exc:
        # An integer of thousands of digits exceeds Python's conversion limit (sys.get_int_max_str_digits).
        raise JsonShapeError("The file is not valid JSON: a number in it is too long.") from exc
