"""Open Badges 3.0 (and CLR 2.0) credentials: plain JSON, Data Integrity proofs and VC-JWT."""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import Any
from urllib.parse import unquote

from evc.portfolios.claims import Claim, Issuer, Recipient
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.formats.normalise import (
    decimal_or_none,
    read_alignments,
    read_edubadges_extensions,
    set_text,
)
from evc.portfolios.verification import data_integrity as di
from evc.portfolios.verification import jws as jwslib
from evc.portfolios.verification.checks import (
    ISSUER,
    KEY_OWNERSHIP,
    REVOCATION,
    SIGNATURE,
    STRUCTURE,
    Check,
    failed,
    passed,
    unknown,
)
from evc.portfolios.verification.common import (
    as_list,
    check_dates,
    check_jsonld,
    check_recipient,
    parse_datetime,
    text_of,
)
from evc.portfolios.verification.schema import credential_schema_checks

VC_CONTEXTS = {"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"}
OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential", "ClrCredential"}


def is_credential(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    types = {str(t) for t in as_list(node.get("type"))}
    return "VerifiableCredential" in types or bool(types & OB3_TYPES) or ("credentialSubject" in node and "issuer" in node)


def _issuer_node(credential: dict[str, Any]) -> dict[str, Any]:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return {"id": issuer}
    return issuer if isinstance(issuer, dict) else {}


def _subject(credential: dict[str, Any]) -> dict[str, Any]:
    subjects = as_list(credential.get("credentialSubject"))
    return subjects[0] if subjects and isinstance(subjects[0], dict) else {}


def _structure(credential: dict[str, Any]) -> Check:
    problems = []
    contexts = as_list(credential.get("@context"))
    if not contexts or not isinstance(contexts[0], str) or contexts[0] not in VC_CONTEXTS:
        problems.append("its first @context is not the W3C Verifiable Credentials context")
    types = {str(t) for t in as_list(credential.get("type"))}
    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    if not types & OB3_TYPES:
        problems.append(f"its type ({', '.join(sorted(types)) or 'none'}) is not an Open Badges credential type")
    subject = _subject(credential)
    if not subject:
        problems.append("it has no credentialSubject")
    elif "ClrCredential" not in types and "EndorsementCredential" not in types:
        subject_types = {str(t) for t in as_list(subject.get("type"))}
        if "AchievementSubject" not in subject_types:
            problems.append("its credentialSubject is not an AchievementSubject")
        if not isinstance(subject.get("achievement"), dict):
            problems.append("its credentialSubject has no achievement")
    if not _issuer_node(credential).get("id"):
        problems.append("it names no issuer")
    if not (credential.get("validFrom") or credential.get("issuanceDate")):
        problems.append("it has no validFrom (or issuanceDate) date")
    if problems:
        return failed(STRUCTURE, "This is not a valid Open Badges 3.0 credential: {items}.", items="; ".join(problems))
    return passed(STRUCTURE, "The credential has the fields Open Badges 3.0 requires.")


def _recipient(subject: dict[str, Any]) -> Recipient:
    for identifier in as_list(subject.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("identityHash"):
            kind = str(identifier.get("identityType") or "emailAddress")
            return Recipient(
                identity=str(identifier["identityHash"]),
                type="email" if kind.lower() in {"emailaddress", "email"} else kind,
                hashed=bool(identifier.get("hashed")),
                salt=str(identifier.get("salt") or ""),
            )
    if isinstance(subject.get("email"), str):
        return Recipient(identity=subject["email"], type="email")
    subject_id = str(subject.get("id") or "")
    if subject_id.startswith("mailto:"):
        return Recipient(identity=unquote(subject_id.removeprefix("mailto:")), type="email")
    return Recipient(identity=subject_id, type="did" if subject_id.startswith("did:") else "url")


def claim_from(credential: dict[str, Any], fmt: str) -> Claim:
    claim = Claim(format=fmt)
    subject = _subject(credential)
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    set_text(claim, "title", achievement.get("name"), "credentialSubject.achievement.name")
    set_text(claim, "title", credential.get("name"), "credential.name")
    set_text(claim, "description", achievement.get("description"), "credentialSubject.achievement.description")
    set_text(claim, "description", credential.get("description"), "credential.description")
    criteria = achievement.get("criteria")
    if isinstance(criteria, dict):
        set_text(claim, "criteria", criteria.get("narrative"), "credentialSubject.achievement.criteria.narrative")
    claim.achievement_id = str(achievement.get("id") or "")
    claim.achievement_type = text_of(achievement.get("achievementType"))
    claim.tags = [str(t) for t in as_list(achievement.get("tag")) if isinstance(t, str)]
    read_alignments(achievement.get("alignment"), claim, "credentialSubject.achievement.alignment")
    read_edubadges_extensions(achievement, claim, "credentialSubject.achievement")
    # OB 3.0 has no EC field: creditsAvailable/creditsEarned are credit HOURS (CDM), never EC.
    hours = decimal_or_none(subject.get("creditsEarned"))
    if hours is not None:
        claim.hours, claim.sources["hours"] = hours, "credentialSubject.creditsEarned (credit hours)"
    else:
        hours = decimal_or_none(achievement.get("creditsAvailable"))
        if hours is not None and claim.hours is None:
            claim.hours, claim.sources["hours"] = hours, "credentialSubject.achievement.creditsAvailable (credit hours)"
    language = achievement.get("inLanguage") or credential.get("inLanguage")
    if isinstance(language, str) and language and not claim.language:
        claim.language, claim.sources["language"] = language.split("-")[0].lower(), "credentialSubject.achievement.inLanguage"
    for result in as_list(achievement.get("resultDescription")):
        if isinstance(result, dict) and result.get("name"):
            claim.learning_outcomes.append(text_of(result["name"]))
            claim.sources.setdefault("learning_outcomes", "credentialSubject.achievement.resultDescription")
    for achieved in _clr_achievements(subject):
        claim.learning_outcomes.append(achieved)
        claim.sources["learning_outcomes"] = "ClrCredential: achievements of the credentials it contains"
    issuer = _issuer_node(credential)
    address = issuer.get("address") if isinstance(issuer.get("address"), dict) else {}
    claim.issuer = Issuer(
        id=str(issuer.get("id") or ""),
        name=text_of(issuer.get("name")),
        url=str(issuer.get("url") or ""),
        email=str(issuer.get("email") or ""),
        country=text_of(address.get("addressCountry") or address.get("addressCountryCode")),
    )
    claim.sources["issuer"] = "credential.issuer"
    if claim.issuer.country:
        claim.sources["country"] = "credential.issuer.address.addressCountry"
    claim.recipient = _recipient(subject)
    claim.sources["recipient"] = "credentialSubject"
    claim.issued_on = parse_datetime(credential.get("awardedDate")) or parse_datetime(credential.get("issuanceDate"))
    claim.valid_from = parse_datetime(credential.get("validFrom")) or parse_datetime(credential.get("issuanceDate"))
    claim.valid_until = parse_datetime(credential.get("validUntil")) or parse_datetime(credential.get("expirationDate"))
    for name, source in (("issued_on", "awardedDate/issuanceDate"), ("valid_from", "validFrom"), ("valid_until", "validUntil")):
        if getattr(claim, name):
            claim.sources[name] = f"credential.{source}"
    texts, urls = [], []
    for item in as_list(credential.get("evidence")):
        if isinstance(item, dict):
            texts += [text_of(item.get(k)) for k in ("name", "narrative", "description") if item.get(k)]
            if isinstance(item.get("id"), str) and item["id"].startswith(("http://", "https://")):
                urls.append(item["id"])
    if subject.get("narrative"):
        texts.insert(0, text_of(subject["narrative"]))
    claim.evidence_text, claim.evidence_urls = "\n".join(texts), urls
    if texts or urls:
        claim.sources["evidence_text"] = "credential.evidence"
    return claim


def _clr_credentials(subject: dict[str, Any]) -> list[dict[str, Any]]:
    """The credentials a CLR wraps (objects, or VC-JWT strings decoded WITHOUT verification)."""
    inner = []
    for item in as_list(subject.get("verifiableCredential"))[:200]:
        if isinstance(item, str):
            try:
                payload = jwslib.parse_compact(item).payload_json()
            except jwslib.JwsError:
                continue
            item = credential_from_jwt(payload) if isinstance(payload, dict) else None
        if isinstance(item, dict):
            inner.append(item)
    return inner


def _clr_achievements(subject: dict[str, Any]) -> list[str]:
    names = []
    for inner in _clr_credentials(subject):
        achievement = _subject(inner).get("achievement")
        if isinstance(achievement, dict):
            name = text_of(achievement.get("name"))
            description = text_of(achievement.get("description"))
            if name:
                names.append(f"{name}: {description}" if description else name)
    return names


# --- keys -------------------------------------------------------------------------------------

def _did_web_url(did: str) -> str:
    parts = [unquote(p) for p in did.removeprefix("did:web:").split(":")]
    return "https://" + parts[0] + ("/" + "/".join(parts[1:]) + "/did.json" if len(parts) > 1 else "/.well-known/did.json")


def _controller_url(url: str) -> str:
    base = url.split("#", 1)[0]
    return _did_web_url(base) if base.startswith("did:web:") else base


def _listed_keys(document: dict[str, Any]) -> dict[str, str]:
    """verificationMethod id -> publicKeyMultibase from a controller document / issuer profile."""
    keys = {}
    doc_id = str(document.get("id") or "")
    for method in as_list(document.get("verificationMethod")) + as_list(document.get("assertionMethod")):
        if isinstance(method, dict) and isinstance(method.get("publicKeyMultibase"), str):
            method_id = str(method.get("id") or "")
            if method_id.startswith("#"):
                method_id = doc_id + method_id
            keys[method_id] = method["publicKeyMultibase"]
    return keys


def _ownership(method: str, multikey: str, issuer_id: str, ctx: Context) -> Check:
    """Does the issuer's own profile (or DID document) list this key?"""
    if method.startswith("did:key:"):
        did = method.split("#", 1)[0]
        if did == issuer_id:
            return passed(KEY_OWNERSHIP, "The issuer is the did:key {value}… itself, so the key is the issuer's.", value=did[:32])
        return unknown(
            KEY_OWNERSHIP,
            "The proof uses a did:key that is not the issuer's identifier ({issuer_id}); whether the issuer controls it cannot be confirmed.", issuer_id=issuer_id,
        )
    base = method.split("#", 1)[0]
    if base != issuer_id and not issuer_id.startswith("did:") and not base.startswith(issuer_id):
        return failed(KEY_OWNERSHIP, "The key {method} is not published under the issuer's identifier {issuer_id}.", method=method, issuer_id=issuer_id)
    document, error, _disabled = ctx.remote.json(_controller_url(issuer_id if base == issuer_id else base))
    if document is None:
        return unknown(
            KEY_OWNERSHIP,
            "The signature verifies with a key named in the proof, but the issuer profile {issuer_id} could not be fetched to confirm the key is the issuer's ({reason}).", issuer_id=issuer_id, reason=(error or '').rstrip('.'),
        )
    if isinstance(document, dict) and document.get("id") and str(document["id"]) != issuer_id and base == issuer_id:
        return failed(KEY_OWNERSHIP, "The issuer profile fetched from {issuer_id} says it belongs to {value}.", issuer_id=issuer_id, value=str(document['id'])[:80])
    if isinstance(document, dict) and multikey in _listed_keys(document).values():
        return passed(KEY_OWNERSHIP, "The issuer profile {issuer_id} lists the signing key.", issuer_id=issuer_id)
    return failed(KEY_OWNERSHIP, "The issuer profile {issuer_id} does not list the key that signed the credential.", issuer_id=issuer_id)


def _resolve_key(method: str, ctx: Context) -> tuple[str | None, str | None]:
    """(multikey, error sentence)."""
    if method.startswith("did:key:"):
        return method.removeprefix("did:key:").split("#", 1)[0], None
    fragment = method.split("#", 1)[1] if "#" in method else ""
    if fragment.startswith("z6Mk"):
        try:
            di.ed25519_from_multikey(fragment)
            return fragment, None
        except di.ProofError:
            pass  # fall through to dereferencing, as the 1EdTech validator does
    if method.startswith("did:") and not method.startswith("did:web:"):
        return None, f"The DID method of {method.split('#')[0][:40]} is not supported, so the key cannot be resolved."
    document, error, _disabled = ctx.remote.json(_controller_url(method))
    if not isinstance(document, dict):
        return None, f"The key {method} could not be resolved: {error or 'not a JSON object'}"
    keys = _listed_keys(document)
    if method in keys:
        return keys[method], None
    if isinstance(document.get("publicKeyMultibase"), str):
        return document["publicKeyMultibase"], None
    return None, f"The document at {method} does not contain the key."


def _proof_checks(credential: dict[str, Any], ctx: Context) -> list[Check]:
    proofs = [p for p in as_list(credential.get("proof")) if isinstance(p, dict)]
    if not proofs:
        return [failed(SIGNATURE, "The credential is not signed (it has no proof), so nothing proves who issued it or that it is unaltered.")]
    supported = [p for p in proofs if di.is_supported(p)]
    if not supported:
        names = ", ".join(di.proof_suite(p) or "(none)" for p in proofs)
        return [unknown(SIGNATURE, "The proof uses an unsupported cryptosuite ({names}), so the signature cannot be checked here.", names=names)]
    issuer_id = str(_issuer_node(credential).get("id") or "")
    outcomes: list[list[Check]] = []
    for proof in supported:
        method = str(proof.get("verificationMethod") or "")
        multikey, error = _resolve_key(method, ctx)
        if multikey is None:
            outcomes.append([unknown(SIGNATURE, "{value}", value=error or "The signing key could not be found.")])
            continue
        try:
            key = di.ed25519_from_multikey(multikey)
            valid = di.verify_proof(credential, proof, key)
        except di.ProofError as exc:
            outcomes.append([failed(SIGNATURE, "{str}", str=str(exc))])
            continue
        except Exception as exc:  # jsonld.UnknownContext / JsonLdError: cannot canonicalise
            outcomes.append([failed(SIGNATURE, "The signed document cannot be canonicalised: {exc}", exc=exc)])
            continue
        if not valid:
            outcomes.append([failed(SIGNATURE, "The {proof_suite} signature does not verify: the credential was altered after signing or signed with another key.", proof_suite=di.proof_suite(proof))])
            continue
        note = " (legacy suite name)" if di.proof_suite(proof) == "eddsa-2022" else ""
        outcomes.append([
            passed(SIGNATURE, "The {proof_suite}{note} signature verifies with the key {value}….", proof_suite=di.proof_suite(proof), note=note, value=multikey[:16]),
            _ownership(method, multikey, issuer_id, ctx),
        ])
    # One verifying proof is enough; otherwise report the most telling failure.
    for outcome in outcomes:
        if outcome[0].status == "passed":
            extra = len(proofs) - 1
            if extra:
                outcome.append(unknown(SIGNATURE + "_other", "{extra} other proof(s) were not checked or not supported.", extra=extra, decisive=False))
            return outcome
    for outcome in outcomes:
        if outcome[0].status == "failed":
            return outcome
    return outcomes[0]


# --- status -----------------------------------------------------------------------------------

def _decode_bitstring(encoded: str) -> bytes:
    text = encoded[1:] if encoded.startswith("u") else encoded
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Bounded decompression: a status list is at most a few MB of bits.
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = decompressor.decompress(raw, 16 * 1024 * 1024)
    if decompressor.unconsumed_tail:
        raise ValueError("status list too large")
    return data


def _status_checks(credential: dict[str, Any], ctx: Context) -> list[Check]:
    checks = []
    for status in as_list(credential.get("credentialStatus")):
        if not isinstance(status, dict):
            continue
        kind = str(status.get("type") or "")
        if kind == "1EdTechRevocationList":
            url = str(status.get("id") or "")
            document, error, _disabled = ctx.remote.json(url)
            if not isinstance(document, dict):
                checks.append(unknown(REVOCATION, "The issuer's revocation list could not be read: {value}", value=error or 'not an object'))
                continue
            entries = as_list(document.get("revokedCredentials")) + as_list(document.get("revokedAssertions"))
            revoked = [e for e in entries if isinstance(e, dict) and e.get("id") == credential.get("id")]
            if revoked:
                reason = text_of(revoked[0].get("revocationReason"))
                checks.append(failed(REVOCATION, "The issuer has revoked this credential{value}", value=f": {reason}." if reason else "."))
            else:
                checks.append(passed(REVOCATION, "The credential is not on the issuer's revocation list."))
        elif kind in {"BitstringStatusListEntry", "StatusList2021Entry"}:
            url = str(status.get("statusListCredential") or "")
            purpose = str(status.get("statusPurpose") or "revocation")
            document, error, _disabled = ctx.remote.json(url)
            subject = _subject(document) if isinstance(document, dict) else {}
            try:
                index = int(status.get("statusListIndex"))
                bits = _decode_bitstring(str(subject.get("encodedList") or ""))
            except (TypeError, ValueError, zlib.error, gzip.BadGzipFile):
                checks.append(unknown(REVOCATION, "The status list could not be read: {value}", value=error or 'it is not a valid bitstring status list'))
                continue
            if index < 0 or index // 8 >= len(bits):
                checks.append(failed(REVOCATION, "The credential's status index lies outside the issuer's status list."))
                continue
            is_set = bits[index // 8] >> (7 - index % 8) & 1
            if is_set and purpose in {"revocation", "suspension"}:
                verb = "revoked" if purpose == "revocation" else "suspended"
                checks.append(failed(REVOCATION, "The issuer has {verb} this credential (status list entry {index} is set).", verb=verb, index=index))
            else:
                checks.append(passed(REVOCATION, "The issuer's status list does not mark this credential as revoked ({purpose}).", purpose=purpose))
        else:
            checks.append(unknown(REVOCATION, "The status method {value} is not supported, so revocation cannot be checked.", value=kind or '(missing)', decisive=False))
    return checks


def _issuer_check(credential: dict[str, Any]) -> Check:
    issuer = _issuer_node(credential)
    if not issuer.get("id"):
        return failed(ISSUER, "The credential names no issuer.")
    if not issuer.get("name"):
        return unknown(ISSUER, "The credential names the issuer only by its identifier {id}; the profile is not embedded.", id=issuer['id'], decisive=False)
    types = {str(t) for t in as_list(issuer.get("type"))}
    if types and "Profile" not in types:
        return failed(ISSUER, "The issuer has type {items} instead of Profile.", items=', '.join(sorted(types)))
    return passed(ISSUER, "The issuer profile of {issuer_name} ({id}) is present.", issuer_name=text_of(issuer.get('name')), id=issuer['id'])


def inspect(credential: dict[str, Any], ctx: Context, *, fmt: str = "ob3", signature_checks: list[Check] | None = None) -> tuple[Claim, list[Check]]:
    if not is_credential(credential):
        raise FormatError("This JSON file is not an Open Badges 3.0 credential.")
    claim = claim_from(credential, fmt)
    checks = [_structure(credential), check_jsonld(credential), _issuer_check(credential)]
    checks += signature_checks if signature_checks is not None else _proof_checks(credential, ctx)
    checks += _status_checks(credential, ctx)
    checks += credential_schema_checks(credential, ctx.remote)
    if "ClrCredential" in {str(t) for t in as_list(credential.get("type"))}:
        count = len(_clr_credentials(_subject(credential)))
        checks.append(unknown(
            "nested_credentials",
            "This learner record wraps {count} credential(s); their achievements are listed, but each is not verified on its own here.", count=count,
            decisive=False,
        ))
    checks += check_dates(issued=claim.issued_on, valid_from=claim.valid_from, valid_until=claim.valid_until, now=ctx.now)
    checks.append(check_recipient(claim.recipient, ctx.confirmed_emails))
    return claim, checks


# --- VC-JWT -----------------------------------------------------------------------------------

def credential_from_jwt(payload: dict[str, Any]) -> dict[str, Any]:
    """VC-JOSE (VC 2.0: the payload is the credential) or VC 1.1 JWT (`vc` claim + registered claims)."""
    if isinstance(payload.get("vc"), dict):
        credential = dict(payload["vc"])
        issuer = credential.get("issuer")
        if payload.get("iss") and not issuer:
            credential["issuer"] = payload["iss"]
        if payload.get("jti") and not credential.get("id"):
            credential["id"] = payload["jti"]
        if payload.get("nbf") and not (credential.get("issuanceDate") or credential.get("validFrom")):
            credential["issuanceDate"] = _epoch(payload["nbf"])
        if payload.get("exp") and not (credential.get("expirationDate") or credential.get("validUntil")):
            credential["expirationDate"] = _epoch(payload["exp"])
        return credential
    return payload


def _epoch(value: Any) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        return ""


def _jwt_key(token: jwslib.Jws, credential: dict[str, Any], ctx: Context) -> tuple[Any, str, Check | None]:
    """(key or None, where it came from, ownership check)."""
    issuer_id = str(_issuer_node(credential).get("id") or "")
    header = token.header
    if isinstance(header.get("jwk"), dict):
        key = jwslib.key_from_jwk(header["jwk"])
        document, error, _disabled = ctx.remote.json(_controller_url(issuer_id)) if issuer_id.startswith(("http", "did:web:")) else (None, "the issuer identifier is not a web address", False)
        if isinstance(document, dict):
            listed = [jwslib.key_from_jwk(j) for j in _profile_jwks(document)]
            if any(jwslib.same_key(key, other) for other in listed):
                return key, "the token header (jwk)", passed(KEY_OWNERSHIP, "The issuer profile {issuer_id} lists the signing key.", issuer_id=issuer_id)
            return key, "the token header (jwk)", failed(KEY_OWNERSHIP, "The issuer profile {issuer_id} does not list the key in the token header.", issuer_id=issuer_id)
        return key, "the token header (jwk)", unknown(
            KEY_OWNERSHIP,
            "The token carries its own key (jwk header); the issuer profile {issuer_id} could not be fetched to confirm it is the issuer's ({reason}).", issuer_id=issuer_id, reason=(error or '').rstrip('.'),
        )
    kid = str(header.get("kid") or "")
    if kid.startswith("did:key:"):
        key = di.ed25519_from_multikey(kid.removeprefix("did:key:").split("#")[0])
        owner = passed(KEY_OWNERSHIP, "The issuer is the did:key that signed the token.") if kid.split("#")[0] == issuer_id else unknown(
            KEY_OWNERSHIP, "The token is signed with a did:key that is not the issuer's identifier.")
        return key, kid, owner
    profile_url = kid or issuer_id
    if not profile_url.startswith(("https://", "http://", "did:web:")):
        return None, "", unknown(SIGNATURE, "The token names no key (no jwk or kid) and the issuer profile is not a web address, so the signature cannot be checked.")
    document, error, _disabled = ctx.remote.json(_controller_url(profile_url))
    if not isinstance(document, dict):
        return None, "", unknown(SIGNATURE, "The token names no key in its header, and the issuer profile {profile_url} could not be fetched: {error}", profile_url=profile_url, error=error)
    jwks = _profile_jwks(document)
    if not jwks:
        return None, "", failed(SIGNATURE, "The issuer profile {profile_url} publishes no key.", profile_url=profile_url)
    key = jwslib.key_from_jwk(jwks[0])
    return key, profile_url, passed(KEY_OWNERSHIP, "The key comes from the issuer profile {profile_url}.", profile_url=profile_url)


def _profile_jwks(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for method in as_list(document.get("verificationMethod")) + as_list(document.get("publicKey")):
        if isinstance(method, dict) and isinstance(method.get("publicKeyJwk"), dict):
            out.append(method["publicKeyJwk"])
    return out


def inspect_jwt(text: str, ctx: Context, *, fmt: str = "ob3-jwt") -> tuple[Claim, list[Check], Any]:
    try:
        token = jwslib.parse_compact(text)
        payload = token.payload_json()
    except jwslib.JwsError as exc:
        raise FormatError.passing_on(exc) from exc
    if not isinstance(payload, dict):
        raise FormatError("The token does not contain a credential.")
    credential = credential_from_jwt(payload)
    if not is_credential(credential):
        raise FormatError("The token does not contain an Open Badges 3.0 credential.")
    signature: list[Check]
    try:
        jwslib.check_algorithm(token)
        key, source, ownership = _jwt_key(token, credential, ctx)
        if key is None:
            signature = [ownership] if ownership else [unknown(SIGNATURE, "The signing key could not be found.")]
        elif jwslib.verify_signature(token, key):
            signature = [passed(SIGNATURE, "The {alg} signature verifies with the key from {source}.", alg=token.alg, source=source)]
            if ownership:
                signature.append(ownership)
        else:
            signature = [failed(SIGNATURE, "The {alg} signature does not verify: the token was altered or signed with another key.", alg=token.alg)]
    except (jwslib.JwsError, di.ProofError) as exc:
        signature = [failed(SIGNATURE, "{str}", str=str(exc))]
    claim, checks = inspect(credential, ctx, fmt=fmt, signature_checks=signature)
    return claim, checks, payload
