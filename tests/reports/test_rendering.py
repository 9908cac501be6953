"""The decision letter and the EVC report: every mandatory element, in Dutch and in English."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.test import override_settings

from evc.reports.errors import RenderError
from evc.reports.rendering import SIGNATURE_BOX_KEY, SignatureBox, decision_pdf_render, evc_report_pdf_render

from .conftest import SITE_URL, snapshot_for


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # Collapse whitespace: WeasyPrint wraps lines wherever the layout needs.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def letters() -> dict[str, bytes]:
    with override_settings(EVC_SITE_URL=SITE_URL):
        return {lang: decision_pdf_render(snapshot_for(language=lang)) for lang in ("nl", "en")}


COMMON = [
    "Fontys Hogescholen",  # institution
    "HBO-ICT Software Engineering",  # committee / programme
    "Marianne de Vries",  # applicant name
    "A1001",  # applicant number
    "34479",  # CROHO
    "2026-2027",  # academic year (curriculum version)
    "CLOUD",
    "WEB",
    "Cloud",
    "7",  # EC
    "EVC-2026-000123",  # decision id
    "Els de Boer",
    "Carla Visser",
    "AWS Certified Solutions Architect",  # evidence behind an outcome
    "CLOUD-1",
    "WEB-3",
    "Alle leeruitkomsten zijn aangetoond met het AWS-certificaat",  # grounds, verbatim
    "https://evc.example.nl/verify/EVC-2026-000123",  # verification URL
]

DUTCH = [
    "Besluit op uw verzoek om vrijstelling (EVC)",
    "vrijstelling verleend",
    "vrijstelling geweigerd",
    "31 augustus 2031",  # validity
    "20 november 2026",  # date of decision
    "College van Beroep voor de Examens",
    "binnen zes weken",
    "1 januari 2027",  # appeal deadline
    "beroepschrift",
    "niet aangetoond",
    "Studiejaar",
    "CROHO-code",
]

ENGLISH = [
    "Decision on your request for exemption (RPL)",
    "exemption granted",
    "exemption refused",
    "31 August 2031",
    "20 November 2026",
    "Examination Appeals Board",
    "within six weeks",
    "1 January 2027",
    "notice of appeal",
    "not demonstrated",
    "Academic year",
    "CROHO code",
]


@pytest.mark.parametrize("language, expected", [("nl", DUTCH), ("en", ENGLISH)])
def test_it_shows_every_mandatory_element(letters, language, expected):
    text = _text(letters[language])
    missing = [item for item in COMMON + expected if item not in text]
    assert not missing, f"missing from the {language} letter: {missing}"


def test_it_writes_the_english_letter_in_english(letters):
    text = _text(letters["en"])
    assert "vrijstelling verleend" not in text
    assert "Geachte" not in text
    assert "Web development" in text  # the unit's English name


def test_it_is_a_tagged_a4_pdf_with_language_and_title(letters):
    for language, pdf in letters.items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        assert root["/Lang"] == language
        assert bool(root["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in root
        assert "EVC-2026-000123" in reader.metadata.title
        width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == (595, 842)


def test_it_records_where_the_signature_box_landed(letters):
    reader = pypdf.PdfReader(io.BytesIO(letters["nl"]))
    box = SignatureBox.parse(reader.metadata["/" + SIGNATURE_BOX_KEY])
    assert box is not None
    assert 0 <= box.page < len(reader.pages)
    # 75 mm x 24 mm is about 213 x 68 points, inside the page.
    assert 205 < box.x2 - box.x1 < 220 and 62 < box.y2 - box.y1 < 74
    assert 0 < box.x1 < box.x2 < 595 and 0 < box.y1 < box.y2 < 842


def test_it_shows_a_correction_names_the_decision_it_replaces():
    text = _text(decision_pdf_render(snapshot_for(decision_id="EVC-2026-000124", supersedes="EVC-2026-000123")))
    assert "EVC-2026-000124" in text
    assert "vervangt besluit EVC-2026-000123" in text.lower() or "Vervangt besluit EVC-2026-000123" in text


def test_a_letter_says_where_the_committee_departs_from_the_assessors_judgement():
    followed = _text(decision_pdf_render(snapshot_for()))
    assert "Oordeel van de beoordelaars per leeruitkomst:" in followed and "wijkt daarvan af" not in followed
    snapshot = snapshot_for()
    for outcome in snapshot["units"][0]["outcomes"]:  # CLOUD granted, yet no outcome judged demonstrated
        outcome["accepted"] = False
    departed = _text(decision_pdf_render(snapshot))
    assert departed.count("de examencommissie wijkt daarvan af") == 1
    english = _text(decision_pdf_render({**snapshot, "language": "en"}))
    assert "the examination committee departs from it" in english


def test_it_escapes_what_the_snapshot_says():
    snapshot = snapshot_for()
    snapshot["applicant"]["name"] = 'Eve <b>"Bold"</b> & Co'
    text = _text(decision_pdf_render(snapshot))
    assert 'Eve <b>"Bold"</b> & Co' in text


def test_it_refuses_a_snapshot_without_grounds():
    snapshot = snapshot_for()
    snapshot["units"][1]["grounds"] = ""
    with pytest.raises(RenderError, match="WEB"):
        decision_pdf_render(snapshot)


def test_it_refuses_a_snapshot_without_an_applicant():
    with pytest.raises(RenderError, match="applicant"):
        decision_pdf_render(snapshot_for(applicant={"name": "", "number": "", "email": ""}))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_evc_report_lists_validated_competences_per_outcome(language):
    text = _text(evc_report_pdf_render(snapshot_for(language=language)))
    assert ("Ervaringscertificaat" if language == "nl" else "Certificate of Experience") in text
    for item in ["Marianne de Vries", "EVC-2026-000123", "CLOUD-1", "CLOUD-2", "WEB-1", "AWS Certified Solutions Architect",
                 "https://evc.example.nl/verify/EVC-2026-000123", "34479"]:
        assert item in text, item
    # WEB-3 was not demonstrated: a certificate of validated competences leaves it out.
    assert "WEB-3" not in text
    assert ("3 leeruitkomsten" if language == "nl" else "3 learning outcomes") in text
