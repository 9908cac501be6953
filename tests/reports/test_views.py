"""/verify/ pages (public, rate limited, never a 500) and the authenticated download."""

from __future__ import annotations

import hashlib
import html
import io
import re

import pypdf
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evc.reports import views
from evc.reports.services import signed_document_create

from .tampering import change_one_byte

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()  # the limiter counts in the cache; tests must not inherit each other's requests
    yield
    cache.clear()


@pytest.fixture
def stored(make_decision):  # type: ignore[no-untyped-def]
    decision = make_decision("EVC-2026-000123")
    document = signed_document_create(decision=decision, kind="letter")
    with document.pdf.open("rb") as fh:
        return decision, fh.read()


def _url(public_id: str = "EVC-2026-000123") -> str:
    return reverse("reports:verify", args=[public_id])


def _pdf(data: bytes, name: str = "besluit.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _section(page: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, flags=re.S)
    assert match, heading_id
    return match.group(0)


def _letter_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_the_page_needs_no_login_and_shows_the_essentials(client, stored):
    response = client.get(_url())
    assert response.status_code == 200
    page = response.content.decode()
    for item in ["EVC-2026-000123", "Geldig", "M. de Vries", "HBO-ICT Software Engineering", "34479", "2026-2027",
                 "CLOUD", "vrijstelling verleend", "vrijstelling geweigerd", "31 augustus 2031", "20 november 2026",
                 "Els de Boer"]:
        assert item in page, item


def test_the_page_reveals_nothing_beyond_the_letter(client, stored):
    _decision, pdf = stored
    letter = _letter_text(pdf)
    page = client.get(_url()).content.decode()
    # Personal data and assessment details the page must not show (the letter holder has them).
    for secret in ["marianne@example.org", "A1001", "Marianne", "AWS Certified Solutions Architect",
                   "Alle leeruitkomsten zijn aangetoond", "scalable cloud architecture", "OWASP"]:
        assert secret not in page, secret
    # Every fact the page states about the decision is printed in the letter too.
    essentials = _section(page, "essentials-heading")
    values = [html.unescape(re.sub(r"<[^>]+>", "", v)).strip() for v in re.findall(r"<(?:dd|td)>(.*?)</(?:dd|td)>", essentials, flags=re.S)]
    values = [part for v in values if v and v != "—" for part in v.split(", ")]  # members are one list
    assert len(values) >= 15
    for value in values:
        if value == "M. de Vries":  # less than the letter: initial and surname only
            assert "Marianne de Vries" in letter
            continue
        assert value in letter, value


def test_it_shows_a_superseded_decision_with_a_link_to_the_correction(client, stored, make_decision):
    decision, _pdf = stored
    make_decision("EVC-2026-000124", supersedes=decision)
    type(decision).objects.filter(pk=decision.pk).update(status="superseded")
    page = client.get(_url()).content.decode()
    assert "Vervangen" in page
    assert f'href="{_url("EVC-2026-000124")}"' in page
    assert "niet meer geldig" in page
    newer = client.get(_url("EVC-2026-000124")).content.decode()
    assert "Geldig" in newer and f'href="{_url()}"' in newer  # "replaces decision ..." links back


def test_it_shows_a_decision_withdrawn_on_appeal_and_its_replacement(client, stored, make_decision):
    decision, _pdf = stored
    type(decision).objects.filter(pk=decision.pk).update(status="withdrawn_on_appeal")
    page = client.get(_url()).content.decode()
    assert "Ingetrokken" in page and "na beroep" in page and "vervangen door besluit" not in page
    make_decision("EVC-2026-000124", supersedes=decision)
    page = client.get(_url()).content.decode()
    assert "Het is vervangen door besluit" in page and f'href="{_url("EVC-2026-000124")}"' in page


def test_an_unknown_decision_is_a_404_that_says_so(client, db):
    response = client.get(_url("EVC-2026-999999"))
    assert response.status_code == 404
    assert "Onbekend besluit" in response.content.decode()
    response = client.get(reverse("reports:index") + "EVC<script>alert(1)<script>")
    assert response.status_code == 404
    assert "<script>alert" not in response.content.decode()


def test_the_page_speaks_english_when_asked(client, stored):
    page = client.get(_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "exemption granted" in page and "Valid" in page


def test_the_upload_box_confirms_an_authentic_letter(client, stored):
    _decision, pdf = stored
    response = client.post(_url(), {"document": _pdf(pdf)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Echt: dit document is ongewijzigd" in page


def test_the_upload_box_reports_a_tampered_letter_with_the_reason(client, stored):
    _decision, pdf = stored
    page = client.post(_url(), {"document": _pdf(change_one_byte(pdf))}).content.decode()
    assert "Niet echt: het document is na de ondertekening gewijzigd." in page


def test_the_upload_box_reports_a_superseded_letter(client, stored, make_decision):
    decision, pdf = stored
    make_decision("EVC-2026-000124", supersedes=decision)
    type(decision).objects.filter(pk=decision.pk).update(status="superseded")
    page = client.post(reverse("reports:index"), {"document": _pdf(pdf)}).content.decode()
    assert "vervangen door een correctie" in page
    assert f'href="{_url("EVC-2026-000124")}"' in page


def test_the_upload_box_warns_when_the_letter_belongs_to_another_decision(client, stored, make_decision):
    _decision, pdf = stored
    make_decision("EVC-2026-000125")
    page = client.post(_url("EVC-2026-000125"), {"document": _pdf(pdf)}).content.decode()
    assert "hoort bij besluit EVC-2026-000123, niet bij besluit EVC-2026-000125" in page


@pytest.mark.parametrize(
    "payload, status, message",
    [
        (lambda: {}, 400, "Kies een PDF-bestand om te controleren."),
        (lambda: {"document": SimpleUploadedFile("leeg.pdf", b"")}, 400, "Het gekozen bestand is leeg."),
        (lambda: {"document": SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n....")}, 415, "Dit bestand is geen PDF-document."),
        (lambda: {"document": "just text"}, 400, "Kies een PDF-bestand"),
    ],
)
def test_the_upload_box_rejects_bad_input_with_a_clear_4xx(client, stored, payload, status, message):
    for url in (_url(), reverse("reports:index")):
        response = client.post(url, payload())
        assert response.status_code == status
        assert message in response.content.decode()


def test_the_upload_box_refuses_a_file_that_is_too_large(client, stored, settings):
    _decision, pdf = stored
    settings.EVC_MAX_UPLOAD_BYTES = 1024
    response = client.post(_url(), {"document": _pdf(pdf)})
    assert response.status_code == 413
    assert "te groot" in response.content.decode()


def test_a_pdf_that_is_garbage_inside_is_reported_not_a_crash(client, stored):
    response = client.post(_url(), {"document": _pdf(b"%PDF-1.7\n" + bytes(range(256)) * 8)})
    assert response.status_code == 200
    assert "Niet echt" in response.content.decode()


def test_an_unexpected_failure_is_a_422_not_a_500(client, stored, monkeypatch):
    _decision, pdf = stored

    def boom(data: bytes) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(views, "decision_pdf_verify", boom)
    response = client.post(_url(), {"document": _pdf(pdf)})
    assert response.status_code == 422
    assert "kon niet worden gecontroleerd" in response.content.decode()


def test_the_index_looks_up_a_decision_number(client, stored):
    response = client.get(reverse("reports:index"), {"id": " evc-2026-000123 "})
    assert response.status_code == 302 and response["Location"] == _url()
    response = client.get(reverse("reports:index"), {"id": "'; drop table"})
    assert response.status_code == 400
    assert "EVC-2026-000123" in response.content.decode()  # the example of a valid number


def test_a_trailing_slash_redirects_to_the_page(client, stored):
    response = client.get(_url() + "/")
    assert response.status_code == 301 and response["Location"] == _url()


def test_it_rate_limits_lookups_and_uploads(client, stored, monkeypatch):
    _decision, pdf = stored
    monkeypatch.setattr(views, "PAGE_RATE", "3/m")
    statuses = [client.get(_url(f"EVC-2026-{n:06d}")).status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]  # unknown numbers, then the limit
    response = client.get(_url())
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Te veel verzoeken" in response.content.decode()

    cache.clear()
    monkeypatch.setattr(views, "PAGE_RATE", "100/m")
    monkeypatch.setattr(views, "UPLOAD_RATE", "2/m")
    statuses = [client.post(_url(), {"document": _pdf(pdf)}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- download -----------------------------------------------------------------------------------


def _download(client, kind: str = "letter"):  # type: ignore[no-untyped-def]
    return client.get(reverse("reports:download", args=["EVC-2026-000123", kind]))


def test_the_applicant_downloads_their_signed_letter(client_for, applicant, stored):
    _decision, pdf = stored
    response = _download(client_for(applicant))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="EVC-2026-000123-letter.pdf"' == response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(pdf).hexdigest()


def test_the_case_assessor_and_the_committee_may_download(client_for, assessor, committee_member, chair, stored):
    decision, _pdf = stored
    decision.case.assessors.add(assessor)
    for user in (assessor, committee_member, chair):
        assert _download(client_for(user)).status_code == 200, user


def test_others_get_a_404(client_for, other_applicant, other_assessor, employer_rep, stored):
    for user in (other_applicant, other_assessor, employer_rep):
        assert _download(client_for(user)).status_code == 404, user


def test_anonymous_visitors_must_log_in_to_download(client, stored):
    response = _download(client)
    assert response.status_code == 302 and "/account/inloggen/" in response["Location"]


def test_an_unknown_kind_or_unsigned_document_is_a_404(client_for, applicant, stored):
    assert _download(client_for(applicant), "secret").status_code == 404
    assert _download(client_for(applicant), "report").status_code == 404  # not signed in this test
