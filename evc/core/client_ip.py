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

UNKNOWN = "0.0.0.0"  # noqa: S104 - an address, not a bind: the one bucket of requests without a usable address


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it; REMOTE_ADDR without proxies or on a malformed header."""
    # REMOTE_ADDR can be empty or a socket path (a Unix socket without a proxy): such requests share one bucket.
    remote = _address(request.META.get("REMOTE_ADDR", "") or "") or UNKNOWN
    proxies = int(getattr(settings, "EVC_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
