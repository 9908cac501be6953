"""Public verification of decision documents, and the authenticated download of them.

The verification pages need no account (employers, other institutions check letters) and
are rate limited per client address; the upload box never stores what it receives.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from evc.core.responses import too_many_requests
from evc.reports.forms import VerifyUploadForm, verify_upload_limit
from evc.reports.models import DocumentKind
from evc.reports.selectors import documents_for_download, public_decision_get
from evc.reports.verification import Reason, Verification, decision_pdf_verify

logger = logging.getLogger(__name__)

PUBLIC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
PAGE_RATE = "60/m"
UPLOAD_RATE = "10/m"


def _limited(request: HttpRequest, group: str, rate: str) -> bool:
    return is_ratelimited(request, group=f"reports.{group}", key="ip", rate=rate, increment=True)


def _too_many(request: HttpRequest) -> HttpResponse:
    return too_many_requests(
        request, heading=_("Te veel verzoeken"), retry_after=60,
        message=_("U hebt in korte tijd veel besluiten opgevraagd of gecontroleerd. Wacht een minuut en probeer het "
                  "dan opnieuw."),
    )


def _reason_message(result: Verification) -> str:
    """A sentence for the page; the command prints the English `detail` instead."""
    messages = {
        Reason.AUTHENTIC: _("Echt: dit document is ongewijzigd sinds de examencommissie het ondertekende."),
        Reason.SUPERSEDED: _(
            "Echt, maar niet meer geldig: dit besluit is vervangen door een correctie."
        ),
        Reason.WITHDRAWN: _("Echt, maar niet meer geldig: dit besluit is na beroep ingetrokken."),
        Reason.NOT_PDF: _("Niet echt: dit bestand is geen PDF-document."),
        Reason.UNREADABLE: _("Niet echt: het PDF-bestand is beschadigd of onleesbaar."),
        Reason.UNSIGNED: _("Niet echt: het document draagt geen handtekening van de examencommissie."),
        Reason.CONTENT_ADDED: _(
            "Niet echt: na de ondertekening is er inhoud aan het document toegevoegd."
        ),
        Reason.ALTERED: _("Niet echt: het document is na de ondertekening gewijzigd."),
        Reason.FOREIGN_SIGNER: _(
            "Niet echt: het document is ondertekend met een sleutel die niet van deze hogeschool is."
        ),
        Reason.SIGNATURE_INVALID: _("Niet echt: de handtekening is ongeldig."),
        Reason.UNKNOWN_DOCUMENT: _("Niet echt: dit document is onbekend; de hogeschool heeft het niet uitgegeven."),
    }
    return messages.get(result.reason, messages[Reason.UNKNOWN_DOCUMENT])


def _check_upload(request: HttpRequest, form: VerifyUploadForm) -> tuple[Verification | None, int]:
    if not form.is_valid():
        return None, form.error_status()
    try:
        return decision_pdf_verify(form.cleaned_data["document"]), 200
    except Exception:  # never a 500 on a stranger's file: log it and say so
        logger.exception("verifying an uploaded PDF failed")
        form.add_error("document", _("Dit bestand kon niet worden gecontroleerd. Probeer het later opnieuw."))
        return None, 422


def _upload_context(form: VerifyUploadForm, result: Verification | None) -> dict[str, object]:
    return {
        "form": form,
        "result": result,
        "result_message": _reason_message(result) if result else "",
        "upload_limit": verify_upload_limit(),
    }


@require_http_methods(["GET", "POST"])
def verify_index(request: HttpRequest) -> HttpResponse:
    """Enter a decision number, or drop a PDF without knowing its number."""
    if _limited(request, "page", PAGE_RATE):
        return _too_many(request)
    status = 200
    result = None
    form = VerifyUploadForm()
    id_error = ""
    if request.method == "POST":
        if _limited(request, "upload", UPLOAD_RATE):
            return _too_many(request)
        form = VerifyUploadForm(request.POST, request.FILES)
        result, status = _check_upload(request, form)
    elif "id" in request.GET:
        public_id = request.GET["id"].strip().upper()
        if PUBLIC_ID_RE.match(public_id):
            return redirect("reports:verify", public_id=public_id)
        id_error = _("Een besluitnummer ziet eruit als EVC-2026-000123.")
        status = 400
    context = {**_upload_context(form, result), "id_error": id_error, "id_value": request.GET.get("id", "")}
    return render(request, "reports/verify_index.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify_decision(request: HttpRequest, public_id: str) -> HttpResponse:
    """The public page of one decision: essentials, status, and an upload box."""
    if _limited(request, "page", PAGE_RATE):
        return _too_many(request)
    decision = public_decision_get(public_id) if PUBLIC_ID_RE.match(public_id) else None
    if decision is None:
        return render(request, "reports/verify_unknown.html", {"public_id": public_id}, status=404)
    status = 200
    result = None
    form = VerifyUploadForm()
    if request.method == "POST":
        if _limited(request, "upload", UPLOAD_RATE):
            return _too_many(request)
        form = VerifyUploadForm(request.POST, request.FILES)
        result, status = _check_upload(request, form)
    context = {**_upload_context(form, result), "decision": decision}
    return render(request, "reports/verify.html", context, status=status)


@require_GET
def verify_redirect(request: HttpRequest, public_id: str) -> HttpResponse:
    return redirect("reports:verify", public_id=public_id, permanent=True)


@require_GET
@login_required
def download_document(request: HttpRequest, public_id: str, kind: str) -> FileResponse:
    """The signed PDF for the applicant of the case, its assessors and the committee; 404 for others."""
    if kind not in DocumentKind.values:
        raise Http404
    document = documents_for_download(request.user, public_id).filter(kind=kind).first()
    if document is None:
        raise Http404
    try:
        handle = document.pdf.open("rb")
    except OSError as exc:  # the row exists but the file is gone: an operator problem, not the user's
        logger.error("signed document %s is missing from storage", document.pk)
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.download_name,
        content_type="application/pdf",
    )
