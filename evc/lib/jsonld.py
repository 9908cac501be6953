"""JSON-LD processing against the context cache shipped in the repo, never the network.

`expand()` and `canonize()` run PyLD with a document loader that serves only `jsonld_cache/`;
an unknown context raises `UnknownContext` (a failed check for the caller, never a fetch).
Tests may add extra documents with `extra_documents()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

CACHE_DIR = Path(__file__).with_name("jsonld_cache")
_EDUBADGES_EXTENSION = re.compile(r"^https?://[^/]+(?:/[^/]+)*/extensions/(?P<name>[A-Za-z]+Extension)/context\.json$")

_extra: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("evc_jsonld_extra", default=None)


class UnknownContext(Exception):
    """A JSON-LD context that is not in the local cache."""

    def __init__(self, url: str) -> None:
        super().__init__(f"The JSON-LD context {url} is not known to this installation, so the document cannot be processed.")
        self.url = url


class JsonLdError(Exception):
    """The document is not valid JSON-LD."""


@cache
def _index() -> dict[str, str]:
    return json.loads((CACHE_DIR / "index.json").read_text())


@cache
def _load_file(name: str) -> Any:
    return json.loads((CACHE_DIR / name).read_text())


def cached_document(url: str) -> Any | None:
    """The cached document for `url`, or None."""
    extra = _extra.get()
    if extra and url in extra:
        return copy.deepcopy(extra[url])
    index = _index()
    name = index.get(url) or index.get(url.rstrip("/"))
    if name is None:
        match = _EDUBADGES_EXTENSION.match(url)
        if match:
            name = index.get(f"edubadges:{match['name']}")
    return copy.deepcopy(_load_file(name)) if name else None


def is_known_context(url: str) -> bool:
    return cached_document(url) is not None


@contextlib.contextmanager
def extra_documents(documents: dict[str, Any]) -> Iterator[None]:
    """Serve additional context documents by URL for a block (tests, offline corpora)."""
    merged = {**(_extra.get() or {}), **documents}
    token = _extra.set(merged)
    try:
        yield
    finally:
        _extra.reset(token)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    document = cached_document(url)
    if document is None:
        raise UnknownContext(url)
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _unwrap(exc: BaseException) -> BaseException:
    seen = 0
    while seen < 10:
        if isinstance(exc, UnknownContext):
            return exc
        cause = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
        if cause is None:
            return exc
        exc = cause
        seen += 1
    return exc


def _run(function: Any, document: Any, options: dict[str, Any]) -> Any:
    options = {"documentLoader": document_loader, **options}
    try:
        return function(copy.deepcopy(document), options)
    except (UnknownContext, JsonLdError):
        raise
    except Exception as exc:  # PyLD wraps loader errors in JsonLdError chains
        root = _unwrap(exc)
        if isinstance(root, UnknownContext):
            raise root from None
        raise JsonLdError(f"The document is not valid JSON-LD ({getattr(exc, 'type', exc.__class__.__name__)}).") from exc


def expand(document: Any) -> list[Any]:
    return _run(jsonld.expand, document, {})


MAX_BLANK_NODE_DEGREE = 8  # permutations per step grow as degree! (poison graphs)
MAX_HASH_N_DEGREE_CALLS = 5_000


class CanonicalisationRefused(JsonLdError):
    """The document's blank-node structure is too complex to canonicalise safely."""


class _BoundedURDNA2015(URDNA2015):
    """RDFC-1.0 with a work bound: a crafted "poison graph" must not occupy a worker for hours."""

    def __init__(self) -> None:
        super().__init__()
        self._calls_left = MAX_HASH_N_DEGREE_CALLS

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._calls_left -= 1
        if self._calls_left < 0:
            raise CanonicalisationRefused("The document's anonymous (blank) nodes are too intertwined to canonicalise safely.")
        return super().hash_n_degree_quads(id_, issuer)


def _check_blank_node_degree(dataset: dict[str, Any]) -> None:
    neighbours: dict[str, set[str]] = {}
    for triples in dataset.values():
        for triple in triples:
            ends = [triple[p]["value"] for p in ("subject", "object") if triple.get(p, {}).get("type") == "blank node"]
            for end in ends:
                neighbours.setdefault(end, set()).update(e for e in ends if e != end)
    if any(len(n) > MAX_BLANK_NODE_DEGREE for n in neighbours.values()):
        raise CanonicalisationRefused("The document links too many anonymous (blank) nodes together to canonicalise safely.")


def _canonize(document: Any, options: dict[str, Any]) -> str:
    dataset = jsonld.to_rdf(document, {**options, "produceGeneralizedRdf": False})
    _check_blank_node_degree(dataset)
    return _BoundedURDNA2015().main(dataset, {"format": "application/n-quads"})


def canonize(document: Any) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0) to N-Quads, with a work bound."""
    return _run(_canonize, document, {})


def context_urls(document: Any) -> list[str]:
    """The remote context URLs a document names at its top level."""
    contexts = document.get("@context") if isinstance(document, dict) else None
    if contexts is None:
        return []
    if not isinstance(contexts, list):
        contexts = [contexts]
    return [c for c in contexts if isinstance(c, str)]


def compact(document: Any, context: Any) -> Any:
    """Compact `document` against `context` (both resolved from the cache only)."""
    options = {"documentLoader": document_loader}
    try:
        return jsonld.compact(copy.deepcopy(document), context, options)
    except Exception as exc:
        root = _unwrap(exc)
        if isinstance(root, UnknownContext):
            raise root from None
        raise JsonLdError(f"The document cannot be compacted ({getattr(exc, 'type', exc.__class__.__name__)}).") from exc
