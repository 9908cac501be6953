from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "evc.assessments"
    label = "assessments"

    def ready(self) -> None:
        from evc.portfolios.selectors import register_visibility_rule
        from evc.portfolios.services import register_removal_guard

        from . import receivers

        # Assessors, committee and administrators of a case read its credentials (read-only).
        register_visibility_rule(_sees_case_credential)
        # Evidence in a case that is being (or was) assessed stays: the decision rests on it.
        register_removal_guard(_refuse_removing_submitted_evidence)
        receivers.connect()


def _sees_case_credential(user: Any, credential: Any) -> bool:
    from evc.accounts.models import Role

    from .selectors import cases_visible_to

    if user.role == Role.APPLICANT:
        return False  # applicants see only their own credentials (the owner rule already covers that)
    return cases_visible_to(user).filter(credentials=credential).exists()


def _refuse_removing_submitted_evidence(credential: Any) -> None:
    from django.utils.translation import gettext as _

    from evc.portfolios.services import PortfolioError

    from .models import CaseState

    if credential.evc_cases.exclude(state__in=[CaseState.DRAFT, CaseState.WITHDRAWN]).exists():
        raise PortfolioError(
            _("Dit credential is bewijs in een ingediende EVC-aanvraag en kan niet meer worden verwijderd.")
        )
