"""create_dev_signing_cert and verify_decision_pdf (contract ARCHITECTURE.md §4.4)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command

from evc.reports.services import signed_document_create

from .tampering import change_one_byte

CONTRACT_KEYS = ["authentic", "intact", "signature_valid", "signer", "decision_id", "detail"]


def _verify_json(path: Path) -> dict:
    out = StringIO()
    call_command("verify_decision_pdf", str(path), "--json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_create_dev_signing_cert_makes_a_p12_and_a_trust_root(settings, tmp_path):
    settings.EVC_SIGNING_P12 = str(tmp_path / "var" / "signer.p12")
    settings.EVC_SIGNING_PASSPHRASE = "s3cret"
    call_command("create_dev_signing_cert", stdout=StringIO())
    key, cert, chain = pkcs12.load_key_and_certificates((tmp_path / "var" / "signer.p12").read_bytes(), b"s3cret")
    ca = x509.load_pem_x509_certificate((tmp_path / "var" / "ca.pem").read_bytes())
    assert key is not None
    assert cert.issuer == ca.subject
    assert [c.subject for c in chain] == [ca.subject]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (tmp_path / "var" / "signer.p12").stat().st_mode & 0o077 == 0  # owner-only


def test_create_dev_signing_cert_keeps_existing_material(settings, tmp_path):
    settings.EVC_SIGNING_P12 = str(tmp_path / "signer.p12")
    call_command("create_dev_signing_cert", stdout=StringIO())
    before = (tmp_path / "signer.p12").read_bytes()
    call_command("create_dev_signing_cert", "--if-missing", stdout=StringIO())
    assert (tmp_path / "signer.p12").read_bytes() == before
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_dev_signing_cert", stdout=StringIO())
    call_command("create_dev_signing_cert", "--force", stdout=StringIO())
    assert (tmp_path / "signer.p12").read_bytes() != before


@pytest.mark.django_db
def test_verify_decision_pdf_prints_the_contract(make_decision, tmp_path):
    document = signed_document_create(decision=make_decision("EVC-2026-000123"), kind="letter")
    path = tmp_path / "letter.pdf"
    with document.pdf.open("rb") as fh:
        path.write_bytes(fh.read())
    data = _verify_json(path)
    assert list(data)[:6] == CONTRACT_KEYS
    assert data["authentic"] is True and data["intact"] is True and data["signature_valid"] is True
    assert data["signer"] == "Examencommissie Fontys Hogescholen"
    assert data["decision_id"] == "EVC-2026-000123"
    assert isinstance(data["detail"], str) and data["detail"]

    path.write_bytes(change_one_byte(path.read_bytes()))
    data = _verify_json(path)
    assert data["authentic"] is False and data["intact"] is False
    assert "altered" in data["detail"]


@pytest.mark.django_db
def test_verify_decision_pdf_reports_a_non_pdf_as_not_authentic(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    data = _verify_json(path)
    assert data == {**data, "authentic": False, "intact": False, "signature_valid": False, "decision_id": None}
    assert data["signer"] == ""


def test_verify_decision_pdf_exits_2_for_a_missing_file(tmp_path):
    # run_from_argv turns a CommandError into "CommandError: ..." on stderr and this exit status.
    with pytest.raises(CommandError, match="Cannot read") as excinfo:
        call_command("verify_decision_pdf", str(tmp_path / "absent.pdf"), "--json", stdout=StringIO())
    assert excinfo.value.returncode == 2


@pytest.mark.django_db
def test_sign_pending_decisions_catches_up_and_is_idempotent(make_decision):
    from evc.reports.models import SignedDocument

    first = make_decision("EVC-2026-000123")
    second = make_decision("EVC-2026-000124")
    signed_document_create(decision=first, kind="letter")
    out = StringIO()
    call_command("sign_pending_decisions", stdout=out)
    assert "2 decision(s)" in out.getvalue()
    assert SignedDocument.objects.filter(decision__in=[first, second]).count() == 4
    out = StringIO()
    call_command("sign_pending_decisions", stdout=out)
    assert "0 decision(s)" in out.getvalue()


@pytest.mark.django_db
def test_sign_pending_decisions_reports_a_missing_key(make_decision, settings, tmp_path):
    make_decision("EVC-2026-000123")
    settings.EVC_SIGNING_P12 = str(tmp_path / "nowhere.p12")
    with pytest.raises(CommandError, match="EVC-2026-000123"):
        call_command("sign_pending_decisions", stdout=StringIO())
