"""The guarded fetcher against a real HTTP server on 127.0.0.1 (private-address guard relaxed per test)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evc.lib import fetcher


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        routes = {
            "/badge.json": (200, "application/json", json.dumps({"ok": True}).encode()),
            "/html": (200, "text/html", b"<html></html>"),
            "/big.json": (200, "application/json", b"[" + b"1," * 700_000 + b"1]"),
            "/gone": (410, "application/json", b"{}"),
        }
        if self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/redirect/{n - 1}" if n > 1 else "/badge.json")
            self.end_headers()
            return
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/secret")
            self.end_headers()
            return
        status, kind, body = routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/moved":
            self.send_response(307)
            self.send_header("Location", "/echo")
            self.end_headers()
            return
        reply = self.headers["Content-Type"].encode() + b":" + body
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@pytest.fixture
def server(settings):
    settings.EVC_FETCH_ALLOW_HTTP = True
    settings.EVC_FETCH_REMOTE = True
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_it_fetches_json_from_a_local_server_only_with_the_guard_relaxed(server):
    with pytest.raises(fetcher.FetchRefused, match="private or reserved"):
        fetcher.fetch_json(server + "/badge.json")
    with fetcher.allow_private_addresses():
        assert fetcher.fetch_json(server + "/badge.json") == {"ok": True}


def test_it_follows_at_most_three_redirects(server):
    with fetcher.allow_private_addresses():
        assert fetcher.fetch_json(server + "/redirect/3") == {"ok": True}
        with pytest.raises(fetcher.FetchRefused, match="more than 3 times"):
            fetcher.fetch_json(server + "/redirect/4")


def test_it_refuses_a_redirect_to_a_private_address(server, monkeypatch):
    # Relaxed for 127.0.0.1 only: the guard applies again to the redirect target.
    real = fetcher._resolve

    def resolve(host, port):
        if host == "127.0.0.1":
            with fetcher.allow_private_addresses():
                return real(host, port)
        return real(host, port)

    monkeypatch.setattr(fetcher, "_resolve", resolve)
    with pytest.raises(fetcher.FetchRefused, match=r"10\.0\.0\.1"):
        fetcher.fetch_json(server + "/to-private")


def test_it_refuses_oversized_and_non_json_documents(server):
    with fetcher.allow_private_addresses():
        with pytest.raises(fetcher.FetchError, match="larger than"):
            fetcher.fetch_json(server + "/big.json")
        with pytest.raises(fetcher.FetchError, match="not JSON"):
            fetcher.fetch_json(server + "/html")
        assert fetcher.fetch(server + "/gone").status == 410


def test_it_posts_through_the_same_guard_and_never_redirects_a_body(server, settings):
    with pytest.raises(fetcher.FetchRefused, match="private or reserved"):
        fetcher.post(server + "/echo", b"query", content_type="application/timestamp-query")
    with fetcher.allow_private_addresses():
        answer = fetcher.post(server + "/echo", b"query", content_type="application/timestamp-query")
        assert answer.status == 200 and answer.body == b"application/timestamp-query:query"
        with pytest.raises(fetcher.FetchRefused, match="redirected"):
            fetcher.post(server + "/moved", b"query", content_type="text/plain")
        with fetcher.use_transport(lambda url: fetcher.Response(url, 200, "text/plain", b"stub")), \
                pytest.raises(fetcher.FetchDisabled, match="stub"):
            fetcher.post(server + "/echo", b"query", content_type="text/plain")
    settings.EVC_FETCH_ALLOW_HTTP = False
    with pytest.raises(fetcher.FetchRefused, match="https"):
        fetcher.post(server + "/echo", b"query", content_type="text/plain")
    settings.EVC_FETCH_REMOTE = False
    with pytest.raises(fetcher.FetchDisabled):
        fetcher.post("https://tsa.example.org/", b"query", content_type="text/plain", allow_http=True)


def test_it_refuses_plain_http_unless_allowed(settings):
    settings.EVC_FETCH_ALLOW_HTTP = False
    with pytest.raises(fetcher.FetchRefused, match="https"):
        fetcher.fetch("http://example.org/badge.json")
    with pytest.raises(fetcher.FetchRefused):
        fetcher.fetch("file:///etc/passwd")


def test_switched_off_fetching_raises_disabled(settings):
    settings.EVC_FETCH_REMOTE = False
    with pytest.raises(fetcher.FetchDisabled):
        fetcher.fetch("https://example.org/")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1", "240.0.0.1", "0.0.0.0",  # noqa: S104
     "100.64.0.1", "::1", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "2002:7f00:1::1", "::"],
)
def test_private_and_reserved_addresses_are_not_public(address):
    assert not fetcher.is_public_address(address)


def test_public_addresses_are_public():
    assert fetcher.is_public_address("93.184.216.34")
    assert fetcher.is_public_address("2606:2800:220:1:248:1893:25c8:1946")


def test_it_refuses_a_host_that_resolves_to_a_private_address(monkeypatch):
    monkeypatch.setattr(fetcher.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 443))])
    with pytest.raises(fetcher.FetchRefused, match=r"10\.0\.0\.7"):
        fetcher.fetch("https://intranet.example.org/")


class DripHandler(BaseHTTPRequestHandler):
    """Answers a byte at a time, each within the socket timeout: in the body (/body) or in the headers (/headers)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        try:
            if self.path == "/body":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
            else:  # the status line, then a header that never ends
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(100):
                self.wfile.write(b" " if self.path == "/body" else b"a")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_server_that_drips_bytes_is_cut_off_after_twice_the_timeout(settings, where):
    settings.EVC_FETCH_ALLOW_HTTP = True
    settings.EVC_FETCH_TIMEOUT_SECONDS = 1
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), DripHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        with fetcher.allow_private_addresses(), pytest.raises(fetcher.FetchError, match="longer than 2 seconds"):
            fetcher.fetch(f"http://127.0.0.1:{httpd.server_address[1]}/{where}")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert time.monotonic() - started < 5  # not the 20 s the server would take
