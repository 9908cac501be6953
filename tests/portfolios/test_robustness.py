"""Bad input never raises: every field of a credential replaced by a value of the wrong type."""

from __future__ import annotations

import copy
import json

import pytest

from evc.lib import fetcher
from evc.portfolios.intake import inspect_credential
from tests.portfolios import fixtures as fx

WRONG_VALUES = [None, 7, [], {}, "x", [{}]]


def _paths(node, prefix=(), depth=0):
    if depth > 4:
        return
    items = node.items() if isinstance(node, dict) else enumerate(node[:2]) if isinstance(node, list) else []
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key), depth + 1)


def _documents():
    docs = fx.ob2_documents()
    ob2 = dict(docs["assertion"], verification={"type": "hosted"}, badge=dict(docs["badge"], issuer=docs["issuer"]))
    return {"ob2": ob2, "ob3": fx.ob3_credential()}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ob2", "ob3"])
def test_type_confused_credentials_never_raise(kind):
    document = _documents()[kind]
    crashes = []
    with fetcher.remote_fetching(False):
        for path in list(_paths(document)):
            for value in WRONG_VALUES:
                mutated = copy.deepcopy(document)
                target = mutated
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = value
                try:
                    result = inspect_credential(json.dumps(mutated).encode(), "badge.json", confirmed_emails=["a@example.org"])
                except Exception as exc:  # the point of the test: collect, then fail with all of them
                    crashes.append(f"{path}={value!r}: {exc.__class__.__name__}: {exc}")
                    continue
                assert result.error is not None or result.claim is not None
    assert not crashes, "\n".join(crashes[:20])


def test_wrong_types_at_the_top_level_are_rejected_with_a_message():
    for text in (b"[]", b"42", b'"text"', b"null", b'{"@context": {}}', b"{}"):
        result = inspect_credential(text, "badge.json")
        assert result.error and result.claim is None
