"""Test-only offline resolver for the shared conformance corpus (never the network).

The corpus stays in ../shared/corpus (its licences require it to stay with its README and
MANIFEST); tests read it from there and skip when it is absent.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from evc.lib import fetcher, jsonld
from tests.conftest import CORPUS_DIR as CORPUS  # ../shared/corpus, or EVC_CORPUS_DIR

EXAMPLE_HOSTS = {"example.org", "www.example.org"}


def manifest() -> dict:
    return json.loads((CORPUS / "MANIFEST.json").read_text())


def url_map() -> dict[str, Path]:
    mapping: dict[str, Path] = {}
    for entry in manifest()["files"]:
        urls = entry.get("serves_url") or []
        for url in [urls] if isinstance(urls, str) else urls:
            if url.startswith("http"):
                mapping[url] = CORPUS / entry["path"]
    return mapping


def _content_type(path: Path, body: bytes) -> str:
    if body.lstrip()[:1] in (b"{", b"["):
        return "application/json"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def transport(mapping: dict[str, Path]):
    def serve(url: str) -> fetcher.Response:
        path = mapping.get(url)
        parts = urlsplit(url)
        if path is None and parts.hostname in EXAMPLE_HOSTS:
            candidate = CORPUS / "ob2" / "example.org" / parts.path.lstrip("/")
            if candidate.is_file() and candidate.resolve().is_relative_to(CORPUS):
                path = candidate
        if path is None:
            # Like a host that cannot be reached: the caller must report "unknown", not crash.
            raise fetcher.FetchError(f"{url} is not available offline (not in the corpus).")
        body = path.read_bytes()
        return fetcher.Response(url, 200, _content_type(path, body), body)

    return serve


@contextlib.contextmanager
def offline_corpus() -> Iterator[None]:
    """Resolve URLs to corpus files; serve the corpus contexts to the JSON-LD loader too."""
    mapping = url_map()
    contexts = {
        url: json.loads(path.read_text())
        for url, path in mapping.items()
        if "/contexts/" in str(path)
    }
    with fetcher.use_transport(transport(mapping)), jsonld.extra_documents(contexts):
        # The 1EdTech validator fixtures use http://example.org too.
        with _allow_http():
            yield


@contextlib.contextmanager
def _allow_http() -> Iterator[None]:
    from django.test import override_settings

    with override_settings(EVC_FETCH_ALLOW_HTTP=True):
        yield
