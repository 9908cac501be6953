"""Pages of the assessment workflow. Each view: fetch with permission, call one service, respond.

Other people's cases answer 404 (their existence is not revealed); your own case with an action
your role may not take answers 403.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from evc.accounts.models import Role, User
from evc.curricula.models import LearningOutcome, Programme, Unit
from evc.reports.rendering import committee_display

from . import selectors, services
from .forms import (
    AdviceForm,
    AppealForm,
    AppealResolveForm,
    AssignForm,
    CaseEditForm,
    CaseStartForm,
    CorrectionReasonForm,
    EvidenceRequestForm,
    NoteForm,
    QueueFilterForm,
    ReviewForm,
    UnitDecisionForm,
    WithdrawForm,
)
from .models import (
    Appeal,
    AuditEntry,
    Case,
    CaseState,
    Decision,
    DecisionProposal,
    DecisionStatus,
    UnitAdvice,
)
from .review import review_sheet
from .services import WorkflowError

STAFF = (Role.ASSESSOR, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.ADMIN)


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _get_case_for_user(request: AuthenticatedHttpRequest, pk: int, *, for_update: bool = False) -> Case:
    """The case if this person may see it, else 404 (whether it exists is nobody else's business)."""
    qs = selectors.cases_visible_to(request.user).select_related("applicant", "version__programme")
    case = qs.filter(pk=pk).first()
    if case is None:
        raise Http404(_("Dit dossier bestaat niet of is niet van jou."))
    return case


def _require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise PermissionDenied(message or _("Dit mag je rol niet doen."))


def _refused(request: HttpRequest, exc: WorkflowError) -> None:
    messages.error(request, exc.message)


# --- applicant -----------------------------------------------------------------------------------


@login_required
@require_GET
def my_cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request.user.role == Role.APPLICANT)
    cases = (
        Case.objects.filter(applicant=request.user)
        .select_related("version__programme")
        .prefetch_related(Prefetch("decisions", queryset=Decision.objects.order_by("-decided_at")))
        .order_by("-created_at")
    )
    return render(request, "assessments/my_cases.html", {"cases": cases})


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request.user.role == Role.APPLICANT)
    form = CaseStartForm(request.POST or None, initial={"version": request.GET.get("version")})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=request.user, version=form.cleaned_data["version"])
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("assessments:case_edit", pk=case.pk)
    return render(request, "assessments/case_create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    _require(case.applicant_id == request.user.pk)
    if case.state not in (CaseState.DRAFT, CaseState.MORE_EVIDENCE_REQUESTED):
        messages.error(request, _("Een ingediende aanvraag kun je niet meer wijzigen."))
        return redirect("assessments:case_detail", pk=case.pk)
    initial = {"units": case.units.all(), "motivation": case.motivation, "credentials": case.credentials.all(),
               "evidence": case.evidence.all()}
    form = CaseEditForm(request.POST or None, version=case.version, owner=request.user, initial=initial)
    if case.state == CaseState.MORE_EVIDENCE_REQUESTED:
        form.fields["units"].disabled = True  # the scope is fixed once assessment has started
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                actor=request.user,
                case=case,
                units=list(form.cleaned_data["units"]),
                motivation=form.cleaned_data["motivation"],
                credentials=list(form.cleaned_data["credentials"]),
                evidence=list(form.cleaned_data["evidence"]),
            )
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            if "submit" in request.POST:
                return redirect("assessments:case_submit", pk=case.pk)
            messages.success(request, _("Je aanvraag is bewaard."))
            return redirect("assessments:case_edit", pk=case.pk)
    coverage = selectors.unit_coverage(case)
    return render(
        request,
        "assessments/case_edit.html",
        {"case": case, "form": form, "coverage": coverage, "evidence_request": _open_evidence_request(case)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: what will be submitted and what happens next; POST: submit."""
    case = _get_case_for_user(request, pk)
    _require(case.applicant_id == request.user.pk)
    if request.method == "POST":
        try:
            services.case_submit(actor=request.user, case=case)
        except WorkflowError as exc:
            _refused(request, exc)
            return redirect("assessments:case_edit" if case.state == CaseState.DRAFT else "assessments:case_detail", pk=case.pk)
        messages.success(request, _("Je aanvraag is ingediend. Je krijgt een bevestiging per e-mail."))
        return redirect("assessments:case_detail", pk=case.pk)
    return render(request, "assessments/case_submit.html", {"case": case, "units": case.units.order_by("code"),
                                                           "credentials": services.credentials_of(case)})


@login_required
@require_http_methods(["GET", "POST"])
def case_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    _require(case.applicant_id == request.user.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_withdraw(actor=request.user, case=case, comment=form.cleaned_data["comment"])
        except WorkflowError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Je aanvraag is ingetrokken."))
        return redirect("assessments:case_detail", pk=case.pk)
    return render(request, "assessments/case_withdraw.html", {"case": case, "form": form})


# --- queue and case page ---------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request.user.role in STAFF or request.user.is_superuser)
    programmes = list(Programme.objects.order_by("name").values_list("code", "name"))
    form = QueueFilterForm(request.GET or None, programmes=programmes, states=list(CaseState.choices[1:]))
    params = form.cleaned_data if form.is_valid() else {}
    cases = selectors.queue_for(
        request.user,
        programme=params.get("programme", ""),
        state=params.get("state", ""),
        due=params.get("due", ""),
        sort=params.get("sort") or "deadline",
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "can_assign": selectors.can_assign(request.user)}
    template = "assessments/queue.html#results" if request.htmx and not request.htmx.boosted else "assessments/queue.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    user = request.user
    is_owner = case.applicant_id == user.pk
    case = (
        Case.objects.filter(pk=case.pk)
        .select_related("applicant", "version__programme")
        .prefetch_related(
            "assessors",
            Prefetch("units", queryset=Unit.objects.order_by("code")),
            "credentials",
            "evidence",
            Prefetch("advices", queryset=UnitAdvice.objects.select_related("assessor", "unit")),
            Prefetch("decisions", queryset=Decision.objects.prefetch_related("decided_by").order_by("-decided_at")),
            Prefetch("appeals", queryset=Appeal.objects.select_related("decision")),
            "notes",
        )
        .get()
    )
    audit = AuditEntry.objects.filter(case=case).select_related("actor")
    if is_owner:
        # The applicant sees the steps of the procedure, not assessors' internal remarks.
        audit = audit.filter(action__startswith="evc.case.")
    context = {
        "case": case,
        "is_owner": is_owner,
        "is_assessor": selectors.is_case_assessor(user, case),
        "can_assign": selectors.can_assign(user) and case.state in (
            CaseState.SUBMITTED, CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED, CaseState.MORE_EVIDENCE_REQUESTED),
        "can_decide": selectors.can_decide(user, case),
        "conflicted": user.role in services.COMMITTEE and selectors.is_case_assessor(user, case),
        "audit": audit,
        "credentials": services.credentials_of(case),
        "advices": {a.unit_id: a for a in case.advices.all()},
        "proposal": DecisionProposal.objects.filter(case=case).select_related("proposed_by").first(),
        "current_decision": next((d for d in case.decisions.all() if d.status != DecisionStatus.SUPERSEDED), None),
        "evidence_request": _open_evidence_request(case),
    }
    current = context["current_decision"]
    context["unit_outcomes"] = {u["code"]: u["decision"] for u in current.snapshot["units"]} if current else {}
    return render(request, "assessments/case_detail.html", context)


def _open_evidence_request(case: Case) -> AuditEntry | None:
    """The assessor's question, shown to the applicant while it is open."""
    if case.state != CaseState.MORE_EVIDENCE_REQUESTED:
        return None
    return AuditEntry.objects.filter(case=case, action="evc.case.evidence_requested").order_by("-created_at").first()


@login_required
@require_GET
def matching_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The polled progress fragment; polling stops once matching is ready or failed."""
    case = _get_case_for_user(request, pk)
    # Reached by polling: the page below still shows the old suggestions, so offer a reload
    # (not an automatic one: the applicant may be typing in the form on the same page).
    reload_url = request.htmx.current_url_abs_path if request.htmx else None  # None for another origin
    return render(request, "assessments/_matching.html", {"case": case, "reload_url": reload_url})


@login_required
@require_GET
def audit_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    _require(request.user.role in STAFF or request.user.is_superuser)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-audit.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(["when", "who", "action", "before", "after", "comment"])
    for e in AuditEntry.objects.filter(case=case).select_related("actor"):
        writer.writerow([e.created_at.isoformat(), e.actor.email if e.actor else "system", e.action, e.before,
                         e.after, _csv_safe(e.comment)])
    return response


def _csv_safe(value: str) -> str:
    # Spreadsheet formula injection: a comment starting with = + - @ must not run as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- assignment ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    _require(selectors.can_assign(request.user))
    form = AssignForm(request.POST or None, initial={"assessors": case.assessors.all()})
    if request.method == "POST" and form.is_valid():
        try:
            services.assessor_assign(actor=request.user, case=case, assessors=list(form.cleaned_data["assessors"]))
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("De beoordelaars zijn toegewezen."))
            return redirect("assessments:case_detail", pk=case.pk)
    return render(request, "assessments/case_assign.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


# --- review ---------------------------------------------------------------------------------------------


def _assessor_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    case = _get_case_for_user(request, pk)
    _require(selectors.is_case_assessor(request.user, case), _("Alleen de beoordelaars van dit dossier kunnen dit doen."))
    return case


@login_required
@require_GET
def case_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    sheet = review_sheet(case)
    note_form = NoteForm()
    note_form.fields["unit"].queryset = case.units.order_by("code")
    return render(request, "assessments/review.html", {
        "case": case,
        "sheet": sheet,
        "credentials": sheet.credentials,
        "case_evidence": list(case.evidence.all()),
        "editable": case.state in selectors.ASSESSABLE_STATES,
        "note_form": note_form,
        "notes": case.notes.select_related("author", "unit"),
        "all_advised": all(u.advice is not None for u in sheet),
    })


@login_required
@require_POST
def review_save(request: AuthenticatedHttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    outcome = get_object_or_404(LearningOutcome.objects.select_related("unit"), pk=outcome_pk, unit__in=case.units.all())
    form = ReviewForm(request.POST)
    error = ""
    status = 200
    if form.is_valid():
        try:
            services.review_record(
                actor=request.user, case=case, outcome=outcome, verdict=form.cleaned_data["verdict"],
                rationale=form.cleaned_data["rationale"], expected_version=form.cleaned_data["lock_version"],
                added_by_assessor=request.POST.get("added") == "1",
            )
        except WorkflowError as exc:
            error, status = exc.message, 409 if exc.message == str(services.CONFLICT_MESSAGE) else 400
    else:
        error, status = _("Kies een oordeel."), 400
    if not request.htmx and not error:
        return redirect(f"{_review_url(case)}#lo-{outcome.pk}")
    row = review_sheet(case, unit_ids=[outcome.unit_id]).row(outcome.pk)
    context = {"case": case, "row": row, "editable": True, "error": error,
               "typed": request.POST.get("rationale", "") if error else None, "saved_row": not error}
    if not request.htmx:  # without JavaScript: a page with just this form, the typed text still in it
        return render(request, "assessments/review_retry.html",
                      {**context, "fragment": "assessments/review.html#outcome", "anchor": f"lo-{outcome.pk}"},
                      status=status)
    return render(request, "assessments/review.html#outcome", context, status=status)


@login_required
@require_POST
def advice_save(request: AuthenticatedHttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    unit = get_object_or_404(case.units.all(), pk=unit_pk)
    form = AdviceForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            services.advice_record(
                actor=request.user, case=case, unit=unit, advice=form.cleaned_data["advice"],
                motivation=form.cleaned_data["motivation"], expected_version=form.cleaned_data["lock_version"],
            )
        except WorkflowError as exc:
            error, status = exc.message, 409 if exc.message == str(services.CONFLICT_MESSAGE) else 400
    else:
        error, status = _("Kies een advies en motiveer het."), 400
    if not request.htmx and not error:
        return redirect(f"{_review_url(case)}#advice-{unit.pk}")
    sheet = review_sheet(case, unit_ids=[unit.pk])
    context = {"case": case, "u": sheet.unit(unit.pk), "editable": True, "error": error,
               "typed": request.POST.get("motivation", "") if error else None, "saved": not error}
    if not request.htmx:
        return render(request, "assessments/review_retry.html",
                      {**context, "fragment": "assessments/review.html#advice", "anchor": f"advice-{unit.pk}"},
                      status=status)
    return render(request, "assessments/review.html#advice", context, status=status)


def _review_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("assessments:case_review", args=[case.pk])


@login_required
@require_POST
def note_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    form = NoteForm(request.POST)
    form.fields["unit"].queryset = case.units.all()
    if form.is_valid():
        try:
            services.note_record(actor=request.user, case=case, **form.cleaned_data)
        except WorkflowError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Het verslag is bewaard."))
    else:
        messages.error(request, _("Kies het soort assessment en schrijf een verslag."))
    return redirect(f"{_review_url(case)}#notes")


@login_required
@require_http_methods(["GET", "POST"])
def request_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    form = EvidenceRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_request_evidence(actor=request.user, case=case, message=form.cleaned_data["message"])
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("De kandidaat is om aanvullend bewijs gevraagd."))
            return redirect("assessments:case_detail", pk=case.pk)
    return render(request, "assessments/request_evidence.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def advice_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _assessor_case(request, pk)
    if request.method == "POST":
        try:
            services.advice_complete(actor=request.user, case=case)
        except WorkflowError as exc:
            _refused(request, exc)
            return redirect("assessments:case_review", pk=case.pk)
        messages.success(request, _("Het advies is naar de examencommissie gestuurd."))
        return redirect("assessments:case_detail", pk=case.pk)
    advices = UnitAdvice.objects.filter(case=case).select_related("unit").order_by("unit__code")
    return render(request, "assessments/advice_complete.html", {"case": case, "advices": advices,
                                                                "missing": case.units.exclude(pk__in=[a.unit_id for a in advices])})


# --- committee ---------------------------------------------------------------------------------------------


def _decision_forms(request: HttpRequest, case: Case, units: list[Unit], initial: dict[int, dict]) -> list[tuple[Unit, UnitDecisionForm]]:
    data = request.POST if request.method == "POST" else None
    return [(u, UnitDecisionForm(data, prefix=f"u{u.pk}", initial=initial.get(u.pk, {}))) for u in units]


def _initial_from_advice(case: Case) -> dict[int, dict]:
    initial: dict[int, dict] = {}
    proposal = DecisionProposal.objects.filter(case=case).first()
    if proposal is not None:
        for u in proposal.units.get("units", []):
            initial[u["unit"]] = {"decision": u["decision"], "grounds": u["grounds"], "valid_until": u["valid_until"]}
        return initial
    for a in case.advices.all():
        initial[a.unit_id] = {"decision": "granted" if a.advice == "exemption" else "refused", "grounds": a.motivation}
    return initial


def _initial_from_decision(decision: Decision) -> dict[int, dict]:
    codes = {u.code: u.pk for u in decision.case.units.all()}
    return {
        codes[u["code"]]: {"decision": u["decision"], "grounds": u["grounds"], "valid_until": u["valid_until"]}
        for u in decision.snapshot["units"] if u["code"] in codes
    }


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the decision screen. POST step=check: the confirmation page. POST step=confirm: record."""
    case = _get_case_for_user(request, pk)
    return _decision_screen(request, case, decision=None)


@login_required
@require_http_methods(["GET", "POST"])
def decision_correct(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.select_related("case"), public_id=public_id)
    case = _get_case_for_user(request, decision.case_id)
    return _decision_screen(request, case, decision=decision)


def _decision_screen(request: AuthenticatedHttpRequest, case: Case, *, decision: Decision | None) -> HttpResponse:
    _require(request.user.role in services.COMMITTEE, _("Alleen de examencommissie neemt een besluit."))
    conflicted = selectors.is_case_assessor(request.user, case)
    units = list(case.units.order_by("code").prefetch_related("outcomes"))
    initial = _initial_from_decision(decision) if decision else _initial_from_advice(case)
    forms = _decision_forms(request, case, units, initial)
    reason_form = CorrectionReasonForm(request.POST or None) if decision else None
    advices = {a.unit_id: a for a in case.advices.select_related("assessor")}
    reviews = selectors.reviews_by_unit(case)
    context = {
        "case": case, "decision": decision, "forms": forms, "advices": advices, "reviews": reviews,
        "reason_form": reason_form, "conflicted": conflicted,
        "notes": list(case.notes.select_related("author", "unit")),
        "proposal": DecisionProposal.objects.filter(case=case).select_related("proposed_by").first(),
        "assessors": list(case.assessors.all()),
    }
    if request.method == "POST" and not conflicted:
        valid = all(f.is_valid() for _u, f in forms) and (reason_form is None or reason_form.is_valid())
        if valid:
            inputs = [
                services.UnitDecisionInput(
                    unit_id=u.pk, decision=f.cleaned_data["decision"], grounds=f.cleaned_data["grounds"],
                    valid_until=f.cleaned_data["valid_until"],
                )
                for u, f in forms
            ]
            if request.POST.get("step") != "confirm":
                return render(request, "assessments/decide_confirm.html", {**context, "inputs": list(zip(units, inputs, strict=True))})
            try:
                if decision is None:
                    result = services.decision_record(actor=request.user, case=case, units=inputs)
                else:
                    result = services.decision_correct(actor=request.user, decision=decision, units=inputs,
                                                       reason=reason_form.cleaned_data["reason"])  # type: ignore[union-attr]
            except WorkflowError as exc:
                messages.error(request, exc.message)
                return render(request, "assessments/decide.html", context, status=400)
            if isinstance(result, DecisionProposal):
                messages.success(request, _("Je voorstel is vastgelegd. Een tweede commissielid moet het bevestigen."))
                return redirect("assessments:case_detail", pk=case.pk)
            messages.success(request, _("Besluit %(id)s is vastgelegd.") % {"id": result.public_id})
            return redirect("assessments:decision_detail", public_id=result.public_id)
        return render(request, "assessments/decide.html", context, status=400)
    return render(request, "assessments/decide.html", context, status=403 if conflicted and request.method == "POST" else 200)


@login_required
@require_GET
def decision_detail(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The decision as recorded. Staff outside the case see it as a precedent, without the applicant's identity."""
    decision = get_object_or_404(
        Decision.objects.select_related("case", "supersedes").prefetch_related("superseded_by"), public_id=public_id
    )
    involved = selectors.cases_visible_to(request.user).filter(pk=decision.case_id).exists()
    if not involved and request.user.role not in STAFF:
        raise Http404(_("Dit besluit bestaat niet of is niet van jou."))
    committee = committee_display(decision.snapshot.get("committee", ""),
                                  english=translation.get_language() == "en")
    return render(request, "assessments/decision_detail.html", {
        "decision": decision, "snap": decision.snapshot, "anonymous": not involved,
        "superseded_by": decision.superseded_by.all(), "committee": committee,
    })


@login_required
@require_http_methods(["GET", "POST"])
def appeal_lodge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request, pk)
    is_admin = request.user.is_administrator
    _require(case.applicant_id == request.user.pk or is_admin)
    form = AppealForm(request.POST or None, may_backdate=is_admin)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_lodge(actor=request.user, case=case, grounds=form.cleaned_data["grounds"],
                                  lodged_on=form.cleaned_data.get("lodged_on"))
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Het beroep is geregistreerd."))
            return redirect("assessments:case_detail", pk=case.pk)
    decision = case.decisions.filter(status=DecisionStatus.VALID).order_by("-decided_at").first()
    return render(request, "assessments/appeal_lodge.html", {"case": case, "form": form, "decision": decision},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("case", "decision"), pk=pk)
    case = _get_case_for_user(request, appeal.case_id)
    _require(request.user.role in (Role.COMMITTEE_CHAIR, Role.ADMIN) or request.user.is_superuser)
    form = AppealResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_resolve(actor=request.user, appeal=appeal, outcome=form.cleaned_data["outcome"],
                                    note=form.cleaned_data["note"])
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("De uitspraak is geregistreerd."))
            return redirect("assessments:case_detail", pk=case.pk)
    return render(request, "assessments/appeal_resolve.html", {"case": case, "appeal": appeal, "form": form},
                  status=400 if form.errors else 200)

