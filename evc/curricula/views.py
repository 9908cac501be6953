"""The public catalogue browser: programmes → units → outcomes, searchable. No login needed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from evc.curricula import selectors
from evc.curricula.forms import CurriculumImportForm
from evc.curricula.models import Programme
from evc.curricula.services import CurriculumImportError, curriculum_import


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    context = {
        "programmes": selectors.programme_list(),
        "query": query,
        "results": selectors.outcome_search(query) if query else None,
    }
    template = "curricula/programme_list.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(Programme, code=code)
    year = request.GET.get("jaar") or None
    version = selectors.version_for(programme, year)
    if year and version is None:
        raise Http404
    return render(
        request,
        "curricula/programme_detail.html",
        {
            "programme": programme,
            "version": version,
            "versions": programme.versions.order_by("-academic_year"),
            "units": selectors.units_of(version) if version else [],
        },
    )


@require_GET
def unit_detail(request: HttpRequest, code: str, year: str, unit_code: str) -> HttpResponse:
    programme = get_object_or_404(Programme, code=code)
    version = get_object_or_404(programme.versions, academic_year=year)
    unit = get_object_or_404(version.units, code=unit_code)
    return render(
        request,
        "curricula/unit_detail.html",
        {"programme": programme, "version": version, "unit": unit, "outcomes": unit.outcomes.all()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def curriculum_upload(request: HttpRequest) -> HttpResponse:
    """Administrators load a year's catalogue from a spreadsheet; a bad file changes nothing."""
    if not request.user.is_administrator:  # type: ignore[union-attr]
        raise PermissionDenied(_("Alleen beheerders laden de catalogus in."))
    form = CurriculumImportForm(request.POST or None, request.FILES or None)
    summary, errors = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = curriculum_import(
                upload, filename=upload.name, academic_year=form.cleaned_data["academic_year"]
            )
        except CurriculumImportError as exc:
            errors = exc.errors
    status = 400 if (form.errors or errors) else 200
    return render(
        request,
        "curricula/upload.html",
        {"form": form, "summary": summary, "errors": errors},
        status=status,
    )
