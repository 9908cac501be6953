"""The address a request came from, for rate limits: REMOTE_ADDR, or the proxies' word for it.

Behind a reverse proxy every request arrives from the proxy's address, so a per-address limit
would throttle everyone at once. With `EVC_TRUSTED_PROXIES=N` (the number of proxies in front
of the workbench that append to X-Forwarded-For) the client is the N-th address from the right
of that header: the entry the outermost trusted proxy wrote. Entries further left are whatever
the client sent and are never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it; REMOTE_ADDR without proxies or on a malformed header."""
    # No REMOTE_ADDR (a Unix socket without a proxy): such requests share one bucket.
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - an address, not a bind
    proxies = int(getattr(settings, "EVC_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
