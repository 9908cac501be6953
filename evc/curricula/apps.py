from __future__ import annotations

from django.apps import AppConfig


class CurriculaConfig(AppConfig):
    name = "evc.curricula"
    label = "curricula"
