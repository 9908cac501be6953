from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from evc.assessments.models import AppealOutcome, CaseState, DecisionStatus, Verdict

register = template.Library()

_STATE_CLASS = {
    "draft": "warn",
    "more_evidence_requested": "warn",
    "decided": "ok",
    "appeal_resolved": "ok",
    "withdrawn": "unknown",
    "appeal_lodged": "bad",
}


@register.filter
def state_class(state: str) -> str:
    return _STATE_CLASS.get(state, "due")


@register.simple_tag
def term_label(case: Any) -> str:
    """'12 days left' / '3 days overdue': text, so the flag is never conveyed by colour alone."""
    left = case.days_remaining
    if case.state == "more_evidence_requested":
        return _("termijn opgeschort tot het bewijs er is")
    if left is None:
        return ""
    if left < 0:
        return ngettext("%(n)d dag te laat", "%(n)d dagen te laat", -left) % {"n": -left}
    if left == 0:
        return _("vandaag")
    return ngettext("nog %(n)d dag", "nog %(n)d dagen", left) % {"n": left}


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


@register.filter
def iso_date(value: str | None) -> dt.date | str | None:
    """A date the decision snapshot keeps as ISO text, as a date for the `date` filter (a reader's format)."""
    try:
        return dt.date.fromisoformat(value) if value else value
    except (TypeError, ValueError):
        return value


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


# Readable names for the dotted audit actions; the code stays visible next to them.
ACTION_LABELS = {
    "evc.case.created": gettext_lazy("Aanvraag aangemaakt"),
    "evc.case.edited": gettext_lazy("Aanvraag gewijzigd"),
    "evc.case.submitted": gettext_lazy("Ingediend"),
    "evc.case.resubmitted": gettext_lazy("Opnieuw ingediend"),
    "evc.case.withdrawn": gettext_lazy("Ingetrokken"),
    "evc.case.assessors_assigned": gettext_lazy("Beoordelaars toegewezen"),
    "evc.case.assessment_started": gettext_lazy("Beoordeling gestart"),
    "evc.case.evidence_requested": gettext_lazy("Aanvullend bewijs gevraagd"),
    "evc.case.advice_ready": gettext_lazy("Advies gereed"),
    "evc.case.decided": gettext_lazy("Besloten"),
    "evc.review.recorded": gettext_lazy("Oordeel over leeruitkomst"),
    "evc.review.added": gettext_lazy("Leeruitkomst toegevoegd door beoordelaar"),
    "evc.advice.recorded": gettext_lazy("Advies per eenheid"),
    "evc.note.recorded": gettext_lazy("Verslag interview of praktijkassessment"),
    "evc.decision.proposed": gettext_lazy("Besluit voorgesteld"),
    "evc.decision.recorded": gettext_lazy("Besluit vastgelegd"),
    "evc.decision.corrected": gettext_lazy("Gecorrigeerd besluit vastgelegd"),
    "evc.decision.superseded": gettext_lazy("Besluit vervangen"),
    "evc.decision.withdrawn_on_appeal": gettext_lazy("Besluit ingetrokken na beroep"),
    "evc.appeal.lodged": gettext_lazy("Beroep ingesteld"),
    "evc.appeal.resolved": gettext_lazy("Uitspraak beroep"),
}
_VALUE_LABELS = {
    **dict(CaseState.choices), **dict(Verdict.choices), **dict(DecisionStatus.choices), **dict(AppealOutcome.choices),
    "exemption": gettext_lazy("Vrijstelling"), "no_exemption": gettext_lazy("Geen vrijstelling"),
}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def value_label(value: str) -> str:
    """A state, verdict or advice code as words; anything else (names, unit codes) unchanged."""
    return str(_VALUE_LABELS.get(value, value)) if value else ""
