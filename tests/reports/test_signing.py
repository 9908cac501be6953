"""PAdES signatures on decision PDFs, checked with pyHanko against the development CA."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from evc.lib import fetcher
from evc.reports.errors import SigningError
from evc.reports.rendering import SIGNATURE_BOX_KEY, SignatureBox, decision_pdf_render
from evc.reports.signing import SIGNATURE_FIELD, decision_pdf_sign

from .conftest import SITE_URL, snapshot_for


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    with override_settings(EVC_SITE_URL=SITE_URL):
        return decision_pdf_render(snapshot_for())


def _dev_ca(signing) -> asn1_x509.Certificate:  # type: ignore[no-untyped-def]
    # Read the CA independently of the code under test.
    cert = x509.load_pem_x509_certificate(signing.ca_path.read_bytes())
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _validate(pdf: bytes, roots: list[asn1_x509.Certificate]):  # type: ignore[no-untyped-def]
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    sig = reader.embedded_signatures[0]
    return sig, validate_pdf_signature(sig, ValidationContext(trust_roots=roots))


def test_the_signature_validates_against_the_dev_ca(unsigned, signing):
    signed = decision_pdf_sign(unsigned)
    sig, status = _validate(signed, [_dev_ca(signing)])
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    # PAdES, not the legacy adbe.pkcs7 subfilter.
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.signing_cert.subject.native["common_name"] == "Examencommissie Fontys Hogescholen"


def test_the_signature_is_untrusted_without_the_dev_ca(unsigned, signing, tmp_path):
    from evc.reports.signing import dev_signing_material_create

    other = dev_signing_material_create(
        p12_path=tmp_path / "other" / "x.p12", passphrase=None, institution="Elders"
    )
    cert = x509.load_pem_x509_certificate(other.ca_path.read_bytes())
    _sig, status = _validate(
        decision_pdf_sign(unsigned), [asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))]
    )
    assert status.intact and status.valid and not status.trusted


def test_the_visible_signature_sits_in_the_box_the_layout_left(unsigned):
    import pypdf

    box = SignatureBox.parse(pypdf.PdfReader(io.BytesIO(unsigned)).metadata["/" + SIGNATURE_BOX_KEY])
    reader = pypdf.PdfReader(io.BytesIO(decision_pdf_sign(unsigned)))
    widgets = [
        (index, annot.get_object())
        for index, page in enumerate(reader.pages)
        for annot in page.get("/Annots", [])
        if annot.get_object().get("/FT") == "/Sig" or annot.get_object().get("/T") == SIGNATURE_FIELD
    ]
    assert len(widgets) == 1
    index, widget = widgets[0]
    assert index == box.page
    assert [round(float(v)) for v in widget["/Rect"]] == [box.x1, box.y1, box.x2, box.y2]
    # The appearance names the signer and the date.
    appearance = widget["/AP"]["/N"].get_object().get_data()
    assert b"Examencommissie Fontys Hogescholen" in appearance
    assert dt.date.today().isoformat().encode()[:4] in appearance


def _tsa() -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
    )


def test_it_adds_a_signature_timestamp_when_a_tsa_is_configured(unsigned, signing):
    # B-T: a timestamp token over the signature (here from pyHanko's in-process test TSA).
    signed = decision_pdf_sign(unsigned, timestamper=_tsa())
    _sig, status = _validate(signed, [_dev_ca(signing)])
    assert status.intact and status.valid
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact


class _TsaHandler(BaseHTTPRequestHandler):
    """An RFC 3161 timestamp authority over HTTP, answering with pyHanko's test TSA (or with junk)."""

    tsa: DummyTimeStamper
    requests: list[str]
    answer_junk = False

    def log_message(self, *args):  # type: ignore[no-untyped-def]
        pass

    def do_POST(self):  # type: ignore[no-untyped-def]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append(self.headers["Content-Type"])
        if self.answer_junk:
            reply, kind = b"<html>maintenance</html>", "text/html"
        else:
            reply, kind = self.tsa.request_tsa_response(tsp.TimeStampReq.load(body)).dump(), "application/timestamp-reply"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def _pem_file(path, cert: asn1_x509.Certificate):  # type: ignore[no-untyped-def]
    path.write_bytes(x509.load_der_x509_certificate(cert.dump()).public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def tsa_server(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EVC_FETCH_REMOTE = True
    tsa = _tsa()
    handler = type("Handler", (_TsaHandler,), {"tsa": tsa, "requests": [], "answer_junk": False})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.EVC_TSA_URL = f"http://127.0.0.1:{httpd.server_address[1]}/tsa"
    settings.EVC_TSA_CERT = str(_pem_file(tmp_path / "tsa.pem", tsa.tsa_cert))  # plain http needs the pinned authority
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_the_configured_tsa_is_reached_through_the_guarded_fetcher(unsigned, signing, tsa_server):
    # Over plain http (many authorities offer nothing else): the token is checked against the pinned authority.
    with fetcher.allow_private_addresses():
        signed = decision_pdf_sign(unsigned)
    assert tsa_server.requests and set(tsa_server.requests) == {"application/timestamp-query"}
    _sig, status = _validate(signed, [_dev_ca(signing)])
    assert status.intact and status.valid
    assert status.timestamp_validity is not None and status.timestamp_validity.intact


def test_signing_inside_an_event_loop_keeps_the_callers_fetch_settings(unsigned, signing, tsa_server):
    # Inside a running loop pyHanko runs in a helper thread; the block's relaxed guard must reach it.
    import asyncio

    async def sign_in_loop() -> bytes:
        return decision_pdf_sign(unsigned)

    with fetcher.allow_private_addresses():
        signed = asyncio.run(sign_in_loop())
    assert tsa_server.requests
    _sig, status = _validate(signed, [_dev_ca(signing)])
    assert status.timestamp_validity is not None and status.timestamp_validity.intact


def test_a_token_from_another_authority_is_refused(unsigned, tsa_server, settings, tmp_path):
    # Someone on a plain-http path answers with a token of their own making: valid, but not the pinned authority's.
    settings.EVC_TSA_CERT = str(_pem_file(tmp_path / "other.pem", _tsa().tsa_cert))
    with fetcher.allow_private_addresses(), pytest.raises(SigningError, match="not issued by the configured"):
        decision_pdf_sign(unsigned)
    assert tsa_server.requests  # it was asked, and its answer refused


def test_plain_http_to_a_tsa_needs_a_pinned_authority(unsigned, tsa_server, settings):
    settings.EVC_TSA_CERT = ""
    with fetcher.allow_private_addresses(), pytest.raises(SigningError, match="https"):
        decision_pdf_sign(unsigned)
    assert tsa_server.requests == []
    settings.EVC_TSA_CERT = "/nonexistent/tsa.pem"
    with pytest.raises(SigningError, match="EVC_TSA_CERT"):
        decision_pdf_sign(unsigned)


def test_the_start_up_check_names_a_tsa_that_cannot_work(settings):
    from evc.reports.checks import timestamp_authority_configuration

    settings.EVC_FETCH_ALLOW_HTTP = False
    settings.EVC_TSA_URL = "https://timestamp.example.org/"
    settings.EVC_TSA_CERT = ""
    settings.EVC_FETCH_REMOTE = False
    assert [e.id for e in timestamp_authority_configuration()] == ["reports.E001"]
    settings.EVC_FETCH_REMOTE = True
    assert timestamp_authority_configuration() == []
    settings.EVC_TSA_URL = "http://timestamp.example.org/"
    assert [e.id for e in timestamp_authority_configuration()] == ["reports.E002"]
    settings.EVC_TSA_CERT = "/etc/evc/tsa.pem"
    assert timestamp_authority_configuration() == []


def test_a_tsa_on_a_private_address_is_refused_like_any_other_fetch(unsigned, tsa_server):
    with pytest.raises(SigningError, match="private or reserved"):
        decision_pdf_sign(unsigned)
    assert tsa_server.requests == []


def test_a_tsa_that_answers_something_else_fails_the_signing_with_a_reason(unsigned, tsa_server):
    tsa_server.answer_junk = True
    with fetcher.allow_private_addresses(), pytest.raises(SigningError, match="not with a timestamp"):
        decision_pdf_sign(unsigned)


def test_without_a_tsa_it_is_a_plain_b_b_signature(unsigned, signing):
    _sig, status = _validate(decision_pdf_sign(unsigned), [_dev_ca(signing)])
    assert status.timestamp_validity is None


def test_it_refuses_to_sign_without_key_material(unsigned, settings, tmp_path):
    settings.EVC_SIGNING_P12 = str(tmp_path / "absent.p12")
    with pytest.raises(SigningError, match="create_dev_signing_cert"):
        decision_pdf_sign(unsigned)


def test_it_refuses_to_sign_with_the_wrong_passphrase(unsigned, settings):
    settings.EVC_SIGNING_PASSPHRASE = "not-the-passphrase"
    with pytest.raises(SigningError):
        decision_pdf_sign(unsigned)


def test_it_refuses_to_sign_something_that_is_not_a_pdf():
    with pytest.raises(SigningError):
        decision_pdf_sign(b"%PDF-1.7 but nothing else")


@pytest.mark.django_db
def test_verification_reports_the_timestamp_of_an_intact_document_and_whether_its_authority_is_trusted(
        make_decision, signing, tsa_server, settings, client, tmp_path):
    from django.core.management import call_command

    from evc.reports.services import signed_document_create
    from evc.reports.signing import dev_signing_material_create
    from evc.reports.verification import Reason, decision_pdf_verify, signature_inspect

    from .tampering import append_content

    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with fetcher.allow_private_addresses():
        document = signed_document_create(decision=make_decision("EVC-2026-000777"), kind="letter")
    pdf = document.pdf.read()
    result = decision_pdf_verify(pdf)
    assert result.authentic and result.timestamp_trusted is True  # the pinned authority (EVC_TSA_CERT)
    assert before <= result.timestamp <= dt.datetime.now(dt.UTC)
    assert result.as_contract()["timestamped_at"] == result.timestamped_at
    page = client.post(reverse("reports:verify", args=["EVC-2026-000777"]),
                       {"document": SimpleUploadedFile("besluit.pdf", pdf, content_type="application/pdf")})
    assert page.status_code == 200
    assert re.search(r"Tijdstempel</dt><dd>\d+ \w+ \d{4}, [\d:]+ \(bevestigd door een vertrouwde tijdstempeldienst",
                     page.content.decode())
    # Without the pin the time is still read, but nobody vouches for the authority.
    settings.EVC_TSA_CERT = ""
    unpinned = decision_pdf_verify(pdf)
    assert unpinned.authentic and unpinned.timestamped_at == result.timestamped_at and unpinned.timestamp_trusted is False
    # A timestamp over content that was changed afterwards attests nothing about this file.
    assert decision_pdf_verify(append_content(pdf)).timestamped_at is None
    # Nor does one a forger had an authority (even the pinned one) put on a signature made with their own key.
    settings.EVC_TSA_CERT = str(_pem_file(tmp_path / "tsa-again.pem", tsa_server.tsa.tsa_cert))
    forger = tmp_path / "forger" / "signer.p12"
    dev_signing_material_create(p12_path=forger, passphrase=None, institution="Fontys Hogescholen")
    with override_settings(EVC_SIGNING_P12=str(forger), EVC_SIGNING_PASSPHRASE=""), fetcher.allow_private_addresses():
        forged = decision_pdf_sign(decision_pdf_render(snapshot_for(decision_id="EVC-2026-000777")))
    assert signature_inspect(forged).timestamp is not None  # the token itself is there and intact
    verdict = decision_pdf_verify(forged)
    assert verdict.reason == Reason.FOREIGN_SIGNER and verdict.intact
    assert verdict.timestamped_at is None and verdict.timestamp_trusted is None
    out = io.StringIO()
    call_command("verify_decision_pdf", str(_write(tmp_path / "ours.pdf", pdf)), stdout=out)
    assert f"timestamp: {result.timestamped_at} (trusted authority (EVC_TSA_CERT))" in out.getvalue()


@pytest.mark.django_db
def test_a_document_signed_without_a_tsa_has_no_timestamp(make_decision, signing):
    from evc.reports.services import signed_document_create
    from evc.reports.verification import decision_pdf_verify

    document = signed_document_create(decision=make_decision("EVC-2026-000778"), kind="letter")
    result = decision_pdf_verify(document.pdf.read())
    assert result.authentic and result.timestamped_at is None and result.timestamp_trusted is None


def _write(path, data: bytes):  # type: ignore[no-untyped-def]
    path.write_bytes(data)
    return path
