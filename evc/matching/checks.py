"""Start-up checks: the embedding settings must name a usable local model, never a hub name, and the
fusion weights for that model must be ones this engine can read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .engine import fusion
from .engine.encoders import EncoderConfigError, check_config, model_name


@register()
def embedding_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.EVC_USE_EMBEDDINGS:
        return []
    try:
        check_config(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
    except EncoderConfigError as exc:
        return [Error(str(exc), hint="See evc/matching/engine/encoders.py for the supported set-ups.", id="matching.E001")]
    return []


@register()
def fusion_weights(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A weights file the engine would refuse is reported now, not when the first case is matched."""
    if settings.EVC_USE_EMBEDDINGS:
        try:
            name = model_name(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
        except EncoderConfigError:
            return []  # embedding_configuration reports it
    else:
        name = fusion.LEXICAL_MODEL_ID
    path = fusion.weights_file_for(name)
    refit = "python manage.py evaluate_matching evaluation/gold.jsonl --fit (see evaluation/README.md)"
    if not path.exists():
        return [Warning(f"No fitted fusion weights for the embedding model {name!r} ({path.name}): matching uses "
                        "hand-set defaults, whose thresholds nobody has measured.",
                        hint=f"Fit them on the labelled set: {refit}.", id="matching.W001")]
    try:
        fusion.load_model(name)
    except (ValueError, KeyError, TypeError) as exc:  # a JSON syntax error is a ValueError too
        detail = f"it lacks the field {exc}" if isinstance(exc, KeyError) else str(exc)
        return [Error(f"The fusion weights {path.name} cannot be used: {detail}.",
                      hint=f"Refit them for this engine: {refit}.", id="matching.E002")]
    return []
