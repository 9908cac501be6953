"""Employer pages: upload with preview, mapping runs with progress, results, invitations.

Employer representatives see their own organisation only (another organisation's
run is a 404); every other role is refused. Employees reach their own mapping only
through an invitation they accepted.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from evc.accounts.models import Organisation, Role, User
from evc.curricula.models import Programme
from evc.employers import inventory, services
from evc.employers.exports import report_csv, report_xlsx
from evc.employers.forms import ColumnMappingForm, ConsentForm, InviteForm, RunForm, UploadForm
from evc.employers.mapping import combined_units, employee_mapping
from evc.employers.models import MappingRun, StaffInvitation
from evc.employers.report import build_report, colour_for
from evc.employers.uploads import InventoryUploadHandler

PREVIEW_ROWS = 5
PREVIEW_PROBLEMS = 50


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def _organisation_for(request: AuthenticatedHttpRequest) -> Organisation:
    user = request.user
    if user.role != Role.EMPLOYER or user.organisation_id is None:
        raise PermissionDenied(_("Deze pagina is voor werkgeversvertegenwoordigers."))
    return user.organisation  # type: ignore[return-value]


def _get_run_for_user(request: AuthenticatedHttpRequest, pk: int) -> MappingRun:
    organisation = _organisation_for(request)
    return get_object_or_404(
        MappingRun.objects.select_related("organisation"), pk=pk, organisation=organisation
    )


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- dashboard ----------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = _organisation_for(request)
    current = services.current_import(organisation)
    latest = services.latest_done_run(organisation)
    context = {
        "organisation": organisation,
        "current": current,
        "distinct_texts": current.entries.values("text_hash").distinct().count() if current else 0,
        "runs": organisation.mapping_runs.all()[:10],
        "latest": latest,
        "run_form": RunForm(initial={"programmes": latest.programme_codes if latest else []}),
        "invite_form": InviteForm(),
        "upload_form": UploadForm(),
        "min_group": settings.EVC_MIN_GROUP_SIZE,
    }
    return render(request, "employers/dashboard.html", context)


# --- upload, preview, import --------------------------------------------------------


def _headers_signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(headers).encode()).hexdigest()[:16]


@csrf_exempt  # only so the upload handler can be swapped first; _upload checks the token
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the form. POST action=preview: the preview. POST action=import: import all or nothing."""
    handler = InventoryUploadHandler(request)
    request.upload_handlers = [handler]
    return _upload(request, handler)


