from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "evc.reports"
    label = "reports"

    def ready(self) -> None:
        from evc.reports import checks, receivers  # noqa: F401  (registers the TSA check; connects the receiver)
