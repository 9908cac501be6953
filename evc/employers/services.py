"""Business rules of employer mapping: import, mapping runs, invitations and consent."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evc.accounts.models import Organisation, Role, User
from evc.employers import inventory
from evc.employers.mapping import MappingError, catalogue_key, get_matcher, resolve_programmes
from evc.employers.models import (
    AuditEvent,
    MappingRun,
    StaffEntry,
    StaffImport,
    StaffInvitation,
    competence_text,
)
from evc.employers.pseudonyms import employee_key

logger = logging.getLogger("evc.employers")

INVITATION_VALID_DAYS = 30


class EmployerError(Exception):
    """A rule of employer mapping was broken; the message is shown to the person as is."""


def audit(*, organisation: Organisation, actor: User | None, action: str, **detail: Any) -> None:
    AuditEvent.objects.create(organisation=organisation, actor=actor, action=action, detail=detail)


def organisation_get_or_create(*, code: str, name: str = "") -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(code=code, defaults={"name": name or code})
    return organisation


# --- import --------------------------------------------------------------------------


def staff_import_create(
    *,
    organisation: Organisation,
    table: inventory.Table,
    mapping: dict[str, int | None],
    filename: str,
    sha256: str,
    uploaded_by: User | None = None,
) -> StaffImport:
    """Validate every row, then store all of them or none. Plain references are hashed first."""
    problems = inventory.mapping_problems(mapping, table.headers)
    if problems:
        raise EmployerError(" ".join(problems))
    validation = inventory.validate_rows(table, mapping)
    if validation.problems:
        shown = "; ".join(str(p) for p in validation.problems[:10])
        more = len(validation.problems) - 10
        raise EmployerError(
            _("Niets geïmporteerd: %(n)s problemen in het bestand. %(shown)s%(more)s")
            % {
                "n": len(validation.problems),
                "shown": shown,
                "more": (_(" (en %(m)s meer)") % {"m": more}) if more > 0 else "",
            }
        )
    if not validation.rows:
        raise EmployerError(_("Het bestand bevat geen regels om te importeren."))
    keys: set[str] = set()
    values: list[tuple[Any, ...]] = []
    for row in validation.rows:
        key = employee_key(organisation_code=organisation.code, employee_ref=row.employee_ref)
        keys.add(key)
        text = competence_text(row.competence_title, row.competence_description)
        values.append(
            (
                row.line,
                key,
                row.department,
                row.role,
                row.competence_title,
                row.competence_description,
                row.provider,
                row.date,
                row.hours,
                row.ects,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    with transaction.atomic():
        staff_import = StaffImport.objects.create(
            organisation=organisation,
            uploaded_by=uploaded_by,
            filename=filename[:255],
            sha256=sha256,
            row_count=len(values),
            staff_count=len(keys),
            column_mapping={k: (table.headers[v] if v is not None else None) for k, v in mapping.items()},
        )
        _insert_entries(staff_import.pk, values)
        # The newest file is the inventory: older entries go, so no stale rows linger.
        StaffEntry.objects.filter(staff_import__organisation=organisation).exclude(
            staff_import=staff_import
        ).delete()
        audit(
            organisation=organisation,
            actor=uploaded_by,
            action="evc.employers.imported",
            rows=len(values),
            staff=len(keys),
            sha256=sha256,
        )
    return staff_import


_ENTRY_COLUMNS = (
    "staff_import_id",
    "row_number",
    "employee_key",
    "department",
    "role",
    "competence_title",
    "competence_description",
    "provider",
    "date",
    "hours",
    "ects",
    "text_hash",
)


def _insert_entries(staff_import_id: int, values: list[tuple[Any, ...]]) -> None:
    """Plain executemany: bulk_create spends ~10 s on 40,000 rows preparing fields one by one."""
    ops = connection.ops
    table = ops.quote_name(StaffEntry._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _ENTRY_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))})"  # noqa: S608
    hours = StaffEntry._meta.get_field("hours")
    ects = StaffEntry._meta.get_field("ects")
    params = [
        (
            staff_import_id,
            *v[:7],
            ops.adapt_datefield_value(v[7]),
            ops.adapt_decimalfield_value(v[8], hours.max_digits, hours.decimal_places),
            ops.adapt_decimalfield_value(v[9], ects.max_digits, ects.decimal_places),
            v[10],
        )
        for v in values
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start : start + 5000])


def staff_import_file(
    *,
    organisation: Organisation,
    data: bytes,
    filename: str,
    mapping: dict[str, int | None] | None = None,
    uploaded_by: User | None = None,
) -> StaffImport:
    """Read, map (guessing the columns unless given), validate and import one file."""
    try:
        table = inventory.read_table(data, filename)
    except inventory.InventoryError as exc:
        raise EmployerError(str(exc)) from exc
    if mapping is None:
        mapping = inventory.guess_mapping(table.headers)
    return staff_import_create(
        organisation=organisation,
        table=table,
        mapping=mapping,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )


def current_import(organisation: Organisation) -> StaffImport | None:
    """The newest import is the inventory (importing deletes the entries of older ones)."""
    return organisation.staff_imports.order_by("-created_at", "-id").first()


# --- mapping runs --------------------------------------------------------------------


def mapping_run_create(
    *, organisation: Organisation, programme_codes: list[str], created_by: User | None = None
) -> MappingRun:
    staff_import = current_import(organisation)
    if staff_import is None:
        raise EmployerError(_("Importeer eerst een personeelsinventarisatie."))
    try:
        programmes = resolve_programmes(programme_codes)
        _matcher, matcher_id = get_matcher()
        keys = [catalogue_key(p, matcher_id) for p in programmes]
    except MappingError as exc:
        raise EmployerError(str(exc)) from exc
    run = MappingRun.objects.create(
        organisation=organisation,
        staff_import=staff_import,
        programme_codes=[p.code for p in programmes],
        catalogue_keys=keys,
        created_by=created_by,
        total=staff_import.entries.values("text_hash").distinct().count(),
    )
    audit(
        organisation=organisation,
        actor=created_by,
        action="evc.employers.mapping_started",
        run=run.pk,
        programmes=run.programme_codes,
    )
    return run


def mapping_run_start(
    *, organisation: Organisation, programme_codes: list[str], created_by: User | None = None
) -> MappingRun:
    """Create a run and queue it for the worker (after the transaction commits)."""
    from evc.employers.tasks import run_mapping

    run = mapping_run_create(
        organisation=organisation, programme_codes=programme_codes, created_by=created_by
    )

    def enqueue() -> None:
        result = run_mapping.enqueue(run_id=run.pk)
        MappingRun.objects.filter(pk=run.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return run


def mapping_run_retry(*, run: MappingRun, actor: User | None = None) -> MappingRun:
    """Queue a failed run again; it continues from the answers already cached."""
    from evc.employers.tasks import run_mapping

    if run.status != MappingRun.Status.FAILED:
        raise EmployerError(_("Alleen een mislukte koppeling kun je opnieuw starten."))
    MappingRun.objects.filter(pk=run.pk).update(status=MappingRun.Status.QUEUED, error="")
    audit(organisation=run.organisation, actor=actor, action="evc.employers.mapping_retried", run=run.pk)

    def enqueue() -> None:
        result = run_mapping.enqueue(run_id=run.pk)
        MappingRun.objects.filter(pk=run.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    run.refresh_from_db()
    return run


def latest_done_run(organisation: Organisation) -> MappingRun | None:
    return (
        organisation.mapping_runs.filter(status=MappingRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


# --- invitations and consent ---------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_create(
    *, organisation: Organisation, employee_ref: str, email: str, invited_by: User | None = None
) -> tuple[StaffInvitation, str]:
    """Invite one employee. Neither the reference nor the email address is stored.

    Returns the invitation and the token (only ever part of the mailed link).
    """
    staff_import = current_import(organisation)
    key = employee_key(organisation_code=organisation.code, employee_ref=employee_ref)
    if staff_import is None or not staff_import.entries.filter(employee_key=key).exists():
        raise EmployerError(_("Dit personeelsnummer staat niet in de huidige inventarisatie."))
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        organisation=organisation,
        employee_key=key,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_VALID_DAYS),
    )
    link = settings.EVC_SITE_URL.rstrip("/") + reverse("employers:invitation", args=[token])
    send_mail(
        subject=_("Uitnodiging: bekijk wat je kennis waard is bij %(inst)s")
        % {"inst": settings.EVC_INSTITUTION_NAME},
        message=_(
            "Hallo,\n\n%(org)s heeft de competenties uit de personeelsinventarisatie laten vergelijken met "
            "opleidingen van %(inst)s. Je kunt je eigen overzicht bekijken via de link hieronder. "
            "Je werkgever ziet alleen totalen, en wij weten pas wie je bent als je de uitnodiging aanneemt. "
            "Met jouw toestemming kun je daarna een EVC-procedure starten.\n\n%(link)s\n\n"
            "De link is %(days)s dagen geldig."
        )
        % {
            "org": organisation.name,
            "inst": settings.EVC_INSTITUTION_NAME,
            "link": link,
            "days": INVITATION_VALID_DAYS,
        },
        from_email=None,
        recipient_list=[email],
    )
    audit(
        organisation=organisation, actor=invited_by, action="evc.employers.invited", invitation=invitation.pk
    )
    return invitation, token


def invitation_for_token(token: str) -> StaffInvitation | None:
    invitation = (
        StaffInvitation.objects.select_related("organisation").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or invitation.expires_at < timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> StaffInvitation:
    """The moment the employee identifies themselves: the invitation is bound to their account."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise EmployerError(_("Deze uitnodiging bestaat niet of is verlopen."))
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if user.role != Role.APPLICANT:
        raise EmployerError(
            _("Neem de uitnodiging aan met een kandidaataccount, niet met een medewerkersaccount.")
        )
    if invitation.accepted_by_id and invitation.accepted_by_id != user.pk:
        raise EmployerError(_("Deze uitnodiging is al door iemand anders aangenomen."))
    if invitation.accepted_by_id is None:
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        audit(
            organisation=invitation.organisation,
            actor=user,
            action="evc.employers.invitation_accepted",
            invitation=invitation.pk,
        )
    return invitation


