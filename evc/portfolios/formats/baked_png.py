"""Baked PNG badges: OB 2.0 `iTXt openbadges` (or an older `tEXt` URL), OB 3.0 `iTXt openbadgecredential`."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from typing import Any

from PIL import Image

from evc.lib import fetcher
from evc.portfolios.claims import Claim
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.verification.checks import Check

KEYWORDS = ("openbadges", "openbadgecredential")
MAX_PIXELS = 40_000_000  # a badge is an icon; anything this large is refused before decoding
MAX_TEXT = 2 * 1024 * 1024


def check_image(data: bytes) -> None:
    """Refuse huge images from the header, then let Pillow verify the file with its bomb guard on.

    The size is read from IHDR ourselves rather than lowering `Image.MAX_IMAGE_PIXELS`, which is
    process-wide and would affect other threads.
    """
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise FormatError("The PNG image is damaged and cannot be read.")
    width, height = struct.unpack(">II", data[16:24])
    if width * height > MAX_PIXELS:
        raise FormatError("The image is far too large in pixels to be a badge; it is refused as a possible decompression bomb.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FormatError("The image is far too large in pixels to be a badge; it is refused as a possible decompression bomb.") from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise FormatError("The PNG image is damaged and cannot be read.") from exc


def text_chunks(data: bytes) -> dict[str, str]:
    """Keyword -> text of the tEXt/iTXt chunks (bounded; compressed text inflated with a cap)."""
    found: dict[str, str] = {}
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IEND":
            break
        if kind not in (b"tEXt", b"iTXt", b"zTXt") or b"\x00" not in body:
            continue
        keyword, _, rest = body.partition(b"\x00")
        name = keyword.decode("latin-1").lower()
        if name not in KEYWORDS:
            continue
        try:
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                text = _inflate(rest[1:]).decode("latin-1")
            else:
                compressed, _method = rest[0], rest[1]
                _language, _, rest = rest[2:].partition(b"\x00")
                _translated, _, raw = rest.partition(b"\x00")
                text = (_inflate(raw) if compressed else raw).decode("utf-8")
        except (UnicodeDecodeError, zlib.error, IndexError) as exc:
            raise FormatError("The badge data in the image is damaged.") from exc
        found.setdefault(name, text)
    return found


def _inflate(raw: bytes) -> bytes:
    decompressor = zlib.decompressobj()
    out = decompressor.decompress(raw, MAX_TEXT)
    if decompressor.unconsumed_tail:
        raise FormatError("The badge data in the image inflates to more than 2 MB; it is refused.")
    return out


def inspect_baked_text(text: str, ctx: Context, outer: str) -> tuple[str, Claim, list[Check], Any]:
    from evc.portfolios.intake import inspect_document, inspect_text

    stripped = text.strip()
    if not stripped:
        raise FormatError("The badge data in the image is empty.")
    ctx.depth += 1
    if stripped.startswith(("https://", "http://")):
        # Old bakers stored only the hosted assertion's URL.
        try:
            document = fetcher.fetch_json(stripped)
        except fetcher.FetchError as exc:
            raise FormatError("The image only points to its badge at {url}, and that could not be fetched: {error}", url=stripped, error=exc) from exc
        return inspect_document(document, ctx, outer=outer)
    return inspect_text(stripped, ctx, outer=outer)


def inspect(data: bytes, ctx: Context) -> tuple[str, Claim, list[Check], Any]:
    check_image(data)
    chunks = text_chunks(data)
    text = chunks.get("openbadgecredential") or chunks.get("openbadges")
    if text is None:
        raise FormatError("This PNG image is not a baked badge: it holds no Open Badges data.")
    return inspect_baked_text(text, ctx, "baked-png")
