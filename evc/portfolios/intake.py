"""One entry point for every uploaded credential file: detect, parse, normalise, verify.

`inspect_credential()` never raises for bad input: a rejected file comes back with `error`
set to a sentence a person understands, and `claim` None. It stores nothing. As with check
sentences, `error` is English and `error_template` + `error_params` let a page translate it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from evc.lib import safejson
from evc.portfolios.claims import Claim
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.formats.stated_in_text import complete_from_text
from evc.portfolios.verification.checks import Check, overall
from evc.portfolios.verification.messages import localize

MAX_WRAP_DEPTH = 3

# What the content really is -> file name extensions that may carry it.
EXTENSIONS = {
    "png": {".png"},
    "svg": {".svg", ".svgz"},
    "pdf": {".pdf"},
    "json": {".json", ".jsonld", ".json-ld", ".txt", ".jws", ".jwt", ".ob2", ".ob3"},
    "jws": {".jws", ".jwt", ".txt", ".json"},
    "xml": {".xml"},
}
KNOWN_EXTENSIONS = set().union(*EXTENSIONS.values()) | {".jpg", ".jpeg", ".gif", ".doc", ".docx", ".zip", ".html", ".htm", ".exe"}


@dataclass
class Inspection:
    format: str | None = None
    claim: Claim | None = None
    checks: list[Check] = field(default_factory=list)
    verified: bool | None = None
    error: str | None = None  # English, as in contract 4.2
    error_template: str = ""  # the English msgid `error` was made from (Dutch in locale/nl)
    error_params: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    sha256: str = ""
    media_type: str = ""  # sniffed: image/png, image/svg+xml, application/pdf, application/json, application/jwt

    @property
    def rejected(self) -> bool:
        return self.error is not None

    def checks_as_dicts(self) -> list[dict[str, str]]:
        return [c.to_dict() for c in self.checks]

    def reject(self, error: FormatError) -> Inspection:
        self.error, self.error_template, self.error_params = str(error), error.template, error.params
        return self

    @property
    def localized_error(self) -> str | None:
        """The rejection in the active language (pages); `error` stays English."""
        if self.error is None:
            return None
        return localize(self.error_template, self.error_params, fallback=self.error)


def _max_upload_bytes() -> int:
    from evc.lib.fetcher import _setting

    return int(_setting("EVC_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def sniff(data: bytes) -> str:
    """What the bytes are, judged by content only."""
    head = data[:512].lstrip(b"\xef\xbb\xbf").lstrip()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith((b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"MZ")):
        return "other"
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"<"):
        lowered = data[:4096].lower()
        return "svg" if b"<svg" in lowered else "xml"
    from evc.portfolios.verification.jws import looks_like_compact

    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return "other"
    return "jws" if looks_like_compact(text) else "other"


def _extension_ok(kind: str, filename: str) -> bool:
    extension = os.path.splitext(filename.lower())[1]
    if not extension or extension not in KNOWN_EXTENSIONS:
        return True  # no or unfamiliar extension: the content decides
    return extension in EXTENSIONS.get(kind, set())


MEDIA_TYPES = {
    "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "json": "application/json",
    "jws": "application/jwt", "xml": "application/xml",
}


def inspect_credential(
    data: bytes,
    filename: str,
    *,
    confirmed_emails: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    inspection = Inspection(sha256=hashlib.sha256(data).hexdigest())
    limit = _max_upload_bytes()
    if len(data) > limit:
        return inspection.reject(FormatError("The file is larger than the limit of {mb} MB.", mb=limit // (1024 * 1024)))
    if not data.strip():
        return inspection.reject(FormatError("The file is empty."))
    kind = sniff(data)
    inspection.media_type = MEDIA_TYPES.get(kind, "application/octet-stream")
    if kind == "other":
        return inspection.reject(FormatError(
            "This file type is not supported: upload a badge (JSON, JWS, PNG or SVG), a Europass credential or a PDF certificate."
        ))
    if not _extension_ok(kind, filename):
        return inspection.reject(FormatError(
            "The file's content ({media_type}) does not match its name {name}.",
            media_type=inspection.media_type, name=repr(os.path.basename(filename)),
        ))
    ctx = Context(
        confirmed_emails=[e.lower() for e in confirmed_emails] if confirmed_emails is not None else None,
        now=now or dt.datetime.now(dt.UTC),
    )
    try:
        fmt, claim, checks, payload = dispatch(kind, data, ctx)
    except FormatError as exc:
        return inspection.reject(exc)
    complete_from_text(claim)
    inspection.format, inspection.claim, inspection.checks, inspection.payload = fmt, claim, checks, payload
    inspection.verified = overall(checks) if fmt not in {"pdf", "manual"} else overall_for_unverifiable(checks)
    return inspection


def overall_for_unverifiable(checks: list[Check]) -> bool | None:
    """PDFs and manual entries are evidence, never proof: at best undecided."""
    return False if any(c.status == "failed" for c in checks) else None


def dispatch(kind: str, data: bytes, ctx: Context) -> tuple[str, Claim, list[Check], Any]:
    if ctx.depth > MAX_WRAP_DEPTH:
        raise FormatError("The credential is wrapped too many times.")
    if kind == "png":
        from evc.portfolios.formats import baked_png

        return baked_png.inspect(data, ctx)
    if kind == "svg":
        from evc.portfolios.formats import baked_svg

        return baked_svg.inspect(data, ctx)
    if kind == "pdf":
        from evc.portfolios.formats import pdf

        return pdf.inspect(data, ctx)
    if kind == "xml":
        from evc.portfolios.formats import europass

        return europass.inspect_xml(data, ctx)
    text = _text(data)
    if kind == "jws":
        return inspect_text(text, ctx)
    return inspect_json_text(text, ctx)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError("The file is not UTF-8 text.") from exc


def inspect_text(text: str, ctx: Context, *, outer: str | None = None) -> tuple[str, Claim, list[Check], Any]:
    """A JSON document or a compact JWS/JWT (as found in files and in baked images)."""
    from evc.portfolios.formats import ob2, ob3
    from evc.portfolios.verification.jws import JwsError, looks_like_compact, parse_compact

    stripped = text.strip()
    if not looks_like_compact(stripped):
        return inspect_json_text(stripped, ctx, outer=outer)
    try:
        payload = parse_compact(stripped).payload_json()
    except JwsError as exc:
        raise FormatError.passing_on(exc) from exc
    if isinstance(payload, dict) and ob2.looks_like_assertion(payload):
        claim, checks, payload = ob2.inspect_jws(stripped, ctx)
        fmt = outer or "ob2-signed"
    elif isinstance(payload, dict) and ob3.is_credential(ob3.credential_from_jwt(payload)):
        claim, checks, payload = ob3.inspect_jwt(stripped, ctx)
        fmt = outer or "ob3-jwt"
    else:
        raise FormatError("The signed token does not contain an Open Badges assertion or credential.")
    claim.format = fmt
    return fmt, claim, checks, payload


def inspect_json_text(text: str, ctx: Context, *, outer: str | None = None) -> tuple[str, Claim, list[Check], Any]:
    try:
        document = safejson.loads(text)
    except safejson.JsonShapeError as exc:
        raise FormatError.passing_on(exc) from exc
    return inspect_document(document, ctx, outer=outer)


def inspect_document(document: Any, ctx: Context, *, outer: str | None = None) -> tuple[str, Claim, list[Check], Any]:
    from evc.portfolios.formats import europass, ob2, ob3

    if not isinstance(document, dict):
        raise FormatError("The file is JSON, but not a credential (it is not a JSON object).")
    types = {str(t) for t in (document.get("type") if isinstance(document.get("type"), list) else [document.get("type")])}
    if types & {"BitstringStatusListCredential", "StatusList2021Credential"}:
        raise FormatError("This is an issuer's status (revocation) list, not a credential awarded to someone.")
    if document.get("revoked") is True:
        reason = document.get("revocationReason")
        if isinstance(reason, str) and reason:
            raise FormatError("The issuer has revoked this badge: {reason}.", reason=reason)
        raise FormatError("The issuer has revoked this badge.")
    if europass.is_europass(document):
        claim, checks = europass.inspect(document, ctx)
        return "europass", claim, checks, document
    if ob2.looks_like_assertion(document):
        claim, checks = ob2.inspect(document, ctx)
        fmt = outer or "ob2"
    elif ob3.is_credential(document):
        claim, checks = ob3.inspect(document, ctx)
        fmt = outer or "ob3"
    elif isinstance(document.get("verify"), dict) and set(document) <= {"verify", "@context"}:
        url = document["verify"].get("url", "")
        if url:
            raise FormatError("This is an incomplete, Open Badges 1.0 style badge: it only points to {url} and carries no assertion.", url=url)
        raise FormatError("This is an incomplete, Open Badges 1.0 style badge: it points nowhere and carries no assertion.")
    else:
        raise _not_a_credential(document)
    claim.format = fmt
    return fmt, claim, checks, document


def _not_a_credential(document: dict[str, Any]) -> FormatError:
    from evc.portfolios.verification.common import as_list

    types = [str(t) for t in as_list(document.get("type") or document.get("@type"))]
    # Whole sentences, so that each one can be translated.
    known = {
        "BadgeClass": "This JSON file is a badge description (BadgeClass), not a badge awarded to someone.",
        "Achievement": "This JSON file is an achievement description, not a credential awarded to someone.",
        "Issuer": "This JSON file is an issuer profile, not a badge.",
        "Profile": "This JSON file is an issuer profile, not a badge.",
        "RevocationList": "This JSON file is a revocation list, not a badge.",
        "CryptographicKey": "This JSON file is a public key, not a badge.",
        "Endorsement": "This JSON file is an endorsement, not a badge awarded to someone.",
    }
    for kind in types:
        if kind in known:
            return FormatError(known[kind])
    return FormatError("This JSON file is not a credential this workbench recognises (Open Badges 2.0/3.0 or Europass).")
