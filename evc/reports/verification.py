"""Is this PDF a decision this installation signed, unchanged? (ARCHITECTURE.md §4.4)

Two independent checks must both pass for "authentic":
1. the SHA-256 of the whole file is one we stored when we signed it (byte-for-byte ours), and
2. its signature is intact, covers the whole file and chains to our trust root.
When the hash is unknown, the signature analysis explains why: content added after signing
(an incremental update), bytes altered, a signature made with another key, or no signature.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
from dataclasses import asdict, dataclass
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from evc.reports.rendering import DECISION_ID_KEY
from evc.reports.signing import run_outside_event_loop, signer_display_name, trust_roots_load, tsa_trust_roots

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"


class Reason:
    """Machine-readable outcome codes; the web page translates them, `detail` is English."""

    AUTHENTIC = "authentic"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn_on_appeal"
    NOT_PDF = "not_pdf"
    UNREADABLE = "unreadable"
    UNSIGNED = "unsigned"
    CONTENT_ADDED = "content_added"
    ALTERED = "altered"
    FOREIGN_SIGNER = "foreign_signer"
    SIGNATURE_INVALID = "signature_invalid"
    UNKNOWN_DOCUMENT = "unknown_document"


@dataclass(frozen=True)
class SignatureFindings:
    """What the file itself says, without consulting our records."""

    readable: bool = False
    signature_count: int = 0
    intact: bool = False  # the signed bytes hash to what the signature says
    whole_file: bool = False  # ...and nothing was appended after the signed revision
    crypto_valid: bool = False
    trusted: bool = False  # chains to this installation's trust root
    signer: str = ""
    claimed_decision_id: str | None = None
    error: str = ""
    # PAdES B-T: the time a timestamp authority attests the signature existed, and whether that
    # authority is the one this installation pins for it (EVC_TSA_CERT).
    timestamp: dt.datetime | None = None
    timestamp_trusted: bool = False


@dataclass(frozen=True)
class Verification:
    authentic: bool
    intact: bool
    signature_valid: bool
    signer: str
    decision_id: str | None
    detail: str
    # Additions beyond the §4.4 contract (allowed: "add fields freely").
    reason: str = Reason.UNKNOWN_DOCUMENT
    sha256: str = ""
    document_kind: str | None = None
    decision_status: str | None = None
    superseded_by: str | None = None
    timestamped_at: str | None = None  # ISO 8601 (UTC) from an intact token over our valid signature, else None
    timestamp_trusted: bool | None = None  # None when there is no timestamp

    @property
    def timestamp(self) -> dt.datetime | None:
        """`timestamped_at` as an aware datetime, for display in the reader's time zone."""
        return dt.datetime.fromisoformat(self.timestamped_at) if self.timestamped_at else None

    def as_contract(self) -> dict[str, Any]:
        """The JSON of `verify_decision_pdf --json`: the contract's six fields first, then additions."""
        return asdict(self)


def _claimed_decision_id(reader: PdfFileReader) -> str | None:
    try:
        info = reader.trailer_view.get("/Info")
        value = info.get_object().get("/" + DECISION_ID_KEY) if info is not None else None
    except Exception:  # a damaged /Info is just "no claim"
        return None
    return str(value) if value else None


