"""The one guarded way this project reaches the network.

Every remote read (hosted badges, issuer profiles, keys, revocation and status lists) goes
through `fetch()` / `fetch_json()`, and the one remote write, a timestamp request to the
configured timestamp authority when a decision is signed, through `post()`. The guard:

- https only (http only with EVC_FETCH_ALLOW_HTTP, for tests and local demos);
- the host is resolved first and every address must be public: loopback, private, link-local,
  multicast, reserved, unspecified and shared (CGNAT) addresses are refused, IPv4 and IPv6 alike;
  we then connect to the address we checked (no second DNS answer can swap it: DNS rebinding);
- redirects are followed by hand, at most 3, and each hop is checked again;
- a 5 s timeout per socket operation and twice that for the whole exchange, and a 1 MB body cap; `fetch_json` also insists on a JSON content type;
- EVC_FETCH_REMOTE=false switches the network off: `FetchDisabled` is raised, and callers
  report their check as "unknown".

The private-address guard can be relaxed only explicitly, through `allow_private_addresses()`
(a context manager used by tests that run a server on 127.0.0.1). Tests that must never touch
the network install a transport stub with `use_transport()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import ipaddress
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
JSON_TYPES = ("application/json", "application/ld+json", "application/activity+json")
USER_AGENT = "EVC-workbench/1.0 (+credential verification)"


class FetchError(Exception):
    """A remote document could not be read. The message is a sentence a person understands."""


class FetchDisabled(FetchError):
    """Remote fetching is switched off (EVC_FETCH_REMOTE=false)."""


class FetchRefused(FetchError):
    """The guard refused the address (scheme, private address, too many redirects)."""


@dataclass
class Response:
    url: str  # the final URL after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Parsed with the same nesting bound as uploads (a hostile server must not blow the stack)."""
        from evc.lib.safejson import loads

        return loads(self.body)


Transport = Callable[[str], Response]

_allow_private: contextvars.ContextVar[bool] = contextvars.ContextVar("evc_fetch_allow_private", default=False)
_transport: contextvars.ContextVar[Transport | None] = contextvars.ContextVar("evc_fetch_transport", default=None)
_remote_override: contextvars.ContextVar[bool | None] = contextvars.ContextVar("evc_fetch_remote", default=None)


def _setting(name: str, default: Any) -> Any:
    """Read an EVC_* setting from Django when it is configured, else from the environment."""
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, default)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def remote_enabled() -> bool:
    override = _remote_override.get()
    if override is not None:
        return override
    return bool(_setting("EVC_FETCH_REMOTE", True))


@contextlib.contextmanager
def allow_private_addresses() -> Iterator[None]:
    """Relax the private-address guard (tests with a server on 127.0.0.1 only)."""
    token = _allow_private.set(True)
    try:
        yield
    finally:
        _allow_private.reset(token)


@contextlib.contextmanager
def use_transport(transport: Transport) -> Iterator[None]:
    """Serve every fetch from `transport(url)` instead of the network (test stubs, offline corpora).

    Scheme checks and the JSON content-type check still apply; the transport decides what exists.
    """
    token = _transport.set(transport)
    try:
        yield
    finally:
        _transport.reset(token)


@contextlib.contextmanager
def remote_fetching(enabled: bool) -> Iterator[None]:
    """Switch remote fetching on or off for a block (overrides EVC_FETCH_REMOTE)."""
    token = _remote_override.set(enabled)
    try:
        yield
    finally:
        _remote_override.reset(token)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        ip = ip.sixtofour
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
        or not ip.is_global
    )


def _check_scheme(url: str, *, allow_http: bool = False) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allow_http = allow_http or bool(_setting("EVC_FETCH_ALLOW_HTTP", False))
    if scheme == "http" and not allow_http:
        raise FetchRefused(f"Only https addresses are fetched; {url} uses plain http.")
    if scheme not in {"https", "http"}:
        raise FetchRefused(f"Only https addresses are fetched; {url!r} is not a web address.")
    if not parts.hostname:
        raise FetchRefused(f"The address {url!r} has no host name.")
    if parts.username or parts.password:
        raise FetchRefused("Addresses with a user name or password are not fetched.")
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname, port


def _resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"The host {host} could not be found.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(f"The host {host} could not be found.")
    if not _allow_private.get():
        for address in addresses:
            if not is_public_address(address):
                raise FetchRefused(
                    f"The host {host} points to a private or reserved network address ({address}); "
                    "such addresses are never fetched."
                )
    return addresses[0]


