"""decision_pdf_verify: authentic only when byte-for-byte ours AND the signature validates."""

from __future__ import annotations

import pytest

from evc.reports.rendering import decision_pdf_render
from evc.reports.services import decision_pdf_sign, signed_document_create
from evc.reports.verification import Reason, decision_pdf_verify

from .conftest import snapshot_for
from .tampering import append_content, change_one_byte, sign_with_other_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(make_decision):  # type: ignore[no-untyped-def]
    """A stored, signed decision letter: (decision, pdf bytes)."""
    decision = make_decision("EVC-2026-000123")
    document = signed_document_create(decision=decision, kind="letter")
    with document.pdf.open("rb") as fh:
        return decision, fh.read()


def test_it_calls_our_unchanged_letter_authentic(letter):
    _decision, pdf = letter
    result = decision_pdf_verify(pdf)
    assert result.authentic and result.intact and result.signature_valid
    assert result.reason == Reason.AUTHENTIC
    assert result.decision_id == "EVC-2026-000123"
    assert result.signer == "Examencommissie Fontys Hogescholen"
    assert result.decision_status == "valid"


def test_it_detects_one_changed_byte(letter):
    _decision, pdf = letter
    result = decision_pdf_verify(change_one_byte(pdf))
    assert not result.authentic
    assert not result.intact
    assert result.reason == Reason.ALTERED
    assert "altered" in result.detail


def test_it_detects_content_added_in_an_incremental_update(letter, caplog):
    _decision, pdf = letter
    tampered = append_content(pdf)
    assert tampered.startswith(pdf)  # the signed revision itself is untouched
    with caplog.at_level("INFO"):
        result = decision_pdf_verify(tampered)
    # An expected input on a public page: the verdict, not pyHanko's traceback, in the log.
    assert not [r for r in caplog.records if r.name.startswith("pyhanko") and r.levelno >= 30]
    assert not result.authentic
    assert not result.intact
    assert result.signature_valid  # the original signature still holds for what it covers...
    assert result.reason == Reason.CONTENT_ADDED  # ...but the file says more than we signed
    assert "incremental update" in result.detail


def test_it_rejects_a_copy_re_signed_with_another_key(letter, tmp_path):
    decision, _pdf = letter
    forged = sign_with_other_key(decision_pdf_render(decision.snapshot), tmp_path)
    result = decision_pdf_verify(forged)
    assert not result.authentic
    assert result.intact  # the forger's own signature is sound...
    assert not result.signature_valid  # ...but not made with our key
    assert result.reason == Reason.FOREIGN_SIGNER
    assert result.signer == "Examencommissie Fontys Hogescholen"  # the forger may copy our name
    assert result.decision_id == "EVC-2026-000123"  # what the file claims


def test_it_rejects_our_letter_countersigned_by_someone_else(letter, tmp_path):
    _decision, pdf = letter
    result = decision_pdf_verify(sign_with_other_key(pdf, tmp_path))
    assert not result.authentic
    assert result.reason == Reason.CONTENT_ADDED


def test_it_rejects_a_document_we_signed_but_never_stored(make_decision):
    decision = make_decision("EVC-2026-000200")
    pdf = decision_pdf_sign(decision_pdf_render(decision.snapshot))
    result = decision_pdf_verify(pdf)
    assert not result.authentic
    assert result.signature_valid and result.intact
    assert result.reason == Reason.UNKNOWN_DOCUMENT


def test_it_rejects_an_unsigned_rendering(make_decision):
    result = decision_pdf_verify(decision_pdf_render(snapshot_for()))
    assert not result.authentic and not result.signature_valid
    assert result.reason == Reason.UNSIGNED


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", Reason.NOT_PDF),
        (b"GIF89a not a pdf", Reason.NOT_PDF),
        (b"%PDF-1.7\nthis is no pdf at all", Reason.UNREADABLE),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, Reason.UNREADABLE),
    ],
)
def test_it_explains_files_that_are_no_decision_at_all(data, reason):
    result = decision_pdf_verify(data)
    assert not result.authentic
    assert result.reason in (reason, Reason.UNSIGNED)
    assert result.detail


def test_it_reports_a_superseded_decision(letter, make_decision):
    decision, pdf = letter
    make_decision("EVC-2026-000124", supersedes=decision)
    type(decision).objects.filter(pk=decision.pk).update(status="superseded")
    result = decision_pdf_verify(pdf)
    assert result.authentic  # genuinely ours, unchanged...
    assert result.reason == Reason.SUPERSEDED  # ...but no longer in force
    assert result.decision_status == "superseded"
    assert result.superseded_by == "EVC-2026-000124"
    assert "superseded by decision EVC-2026-000124" in result.detail


def test_it_reports_a_decision_withdrawn_on_appeal(letter):
    decision, pdf = letter
    type(decision).objects.filter(pk=decision.pk).update(status="withdrawn_on_appeal")
    result = decision_pdf_verify(pdf)
    assert result.authentic
    assert result.reason == Reason.WITHDRAWN
    assert "withdrawn on appeal" in result.detail


def test_a_decision_withdrawn_on_appeal_points_to_the_correction_that_replaced_it(letter, make_decision):
    decision, pdf = letter
    type(decision).objects.filter(pk=decision.pk).update(status="withdrawn_on_appeal")
    make_decision("EVC-2026-000124", supersedes=decision)  # the committee's correction after the upheld appeal
    result = decision_pdf_verify(pdf)
    assert result.authentic and result.reason == Reason.WITHDRAWN
    assert result.superseded_by == "EVC-2026-000124"
    assert "withdrawn on appeal and replaced by decision EVC-2026-000124" in result.detail


def test_it_stops_trusting_our_file_when_the_trust_root_changes(letter, settings, tmp_path):
    from evc.reports.signing import dev_signing_material_create

    _decision, pdf = letter
    other = dev_signing_material_create(p12_path=tmp_path / "new" / "signer.p12", passphrase=None, institution="X")
    settings.EVC_SIGNING_TRUST_ROOT = str(other.ca_path)
    result = decision_pdf_verify(pdf)
    assert not result.authentic
    assert not result.signature_valid
    assert result.reason == Reason.SIGNATURE_INVALID


def test_a_damaged_trust_root_trusts_nothing(letter, settings, tmp_path):
    _decision, pdf = letter
    bad = tmp_path / "damaged.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    settings.EVC_SIGNING_TRUST_ROOT = str(bad)
    result = decision_pdf_verify(pdf)
    assert not result.authentic and not result.signature_valid
