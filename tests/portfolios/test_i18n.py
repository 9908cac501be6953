"""Check sentences are English in code and output, Dutch on the (Dutch-first) pages."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from evc.portfolios.services import credential_import
from evc.portfolios.verification.messages import MESSAGES
from tests.portfolios import fixtures as fx

SOURCE = Path(__file__).resolve().parents[2] / "evc" / "portfolios"


def _templates_in_code() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"passed", "failed", "unknown"}
                    and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
                found.add(node.args[1].value)
    return found - {"{str}", "{value}"}  # pass-through of a sentence made elsewhere


def test_every_check_sentence_is_marked_for_translation():
    missing = sorted(_templates_in_code() - set(MESSAGES))
    assert not missing, f"add these to verification/messages.py and locale/nl: {missing}"


def test_every_check_sentence_has_a_dutch_text():
    with translation.override("nl"):
        untranslated = [m for m in MESSAGES if translation.gettext(m) == m]
    assert not untranslated, untranslated


@pytest.mark.django_db
def test_the_detail_page_shows_checks_in_dutch_and_the_command_output_stays_english(client_for, applicant):
    credential, inspection = credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    signature = next(c for c in inspection.checks if c.name == "signature")
    assert signature.detail.startswith("The credential is not signed")
    client = client_for(applicant)
    client.cookies["django_language"] = "nl"
    with translation.override("nl"):
        html = client.get(reverse("portfolios:credential", args=[credential.pk]), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Het credential is niet ondertekend" in html
