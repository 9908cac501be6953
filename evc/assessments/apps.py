from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "evc.assessments"
    label = "assessments"

    def ready(self) -> None:
        from evc.portfolios.selectors import register_visibility_rule

        from . import receivers

        # Assessors, committee and administrators of a case read its credentials (read-only).
        register_visibility_rule(_sees_case_credential)
        receivers.connect()


def _sees_case_credential(user: Any, credential: Any) -> bool:
    from evc.accounts.models import Role

    from .selectors import cases_visible_to

    if user.role == Role.APPLICANT:
        return False  # applicants see only their own credentials (the owner rule already covers that)
    return cases_visible_to(user).filter(credentials=credential).exists()
