"""Portfolio pages: the applicant's own portfolio and the credential detail (read-only for others)."""

from __future__ import annotations

import json

import markdown
import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evc.portfolios.forms import EvidenceForm, ManualForm, UploadForm
from evc.portfolios.models import Credential
from evc.portfolios.selectors import credential_editable_by, credential_visible_to
from evc.portfolios.services import (
    CredentialRejected,
    PortfolioError,
    credential_add_manual,
    credential_import,
    credential_remove,
    evidence_add,
    portfolio_for,
)

# The European Council's micro-credential elements (claims.MICROCREDENTIAL_ELEMENTS), as shown to people.
ELEMENT_LABELS = {
    "learner": _lazy("Lerende"),
    "title": _lazy("Titel"),
    "awarding_body": _lazy("Uitreikende instelling"),
    "country": _lazy("Land van de instelling"),
    "date": _lazy("Datum van uitgifte"),
    "learning_outcomes": _lazy("Leeruitkomsten"),
    "workload": _lazy("Studielast (EC of uren)"),
    "level": _lazy("Niveau (EQF/NLQF)"),
    "assessment_type": _lazy("Toetsvorm"),
    "participation": _lazy("Vorm van deelname"),
    "quality_assurance": _lazy("Kwaliteitsborging"),
}

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4", "h5"}


def render_markdown(text: str) -> str:
    """Badge criteria are Markdown written by strangers: sanitised, no scripts, no javascript: links."""
    html = markdown.markdown(text or "", extensions=[], output_format="html")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer nofollow"))  # noqa: S308 - sanitised by nh3


def _require_applicant(request: HttpRequest) -> None:
    """Only applicants keep a portfolio (staff read credentials through their cases)."""
    if not getattr(request.user, "is_applicant", False):
        raise PermissionDenied(_("Alleen aanvragers hebben een portfolio."))


def _get_credential_for_user(request: HttpRequest, pk: int) -> Credential:
    credential = get_object_or_404(Credential.objects.select_related("portfolio"), pk=pk)
    if not credential_visible_to(request.user, credential):
        raise Http404
    return credential


def _page(request: HttpRequest, *, status: int = 200, upload_form: UploadForm | None = None, manual_form: ManualForm | None = None,
          evidence_form: EvidenceForm | None = None, results: list[dict] | None = None) -> HttpResponse:
    portfolio = portfolio_for(request.user)
    credentials = list(portfolio.credentials.prefetch_related("checks"))
    context = {
        "portfolio": portfolio,
        "credentials": credentials,
        "evidence": portfolio.evidence.filter(credential__isnull=True),
        "upload_form": upload_form or UploadForm(),
        "manual_form": manual_form or ManualForm(),
        "evidence_form": evidence_form or EvidenceForm(credentials=credentials),
        "results": results or [],
        "max_upload_mb": settings.EVC_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    template = "portfolios/portfolio.html#results" if request.htmx and results is not None else "portfolios/portfolio.html"
    return render(request, template, context, status=status)


@require_GET
@login_required
def portfolio_page(request: HttpRequest) -> HttpResponse:
    _require_applicant(request)
    return _page(request)


@require_POST
@login_required
def credential_upload(request: HttpRequest) -> HttpResponse:
    _require_applicant(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, status=400, upload_form=form, results=[])
    results = []
    for upload in form.cleaned_data["files"]:
        name = upload.name or "upload"
        if upload.size > settings.EVC_MAX_UPLOAD_BYTES:
            results.append({"file": name, "ok": False, "message": _("Het bestand is groter dan %(mb)s MB.") % {"mb": settings.EVC_MAX_UPLOAD_BYTES // (1024 * 1024)}})
            continue
        try:
            credential, _inspection = credential_import(applicant=request.user, data=upload.read(), filename=name)
        except CredentialRejected as exc:
            results.append({"file": name, "ok": False, "message": str(exc)})
        else:
            results.append({"file": name, "ok": True, "credential": credential, "message": credential.status_label})
    status = 200 if all(r["ok"] for r in results) else 400
    return _page(request, status=status, results=results)


@require_POST
@login_required
def manual_add(request: HttpRequest) -> HttpResponse:
    _require_applicant(request)
    form = ManualForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, manual_form=form)
    try:
        credential = credential_add_manual(applicant=request.user, **form.cleaned_data)
    except PortfolioError as exc:
        form.add_error(None, str(exc))
        return _page(request, status=400, manual_form=form)
    messages.success(request, _("“%(title)s” is toegevoegd.") % {"title": credential.title})
    return redirect("portfolios:portfolio")


@require_POST
@login_required
def evidence_create(request: HttpRequest) -> HttpResponse:
    _require_applicant(request)
    portfolio = portfolio_for(request.user)
    credentials = list(portfolio.credentials.all())
    form = EvidenceForm(request.POST, request.FILES, credentials=credentials)
    if not form.is_valid():
        return _page(request, status=400, evidence_form=form)
    data = form.cleaned_data
    credential = next((c for c in credentials if c.pk == data.get("credential")), None)
    upload = data.get("file")
    try:
        if upload is not None and upload.size > settings.EVC_MAX_UPLOAD_BYTES:
            raise PortfolioError(_("Het bestand is groter dan de toegestane omvang."))
        evidence_add(
            applicant=request.user, title=data["title"], credential=credential,
            data=upload.read() if upload else None, filename=upload.name if upload else "", url=data.get("url") or "",
        )
    except PortfolioError as exc:
        form.add_error(None, str(exc))
        return _page(request, status=400, evidence_form=form)
    messages.success(request, _("Het bewijsstuk is toegevoegd."))
    return redirect("portfolios:portfolio")


@require_GET
@login_required
def credential_detail(request: HttpRequest, pk: int) -> HttpResponse:
    credential = _get_credential_for_user(request, pk)
    claim = credential.get_claim()
    # The parsed payload (unbaked from an image, decoded from a JWS), shown escaped by the template.
    raw = json.dumps(credential.payload, indent=2, ensure_ascii=False)[:200_000] if credential.payload else ""
    sources = [(name, value) for name, value in sorted(claim.sources.items())]
    return render(request, "portfolios/credential_detail.html", {
        "credential": credential,
        "claim": claim,
        "criteria_html": render_markdown(claim.criteria),
        "description_html": render_markdown(claim.description),
        "checks": credential.checks.all(),
        "missing": [ELEMENT_LABELS.get(name, name) for name in claim.missing_microcredential_elements()],
        "sources": sources,
        "raw": raw,
        "evidence": credential.evidence.all(),
        "editable": credential_editable_by(request.user, credential),
    })


@require_http_methods(["GET", "POST"])
@login_required
def credential_delete(request: HttpRequest, pk: int) -> HttpResponse:
    credential = _get_credential_for_user(request, pk)
    if not credential_editable_by(request.user, credential):
        raise Http404
    if request.method == "POST":
        title = credential.title
        try:
            credential_remove(applicant=request.user, credential=credential)
        except PortfolioError as exc:
            messages.error(request, str(exc))
            return render(
                request, "portfolios/credential_confirm_delete.html", {"credential": credential}, status=409
            )
        messages.success(request, _("“%(title)s” is verwijderd.") % {"title": title})
        return redirect("portfolios:portfolio")
    return render(request, "portfolios/credential_confirm_delete.html", {"credential": credential})
