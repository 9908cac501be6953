"""Check sentences are English in code and output, Dutch on the (Dutch-first) pages."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from evc.portfolios.services import credential_import
from evc.portfolios.verification.messages import MESSAGES, REJECTIONS
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


# --- why an upload is refused -------------------------------------------------------------------------

REJECTION_CLASSES = {"FormatError", "JwsError", "JsonShapeError", "CredentialRejected"}


def _rejections_in_code() -> set[str]:
    found = set()
    for path in [*SOURCE.rglob("*.py"), SOURCE.parents[0] / "lib" / "safejson.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in REJECTION_CLASSES:
                    found.add(node.args[0].value)
    return found


def test_every_rejection_reason_is_marked_for_translation():
    found = _rejections_in_code()
    assert len(found) > 50  # the scan sees the formats, JWS, JSON and service errors
    missing = sorted(found - set(REJECTIONS))
    assert not missing, f"add these to REJECTIONS in verification/messages.py and to locale/nl: {missing}"


@pytest.mark.parametrize("catalogue", ["REJECTIONS", "SOURCES", "EMBEDDED"])
def test_every_rejection_and_provenance_text_has_a_dutch_text(catalogue):
    from evc.portfolios.verification import messages

    with translation.override("nl"):
        untranslated = [m for m in getattr(messages, catalogue) if translation.gettext(m) == m]
    assert not untranslated, untranslated


def _upload(client, data: bytes, name: str, language: str) -> str:
    upload = io.BytesIO(data)
    upload.name = name
    client.cookies["django_language"] = language
    response = client.post(reverse("portfolios:upload"), {"files": [upload]}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    return response.content.decode()


BROKEN_UPLOADS = {
    # name: (bytes, file name, Dutch fragment, English fragment)
    "json, not a credential": (b"[1, 2]", "x.json", "Het bestand is JSON, maar geen credential", "The file is JSON, but not a credential"),
    "damaged png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "x.png", "De PNG-afbeelding is beschadigd", "The PNG image is damaged"),
    "badge description": (json.dumps({"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass"}).encode(), "x.json",
                          "Dit JSON-bestand is een badgebeschrijving", "This JSON file is a badge description"),
    "broken jws": (b"eA.eyJ4IjoxfQ.c2ln", "x.jws", "De JWS-header is geen geldige JSON", "The JWS header is not valid JSON"),
    "nan": (b'{"x": NaN}', "x.json", "het bevat NaN", "it contains NaN"),
    "empty": (b"  ", "x.json", "Het bestand is leeg", "The file is empty"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BROKEN_UPLOADS))
def test_upload_rejections_are_dutch_on_the_dutch_page_and_english_on_the_english_page(client_for, applicant, case):
    data, name, dutch, english = BROKEN_UPLOADS[case]
    client = client_for(applicant)
    html = _upload(client, data, name, "nl")
    assert dutch in html and english not in html
    html = _upload(client, data, name, "en")
    assert english in html and dutch not in html


@pytest.mark.django_db
def test_a_parser_error_shows_where_not_the_parsers_english(client_for, applicant):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg">\n<g><text>x</g></svg>'
    html = _upload(client_for(applicant), svg, "x.svg", "nl")
    assert "Het SVG-bestand is geen correcte XML (regel 2, kolom" in html
    assert "mismatched tag" not in html


def test_the_command_line_keeps_the_english_sentence():
    from evc.portfolios.intake import inspect_credential

    with translation.override("nl"):
        inspection = inspect_credential(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "x.png")
        assert inspection.error == "The PNG image is damaged and cannot be read."  # contract 4.2
        assert inspection.localized_error == "De PNG-afbeelding is beschadigd en niet te lezen."


# --- the credential detail page, in each language ------------------------------------------------------


@pytest.mark.django_db
def test_missing_elements_and_provenance_are_in_the_pages_language(client_for, applicant):
    from evc.portfolios.services import credential_add_manual

    credential = credential_add_manual(applicant=applicant, title="Vrijwilligerswerk", provider="")
    client = client_for(applicant)
    url = reverse("portfolios:credential", args=[credential.pk])
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ("Learner", "Awarding body", "Country of the awarding body", "Date of issue", "Workload (EC or hours)",
                  "Level (EQF/NLQF)", "Type of participation", "manual entry by the applicant"):
        assert label in english
    for dutch in ("Lerende", "Uitreikende instelling", "Land van de instelling", "Datum van uitgifte", "Studielast (EC of uren)",
                  "Niveau (EQF/NLQF)", "Vorm van deelname"):
        assert dutch not in english
    client.cookies["django_language"] = "nl"
    dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "handmatig ingevoerd door de aanvrager" in dutch and "manual entry by the applicant" not in dutch


@pytest.mark.django_db
def test_a_check_that_could_not_fetch_says_why_in_dutch(client_for, applicant, settings):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    settings.EVC_FETCH_REMOTE = False
    signed = fx.sign_di(fx.ob3_credential(), ed25519.Ed25519PrivateKey.generate())
    credential, inspection = credential_import(applicant=applicant, data=json.dumps(signed).encode(), filename="b.json")
    ownership = next(c for c in inspection.checks if c.name == "key_ownership")
    assert ownership.detail.endswith("(Fetching remote documents is switched off on this installation).")  # stored English
    client = client_for(applicant)
    client.cookies["django_language"] = "nl"
    html = client.get(reverse("portfolios:credential", args=[credential.pk]), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "(Het ophalen van documenten van andere websites is op deze installatie uitgeschakeld)." in html
    assert "Fetching remote documents" not in html


@pytest.mark.django_db
def test_a_damaged_pdf_as_evidence_is_refused_in_dutch(client_for, applicant):
    upload = io.BytesIO(b"%PDF-1.4\nnot really a pdf")
    upload.name = "bewijs.pdf"
    response = client_for(applicant).post(reverse("portfolios:evidence"), {"title": "Bewijs", "file": upload}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    assert "Het PDF-bestand is beschadigd" in response.content.decode()


def test_format_names_are_translated():
    from evc.portfolios.models import Format

    with translation.override("en"):
        assert [str(Format.BAKED_PNG.label), str(Format.PDF.label)] == ["Badge image (PNG)", "PDF certificate"]
    with translation.override("nl"):
        assert str(Format.BAKED_PNG.label) == "Badge-afbeelding (PNG)"


def test_the_items_of_a_structure_check_are_dutch_on_a_dutch_page():
    from django.utils import translation

    from evc.portfolios.verification.messages import localize

    template = "This is not a valid Open Badges 3.0 credential: {items}."
    params = {"items": "its credentialSubject has no achievement; it names no issuer"}
    with translation.override("nl"):
        text = localize(template, params)
    assert "het credentialSubject heeft geen achievement; het noemt geen uitgever" in text
    assert "its " not in text and "names no" not in text
