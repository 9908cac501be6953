from __future__ import annotations

from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "evc.portfolios"
    label = "portfolios"
