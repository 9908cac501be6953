"""Start-up check: a configured timestamp authority must be reachable by the workbench's rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def timestamp_authority_configuration(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.EVC_TSA_URL and not settings.EVC_FETCH_REMOTE:
        # The timestamp request goes through the guarded fetcher, which is switched off: every signing would fail.
        return [Error("EVC_TSA_URL is set but EVC_FETCH_REMOTE is false, so no decision could be signed.",
                      hint="Switch EVC_FETCH_REMOTE on, or leave EVC_TSA_URL empty for signatures without a timestamp.",
                      id="reports.E001")]
    if (settings.EVC_TSA_URL.lower().startswith("http://") and not settings.EVC_TSA_CERT
            and not settings.EVC_FETCH_ALLOW_HTTP):
        # Over plain http anyone on the way could hand back a token of their own making.
        return [Error("EVC_TSA_URL uses plain http, but EVC_TSA_CERT does not say whose timestamps to accept.",
                      hint="Set EVC_TSA_CERT to the timestamp authority's certificate (PEM), or use an https address.",
                      id="reports.E002")]
    return []
