"""Portfolio pages: the applicant's own portfolio and the credential detail (read-only for others)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evc.portfolios.formats.stated_in_text import quoted_source
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
from evc.portfolios.verification.messages import SOURCES

# The European Council's micro-credential elements (claims.MICROCREDENTIAL_ELEMENTS), as shown to people.
# (Spelled out as gettext_lazy: makemessages only extracts the standard names, not an alias such as _lazy.)
ELEMENT_LABELS = {
    "learner": gettext_lazy("Lerende"),
    "title": gettext_lazy("Titel"),
    "awarding_body": gettext_lazy("Uitreikende instelling"),
    "country": gettext_lazy("Land van de instelling"),
    "date": gettext_lazy("Datum van uitgifte"),
    "learning_outcomes": gettext_lazy("Leeruitkomsten"),
    "workload": gettext_lazy("Studielast (EC of uren)"),
    "level": gettext_lazy("Niveau (EQF/NLQF)"),
    "assessment_type": gettext_lazy("Toetsvorm"),
    "participation": gettext_lazy("Vorm van deelname"),
    "quality_assurance": gettext_lazy("Kwaliteitsborging"),
}

# Claim fields (the keys of Claim.sources) as shown in the provenance table.
FIELD_LABELS = {
    "title": gettext_lazy("Titel"),
    "description": gettext_lazy("Beschrijving"),
    "criteria": gettext_lazy("Criteria"),
    "issuer": gettext_lazy("Uitgever"),
    "country": gettext_lazy("Land van de instelling"),
    "recipient": gettext_lazy("Ontvanger"),
    "issued_on": gettext_lazy("Datum van uitgifte"),
    "valid_from": gettext_lazy("Geldig vanaf"),
    "valid_until": gettext_lazy("Geldig tot"),
    "hours": gettext_lazy("Studielast (uren)"),
    "ects": gettext_lazy("Studiepunten (EC)"),
    "eqf_level": gettext_lazy("EQF-niveau"),
    "nlqf_level": gettext_lazy("NLQF-niveau"),
    "language": gettext_lazy("Taal"),
    "learning_outcomes": gettext_lazy("Leeruitkomsten"),
    "assessment_type": gettext_lazy("Toetsvorm"),
    "participation": gettext_lazy("Deelname"),
    "quality_assurance": gettext_lazy("Kwaliteitsborging"),
    "identity_verified": gettext_lazy("Identiteit gecontroleerd"),
    "evidence_text": gettext_lazy("Tekst van het bewijs"),
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
            results.append({"file": name, "ok": False, "message": exc.localized()})
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


def _source_label(value: str) -> str:
    """A source as the provenance table shows it: a known description translated, a quote from one of the
    claim's text fields under that field's label (see formats/stated_in_text.py), else the path as it is."""
    if value in SOURCES:
        return _(value)
    if quoted := quoted_source(value):
        field, words = quoted
        return f"{FIELD_LABELS[field]}: {words}"
    return value


@require_GET
@login_required
def credential_detail(request: HttpRequest, pk: int) -> HttpResponse:
    credential = _get_credential_for_user(request, pk)
    claim = credential.get_claim()
    # The parsed payload (unbaked from an image, decoded from a JWS), shown escaped by the template.
    raw = json.dumps(credential.payload, indent=2, ensure_ascii=False)[:200_000] if credential.payload else ""
    # A source is a path in the credential ("credentialSubject.achievement.name") or one of a few descriptions.
    sources = [(name, FIELD_LABELS.get(name, ""), _source_label(value)) for name, value in sorted(claim.sources.items())]
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
        "is_owner": credential.portfolio.owner_id == request.user.pk,
        "came_from": _came_from(request),
    })


def _came_from(request: HttpRequest) -> str:
    """The page of this site that linked here (an assessor's case or review), as a way back; else "".

    For people other than the owner: their way back cannot be the portfolio, which only its owner opens.
    """
    referer = request.headers.get("referer", "")
    if not referer or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    parts = urlsplit(referer)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "" if parts.path == request.path else path


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