@csrf_protect
def _upload(request: AuthenticatedHttpRequest, handler: InventoryUploadHandler) -> HttpResponse:
    organisation = _organisation_for(request)
    template = "employers/upload.html"
    if request.method == "GET":
        return render(request, template, {"organisation": organisation, "form": UploadForm()})

    form = UploadForm(request.POST, request.FILES)
    context: dict[str, Any] = {"organisation": organisation, "form": form}
    partial = f"{template}#preview" if _is_htmx(request) else template
    bad_status = 200 if _is_htmx(request) else 400
    if handler.too_large:
        context["error"] = _("Het bestand is groter dan %(max)s MB; splits het in delen.") % {
            "max": settings.EVC_MAX_STAFF_UPLOAD_BYTES // (1024 * 1024)
        }
        return render(request, partial, context, status=bad_status if _is_htmx(request) else 413)
    if not form.is_valid():
        context["error"] = " ".join(e for errors in form.errors.values() for e in errors)
        return render(request, partial, context, status=bad_status)
    upload_file = form.cleaned_data["file"]
    data = upload_file.read()
    try:
        table = inventory.read_table(data, upload_file.name)
    except inventory.InventoryError as exc:
        context["error"] = str(exc)
        return render(request, partial, context, status=bad_status)

    signature = _headers_signature(table.headers)
    guessed = inventory.guess_mapping(table.headers)
    if request.POST.get("headers_signature") == signature:
        mapping_form = ColumnMappingForm(request.POST, headers=table.headers)
    else:
        # A new file: start from the columns we recognise.
        mapping_form = ColumnMappingForm(
            initial={f"map_{k}": ("" if v is None else str(v)) for k, v in guessed.items()},
            headers=table.headers,
        )
    mapping = mapping_form.mapping() if mapping_form.is_bound and mapping_form.is_valid() else guessed
    mapping_errors = inventory.mapping_problems(mapping, table.headers)
    validation = inventory.validate_rows(table, mapping) if not mapping_errors else inventory.Validation()

    if request.POST.get("action") == "import" and mapping_form.is_bound and mapping_form.is_valid():
        try:
            staff_import = services.staff_import_create(
                organisation=organisation,
                table=table,
                mapping=mapping,
                filename=upload_file.name,
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=request.user,
            )
        except services.EmployerError as exc:
            context["error"] = str(exc)
        else:
            messages.success(
                request,
                _(
                    "%(rows)s regels van %(staff)s medewerkers ingelezen. Kies nu de opleidingen om mee te vergelijken."
                )
                % {"rows": staff_import.row_count, "staff": staff_import.staff_count},
            )
            if _is_htmx(request):
                return HttpResponseClientRedirect(reverse("employers:dashboard"))
            return redirect("employers:dashboard")

    mapped_columns = {v: k for k, v in mapping.items() if v is not None}
    context.update(
        {
            "table": table,
            "headers": [(i, h, mapped_columns.get(i)) for i, h in enumerate(table.headers)],
            "sample": table.rows[:PREVIEW_ROWS],
            "mapping_form": mapping_form,
            "headers_signature": signature,
            "mapping_errors": mapping_errors,
            "problems": validation.problems[:PREVIEW_PROBLEMS],
            "problem_count": len(validation.problems),
            "valid_rows": len(validation.rows),
            "staff_count": len({r.employee_ref.casefold() for r in validation.rows}),
            "can_import": not mapping_errors and not validation.problems and bool(validation.rows),
        }
    )
    status = 200 if _is_htmx(request) or context["can_import"] else 400
    if context.get("error"):
        status = bad_status
    return render(request, partial, context, status=status)


# --- mapping runs --------------------------------------------------------------------


@login_required
@require_POST
def run_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = _organisation_for(request)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies minstens één opleiding."))
        return redirect("employers:dashboard")
    try:
        run = services.mapping_run_start(
            organisation=organisation,
            programme_codes=[p.code for p in form.cleaned_data["programmes"]],
            created_by=request.user,
        )
    except services.EmployerError as exc:
        messages.error(request, str(exc))
        return redirect("employers:dashboard")
    return redirect("employers:run_detail", pk=run.pk)


@login_required
@require_GET
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    if _is_htmx(request) and request.GET.get("poll"):
        # The progress bar polls here; once finished, reload the page to show the results.
        if run.is_finished:
            return HttpResponseClientRefresh()
        return render(request, "employers/run_detail.html#progress", {"run": run})
    group_by = request.GET.get("groep", "department")
    report = (
        build_report(run.result, group_by=group_by)
        if run.status == MappingRun.Status.DONE and run.result
        else None
    )
    context = {"run": run, "report": report, "heat_rows": _heat_rows(report) if report else []}
    return render(request, "employers/run_detail.html", context)


def _heat_rows(report: Any) -> list[dict[str, Any]]:
    units = {u.ref: u for u in report.units}
    rows = []
    for row in report.rows:
        cells = []
        for cell in row.cells:
            background, foreground = colour_for(cell.share)
            cells.append(
                {
                    "cell": cell,
                    "unit": units[cell.unit_ref],
                    "background": background,
                    "foreground": foreground,
                    "percent": None if cell.share is None else round(100 * cell.share),
                }
            )
        rows.append({"row": row, "cells": cells})
    return rows