def invitation_entries(invitation: StaffInvitation) -> list[StaffEntry]:
    staff_import = current_import(invitation.organisation)
    if staff_import is None:
        return []
    return list(staff_import.entries.filter(employee_key=invitation.employee_key).order_by("row_number"))


@transaction.atomic
def invitation_consent(*, invitation: StaffInvitation, user: User, programme_code: str) -> StaffInvitation:
    """With the employee's consent, start an EVC case pre-filled with their inventory entries.

    Each entry becomes a manually entered credential in the employee's portfolio
    (`evc.portfolios.services.credential_add_manual`), and a draft case is opened with
    `evc.assessments.services.case_create` for the units the mapping suggested.
    All in one transaction; consenting twice to the same programme changes nothing, and consent for
    another programme is refused (one invitation holds one consent: a second case is the employee's
    own to start).
    """
    from evc.assessments.services import WorkflowError, case_create
    from evc.portfolios.services import PortfolioError, credential_add_manual

    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_by_id != user.pk:
        raise EmployerError(_("Neem eerst de uitnodiging aan."))
    if invitation.consent_at:
        if programme_code.strip().upper() != invitation.programme_code.upper():
            raise EmployerError(
                _("Je hebt al toestemming gegeven voor %(code)s. Een aanvraag voor een andere opleiding start je "
                  "zelf, vanuit je dossiers.") % {"code": invitation.programme_code}
            )
        return invitation
    try:
        programme = resolve_programmes([programme_code])[0]
    except MappingError as exc:
        raise EmployerError(_("Kies een opleiding.")) from exc
    version = programme.current_version()
    if version is None:
        raise EmployerError(_("Voor deze opleiding is nog geen curriculum ingeladen."))
    entries = invitation_entries(invitation)
    if not entries:
        raise EmployerError(_("Er staan geen regels van jou in de huidige inventaris."))
    try:
        credentials = [
            credential_add_manual(
                applicant=user,
                title=entry.competence_title,
                provider=entry.provider or invitation.organisation.name,
                issued_on=entry.date,
                hours=entry.hours,
                ects=entry.ects,
                description=entry.competence_description,
            )
            for entry in entries
        ]
        case = case_create(
            actor=user,
            version=version,
            units=_suggested_units(invitation, programme.code, version),
            motivation=_("Gestart vanuit de competentie-inventaris van %(org)s, met mijn toestemming.")
            % {"org": invitation.organisation.name},
            credentials=credentials,
        )
    except (WorkflowError, PortfolioError) as exc:
        raise EmployerError(str(exc)) from exc
    invitation.consent_at = timezone.now()
    invitation.programme_code = programme.code
    invitation.case_reference = f"case:{case.pk}"
    invitation.save(update_fields=["consent_at", "programme_code", "case_reference"])
    audit(
        organisation=invitation.organisation,
        actor=user,
        action="evc.employers.consent_given",
        invitation=invitation.pk,
        programme=programme.code,
        case=case.pk,
    )
    return invitation


def _suggested_units(invitation: StaffInvitation, programme_code: str, version: Any) -> list[Any]:
    """The units the latest mapping suggested for this employee (exemption or partial)."""
    from evc.employers.mapping import employee_mapping

    run = latest_done_run(invitation.organisation)
    if run is None or programme_code not in run.programme_codes:
        return []
    codes = {
        unit["ref"].split("/", 1)[1]
        for item in employee_mapping(run, invitation.employee_key)
        for unit in item["units"]
        if unit["ref"].startswith(f"{programme_code}/")
    }
    return list(version.units.filter(code__in=codes))
