"""Start-up check: the embedding settings must name a usable local model, never a hub name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .engine.encoders import EncoderConfigError, check_config


@register()
def embedding_configuration(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.EVC_USE_EMBEDDINGS:
        return []
    try:
        check_config(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
    except EncoderConfigError as exc:
        return [Error(str(exc), hint="See evc/matching/engine/encoders.py for the supported set-ups.", id="matching.E001")]
    return []
