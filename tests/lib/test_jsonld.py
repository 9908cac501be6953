"""JSON-LD processing only from the repo's context cache, with a work bound on canonicalisation."""

from __future__ import annotations

import pytest

from evc.lib import jsonld

V2 = "https://www.w3.org/ns/credentials/v2"


def test_known_contexts_come_from_the_cache_and_unknown_ones_fail_without_a_fetch(monkeypatch):
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("network used"))
    assert jsonld.expand({"@context": V2, "type": "VerifiableCredential"})
    with pytest.raises(jsonld.UnknownContext, match=r"evil\.example"):
        jsonld.expand({"@context": [V2, "https://evil.example/ctx.json"], "name": "x"})
    assert jsonld.is_known_context("https://api.edubadges.nl/static/extensions/ECTSExtension/context.json")


def test_canonicalisation_refuses_a_poison_graph():
    # Twelve anonymous nodes all linked to each other: RDFC would try 11! orderings per node.
    nodes = [{"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(12) if j != i]} for i in range(12)]
    with pytest.raises(jsonld.CanonicalisationRefused):
        jsonld.canonize({"@graph": nodes})


def test_canonicalisation_of_a_small_document_is_stable():
    doc = {"@context": {"@vocab": "http://example.org/"}, "a": {"b": 1}, "c": {"d": 2}}
    assert jsonld.canonize(doc) == jsonld.canonize(dict(reversed(list(doc.items()))))
    assert "_:c14n0" in jsonld.canonize(doc)
