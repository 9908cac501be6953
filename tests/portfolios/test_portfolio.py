"""Service, command and pages: imports are atomic, hostile files are refused with a clear message."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from evc.lib import fetcher
from evc.portfolios.models import Credential, Evidence, Portfolio, VerificationCheck
from evc.portfolios.selectors import credential_visible_to, register_visibility_rule
from evc.portfolios.services import CredentialRejected, credential_import
from tests.portfolios import fixtures as fx

pytestmark = pytest.mark.django_db

BOMB_SVG = b"""<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"""
XXE_SVG = b"""<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion>&x;</openbadges:assertion></svg>"""


def hostile_files():
    return {
        "entity bomb": (BOMB_SVG, "badge.svg", "entities"),
        "external entity": (XXE_SVG, "badge.svg", "entities"),
        "png bomb": (fx.png(width=100_000, height=100_000), "badge.png", "decompression bomb"),
        "wrong extension": (json.dumps(fx.ob3_credential()).encode(), "badge.png", "does not match"),
        "deep nesting": (b"[" * 5000 + b"]" * 5000, "badge.json", "nested"),
        "not json": (b"{not json", "badge.json", "not valid JSON"),
        "executable": (b"MZ\x90\x00" + b"\x00" * 100, "badge.json", "not supported"),
        "not a badge": (fx.png(), "photo.png", "not a baked badge"),
    }


@pytest.mark.parametrize("case", list(hostile_files()))
def test_hostile_uploads_are_refused_and_nothing_is_stored(applicant, case):
    data, name, message = hostile_files()[case]
    with pytest.raises(CredentialRejected, match=message):
        credential_import(applicant=applicant, data=data, filename=name)
    assert Credential.objects.count() == 0 and VerificationCheck.objects.count() == 0


def test_oversized_upload_is_refused(applicant, settings):
    settings.EVC_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(CredentialRejected, match="larger than"):
        credential_import(applicant=applicant, data=b"{" + b" " * 2000 + b"}", filename="badge.json")
    assert Credential.objects.count() == 0


def test_import_stores_the_raw_file_verbatim_under_a_generated_name(applicant):
    data = json.dumps(fx.ob3_credential()).encode()
    credential, inspection = credential_import(applicant=applicant, data=data, filename="../../etc/evil name.json")
    assert credential.file.read() == data
    assert "evil" not in credential.file.name and ".." not in credential.file.name
    assert credential.original_filename == "evil name.json"
    assert credential.sha256 == inspection.sha256
    assert credential.checks.count() == len(inspection.checks)
    assert credential.claim["title"] == "English for Doing Business in Asia"
    with pytest.raises(CredentialRejected, match="already"):
        credential_import(applicant=applicant, data=data, filename="again.json")


def test_import_credential_command_follows_contract_4_2(tmp_path, settings, capsys):
    settings.EVC_FETCH_REMOTE = False
    good = tmp_path / "badge.json"
    good.write_text(json.dumps(fx.ob3_credential(email="new@example.org")))
    bad = tmp_path / "broken.json"
    bad.write_text("{oops")
    call_command("import_credential", "--applicant", "new@example.org", str(good), str(bad), str(tmp_path / "missing.json"), "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in lines] == ["imported", "rejected", "rejected"]
    first = lines[0]
    assert set(first) >= {"file", "status", "format", "verified", "checks", "error"}
    assert first["format"] == "ob3" and first["verified"] is False and first["error"] is None
    assert all(set(c) == {"name", "status", "detail"} for c in first["checks"])
    assert lines[1]["error"] and "Traceback" not in lines[1]["error"]
    assert Portfolio.objects.get(owner__email="new@example.org").credentials.count() == 1


def test_import_credential_command_usage_error_exits_2():
    with pytest.raises(CommandError) as info:
        call_command("import_credential", "--applicant", "not-an-email", "x.json", "--json")
    assert info.value.returncode == 2


def test_portfolio_page_upload_and_detail(client_for, applicant):
    client = client_for(applicant)
    page = client.get(reverse("portfolios:portfolio"))
    assert page.status_code == 200
    credential = fx.ob3_credential()
    credential["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Do it <script>alert(1)</script> [x](javascript:alert(2))"
    upload = io.BytesIO(json.dumps(credential).encode())
    upload.name = "badge.json"
    response = client.post(reverse("portfolios:upload"), {"files": [upload]})
    assert response.status_code == 200
    stored = Credential.objects.get()
    detail = client.get(reverse("portfolios:credential", args=[stored.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "<script>alert(1)" not in html and "javascript:alert" not in html.split("Oorspronkelijke")[0]
    assert "&lt;script&gt;" in html  # the raw payload is shown, escaped


def test_a_size_read_from_the_text_shows_the_words_it_was_read_from(client_for, applicant):
    client = client_for(applicant)
    credential = fx.ob3_credential()
    achievement = credential["credentialSubject"]["achievement"]
    del achievement["creditsAvailable"]
    achievement["description"] = "Tien dagdelen plus eindopdracht (ongeveer 140 uur studiebelasting) <b>vet</b>."
    upload = io.BytesIO(json.dumps(credential).encode())
    upload.name = "badge.json"
    assert client.post(reverse("portfolios:upload"), {"files": [upload]}).status_code == 200
    stored = Credential.objects.get()
    assert stored.get_claim().hours == 140
    html = client.get(reverse("portfolios:credential", args=[stored.pk])).content.decode()
    # Under the Dutch label of the field it came from, quoted and escaped.
    assert "Beschrijving: “Tien dagdelen plus eindopdracht (ongeveer 140 uur studiebelasting) &lt;b&gt;vet&lt;/b&gt;”" in html


# The upload page speaks the reader's language (Dutch by default): what it says about each hostile file.
PAGE_MESSAGES = {"entity bomb": "XML-entiteiten", "png bomb": "decompressiebom", "wrong extension": "past niet bij de naam",
                 "deep nesting": "diep genest"}


@pytest.mark.parametrize("case", list(PAGE_MESSAGES))
def test_hostile_uploads_get_a_4xx_with_a_message(client_for, applicant, case):
    data, name, _message = hostile_files()[case]
    upload = io.BytesIO(data)
    upload.name = name
    response = client_for(applicant).post(reverse("portfolios:upload"), {"files": [upload]})
    assert response.status_code == 400
    assert PAGE_MESSAGES[case] in response.content.decode()
    assert Credential.objects.count() == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_json_with_nan_or_infinity_is_refused_as_malformed_not_as_a_duplicate(client_for, applicant, number):
    # Python's json reads these; the database's JSON column refuses them (SQLite: a CHECK, PostgreSQL: a DataError).
    upload = io.BytesIO(b'{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","x":%s}' % number.encode())
    upload.name = "badge.json"
    response = client_for(applicant).post(reverse("portfolios:upload"), {"files": [upload]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "geen geldige JSON" in html and number in html
    assert "staat al in het portfolio" not in html
    assert Credential.objects.count() == 0


def test_an_integrity_error_that_is_not_the_duplicate_rule_is_not_called_a_duplicate(applicant, monkeypatch):
    from django.db import IntegrityError

    from evc.portfolios import services

    def fail(*args, **kwargs):
        raise IntegrityError("CHECK constraint failed: some other rule")

    monkeypatch.setattr(services, "_store_checks", fail)
    with pytest.raises(IntegrityError, match="some other rule"):
        credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    assert Credential.objects.count() == 0


def test_the_same_file_uploaded_twice_at_once_is_reported_as_a_duplicate(applicant, monkeypatch):
    """The race the unique constraint catches: the other upload stores its row after our check, before our save."""
    from django.core.files.base import ContentFile

    from evc.portfolios import services

    data = json.dumps(fx.ob3_credential()).encode()

    def other_upload_wins(content):
        portfolio = services.portfolio_for(applicant)
        Credential.objects.create(portfolio=portfolio, sha256=hashlib.sha256(data).hexdigest(), format="ob3", title="first")
        return ContentFile(content)

    monkeypatch.setattr(services, "ContentFile", other_upload_wins)
    with pytest.raises(CredentialRejected, match="already in the portfolio"):
        credential_import(applicant=applicant, data=data, filename="b.json")


def test_other_people_cannot_see_or_remove_a_credential(client_for, applicant, other_applicant, assessor, admin_user):
    credential, _ = credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    assert client_for(other_applicant).get(reverse("portfolios:credential", args=[credential.pk])).status_code == 404
    assert client_for(assessor).get(reverse("portfolios:credential", args=[credential.pk])).status_code == 404
    assert client_for(other_applicant).post(reverse("portfolios:credential_delete", args=[credential.pk])).status_code == 404
    assert client_for(admin_user).get(reverse("portfolios:credential", args=[credential.pk])).status_code == 200
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_visibility_rules_registered_by_other_apps_grant_read_only_access(client_for, applicant, assessor):
    credential, _ = credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    rule = lambda user, c: user.pk == assessor.pk  # noqa: E731
    register_visibility_rule(rule)
    try:
        assert credential_visible_to(assessor, credential)
        response = client_for(assessor).get(reverse("portfolios:credential", args=[credential.pk]))
        assert response.status_code == 200 and f"credentials/{credential.pk}/delete" not in response.content.decode()
        assert client_for(assessor).post(reverse("portfolios:credential_delete", args=[credential.pk])).status_code == 404
    finally:
        from evc.portfolios import selectors

        selectors._rules.remove(rule)


def test_owner_removes_a_credential_after_confirmation(client_for, applicant):
    credential, _ = credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    client = client_for(applicant)
    assert client.get(reverse("portfolios:credential_delete", args=[credential.pk])).status_code == 200
    assert client.post(reverse("portfolios:credential_delete", args=[credential.pk])).status_code == 302
    assert not Credential.objects.exists()


def test_manual_entry_and_evidence_link(client_for, applicant):
    client = client_for(applicant)
    response = client.post(reverse("portfolios:manual"), {"title": "Projectleider vrijwilligersfestival", "provider": "Stichting Feest",
                                                         "hours": "120", "description": "Planning en budget", "url": "https://video.example.org/1"})
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert credential.format == "manual" and credential.verified is None
    response = client.post(reverse("portfolios:evidence"), {"title": "Video", "url": "javascript:alert(1)"})
    assert response.status_code == 400
    response = client.post(reverse("portfolios:evidence"), {"title": "Video", "url": "https://video.example.org/2", "credential": credential.pk})
    assert response.status_code == 302
    assert Evidence.objects.filter(credential=credential).count() == 2


def test_remote_fetch_switched_off_gives_undecided_hosted_checks(applicant, settings):
    settings.EVC_FETCH_REMOTE = False
    docs = fx.ob2_documents()
    assertion = dict(docs["assertion"], verification={"type": "hosted"}, badge=docs["badge"])
    assertion["badge"] = dict(docs["badge"], issuer=docs["issuer"])
    credential, inspection = credential_import(applicant=applicant, data=json.dumps(assertion).encode(), filename="b.json")
    assert credential.verified is None
    assert {c.name: c.status for c in inspection.checks}["hosted_verification"] == "unknown"
    assert fetcher.remote_enabled() is False


def test_htmx_upload_returns_the_results_partial(client_for, applicant):
    upload = io.BytesIO(b"{broken")
    upload.name = "broken.json"
    response = client_for(applicant).post(reverse("portfolios:upload"), {"files": [upload]}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="upload-results"' in html and "<html" not in html and "geen geldige JSON" in html
    assert 'id="credential-list"' in html and 'hx-swap-oob="true"' in html  # the list is refreshed too


def _pdf(text: str) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = StreamObject()
    stream.set_data(f"BT /F1 10 Tf 10 150 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_evidence_file_keeps_its_text_and_refuses_a_wrong_extension(client_for, applicant):
    client = client_for(applicant)
    good = io.BytesIO(_pdf("Cambridge C1 Advanced grade A"))
    good.name = "cae.pdf"
    assert client.post(reverse("portfolios:evidence"), {"title": "CAE", "file": good}).status_code == 302
    evidence = Evidence.objects.get()
    # Stored under a random name, never the applicant's file name. (A substring check for "cae" failed
    # whenever the random hex happened to contain those three letters.)
    assert "C1 Advanced" in evidence.extracted_text and re.fullmatch(r"portfolios/[0-9a-f]{32}", evidence.file.name)
    bad = io.BytesIO(_pdf("x"))
    bad.name = "photo.png"
    response = client.post(reverse("portfolios:evidence"), {"title": "Foto", "file": bad})
    assert response.status_code == 400 and Evidence.objects.count() == 1


def test_hosted_assertion_outside_the_issuers_origin_fails(applicant):
    docs = fx.ob2_documents()
    assertion = dict(docs["assertion"], id="https://evil.example/assertion.json", verification={"type": "hosted"})
    with fetcher.use_transport(fx.serve_documents({"https://badges.example.edu/badge.json": docs["badge"], fx.ISSUER: docs["issuer"]})):
        credential, inspection = credential_import(applicant=applicant, data=json.dumps(assertion).encode(), filename="b.json")
    assert credential.verified is False
    assert {c.name: c.status for c in inspection.checks}["hosted_verification"] == "failed"


def test_criteria_markdown_is_sanitised():
    from evc.portfolios.views import render_markdown

    html = str(render_markdown('**ok** <img src=x onerror="alert(1)"> [a](javascript:alert(1)) <script>bad()</script>'))
    assert "<strong>ok</strong>" in html
    assert "onerror" not in html and "javascript:" not in html and "<script" not in html


def test_only_applicants_have_a_portfolio_page(client_for, assessor):
    assert client_for(assessor).get(reverse("portfolios:portfolio")).status_code == 403
    assert not Portfolio.objects.exists()


def test_a_failing_save_leaves_no_file_behind(applicant, monkeypatch, settings):
    from pathlib import Path

    from evc.portfolios import services

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_store_checks", explode)
    with pytest.raises(RuntimeError):
        credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    assert Credential.objects.count() == 0
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


def test_import_credential_exit_codes(tmp_path):
    import subprocess
    import sys

    usage = subprocess.run([sys.executable, "manage.py", "import_credential", "--json"], capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_only_the_owner_gets_a_link_back_to_the_portfolio(client_for, applicant, assessor):
    credential, _ = credential_import(applicant=applicant, data=json.dumps(fx.ob3_credential()).encode(), filename="b.json")
    url = reverse("portfolios:credential", args=[credential.pk])
    portfolio_link = f'href="{reverse("portfolios:portfolio")}"'
    assert portfolio_link in client_for(applicant).get(url).content.decode()
    rule = lambda user, c: user.pk == assessor.pk  # noqa: E731 (as the assessments app grants an assigned assessor)
    register_visibility_rule(rule)
    try:
        staff = client_for(assessor)
        html = staff.get(url).content.decode()
        assert portfolio_link not in html and "Terug naar" not in html  # the portfolio page would answer 403
        # Coming from a page of this site (the case), the way back is to that page; another site's address is ignored.
        html = staff.get(url, HTTP_REFERER="http://testserver/cases/7/?tab=evidence").content.decode()
        assert 'href="/cases/7/?tab=evidence"' in html and "Terug naar de vorige pagina" in html
        html = staff.get(url, HTTP_REFERER="https://evil.example/cases/7/").content.decode()
        assert "evil.example" not in html and "Terug naar" not in html
    finally:
        from evc.portfolios import selectors

        selectors._rules.remove(rule)


@pytest.mark.django_db
def test_the_portfolio_page_has_no_duplicate_ids_and_a_bad_link_gets_one_message(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    import re as _re

    from django.urls import reverse

    client = client_for(applicant)
    html = client.get(reverse("portfolios:portfolio")).content.decode()
    ids = _re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for field in ("title", "url", "file"):  # every evidence field has its own label
        assert f'for="evidence-field-{field}"' in html and f'id="evidence-field-{field}"' in html
    response = client.post(reverse("portfolios:evidence"), {"title": "Video", "url": "not a link"})
    body = response.content.decode()
    assert response.status_code == 400 and "één van beide" not in body
