from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "evc.matching"
    label = "matching"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the embedding configuration check)
