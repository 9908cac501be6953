from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
