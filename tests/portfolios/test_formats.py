"""Formats and checks, with credentials signed by keys generated in the test run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from evc.lib import fetcher
from evc.portfolios.intake import inspect_credential
from tests.portfolios import fixtures as fx

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
EMAIL = "marianne@example.org"


def statuses(inspection) -> dict[str, str]:
    return {c.name: c.status for c in inspection.checks}


def ob2_signed_setup(**kw):
    key = fx.rsa_key()
    docs = fx.ob2_documents(**kw)
    served = {
        "https://badges.example.edu/badge.json": docs["badge"],
        fx.ISSUER: docs["issuer"],
        "https://badges.example.edu/key.json": {"@context": "https://w3id.org/openbadges/v2", "type": "CryptographicKey",
                                                "id": "https://badges.example.edu/key.json", "owner": fx.ISSUER, "publicKeyPem": fx.pem(key)},
        "https://badges.example.edu/revocations.json": docs["revocations"],
    }
    return key, docs, served


def inspect_served(data: bytes, name: str, served: dict, emails=(EMAIL,)):
    with fetcher.use_transport(fx.serve_documents(served)):
        return inspect_credential(data, name, confirmed_emails=list(emails), now=NOW)


def test_it_verifies_a_signed_ob2_badge_and_normalises_edubadges_extensions():
    key, docs, served = ob2_signed_setup()
    result = inspect_served(fx.sign_jws(docs["assertion"], key).encode(), "badge.jws", served)
    assert result.format == "ob2-signed" and result.verified is True, result.checks
    assert statuses(result)["signature"] == "passed" and statuses(result)["key_ownership"] == "passed"
    claim = result.claim
    assert claim.title == "History of the 17th century"
    assert str(claim.ects) == "2.5" and claim.sources["ects"] == "badge.extensions:ECTSExtension"
    assert claim.eqf_level == 6 and claim.sources["eqf_level"] == "badge.extensions:EQFExtension"


def test_it_rejects_a_tampered_ob2_signed_badge():
    key, docs, served = ob2_signed_setup()
    token = fx.sign_jws(docs["assertion"], key)
    head, _body, sig = token.split(".")
    forged = dict(docs["assertion"], issuedOn="2025-01-01T00:00:00Z")
    tampered = f"{head}.{fx.b64url_encode(json.dumps(forged).encode())}.{sig}"
    result = inspect_served(tampered.encode(), "badge.jws", served)
    assert result.verified is False and statuses(result)["signature"] == "failed"


def test_it_rejects_an_ob2_badge_signed_with_another_key():
    _key, docs, served = ob2_signed_setup()
    result = inspect_served(fx.sign_jws(docs["assertion"], fx.rsa_key()).encode(), "badge.jws", served)
    assert result.verified is False and statuses(result)["signature"] == "failed"


def test_it_refuses_alg_none():
    _key, docs, served = ob2_signed_setup()
    result = inspect_served(fx.sign_jws(docs["assertion"], None, {"alg": "none"}).encode(), "badge.jws", served)
    assert result.verified is False
    assert "not signed" in next(c.detail for c in result.checks if c.name == "signature")


def test_it_fails_a_key_owned_by_someone_else():
    key, docs, served = ob2_signed_setup()
    served["https://badges.example.edu/key.json"]["owner"] = "https://evil.example/issuer.json"
    result = inspect_served(fx.sign_jws(docs["assertion"], key).encode(), "badge.jws", served)
    assert result.verified is False and statuses(result)["key_ownership"] == "failed"


def test_it_reports_a_revoked_ob2_badge():
    key, docs, served = ob2_signed_setup(revoked_ids=("https://badges.example.edu/assertions/1",))
    result = inspect_served(fx.sign_jws(docs["assertion"], key).encode(), "badge.jws", served)
    assert result.verified is False and statuses(result)["revocation"] == "failed"


def test_it_reports_an_expired_badge():
    key, docs, served = ob2_signed_setup(expires="2025-01-01T00:00:00Z")
    result = inspect_served(fx.sign_jws(docs["assertion"], key).encode(), "badge.jws", served)
    assert result.verified is False and statuses(result)["expiry"] == "failed"


@pytest.mark.parametrize(("emails", "expected"), [((EMAIL,), "passed"), (("leah@example.org",), "failed"), ((), "unknown")])
def test_it_compares_the_hashed_recipient_with_confirmed_emails(emails, expected):
    key, docs, served = ob2_signed_setup()
    result = inspect_served(fx.sign_jws(docs["assertion"], key).encode(), "badge.jws", served, emails=emails)
    assert statuses(result)["recipient"] == expected


def test_md5_hashed_recipients_match_too():
    import hashlib

    from evc.portfolios.claims import Recipient
    from evc.portfolios.verification.common import recipient_matches

    identity = "md5$" + hashlib.md5(b"leah@example.orgpeper", usedforsecurity=False).hexdigest()
    assert recipient_matches(Recipient(identity=identity, hashed=True, salt="peper"), "leah@example.org")
    assert not recipient_matches(Recipient(identity=identity, hashed=True, salt="peper"), "marianne@example.org")


def test_hosted_ob2_badge_is_undecided_when_fetching_is_off():
    _key, docs, _served = ob2_signed_setup()
    assertion = dict(docs["assertion"], verification={"type": "hosted"})
    with fetcher.remote_fetching(False):
        result = inspect_credential(json.dumps(assertion).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    assert result.format == "ob2" and result.verified is None


def test_hosted_ob2_badge_answering_410_is_revoked():
    _key, docs, served = ob2_signed_setup()
    assertion = dict(docs["assertion"], verification={"type": "hosted"})
    served[assertion["id"]] = assertion

    def serve(url):
        if url == assertion["id"]:
            return fetcher.Response(url, 410, "application/json", b'{"revoked": true}')
        return fx.serve_documents(served)(url)

    with fetcher.use_transport(serve):
        gone = inspect_credential(json.dumps(assertion).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    with fetcher.use_transport(fx.serve_documents(served)):
        hosted = inspect_credential(json.dumps(assertion).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    assert gone.verified is False and statuses(gone)["revocation"] == "failed"
    assert hosted.verified is True and statuses(hosted)["hosted_verification"] == "passed"


def test_unsigned_ob3_is_not_verified_and_credit_hours_are_not_ec():
    result = inspect_credential(json.dumps(fx.ob3_credential()).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    assert result.format == "ob3" and result.verified is False
    assert "not signed" in next(c.detail for c in result.checks if c.name == "signature")
    claim = result.claim
    assert claim.ects is None and str(claim.hours) == "56" and "credit hours" in claim.sources["hours"]
    assert claim.eqf_level == 5 and "targetFramework" in claim.sources["eqf_level"]
    assert claim.issuer.country == "Hong Kong"


def test_ob3_data_integrity_proof_verifies_and_tampering_fails():
    key = ed25519.Ed25519PrivateKey.generate()
    credential = fx.ob3_credential()
    signed = fx.sign_di(credential, key)
    profile = fx.issuer_profile(credential["issuer"]["id"], key)
    served = {credential["issuer"]["id"]: profile}
    good = inspect_served(json.dumps(signed).encode(), "badge.json", served)
    assert good.verified is True, good.checks
    assert statuses(good)["signature"] == "passed" and statuses(good)["key_ownership"] == "passed"
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["achievement"]["name"] = "Master of Everything"
    bad = inspect_served(json.dumps(tampered).encode(), "badge.json", served)
    assert bad.verified is False and statuses(bad)["signature"] == "failed"


def test_ob3_proof_with_a_key_the_issuer_does_not_list_fails_ownership():
    key = ed25519.Ed25519PrivateKey.generate()
    credential = fx.ob3_credential()
    signed = fx.sign_di(credential, key)
    served = {credential["issuer"]["id"]: fx.issuer_profile(credential["issuer"]["id"], ed25519.Ed25519PrivateKey.generate())}
    result = inspect_served(json.dumps(signed).encode(), "badge.json", served)
    assert statuses(result)["signature"] == "passed" and statuses(result)["key_ownership"] == "failed"
    assert result.verified is False


def test_ob3_proof_is_undecided_when_the_issuer_profile_cannot_be_fetched():
    key = ed25519.Ed25519PrivateKey.generate()
    signed = fx.sign_di(fx.ob3_credential(), key)
    with fetcher.remote_fetching(False):
        result = inspect_credential(json.dumps(signed).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    assert statuses(result)["signature"] == "passed" and statuses(result)["key_ownership"] == "unknown"
    assert result.verified is None


def test_ob3_unknown_context_fails_without_fetching():
    credential = fx.ob3_credential()
    credential["@context"].append("https://evil.example/context.json")

    def no_network(url):
        raise AssertionError(f"fetched {url}")

    with fetcher.use_transport(no_network):
        result = inspect_credential(json.dumps(credential).encode(), "badge.json", now=NOW)
    assert statuses(result)["jsonld_context"] == "failed"


def test_ob3_expired_credential_fails():
    key = ed25519.Ed25519PrivateKey.generate()
    credential = fx.ob3_credential(valid_until="2025-01-01T00:00:00Z")
    signed = fx.sign_di(credential, key)
    result = inspect_served(json.dumps(signed).encode(), "badge.json", {credential["issuer"]["id"]: fx.issuer_profile(credential["issuer"]["id"], key)})
    assert result.verified is False and statuses(result)["expiry"] == "failed"


def test_ob3_vc_jwt_verifies_with_the_issuer_key_and_detects_a_wrong_key():
    key = fx.rsa_key()
    credential = fx.ob3_credential()
    issuer_id = credential["issuer"]["id"]
    profile = {"id": issuer_id, "type": ["Profile"], "verificationMethod": [{"id": issuer_id + "#key-1", "type": "JsonWebKey", "publicKeyJwk": fx.jwk(key)}]}
    token = fx.sign_jws(credential, key, {"jwk": fx.jwk(key), "typ": "vc+jwt"})
    good = inspect_served(token.encode(), "badge.jwt", {issuer_id: profile})
    assert good.format == "ob3-jwt" and good.verified is True, good.checks
    other = fx.rsa_key()
    forged = fx.sign_jws(credential, other, {"jwk": fx.jwk(other)})
    bad = inspect_served(forged.encode(), "badge.jwt", {issuer_id: profile})
    assert statuses(bad)["signature"] == "passed" and statuses(bad)["key_ownership"] == "failed" and bad.verified is False
    none = inspect_served(fx.sign_jws(credential, None, {"alg": "none"}).encode(), "badge.jwt", {issuer_id: profile})
    assert none.verified is False


def test_bitstring_status_list_revokes():
    import base64
    import gzip

    key = ed25519.Ed25519PrivateKey.generate()
    credential = fx.ob3_credential()
    credential["credentialStatus"] = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "9",
                                      "statusListCredential": "https://badges.example.hk/status/1"}
    bits = bytearray(16)
    bits[1] |= 0b0100_0000  # index 9 (most significant bit first)
    status_list = {"type": ["VerifiableCredential", "BitstringStatusListCredential"],
                   "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation",
                                         "encodedList": "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")}}
    signed = fx.sign_di(credential, key)
    served = {credential["issuer"]["id"]: fx.issuer_profile(credential["issuer"]["id"], key), "https://badges.example.hk/status/1": status_list}
    result = inspect_served(json.dumps(signed).encode(), "badge.json", served)
    assert statuses(result)["revocation"] == "failed" and result.verified is False


@pytest.mark.parametrize("version", [2, 3])
def test_baked_png_and_svg_of_both_versions_are_read(version):
    key = fx.rsa_key()
    if version == 2:
        _k, docs, served = ob2_signed_setup()
        key = _k
        text = fx.sign_jws(docs["assertion"], key)
        keyword = "openbadges"
    else:
        credential = fx.ob3_credential()
        issuer_id = credential["issuer"]["id"]
        served = {issuer_id: {"id": issuer_id, "verificationMethod": [{"id": issuer_id + "#k", "publicKeyJwk": fx.jwk(key)}]}}
        text = fx.sign_jws(credential, key, {"jwk": fx.jwk(key)})
        keyword = "openbadgecredential"
    png = inspect_served(fx.baked_png(keyword, text), "badge.png", served)
    svg = inspect_served(fx.baked_svg(version, verify=text), "badge.svg", served)
    svg_json = inspect_served(fx.baked_svg(version, text=json.dumps(fx.ob3_credential() if version == 3 else dict(docs["assertion"], verification={"type": "hosted"}))), "badge.svg", served)
    assert png.format == "baked-png" and png.verified is True, png.checks
    assert svg.format == "baked-svg" and svg.verified is True, svg.checks
    assert svg_json.format == "baked-svg" and svg_json.claim.title


def test_pdf_certificate_is_evidence_with_a_link_to_check():
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = StreamObject()
    stream.set_data(b"BT /F1 10 Tf 10 150 Td (Machine Learning Specialization) Tj 0 -20 Td (Verify at https://coursera.org/verify/ABC123XYZ) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = BytesIO()
    writer.write(out)
    result = inspect_credential(out.getvalue(), "certificate.pdf", now=NOW)
    assert result.format == "pdf" and result.verified is None
    assert "Machine Learning" in result.claim.evidence_text
    assert "coursera.org/verify/ABC123XYZ" in next(c.detail for c in result.checks if c.name == "verification_url")


def test_ob3_credential_schema_is_applied_when_it_can_be_fetched():
    key = ed25519.Ed25519PrivateKey.generate()
    schema_url = "https://badges.example.hk/schema/achievementcredential.json"
    schema = {"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object", "required": ["name", "proof"],
              "properties": {"name": {"type": "string", "maxLength": 20}, "proof": {"type": "array"}}}
    credential = fx.ob3_credential()
    credential["credentialSchema"] = [{"id": schema_url, "type": "1EdTechJsonSchemaValidator2019"}]
    signed = fx.sign_di(credential, key)  # a single proof object: normalised to an array before validation
    issuer = credential["issuer"]["id"]
    served = {issuer: fx.issuer_profile(issuer, key), schema_url: schema}
    too_long = inspect_served(json.dumps(signed).encode(), "badge.json", served)
    assert statuses(too_long)["json_schema"] == "failed" and "name" in next(c.detail for c in too_long.checks if c.name == "json_schema")
    assert too_long.verified is False
    schema["properties"]["name"]["maxLength"] = 200
    fine = inspect_served(json.dumps(signed).encode(), "badge.json", served)
    assert statuses(fine)["json_schema"] == "passed" and fine.verified is True
    with fetcher.use_transport(fx.serve_documents({issuer: fx.issuer_profile(issuer, key)})):
        missing = inspect_credential(json.dumps(signed).encode(), "badge.json", confirmed_emails=[EMAIL], now=NOW)
    assert statuses(missing)["json_schema"] == "unknown" and missing.verified is True  # the schema is not decisive


def test_ob3_issuer_profile_that_claims_another_identity_fails_ownership():
    key = ed25519.Ed25519PrivateKey.generate()
    credential = fx.ob3_credential()
    issuer = credential["issuer"]["id"]
    profile = fx.issuer_profile("https://other.example/issuer", key)
    result = inspect_served(json.dumps(fx.sign_di(credential, key)).encode(), "badge.json", {issuer: profile})
    assert statuses(result)["key_ownership"] == "failed" and result.verified is False
