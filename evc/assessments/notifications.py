"""Emails the workflow sends, always after the transaction commits and in the recipient's language."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from evc.accounts.models import Role, User

logger = logging.getLogger(__name__)


_state = threading.local()


@contextmanager
def muted() -> Iterator[None]:
    """No notifications are scheduled inside this block (used by the demo seed)."""
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = False


def on_commit(func: Callable[..., None], *args: Any) -> None:
    if getattr(_state, "muted", False):
        return
    transaction.on_commit(lambda: _safely(func, *args))


def _safely(func: Callable[..., None], *args: Any) -> None:
    # The decision is already committed; a mail server hiccup must not turn into a 500 for the user.
    try:
        func(*args)
    except Exception:
        logger.exception("Could not send %s notification", func.__name__)


def _send(recipients: Iterable[User], template: str, context: dict[str, Any]) -> None:
    for person in recipients:
        if not person.email or not person.is_active:
            continue
        with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
            ctx = {**context, "recipient": person, "site_url": settings.EVC_SITE_URL.rstrip("/")}
            subject = render_to_string(f"assessments/email/{template}_subject.txt", ctx).strip()
            body = render_to_string(f"assessments/email/{template}.txt", ctx)
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [person.email])


def _case(case_id: int) -> Any:
    from .models import Case

    return Case.objects.select_related("applicant", "version__programme").get(pk=case_id)


def _case_url(case: Any) -> str:
    return reverse("assessments:case_detail", args=[case.pk])


def case_submitted(case_id: int) -> None:
    case = _case(case_id)
    ctx = {"case": case, "url": _case_url(case)}
    _send([case.applicant], "submitted_applicant", ctx)
    # Whoever assigns assessors needs to know a new dossier is waiting.
    assigners = User.objects.filter(role__in=[Role.COMMITTEE_CHAIR, Role.ADMIN], is_active=True)
    _send(assigners, "submitted_staff", ctx)


def case_resubmitted(case_id: int) -> None:
    case = _case(case_id)
    _send(case.assessors.all(), "resubmitted", {"case": case, "url": _case_url(case)})


def assessors_assigned(case_id: int, user_ids: list[int]) -> None:
    case = _case(case_id)
    _send(User.objects.filter(pk__in=user_ids), "assigned", {"case": case, "url": _case_url(case)})


def evidence_requested(case_id: int, message: str) -> None:
    case = _case(case_id)
    _send([case.applicant], "evidence_requested", {"case": case, "message": message, "url": _case_url(case)})


def advice_ready(case_id: int) -> None:
    case = _case(case_id)
    committee = User.objects.filter(role__in=[Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR], is_active=True)
    committee = committee.exclude(pk__in=case.assessors.values("pk"))
    _send(committee, "advice_ready", {"case": case, "url": _case_url(case)})


def decision_made(decision_id: int) -> None:
    from .models import Decision

    decision = Decision.objects.select_related("case__applicant", "case__version__programme").get(pk=decision_id)
    case = decision.case
    _send([case.applicant], "decision", {"case": case, "decision": decision, "url": _case_url(case)})
