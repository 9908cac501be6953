"""Baked SVG badges: `<openbadges:assertion>` (OB 2.0) or `<openbadges:credential>` (OB 3.0).

Parsed with defusedxml: no DTDs, no entities, no external references (billion laughs, XXE).
"""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from evc.portfolios.claims import Claim
from evc.portfolios.formats.baked_png import inspect_baked_text
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.verification.checks import Check

OB2_TAG = "{http://openbadges.org}assertion"
OB3_TAG = "{https://purl.imsglobal.org/ob/v3p0}credential"


def inspect(data: bytes, ctx: Context) -> tuple[str, Claim, list[Check], Any]:
    try:
        # A DOCTYPE is allowed (real badges reference the SVG 1.1 DTD; it is never loaded); entity
        # declarations and external references are not.
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FormatError("The SVG file declares XML entities or external references, which are refused for safety.") from exc
    except SafeET.ParseError as exc:
        # The parser's English wording is left out; where it stopped is what helps.
        line, column = getattr(exc, "position", (0, 0))
        raise FormatError("The SVG file is not well-formed XML (line {line}, column {column}).", line=line, column=column + 1) from exc
    if not str(root.tag).endswith("svg"):
        raise FormatError("This XML file is not an SVG image.")
    # (Elements without children are falsy, so no `or` here.)
    node = next(iter(root.iter(OB3_TAG)), None)
    if node is None:
        node = next(iter(root.iter(OB2_TAG)), None)
    if node is None:
        raise FormatError("This SVG image is not a baked badge: it holds no Open Badges data.")
    text = (node.text or "").strip()
    verify = node.get("verify") or ""
    return inspect_baked_text(text or verify, ctx, "baked-svg")
