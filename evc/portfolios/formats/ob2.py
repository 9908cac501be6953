"""Open Badges 2.0 assertions: hosted JSON and signed JWS, BadgeClass and Issuer embedded or by URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from evc.lib import jsonld
from evc.portfolios.claims import Claim, Issuer, Recipient
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.formats.normalise import read_alignments, read_edubadges_extensions, set_text
from evc.portfolios.verification import jws as jwslib
from evc.portfolios.verification.checks import (
    HOSTED,
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
from evc.portfolios.verification.schema import extension_checks

OB2_CONTEXTS = {"https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json"}
REQUIRED = ("id", "recipient", "badge", "verification", "issuedOn")


def types_of(node: dict[str, Any]) -> list[str]:
    return [str(t) for t in as_list(node.get("type") or node.get("@type"))]


def looks_like_assertion(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    contexts = jsonld.context_urls(node)
    if "Assertion" in types_of(node):
        return True
    return "recipient" in node and "badge" in node and (bool(set(contexts) & OB2_CONTEXTS) or "verify" in node or "verification" in node)


def _resolve(value: Any, ctx: Context, what: str, checks: list[Check]) -> dict[str, Any] | None:
    """An embedded node, or the JSON document its URL points to (via the guarded fetcher)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value:
        return None
    document, error, _disabled = ctx.remote.json(value)
    if document is None:
        checks.append(
            unknown(ISSUER if what == "issuer" else "badge_class", "The {what} at {value} could not be fetched: {error}", what=what, value=value, error=error)
        )
        return None
    if not isinstance(document, dict):
        checks.append(failed(STRUCTURE, "The {what} at {value} is not a JSON object.", what=what, value=value))
        return None
    return document


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _structure(assertion: dict[str, Any]) -> Check:
    problems = []
    if "Assertion" not in types_of(assertion):
        problems.append(f"its type is {', '.join(types_of(assertion)) or 'missing'} instead of Assertion")
    missing = [name for name in REQUIRED if name not in assertion and not (name == "verification" and "verify" in assertion)]
    if missing:
        problems.append("it lacks " + ", ".join(missing))
    if assertion.get("@context") is None:
        problems.append("it has no @context")
    if problems:
        return failed(STRUCTURE, "This is not a valid Open Badges 2.0 assertion: {items}.", items="; ".join(problems))
    return passed(STRUCTURE, "The assertion has the fields Open Badges 2.0 requires.")


def _claim(assertion: dict[str, Any], badge: dict[str, Any] | None, issuer: dict[str, Any] | None, fmt: str) -> Claim:
    claim = Claim(format=fmt)
    recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
    claim.recipient = Recipient(
        identity=str(recipient.get("identity") or ""),
        type=str(recipient.get("type") or "email"),
        hashed=bool(recipient.get("hashed")),
        salt=str(recipient.get("salt") or ""),
    )
    claim.sources["recipient"] = "assertion.recipient"
    claim.issued_on = parse_datetime(assertion.get("issuedOn"))
    claim.valid_until = parse_datetime(assertion.get("expires"))
    if claim.issued_on:
        claim.sources["issued_on"] = "assertion.issuedOn"
    if claim.valid_until:
        claim.sources["valid_until"] = "assertion.expires"
    if badge:
        claim.achievement_id = str(badge.get("id") or "")
        set_text(claim, "title", badge.get("name"), "badge.name")
        set_text(claim, "description", badge.get("description"), "badge.description")
        criteria = badge.get("criteria")
        if isinstance(criteria, dict):
            set_text(claim, "criteria", criteria.get("narrative"), "badge.criteria.narrative")
            if not claim.criteria and criteria.get("id"):
                claim.criteria, claim.sources["criteria"] = str(criteria["id"]), "badge.criteria.id"
        elif isinstance(criteria, str):
            claim.criteria, claim.sources["criteria"] = criteria, "badge.criteria (URL)"
        claim.tags = [str(t) for t in as_list(badge.get("tags")) if isinstance(t, str)]
        read_alignments(badge.get("alignment") or badge.get("alignments"), claim, "badge.alignment")
        read_edubadges_extensions(badge, claim, "badge")
    read_edubadges_extensions(assertion, claim, "assertion")
    if issuer:
        claim.issuer = Issuer(
            id=str(issuer.get("id") or ""),
            name=text_of(issuer.get("name")),
            url=str(issuer.get("url") or ""),
            email=str(issuer.get("email") or ""),
            country=text_of((issuer.get("address") or {}).get("addressCountry")) if isinstance(issuer.get("address"), dict) else "",
        )
        claim.sources["issuer"] = "badge.issuer"
    evidence_texts, evidence_urls = [], []
    for item in as_list(assertion.get("evidence")):
        if isinstance(item, str):
            evidence_urls.append(item)
        elif isinstance(item, dict):
            if item.get("narrative"):
                evidence_texts.append(text_of(item["narrative"]))
            if isinstance(item.get("id"), str) and not item["id"].startswith("_:"):
                evidence_urls.append(item["id"])
    if assertion.get("narrative"):
        evidence_texts.insert(0, text_of(assertion["narrative"]))
    claim.evidence_text = "\n".join(t for t in evidence_texts if t)
    claim.evidence_urls = evidence_urls
    if claim.evidence_text or evidence_urls:
        claim.sources["evidence_text"] = "assertion.evidence"
    return claim