def signature_inspect(pdf_bytes: bytes) -> SignatureFindings:
    """Analyse the first (our) signature of a PDF against this installation's trust root."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises a zoo of parse errors on damaged files
        return SignatureFindings(error=f"unreadable PDF: {exc}")
    claimed = _claimed_decision_id(reader)
    if not signatures:
        return SignatureFindings(readable=True, claimed_decision_id=claimed)
    context = ValidationContext(
        trust_roots=list(trust_roots_load()), allow_fetching=False, revocation_mode="soft-fail"
    )
    # Trusted timestamps come from the pinned authority only: without EVC_TSA_CERT a timestamp is read but
    # not vouched for (the system's root list would also cost a load on every check).
    ts_context = ValidationContext(trust_roots=list(tsa_trust_roots()), allow_fetching=False,
                                   revocation_mode="soft-fail")
    embedded = signatures[0]
    try:
        status = run_outside_event_loop(validate_pdf_signature, embedded, context, ts_context)
    except Exception as exc:  # a mangled CMS blob or byte range
        logger.info("signature validation failed: %s", exc)
        return SignatureFindings(
            readable=True, signature_count=len(signatures), claimed_decision_id=claimed, error=str(exc)
        )
    try:
        signer = signer_display_name(status.signing_cert)
    except Exception:
        signer = ""
    return SignatureFindings(
        readable=True,
        signature_count=len(signatures),
        intact=bool(status.intact),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1,
        crypto_valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=signer,
        claimed_decision_id=claimed,
        **_timestamp_of(status.timestamp_validity),
    )


def _timestamp_of(token: TimestampSignatureStatus | None) -> dict[str, Any]:
    """A timestamp counts only when its token is intact and its signature valid; a broken one is no timestamp."""
    if token is None or not (token.intact and token.valid):
        return {}
    return {"timestamp": token.timestamp.astimezone(dt.UTC), "timestamp_trusted": bool(token.trusted)}


def _verdict_without_record(findings: SignatureFindings, sha: str, claimed_on_record: bool) -> Verification:
    signature_valid = findings.intact and findings.crypto_valid and findings.trusted
    common = {
        "authentic": False,
        "signer": findings.signer,
        "decision_id": findings.claimed_decision_id,
        "sha256": sha,
    }
    if not findings.readable:
        return Verification(
            intact=False,
            signature_valid=False,
            detail="The file is not a readable PDF (it may be damaged or altered).",
            reason=Reason.UNREADABLE,
            **common,
        )
    if findings.signature_count == 0:
        return Verification(
            intact=False,
            signature_valid=False,
            detail="The PDF carries no signature: it is not a decision this installation signed.",
            reason=Reason.UNSIGNED,
            **common,
        )
    if findings.error:
        return Verification(
            intact=False,
            signature_valid=False,
            detail="The signature cannot be checked: the document was altered after signing or is damaged.",
            reason=Reason.ALTERED,
            **common,
        )
    if not findings.intact:
        return Verification(
            intact=False,
            signature_valid=False,
            detail="The document was altered after signing: its content no longer matches the signature.",
            reason=Reason.ALTERED,
            **common,
        )
    if not findings.whole_file:
        return Verification(
            intact=False,
            signature_valid=signature_valid,
            detail="Content was added to the document after it was signed (an incremental update); "
            "only the original signed version counts.",
            reason=Reason.CONTENT_ADDED,
            **common,
        )
    if not findings.crypto_valid:
        return Verification(
            intact=True,
            signature_valid=False,
            detail="The signature is invalid.",
            reason=Reason.SIGNATURE_INVALID,
            **common,
        )
    if not findings.trusted:
        return Verification(
            intact=True,
            signature_valid=False,
            detail=f"The document is signed with a key this installation does not trust "
            f"({findings.signer or 'unknown signer'}): it is not a decision we signed.",
            reason=Reason.FOREIGN_SIGNER,
            **common,
        )
    if claimed_on_record:
        detail = (
            f"The signature is ours, but this file differs from the document we signed for decision "
            f"{findings.claimed_decision_id}: it was altered after signing."
        )
        return Verification(intact=False, signature_valid=True, detail=detail, reason=Reason.ALTERED, **common)
    return Verification(
        intact=True,
        signature_valid=True,
        detail="The signature validates, but this installation has no record of this exact document.",
        reason=Reason.UNKNOWN_DOCUMENT,
        **common,
    )


def decision_pdf_verify(pdf_bytes: bytes) -> Verification:
    """Report whether `pdf_bytes` is a decision document this installation signed, and why not."""
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    if not pdf_bytes.startswith(PDF_MAGIC):
        return Verification(
            authentic=False,
            intact=False,
            signature_valid=False,
            signer="",
            decision_id=None,
            detail="The file is not a PDF.",
            reason=Reason.NOT_PDF,
            sha256=sha,
        )
    findings = signature_inspect(pdf_bytes)
    verdict = _verdict(findings, sha)
    # Only over our own, valid, unchanged signature: a forger can have any public authority timestamp a
    # signature of their own, and a timestamp over other content attests nothing about this file.
    if findings.timestamp is None or not (verdict.intact and verdict.signature_valid):
        return verdict
    return dataclasses.replace(verdict, timestamped_at=findings.timestamp.isoformat(),
                               timestamp_trusted=findings.timestamp_trusted)


def _verdict(findings: SignatureFindings, sha: str) -> Verification:
    from evc.reports.models import SignedDocument  # models import the app registry; keep this module light

    record = SignedDocument.objects.select_related("decision").filter(sha256=sha).first()
    if record is None:
        claimed_on_record = bool(
            findings.claimed_decision_id
            and SignedDocument.objects.filter(decision__public_id=findings.claimed_decision_id).exists()
        )
        return _verdict_without_record(findings, sha, claimed_on_record)

    decision = record.decision
    signature_valid = findings.intact and findings.crypto_valid and findings.trusted
    intact = findings.intact and findings.whole_file
    base = {
        "intact": intact,
        "signature_valid": signature_valid,
        "signer": findings.signer or record.signer,
        "decision_id": decision.public_id,
        "sha256": sha,
        "document_kind": record.kind,
        "decision_status": decision.status,
    }
    if not (signature_valid and intact):
        # Our own file whose signature no longer validates: the trust root changed (key rotation
        # without keeping the old root) or the stored key was compromised and replaced.
        return Verification(
            authentic=False,
            detail="This installation signed this file, but its signature no longer validates against "
            "the current trust root.",
            reason=Reason.SIGNATURE_INVALID,
            **base,
        )
    # A decision no longer in force names the one that replaced it: a correction, also after an upheld appeal.
    newer_id = decision.replacement_public_id()
    if decision.status == "superseded":
        return Verification(
            authentic=True,
            detail=f"Authentic, but decision {decision.public_id} has been superseded"
            + (f" by decision {newer_id}." if newer_id else ".")
            + " It is no longer in force.",
            reason=Reason.SUPERSEDED,
            superseded_by=newer_id,
            **base,
        )
    if decision.status == "withdrawn_on_appeal":
        return Verification(
            authentic=True,
            detail=f"Authentic, but decision {decision.public_id} was withdrawn on appeal"
            + (f" and replaced by decision {newer_id}." if newer_id else ".")
            + " It is no longer in force.",
            reason=Reason.WITHDRAWN,
            superseded_by=newer_id,
            **base,
        )
    return Verification(
        authentic=True,
        detail=f"Authentic: unchanged since this installation signed it; decision {decision.public_id} is valid.",
        reason=Reason.AUTHENTIC,
        **base,
    )
