"""Europass Digital Credentials (ELM v3 JSON-LD), unsigned or wrapped in a JAdES seal.

The qualified electronic seal can only be trusted through the EU trusted lists, which are not
available offline: an unsigned credential gets verified=null, a sealed one has its signature and
certificate dates checked, and trust is reported as undecided.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from evc.lib import safejson
from evc.portfolios.claims import Claim, Issuer, Recipient
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.formats.normalise import decimal_or_none, level_from
from evc.portfolios.verification import jws as jwslib
from evc.portfolios.verification.checks import ISSUER, SEAL, STRUCTURE, Check, failed, passed, unknown
from evc.portfolios.verification.common import as_list, check_dates, check_recipient, parse_datetime, text_of

EDC_TYPES = {"EuropeanDigitalCredential", "EuropassCredential"}
_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?)?$")


def is_jades(document: Any) -> bool:
    return isinstance(document, dict) and "payload" in document and isinstance(document.get("signatures"), list)


def is_europass(document: Any) -> bool:
    if is_jades(document):
        return True
    if not isinstance(document, dict):
        return False
    types = {str(t) for t in as_list(document.get("type"))}
    contexts = [c for c in as_list(document.get("@context")) if isinstance(c, str)]
    return bool(types & EDC_TYPES) or any("data.europa.eu/snb" in c for c in contexts)


def _label(node: Any) -> str:
    if isinstance(node, dict):
        return text_of(node.get("prefLabel")) or text_of(node.get("legalName")) or text_of(node.get("title")) or text_of(node.get("noteLiteral"))
    return text_of(node)


def _hours(duration: Any) -> Any:
    match = _DURATION.match(str(duration or ""))
    if not match or not any(match.groupdict().values()):
        return None
    hours = int(match["d"] or 0) * 24 + int(match["h"] or 0) + int(match["m"] or 0) / 60
    return decimal_or_none(round(hours, 2))


def claim_from(document: dict[str, Any]) -> Claim:
    claim = Claim(format="europass")
    subject = as_list(document.get("credentialSubject"))
    subject = subject[0] if subject and isinstance(subject[0], dict) else {}
    achievement = as_list(subject.get("hasClaim"))
    achievement = achievement[0] if achievement and isinstance(achievement[0], dict) else {}
    spec = achievement.get("specifiedBy") if isinstance(achievement.get("specifiedBy"), dict) else {}
    display = document.get("displayParameter") if isinstance(document.get("displayParameter"), dict) else {}
    for value, source in ((achievement.get("title"), "credentialSubject.hasClaim.title"), (spec.get("title"), "hasClaim.specifiedBy.title"), (display.get("title"), "displayParameter.title")):
        if not claim.title and text_of(value):
            claim.title, claim.sources["title"] = text_of(value), source
    claim.description = text_of(spec.get("description") or achievement.get("description"))
    claim.achievement_id = str(spec.get("id") or achievement.get("id") or "")
    claim.achievement_type = text_of(spec.get("type"))
    awarding = (achievement.get("awardedBy") or {}).get("awardingBody") if isinstance(achievement.get("awardedBy"), dict) else None
    body = as_list(awarding)[0] if as_list(awarding) else document.get("issuer")
    body = body if isinstance(body, dict) else {}
    address = ((body.get("location") or {}).get("address") or {}) if isinstance(body.get("location"), dict) else {}
    claim.issuer = Issuer(
        id=str(body.get("id") or ""),
        name=_label(body) or _label(body.get("groupMemberOf")),
        url=str(body.get("homepage", {}).get("contentURL", "") if isinstance(body.get("homepage"), dict) else ""),
        country=_label(address.get("countryCode")) if isinstance(address, dict) else "",
    )
    claim.sources["issuer"] = "credentialSubject.hasClaim.awardedBy.awardingBody"
    if claim.issuer.country:
        claim.sources["country"] = "awardingBody.location.address.countryCode"
    for outcome in as_list(spec.get("learningOutcome")):
        if isinstance(outcome, dict) and text_of(outcome.get("title")):
            claim.learning_outcomes.append(text_of(outcome["title"]))
    if claim.learning_outcomes:
        claim.sources["learning_outcomes"] = "hasClaim.specifiedBy.learningOutcome"
    for credit in as_list(spec.get("creditPoint")):
        if isinstance(credit, dict) and "credit transfer" in _label(credit.get("framework")).lower():
            claim.ects, claim.sources["ects"] = decimal_or_none(credit.get("point")), "hasClaim.specifiedBy.creditPoint (ECTS)"
    hours = _hours(spec.get("volumeOfLearning"))
    if hours is not None:
        claim.hours, claim.sources["hours"] = hours, "hasClaim.specifiedBy.volumeOfLearning"
    if isinstance(spec.get("eqfLevel"), dict):
        level = level_from(str(spec["eqfLevel"].get("id", "")).rsplit("/", 1)[-1]) or level_from(_label(spec["eqfLevel"]))
        if level:
            claim.eqf_level, claim.sources["eqf_level"] = level, "hasClaim.specifiedBy.eqfLevel"
    language = _label(spec.get("language"))
    if language:
        claim.language = {"english": "en", "dutch": "nl", "french": "fr", "german": "de", "spanish": "es"}.get(language.lower(), language[:2].lower())
        claim.sources["language"] = "hasClaim.specifiedBy.language"
    proven = as_list(achievement.get("provenBy"))
    if proven and isinstance(proven[0], dict):
        assessment = proven[0].get("specifiedBy") if isinstance(proven[0].get("specifiedBy"), dict) else proven[0]
        claim.assessment_type = " — ".join(t for t in (_label(assessment.get("title")), _label(assessment.get("mode"))) if t)
        claim.sources["assessment_type"] = "hasClaim.provenBy"
    if spec.get("mode") or spec.get("learningSetting"):
        claim.participation = ", ".join(t for t in (_label(spec.get("mode")), _label(spec.get("learningSetting"))) if t)
        claim.sources["participation"] = "hasClaim.specifiedBy.mode/learningSetting"
    accreditation = spec.get("hasAccreditation") or spec.get("accreditation")
    if accreditation:
        claim.quality_assurance = _label(as_list(accreditation)[0])
        claim.sources["quality_assurance"] = "hasClaim.specifiedBy.hasAccreditation"
    email = ((subject.get("contactPoint") or {}).get("emailAddress") or {}) if isinstance(subject.get("contactPoint"), dict) else {}
    email_id = str(email.get("id") or "") if isinstance(email, dict) else ""
    claim.recipient = Recipient(identity=email_id.removeprefix("mailto:"), type="email") if email_id else Recipient(identity=text_of(subject.get("fullName")), type="name")
    claim.sources["recipient"] = "credentialSubject"
    claim.issued_on = parse_datetime(document.get("issuanceDate")) or parse_datetime(document.get("issued")) or parse_datetime(document.get("validFrom"))
    claim.valid_from = parse_datetime(document.get("validFrom"))
    claim.valid_until = parse_datetime(document.get("expirationDate") or document.get("validUntil"))
    return claim


def _verify_jades(envelope: dict[str, Any], now: dt.datetime) -> tuple[str, list[Check]]:
    payload = envelope.get("payload")
    signature = as_list(envelope.get("signatures"))[0] if as_list(envelope.get("signatures")) else {}
    if not isinstance(payload, str) or not isinstance(signature, dict):
        raise FormatError("The Europass seal envelope is incomplete.")
    try:
        header = safejson.loads(jwslib.b64url_decode(str(signature.get("protected", ""))))
    except (safejson.JsonShapeError, jwslib.JwsError) as exc:
        raise FormatError("The Europass seal header is unreadable.") from exc
    text = payload if header.get("b64") is False else jwslib.b64url_decode(payload).decode("utf-8", "replace")
    checks: list[Check] = []
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(as_list(header.get("x5c"))[0]))
        key = cert.public_key()
        signing_input = f"{signature['protected']}.{payload}".encode()
        raw = jwslib.b64url_decode(str(signature.get("signature", "")))
        alg = str(header.get("alg"))
        hash_ = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[-3:]]
        if alg.startswith("RS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, signing_input, padding.PKCS1v15(), hash_)
        elif alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, signing_input, padding.PSS(padding.MGF1(hash_), hash_.digest_size), hash_)
        elif alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(raw) // 2
            key.verify(encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")), signing_input, ec.ECDSA(hash_))
        else:
            raise ValueError(alg)
        checks.append(passed("seal_signature", "The seal's {alg} signature over the credential verifies with its certificate ({value}).", alg=alg, value=cert.subject.rfc4514_string()[:80]))
    except InvalidSignature:
        checks.append(failed("seal_signature", "The seal's signature does not verify: the credential was altered after sealing."))
        return text, checks
    except (KeyError, IndexError, ValueError, TypeError, jwslib.JwsError):
        checks.append(failed("seal_signature", "The seal has no usable certificate or signature algorithm."))
        return text, checks
    not_after = cert.not_valid_after_utc
    if not_after < now:
        checks.append(failed(SEAL, "The seal certificate expired on {date}.", date=not_after.date().isoformat()))
    elif cert.not_valid_before_utc > now:
        checks.append(failed(SEAL, "The seal certificate is not valid yet."))
    else:
        checks.append(unknown(SEAL, "Whether the seal certificate is a qualified seal on the EU trusted lists cannot be checked offline."))
    return text, checks


def inspect(document: dict[str, Any], ctx: Context) -> tuple[Claim, list[Check]]:
    seal_checks: list[Check]
    if is_jades(document):
        text, seal_checks = _verify_jades(document, ctx.now)
        try:
            document = safejson.loads(text)
        except safejson.JsonShapeError as exc:
            raise FormatError("The sealed Europass credential is not valid JSON.") from exc
        if not isinstance(document, dict):
            raise FormatError("The sealed Europass document is not a credential.")
    else:
        seal_checks = [unknown(SEAL, "The credential carries no seal here, so its issuer cannot be confirmed; it is imported as a claim only.")]
    claim = claim_from(document)
    types = {str(t) for t in as_list(document.get("type"))}
    checks = [
        passed(STRUCTURE, "The document is a European Digital Credential (ELM).")
        if types & EDC_TYPES and claim.title
        else failed(STRUCTURE, "The Europass document has no credential type or title."),
        passed(ISSUER, "The awarding body {organisation} is named.", organisation=claim.issuer.name) if claim.issuer.name else failed(ISSUER, "The credential names no awarding body."),
        *seal_checks,
        *check_dates(issued=claim.issued_on, valid_from=claim.valid_from, valid_until=claim.valid_until, now=ctx.now),
        check_recipient(claim.recipient, ctx.confirmed_emails),
    ]
    return claim, checks


def inspect_xml(data: bytes, ctx: Context) -> tuple[str, Claim, list[Check], Any]:
    lowered = data[:4096].lower()
    if b"europass" in lowered or b"edci" in lowered:
        raise FormatError(
            "This is a legacy Europass XML credential (ELM v2), which the workbench cannot read; "
            "ask the issuer for the JSON-LD (ELM v3) version, or add it as a PDF or manual entry."
        )
    raise FormatError("This XML file is not a credential the workbench recognises.")