def _issuer_check(issuer: dict[str, Any] | None, badge: dict[str, Any] | None) -> Check | None:
    if badge is None:
        return unknown(ISSUER, "The badge class could not be read, so the issuer is unknown.")
    if issuer is None:
        return None  # _resolve already recorded why
    types = types_of(issuer)
    if not {"Issuer", "Profile"} & set(types):
        return failed(ISSUER, "The issuer profile has type {value} instead of Issuer or Profile.", value=', '.join(types) or 'none')
    missing = [n for n in ("id", "name") if not issuer.get(n)]
    if missing or not (issuer.get("url") or issuer.get("email")):
        return failed(ISSUER, "The issuer profile lacks {items}.", items=", ".join(missing or ["a url or email"]))
    if isinstance(badge.get("issuer"), str) and issuer.get("id") != badge["issuer"]:
        return failed(ISSUER, "The issuer profile says it is {profile_id}, but the badge class names {issuer}.", profile_id=issuer.get('id'), issuer=badge['issuer'])
    return passed(ISSUER, "The issuer profile of {issuer_name} is present and consistent.", issuer_name=text_of(issuer.get('name')))


def _allowed(assertion_id: str, issuer: dict[str, Any]) -> tuple[bool, str]:
    """The issuer's verification policy (OB 2.0 VerificationObject on the Profile)."""
    policy = issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str)]
    if starts:
        return any(assertion_id.startswith(s) for s in starts), "the issuer's startsWith policy"
    origins = [o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    host = urlsplit(assertion_id).netloc.lower()
    if origins:
        return host in origins, "the issuer's allowedOrigins"
    issuer_host = urlsplit(str(issuer.get("id") or "")).netloc.lower()
    return host == issuer_host, f"the issuer's own host {issuer_host}"


def _hosted(assertion: dict[str, Any], issuer: dict[str, Any] | None, ctx: Context) -> list[Check]:
    assertion_id = str(assertion.get("id") or "")
    if not assertion_id.startswith(("https://", "http://")):
        return [failed(HOSTED, "A hosted assertion must have an https address as its id.")]
    checks = []
    if issuer is not None:
        ok, rule = _allowed(assertion_id, issuer)
        if not ok:
            return [failed(HOSTED, "The assertion is hosted at {assertion_id}, outside {rule}.", assertion_id=assertion_id, rule=rule)]
    response, error, _disabled = ctx.remote.raw(assertion_id)
    if response is None:
        checks.append(unknown(HOSTED, "The hosted assertion could not be fetched from {assertion_id}: {error}", assertion_id=assertion_id, error=error))
        return checks
    if response.status == 410:
        checks.append(failed(REVOCATION, "The issuer has revoked this badge: {assertion_id} answers 410 Gone.", assertion_id=assertion_id))
        return checks
    if response.status != 200:
        checks.append(unknown(HOSTED, "The hosted assertion could not be fetched from {assertion_id} (HTTP {status}).", assertion_id=assertion_id, status=response.status))
        return checks
    try:
        hosted = response.json()
    except ValueError:
        return [failed(HOSTED, "The document at {assertion_id} is not JSON.", assertion_id=assertion_id)]
    if not isinstance(hosted, dict):
        return [failed(HOSTED, "The document at {assertion_id} is not an assertion.", assertion_id=assertion_id)]
    if hosted.get("revoked") is True:
        return [failed(REVOCATION, "The issuer has revoked this badge: {value}.", value=text_of(hosted.get('revocationReason')) or 'no reason given')]
    fields = ("id", "recipient", "badge", "issuedOn")
    differing = [f for f in fields if hosted.get(f) != assertion.get(f)]
    if differing:
        return [failed(HOSTED, "The issuer's hosted copy differs from the uploaded file in: {items}.", items=', '.join(differing))]
    return [passed(HOSTED, "The issuer hosts the same assertion at {assertion_id}.", assertion_id=assertion_id)]


def _revocation_list(assertion: dict[str, Any], issuer: dict[str, Any] | None, ctx: Context) -> Check | None:
    if issuer is None or not issuer.get("revocationList"):
        return None
    url = issuer["revocationList"]
    document, error, _disabled = ctx.remote.json(url) if isinstance(url, str) else (url, None, False)
    if not isinstance(document, dict):
        return unknown(REVOCATION, "The issuer's revocation list could not be read: {value}", value=error or 'not an object')
    assertion_id = assertion.get("id")
    uid = assertion.get("uid")
    for entry in as_list(document.get("revokedAssertions")):
        entry_id = entry if isinstance(entry, str) else (entry.get("id") or entry.get("uid")) if isinstance(entry, dict) else None
        if entry_id and entry_id in (assertion_id, uid):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return failed(REVOCATION, "The issuer has revoked this badge{value}.", value=': ' + text_of(reason) if reason else '')
    return passed(REVOCATION, "The badge is not on the issuer's revocation list.")


def _signed(assertion: dict[str, Any], issuer: dict[str, Any] | None, token: jwslib.Jws | None, ctx: Context) -> list[Check]:
    if token is None:
        return [failed(SIGNATURE, "The assertion says it is signed, but it was not uploaded as a signed badge (JWS).")]
    verification = assertion.get("verification") or assertion.get("verify") or {}
    creator = verification.get("creator") if isinstance(verification, dict) else None
    candidates: list[str] = []
    if isinstance(creator, str):
        candidates.append(creator)
    elif issuer is not None:
        candidates += [k if isinstance(k, str) else k.get("id", "") for k in as_list(issuer.get("publicKey")) if k]
    if not candidates:
        return [failed(SIGNATURE, "The signed assertion names no key (verification.creator) and the issuer publishes none.")]
    key_url = candidates[0]
    document, error, _disabled = ctx.remote.json(key_url)
    if document is None:
        return [unknown(SIGNATURE, "The signing key at {key_url} could not be fetched: {error}", key_url=key_url, error=error)]
    try:
        key = jwslib.key_from_pem(str(document.get("publicKeyPem") or ""))
        valid = jwslib.verify_signature(token, key)
    except jwslib.JwsError as exc:
        return [failed(SIGNATURE, "{str}", str=str(exc))]
    if not valid:
        return [failed(SIGNATURE, "The signature does not verify with the issuer's key {key_url}: the badge was altered or signed by someone else.", key_url=key_url)]
    checks = [passed(SIGNATURE, "The {alg} signature verifies with the key {key_url}.", alg=token.alg, key_url=key_url)]
    owner = document.get("owner")
    issuer_id = issuer.get("id") if issuer else None
    listed = issuer is not None and key_url in [k if isinstance(k, str) else k.get("id") for k in as_list(issuer.get("publicKey"))]
    if issuer_id and owner == issuer_id and (listed or not issuer.get("publicKey")):
        checks.append(passed(KEY_OWNERSHIP, "The key belongs to the issuer {issuer_id}.", issuer_id=issuer_id))
    elif issuer_id and owner == issuer_id:
        checks.append(failed(KEY_OWNERSHIP, "The key names the issuer as owner, but the issuer profile does not list it."))
    elif issuer_id:
        checks.append(failed(KEY_OWNERSHIP, "The key belongs to {value}, not to the issuer {issuer_id}.", value=owner or 'no one', issuer_id=issuer_id))
    else:
        checks.append(unknown(KEY_OWNERSHIP, "The issuer profile could not be read, so the key's owner cannot be confirmed."))
    return checks


def inspect(assertion: dict[str, Any], ctx: Context, *, fmt: str = "ob2", token: jwslib.Jws | None = None) -> tuple[Claim, list[Check]]:
    if not looks_like_assertion(assertion):
        raise FormatError("This JSON file is not an Open Badges 2.0 assertion.")
    checks: list[Check] = [_structure(assertion), check_jsonld(assertion)]
    badge = _resolve(assertion.get("badge"), ctx, "badge class", checks)
    issuer = _resolve(badge.get("issuer"), ctx, "issuer", checks) if badge else None
    claim = _claim(assertion, badge, issuer, fmt)
    issuer_check = _issuer_check(issuer, badge)
    if issuer_check:
        checks.append(issuer_check)
    verification = assertion.get("verification") or assertion.get("verify") or {}
    kind = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if kind in {"hosted", "hostedbadge"}:
        checks += _hosted(assertion, issuer, ctx)
    elif kind in {"signed", "signedbadge"}:
        checks += _signed(assertion, issuer, token, ctx)
    else:
        checks.append(failed(SIGNATURE, "The assertion has no verification method (hosted or signed)."))
    revocation = _revocation_list(assertion, issuer, ctx)
    if revocation and not any(c.name == REVOCATION for c in checks):
        checks.append(revocation)
    checks += extension_checks([assertion, badge, issuer], ctx.remote)
    checks += check_dates(issued=claim.issued_on, valid_from=None, valid_until=claim.valid_until, now=ctx.now)
    checks.append(check_recipient(claim.recipient, ctx.confirmed_emails))
    return claim, checks


def inspect_jws(text: str, ctx: Context) -> tuple[Claim, list[Check], Any]:
    try:
        token = jwslib.parse_compact(text)
        payload = token.payload_json()
    except jwslib.JwsError as exc:
        raise FormatError.passing_on(exc) from exc
    if not isinstance(payload, dict) or not looks_like_assertion(payload):
        raise FormatError("The signed badge does not contain an Open Badges 2.0 assertion.")
    try:
        jwslib.check_algorithm(token)
    except jwslib.JwsError as exc:
        claim, checks = inspect(payload, ctx, fmt="ob2-signed", token=None)
        checks = [c for c in checks if c.name != SIGNATURE] + [failed(SIGNATURE, "{str}", str=str(exc))]
        return claim, checks, payload
    claim, checks = inspect(payload, ctx, fmt="ob2-signed", token=token)
    return claim, checks, payload