@login_required
@require_POST
def run_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    try:
        services.mapping_run_retry(run=run, actor=request.user)
    except services.EmployerError as exc:
        messages.error(request, str(exc))
    return redirect("employers:run_detail", pk=run.pk)


@login_required
@require_GET
def run_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    if run.status != MappingRun.Status.DONE or not run.result:
        raise Http404(_("Deze koppeling is nog niet klaar."))
    report = build_report(run.result, group_by=request.GET.get("groep", "department"))
    name = f"competenties-{slugify(run.organisation.code)}-{run.pk}"
    if fmt in ("xlsx", "csv"):
        services.audit(
            organisation=run.organisation,
            actor=request.user,
            action="evc.employers.exported",
            run=run.pk,
            format=fmt,
        )
    if fmt == "xlsx":
        response = HttpResponse(
            report_xlsx(report, organisation_name=run.organisation.name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    if fmt == "csv":
        # BOM so that Dutch Excel opens the UTF-8 file with the right characters.
        response = HttpResponse("\ufeff" + report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    raise Http404


# --- invitations ---------------------------------------------------------------------


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = _organisation_for(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                organisation=organisation,
                employee_ref=form.cleaned_data["employee_ref"],
                email=form.cleaned_data["email"],
                invited_by=request.user,
            )
        except services.EmployerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("De uitnodiging is verstuurd. Het adres is niet bewaard."))
    else:
        messages.error(request, _("Vul een personeelsnummer en een geldig e-mailadres in."))
    return redirect("employers:dashboard")


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail. Shows nothing about the employee until they log in and accept."""
    found = services.invitation_for_token(token)
    if found is None:
        return render(request, "employers/invitation.html", {"invalid": True}, status=404)
    user = request.user
    if user.is_authenticated and found.accepted_by_id == user.pk:
        return redirect("employers:my_mapping", pk=found.pk)
    return render(
        request,
        "employers/invitation.html",
        {
            "invitation": found,
            "token": token,
            "organisation": found.organisation,
            "min_group": settings.EVC_MIN_GROUP_SIZE,
        },
    )


@login_required
@require_POST
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    try:
        accepted = services.invitation_accept(token=token, user=request.user)
    except services.EmployerError as exc:
        messages.error(request, str(exc))
        if services.invitation_for_token(token) is None:
            raise Http404(str(exc)) from exc
        return redirect("employers:invitation", token=token)
    return redirect("employers:my_mapping", pk=accepted.pk)


def _get_invitation_for_user(request: AuthenticatedHttpRequest, pk: int) -> StaffInvitation:
    return get_object_or_404(
        StaffInvitation.objects.select_related("organisation"), pk=pk, accepted_by=request.user
    )


@login_required
@require_GET
def my_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    accepted = _get_invitation_for_user(request, pk)
    run = services.latest_done_run(accepted.organisation)
    if run is not None:
        items = employee_mapping(run, accepted.employee_key)
    else:
        items = [{"entry": e, "units": []} for e in services.invitation_entries(accepted)]
    suggested = None
    if run is not None and run.programme_codes:
        suggested = run.programme_codes[0]
    form = ConsentForm(initial={"programme": suggested})
    return render(
        request,
        "employers/my_mapping.html",
        {"invitation": accepted, "run": run, "items": items, "combined": combined_units(items), "form": form},
    )


@login_required
@require_POST
def invitation_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    accepted = _get_invitation_for_user(request, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies een opleiding en vink de toestemming aan."))
        return redirect("employers:my_mapping", pk=accepted.pk)
    programme: Programme = form.cleaned_data["programme"]
    already = accepted.consent_at is not None
    try:
        services.invitation_consent(invitation=accepted, user=request.user, programme_code=programme.code)
    except services.EmployerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Je had al toestemming gegeven; je aanvraag staat klaar.") if already
                         else _("Je EVC-aanvraag is klaargezet met de gegevens uit de inventaris."))
    return redirect("employers:my_mapping", pk=accepted.pk)
