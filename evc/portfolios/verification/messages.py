"""Every sentence this app shows a person, marked for translation (English msgids; Dutch in locale/nl).

Checks are built with English templates (`failed(NAME, "The credential expired on {date}.", ...)`), and so
are the reasons a file is refused (`FormatError("The PNG image is damaged and cannot be read.")`). The
sentence stays English in code, logs and command output (contract 4.2); pages show `localize(template,
params)` in the reader's language. These lists let `makemessages` see the templates;
`tests/portfolios/test_i18n.py` fails when a template used in the code is missing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from django.utils.translation import gettext, gettext_noop

from evc.lib.sentences import SentenceError


def localize(template: str, params: Mapping[str, str] | None = None, *, fallback: str = "") -> str:
    """`template` in the active language with `params` filled in; `fallback` when that cannot be done.

    A parameter that is one of the EMBEDDED sentences is translated too. Other parameters (names,
    addresses, sentences from other apps) are shown as they are.
    """
    if not template:
        return fallback
    values = {key: _embedded(str(value)) for key, value in (params or {}).items()}
    try:
        return gettext(template).format(**values) if values else gettext(template)
    except (KeyError, IndexError, ValueError):
        return fallback or template


def _embedded(value: str) -> str:
    for sentence in EMBEDDED:
        if value == sentence:
            return gettext(sentence)
        if value == sentence.rstrip("."):  # put in brackets without its full stop
            return gettext(sentence).rstrip(".")
    parts = value.split("; ")
    if len(parts) > 1 and all(part in EMBEDDED for part in parts):  # a list of known items ("its ...; it ...")
        return "; ".join(gettext(part) for part in parts)
    return value


class TranslatableError(SentenceError):
    """An error whose message is a sentence for a person: English in `str()`, translated by `localized()`."""

    @classmethod
    def passing_on(cls, exc: SentenceError) -> Self:
        """Re-raise another error of this kind (a JWS or JSON error) as this one, keeping its template."""
        return cls(exc.template, **exc.params)

    def localized(self) -> str:
        return localize(self.template, self.params, fallback=str(self))


MESSAGES = [
    gettext_noop("The credential was issued to someone else: the recipient matches none of the applicant's confirmed email addresses."),
    gettext_noop("All {count} JSON-LD contexts are known and the document expands cleanly."),
    gettext_noop("The credential does not say to whom it was issued."),
    gettext_noop("The credential names its recipient as {value} ({value2}), which cannot be compared with an email address."),
    gettext_noop("The recipient is hashed with an algorithm other than sha256 or md5."),
    gettext_noop("No confirmed email address of the applicant was given to compare with."),
    gettext_noop("The applicant has no confirmed email address yet, so the recipient cannot be compared."),
    gettext_noop("The credential was issued to {email}, a confirmed address of the applicant."),
    gettext_noop("The credential was issued to a salted hash of {email}, a confirmed address of the applicant."),
    gettext_noop("The credential has no issue date."),
    gettext_noop("The credential has no expiry date."),
    gettext_noop("The credential is not valid yet: it is dated {date}, in the future."),
    gettext_noop("The credential was issued on {date}."),
    gettext_noop("The credential expires ({date}) before it was issued."),
    gettext_noop("The credential expired on {date}."),
    gettext_noop("The credential is valid until {date}."),
    gettext_noop("The credential matches the {label}."),
    gettext_noop("The {label} is not a JSON Schema."),
    gettext_noop("The credential does not match the {label}: {described}{more}."),
    gettext_noop("The {label} is itself not a valid JSON Schema."),
    gettext_noop("The {label} could not be applied ({error_type})."),
    gettext_noop("The schema {id} could not be fetched: {error}"),
    gettext_noop("The schema of {key} at {schema_url} could not be fetched: {error}"),
    gettext_noop("The extension {key} cannot be read: {exc}"),
    gettext_noop("The seal's {alg} signature over the credential verifies with its certificate ({value})."),
    gettext_noop("The seal certificate expired on {date}."),
    gettext_noop("The credential carries no seal here, so its issuer cannot be confirmed; it is imported as a claim only."),
    gettext_noop("The document is a European Digital Credential (ELM)."),
    gettext_noop("The Europass document has no credential type or title."),
    gettext_noop("The awarding body {organisation} is named."),
    gettext_noop("The credential names no awarding body."),
    gettext_noop("The seal's signature does not verify: the credential was altered after sealing."),
    gettext_noop("The seal has no usable certificate or signature algorithm."),
    gettext_noop("The seal certificate is not valid yet."),
    gettext_noop("Whether the seal certificate is a qualified seal on the EU trusted lists cannot be checked offline."),
    gettext_noop("The assertion has the fields Open Badges 2.0 requires."),
    gettext_noop("The issuer profile of {issuer_name} is present and consistent."),
    gettext_noop("The badge is not on the issuer's revocation list."),
    gettext_noop("This is not a valid Open Badges 2.0 assertion: {items}."),
    gettext_noop("The badge class could not be read, so the issuer is unknown."),
    gettext_noop("The issuer profile has type {value} instead of Issuer or Profile."),
    gettext_noop("The issuer profile lacks {items}."),
    gettext_noop("The issuer profile says it is {profile_id}, but the badge class names {issuer}."),
    gettext_noop("The issuer hosts the same assertion at {assertion_id}."),
    gettext_noop("The issuer's revocation list could not be read: {value}"),
    gettext_noop("The {alg} signature verifies with the key {key_url}."),
    gettext_noop("The {what} at {value} could not be fetched: {error}"),
    gettext_noop("The {what} at {value} is not a JSON object."),
    gettext_noop("A hosted assertion must have an https address as its id."),
    gettext_noop("The hosted assertion could not be fetched from {assertion_id}: {error}"),
    gettext_noop("The issuer has revoked this badge: {assertion_id} answers 410 Gone."),
    gettext_noop("The hosted assertion could not be fetched from {assertion_id} (HTTP {status})."),
    gettext_noop("The document at {assertion_id} is not an assertion."),
    gettext_noop("The issuer has revoked this badge: {value}."),
    gettext_noop("The issuer's hosted copy differs from the uploaded file in: {items}."),
    gettext_noop("The issuer has revoked this badge{value}."),
    gettext_noop("The assertion says it is signed, but it was not uploaded as a signed badge (JWS)."),
    gettext_noop("The signed assertion names no key (verification.creator) and the issuer publishes none."),
    gettext_noop("The signing key at {key_url} could not be fetched: {error}"),
    gettext_noop("The signature does not verify with the issuer's key {key_url}: the badge was altered or signed by someone else."),
    gettext_noop("The key belongs to the issuer {issuer_id}."),
    gettext_noop("The assertion is hosted at {assertion_id}, outside {rule}."),
    gettext_noop("The document at {assertion_id} is not JSON."),
    gettext_noop("The key names the issuer as owner, but the issuer profile does not list it."),
    gettext_noop("The assertion has no verification method (hosted or signed)."),
    gettext_noop("The key belongs to {value}, not to the issuer {issuer_id}."),
    gettext_noop("The issuer profile could not be read, so the key's owner cannot be confirmed."),
    gettext_noop("The credential has the fields Open Badges 3.0 requires."),
    gettext_noop("The issuer profile {issuer_id} does not list the key that signed the credential."),
    gettext_noop("The issuer profile of {issuer_name} ({id}) is present."),
    gettext_noop("This is not a valid Open Badges 3.0 credential: {items}."),
    gettext_noop("The proof uses a did:key that is not the issuer's identifier ({issuer_id}); whether the issuer controls it cannot be confirmed."),
    gettext_noop("The key {method} is not published under the issuer's identifier {issuer_id}."),
    gettext_noop("The signature verifies with a key named in the proof, but the issuer profile {issuer_id} could not be fetched to confirm the key is the issuer's ({reason})."),
    gettext_noop("The issuer profile fetched from {issuer_id} says it belongs to {value}."),
    gettext_noop("The issuer profile {issuer_id} lists the signing key."),
    gettext_noop("The credential names no issuer."),
    gettext_noop("The credential names the issuer only by its identifier {id}; the profile is not embedded."),
    gettext_noop("The issuer has type {items} instead of Profile."),
    gettext_noop("The key comes from the issuer profile {profile_url}."),
    gettext_noop("The issuer is the did:key {value}… itself, so the key is the issuer's."),
    gettext_noop("The credential is not signed (it has no proof), so nothing proves who issued it or that it is unaltered."),
    gettext_noop("The proof uses an unsupported cryptosuite ({names}), so the signature cannot be checked here."),
    gettext_noop("This learner record wraps {count} credential(s); their achievements are listed, but each is not verified on its own here."),
    gettext_noop("The token carries its own key (jwk header); the issuer profile {issuer_id} could not be fetched to confirm it is the issuer's ({reason})."),
    gettext_noop("The issuer is the did:key that signed the token."),
    gettext_noop("The token is signed with a did:key that is not the issuer's identifier."),
    gettext_noop("The token names no key (no jwk or kid) and the issuer profile is not a web address, so the signature cannot be checked."),
    gettext_noop("The token names no key in its header, and the issuer profile {profile_url} could not be fetched: {error}"),
    gettext_noop("The issuer profile {profile_url} publishes no key."),
    gettext_noop("The {proof_suite}{note} signature verifies with the key {value}…."),
    gettext_noop("The issuer profile {issuer_id} does not list the key in the token header."),
    gettext_noop("The {proof_suite} signature does not verify: the credential was altered after signing or signed with another key."),
    gettext_noop("{extra} other proof(s) were not checked or not supported."),
    gettext_noop("The issuer has revoked this credential{value}"),
    gettext_noop("The credential is not on the issuer's revocation list."),
    gettext_noop("The status method {value} is not supported, so revocation cannot be checked."),
    gettext_noop("The signing key could not be found."),
    gettext_noop("The {alg} signature verifies with the key from {source}."),
    gettext_noop("The {alg} signature does not verify: the token was altered or signed with another key."),
    gettext_noop("The signed document cannot be canonicalised: {exc}"),
    gettext_noop("The credential's status index lies outside the issuer's status list."),
    gettext_noop("The issuer has {verb} this credential (status list entry {index} is set)."),
    gettext_noop("The issuer's status list does not mark this credential as revoked ({purpose})."),
    gettext_noop("The status list could not be read: {value}"),
    gettext_noop("A PDF certificate cannot be verified automatically; an assessor has to judge it."),
    gettext_noop("The certificate names a {organisation} verification address; open {url} to confirm it (not fetched automatically)."),
    gettext_noop("Entered by the applicant; nothing about it has been verified."),
]


# Why an upload is refused (FormatError, JwsError, safejson's JsonShapeError, CredentialRejected).
REJECTIONS = [
    gettext_noop("The file is larger than the limit of {mb} MB."),
    gettext_noop("The file is empty."),
    gettext_noop("This file type is not supported: upload a badge (JSON, JWS, PNG or SVG), a Europass credential or a PDF certificate."),
    gettext_noop("The file's content ({media_type}) does not match its name {name}."),
    gettext_noop("The file is not UTF-8 text."),
    gettext_noop("The file could not be read."),
    gettext_noop("This file is already in the portfolio."),
    gettext_noop("The JSON document is larger than {kb} KB."),
    gettext_noop("The JSON document is nested more than {depth} levels deep."),
    gettext_noop("The JSON document is nested too deeply."),
    gettext_noop("The file is not valid JSON (line {line}, column {column})."),
    gettext_noop("The file is not valid JSON: it contains {value}, which is not a number in JSON."),
    gettext_noop("The file is not valid JSON: the number {value} is too large."),
    gettext_noop("The file is not valid JSON: a number in it is too long."),
    gettext_noop("The file is JSON, but not a credential (it is not a JSON object)."),
    gettext_noop("This is an issuer's status (revocation) list, not a credential awarded to someone."),
    gettext_noop("The issuer has revoked this badge: {reason}."),
    gettext_noop("The issuer has revoked this badge."),
    gettext_noop("This is an incomplete, Open Badges 1.0 style badge: it only points to {url} and carries no assertion."),
    gettext_noop("This is an incomplete, Open Badges 1.0 style badge: it points nowhere and carries no assertion."),
    gettext_noop("This JSON file is a badge description (BadgeClass), not a badge awarded to someone."),
    gettext_noop("This JSON file is an achievement description, not a credential awarded to someone."),
    gettext_noop("This JSON file is an issuer profile, not a badge."),
    gettext_noop("This JSON file is a revocation list, not a badge."),
    gettext_noop("This JSON file is a public key, not a badge."),
    gettext_noop("This JSON file is an endorsement, not a badge awarded to someone."),
    gettext_noop("This JSON file is not a credential this workbench recognises (Open Badges 2.0/3.0 or Europass)."),
    gettext_noop("This JSON file is not an Open Badges 2.0 assertion."),
    gettext_noop("This JSON file is not an Open Badges 3.0 credential."),
    gettext_noop("The credential is wrapped too many times."),
    gettext_noop("The signed token does not contain an Open Badges assertion or credential."),
    gettext_noop("The signed badge does not contain an Open Badges 2.0 assertion."),
    gettext_noop("The token does not contain a credential."),
    gettext_noop("The token does not contain an Open Badges 3.0 credential."),
    gettext_noop("The token contains invalid base64url data."),
    gettext_noop("The text is not a compact JWS (three base64url parts separated by dots)."),
    gettext_noop("The JWS header is not valid JSON."),
    gettext_noop("The JWS header is not a JSON object."),
    gettext_noop("The signed payload is not valid JSON."),
    gettext_noop("The token is not signed (alg \"none\"), so it proves nothing; it is refused."),
    gettext_noop("The token uses a shared-secret algorithm ({alg}) that a verifier cannot check; it is refused."),
    gettext_noop("The signature algorithm {alg} is not supported."),
    gettext_noop("The token marks header extensions as critical that this verifier does not understand."),
    gettext_noop("The published public key is not a readable PEM key."),
    gettext_noop("The published public key is of an unsupported type."),
    gettext_noop("The JSON Web Key is incomplete or invalid."),
    gettext_noop("The JSON Web Key type {kty} is not supported."),
    gettext_noop("The key type does not fit the signature algorithm {alg}."),
    gettext_noop("The Europass seal envelope is incomplete."),
    gettext_noop("The Europass seal header is unreadable."),
    gettext_noop("The sealed Europass credential is not valid JSON."),
    gettext_noop("The sealed Europass document is not a credential."),
    gettext_noop("This is a legacy Europass XML credential (ELM v2), which the workbench cannot read; ask the issuer for the JSON-LD (ELM v3) version, or add it as a PDF or manual entry."),
    gettext_noop("This XML file is not a credential the workbench recognises."),
    gettext_noop("The SVG file declares XML entities or external references, which are refused for safety."),
    gettext_noop("The SVG file is not well-formed XML (line {line}, column {column})."),
    gettext_noop("This XML file is not an SVG image."),
    gettext_noop("This SVG image is not a baked badge: it holds no Open Badges data."),
    gettext_noop("The PNG image is damaged and cannot be read."),
    gettext_noop("The image is far too large in pixels to be a badge; it is refused as a possible decompression bomb."),
    gettext_noop("The badge data in the image is damaged."),
    gettext_noop("The badge data in the image inflates to more than 2 MB; it is refused."),
    gettext_noop("The badge data in the image is empty."),
    gettext_noop("The image only points to its badge at {url}, and that could not be fetched: {error}"),
    gettext_noop("This PNG image is not a baked badge: it holds no Open Badges data."),
    gettext_noop("The PDF is password-protected and cannot be read."),
    gettext_noop("The PDF file is damaged and cannot be read."),
    gettext_noop("The PDF file cannot be read."),
]

# The descriptions among Claim.sources (the others are paths in the credential, shown as they are).
SOURCES = [
    gettext_noop("manual entry by the applicant"),
    gettext_noop("PDF text"),
    gettext_noop("PDF text (longest of the first lines; check it)"),
    gettext_noop("PDF verification address"),
    gettext_noop("ClrCredential: achievements of the credentials it contains"),
    gettext_noop("credentialSubject.creditsEarned (credit hours)"),
    gettext_noop("credentialSubject.achievement.creditsAvailable (credit hours)"),
]

# Sentences that checks embed as a parameter ({error}, {reason}) and that pages translate too (the first
# is the fetcher's). Any other embedded sentence, such as a fetch error naming an address, stays English.
EMBEDDED = [
    gettext_noop("Fetching remote documents is switched off on this installation."),
    gettext_noop("the issuer identifier is not a web address"),
    # The items of "This is not a valid Open Badges 3.0 credential: {items}." (formats/ob3.py `_structure`).
    gettext_noop("its first @context is not the W3C Verifiable Credentials context"),
    gettext_noop("its type does not include VerifiableCredential"),
    gettext_noop("it has no credentialSubject"),
    gettext_noop("its credentialSubject is not an AchievementSubject"),
    gettext_noop("its credentialSubject has no achievement"),
    gettext_noop("it names no issuer"),
    gettext_noop("it has no validFrom (or issuanceDate) date"),
]
