"""Business verbs of the reports app: render, sign, store and verify decision documents.

The pure parts live in `rendering`, `signing` and `verification` (they take bytes or the
snapshot dict, no ORM); this module re-exports them and adds the one stateful verb,
`signed_documents_create`.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from evc.reports.errors import RenderError, ReportsError, SigningError
from evc.reports.models import DocumentKind, SignedDocument
from evc.reports.rendering import decision_pdf_render, document_pdf_render, evc_report_pdf_render, verify_url
from evc.reports.signing import decision_pdf_sign, signer_display_name, signer_load
from evc.reports.verification import Reason, Verification, decision_pdf_verify, signature_inspect

__all__ = [
    "Reason",
    "RenderError",
    "ReportsError",
    "SigningError",
    "Verification",
    "decision_pdf_render",
    "decision_pdf_sign",
    "decision_pdf_verify",
    "evc_report_pdf_render",
    "signature_inspect",
    "signed_document_create",
    "signed_documents_create",
    "verify_url",
]

logger = logging.getLogger(__name__)


def signed_document_create(*, decision: Any, kind: str) -> SignedDocument:
    """Render, sign and store one document of a decision, unless it already exists.

    Idempotent and safe under concurrency: the (decision, kind) unique constraint decides
    which of two racing workers wins; the loser discards its file and returns the winner's row.
    Rendering and signing happen outside the transaction (they take a few hundred ms).
    """
    existing = SignedDocument.objects.filter(decision=decision, kind=kind).first()
    if existing is not None:
        return existing
    pdf = decision_pdf_sign(document_pdf_render(decision.snapshot, kind=kind))
    sha = hashlib.sha256(pdf).hexdigest()
    document = SignedDocument(
        decision=decision,
        kind=kind,
        sha256=sha,
        size=len(pdf),
        signer=signer_display_name(signer_load().signing_cert),
        signed_at=timezone.now(),
    )
    document.pdf.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.pdf.storage.delete(document.pdf.name)
        return SignedDocument.objects.get(decision=decision, kind=kind)
    logger.info("signed %s of decision %s (sha256 %s)", kind, decision.public_id, sha)
    return document


def signed_documents_create(*, decision: Any) -> list[SignedDocument]:
    """The decision letter and the EVC report of a decision, signed and stored (idempotent)."""
    return [signed_document_create(decision=decision, kind=kind) for kind in DocumentKind.values]