def _open(scheme: str, host: str, port: int, address: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to the address we checked, with TLS verified against the host name."""
    if scheme == "https":
        context = ssl.create_default_context()
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        raw = socket.create_connection((address, port), timeout=timeout)
        conn.sock = context.wrap_socket(raw, server_hostname=host)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = socket.create_connection((address, port), timeout=timeout)
    return conn


def _network_request(url: str, *, timeout: float, max_bytes: int, accept: str, method: str = "GET",
                     body: bytes | None = None, content_type: str = "", allow_http: bool = False) -> Response:
    scheme, host, port = _check_scheme(url, allow_http=allow_http)
    address = _resolve(host, port)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # Every socket operation is bounded by `timeout`, but a server that drips a byte at a time never
    # trips that: a watchdog shuts the connection after 2 x timeout, whatever phase it is in.
    expired = threading.Event()
    opened: list[socket.socket] = []  # the socket itself: http.client drops conn.sock once the response owns it

    def expire() -> None:
        expired.set()
        for sock in opened:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    too_slow = f"The server at {host} took longer than {2 * timeout:g} seconds to send the document."
    watchdog = threading.Timer(2 * timeout, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn = _open(scheme, host, port, address, timeout)
        opened.append(conn.sock)
        try:
            if expired.is_set():  # connecting alone took the whole allowance
                raise FetchError(too_slow)
            headers = {"Accept": accept, "User-Agent": USER_AGENT, "Host": parts.netloc}
            if body is not None:
                headers["Content-Type"] = content_type
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            declared = resp.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"The document at {url} is larger than {max_bytes // 1024} KB.")
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                chunk = resp.read(min(65536, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if expired.is_set():  # the watchdog cut the body short: not a document
                raise FetchError(too_slow)
            received = b"".join(chunks)
            if len(received) > max_bytes:
                raise FetchError(f"The document at {url} is larger than {max_bytes // 1024} KB.")
            answer_headers = {k.lower(): v for k, v in resp.getheaders()}
            return Response(url, resp.status, answer_headers.get("content-type", ""), received, answer_headers)
        finally:
            conn.close()
    except TimeoutError as exc:
        raise FetchError(f"The server at {host} did not answer within {timeout:g} seconds.") from exc
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise FetchError(too_slow) from exc
        raise FetchError(f"The server at {host} could not be reached ({exc.__class__.__name__}).") from exc
    finally:
        watchdog.cancel()


REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def _limits(timeout: float | None, max_bytes: int | None) -> tuple[float, int]:
    """The caller's timeout and size cap, or the installation's defaults."""
    return (float(timeout if timeout is not None else _setting("EVC_FETCH_TIMEOUT_SECONDS", 5)),
            int(max_bytes if max_bytes is not None else _setting("EVC_FETCH_MAX_BYTES", 1024 * 1024)))


def fetch(url: str, *, accept: str = "*/*", timeout: float | None = None, max_bytes: int | None = None) -> Response:
    """GET `url` through the guard, following at most 3 redirects. Any status is returned."""
    if not remote_enabled():
        raise FetchDisabled("Fetching remote documents is switched off on this installation.")
    timeout, max_bytes = _limits(timeout, max_bytes)
    transport = _transport.get()
    current = url.split("#", 1)[0]
    for _hop in range(MAX_REDIRECTS + 1):
        _check_scheme(current)
        if transport is not None:
            response = transport(current)
            if len(response.body) > max_bytes:
                raise FetchError(f"The document at {current} is larger than {max_bytes // 1024} KB.")
        else:
            response = _network_request(current, timeout=timeout, max_bytes=max_bytes, accept=accept)
        if response.status in REDIRECT_STATUSES:
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"The server at {current} redirected without saying where to.")
            current = urljoin(current, location)
            continue
        return response
    raise FetchRefused(f"The address {url} redirected more than {MAX_REDIRECTS} times.")


def post(url: str, body: bytes, *, content_type: str, accept: str = "*/*", timeout: float | None = None,
         max_bytes: int | None = None, allow_http: bool = False) -> Response:
    """POST `body` to `url` through the same guard (public addresses only, timeout, size cap).

    Redirects are not followed: a request with a body is not silently sent somewhere else.
    `allow_http` is for protocols whose answers are signed themselves (an RFC 3161 timestamp
    authority often listens on plain http only); the address checks still apply."""
    if not remote_enabled():
        raise FetchDisabled("Network requests are switched off on this installation (EVC_FETCH_REMOTE=false).")
    if _transport.get() is not None:
        # A block that serves fetches from a stub must not reach the network; stubs answer GETs only.
        raise FetchDisabled("Network requests are served from a stub here; a request with a body is not sent.")
    timeout, max_bytes = _limits(timeout, max_bytes)
    response = _network_request(url.split("#", 1)[0], timeout=timeout, max_bytes=max_bytes, accept=accept, method="POST",
                                body=body, content_type=content_type, allow_http=allow_http)
    if response.status in REDIRECT_STATUSES:
        raise FetchRefused(f"The server at {url} redirected the request elsewhere; requests with a body are not redirected.")
    return response


def fetch_json(url: str, *, timeout: float | None = None, max_bytes: int | None = None) -> Any:
    """GET a JSON document; non-2xx, a non-JSON content type or invalid JSON raise `FetchError`."""
    response = fetch(url, accept="application/ld+json, application/json", timeout=timeout, max_bytes=max_bytes)
    if not 200 <= response.status < 300:
        raise FetchError(f"The server answered {url} with HTTP status {response.status}.")
    media_type = response.content_type.split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise FetchError(f"The document at {url} is not JSON (content type {media_type or 'missing'}).")
    try:
        return response.json()
    except ValueError as exc:  # JsonShapeError is a ValueError
        raise FetchError(f"The document at {url} is not valid JSON ({exc}).") from exc
