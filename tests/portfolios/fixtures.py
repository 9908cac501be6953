"""Credentials made by the tests themselves, with keys generated per run (no secrets in the repo)."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from evc.portfolios.verification import data_integrity as di
from evc.portfolios.verification.jws import b64url_encode

ISSUER = "https://badges.example.edu/issuer.json"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    as_b64 = lambda n: b64url_encode(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
    return {"kty": "RSA", "e": as_b64(numbers.e), "n": as_b64(numbers.n)}


def sign_jws(payload: dict[str, Any], key: rsa.RSAPrivateKey | None, header: dict[str, Any] | None = None) -> str:
    head = {"alg": "RS256", **(header or {})}
    signing_input = f"{b64url_encode(json.dumps(head).encode())}.{b64url_encode(json.dumps(payload).encode())}"
    if key is None:
        return signing_input + "."
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url_encode(signature)}"


def ob2_documents(*, email: str = "marianne@example.org", salt: str = "zout", expires: str | None = None,
                  revoked_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    import hashlib

    assertion_id = "https://badges.example.edu/assertions/1"
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {"type": "email", "hashed": True, "salt": salt, "identity": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()},
        "badge": "https://badges.example.edu/badge.json",
        "issuedOn": "2024-03-01T10:00:00Z",
        "verification": {"type": "signed", "creator": "https://badges.example.edu/key.json"},
    }
    if expires:
        assertion["expires"] = expires
    badge = {
        "@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": "https://badges.example.edu/badge.json",
        "name": "History of the 17th century", "description": "Dutch Golden Age history.", "criteria": {"narrative": "Pass the **exam**."},
        "issuer": ISSUER,
        "extensions:ECTSExtension": {"@context": "https://openbadgespec.org/extensions/ECTSExtension/context.json", "type": ["Extension", "extensions:ECTSExtension"], "ECTS": 2.5},
        "extensions:EQFExtension": {"@context": "https://openbadgespec.org/extensions/EQFExtension/context.json", "type": ["Extension", "extensions:EQFExtension"], "EQF": 6},
    }
    issuer = {
        "@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": ISSUER, "name": "Universiteit Voorbeeld",
        "url": "https://badges.example.edu", "publicKey": "https://badges.example.edu/key.json",
        "revocationList": "https://badges.example.edu/revocations.json",
    }
    revocations = {"@context": "https://w3id.org/openbadges/v2", "type": "RevocationList", "id": "https://badges.example.edu/revocations.json",
                   "revokedAssertions": [{"id": i, "revocationReason": "Issued in error"} for i in revoked_ids]}
    return {"assertion": assertion, "badge": badge, "issuer": issuer, "revocations": revocations}


def serve_documents(documents: dict[str, Any]):
    """A fetcher transport serving JSON documents by URL (a stand-in for the issuer's web server)."""
    from evc.lib import fetcher

    def serve(url: str) -> fetcher.Response:
        if url not in documents:
            return fetcher.Response(url, 404, "text/plain", b"not found")
        return fetcher.Response(url, 200, "application/json", json.dumps(documents[url]).encode())

    return serve


def ob3_credential(*, issuer_id: str = "https://badges.example.hk/issuer", valid_until: str | None = None, email: str = "marianne@example.org") -> dict[str, Any]:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6b1bd5c2-2c2e-4a7c-9d07-0d1c0e8a1111",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Hong Kong University of Business",
                   "address": {"type": ["Address"], "addressCountry": "Hong Kong"}},
        "validFrom": "2024-05-01T00:00:00Z",
        "name": "English for Doing Business in Asia",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": False, "identityHash": email}],
            "achievement": {
                "id": "https://badges.example.hk/achievements/english-business-asia", "type": ["Achievement"],
                "name": "English for Doing Business in Asia", "description": "Business English for negotiations and meetings in Asian markets.",
                "criteria": {"narrative": "Complete six modules and a recorded negotiation."},
                "creditsAvailable": 56,
                "alignment": [{"type": ["Alignment"], "targetName": "EQF level 5", "targetUrl": "https://europa.eu/europass/en/description-eight-eqf-levels", "targetFramework": "EQF", "targetCode": "5"}],
            },
        },
    }
    if valid_until:
        credential["validUntil"] = valid_until
    return credential


def sign_di(credential: dict[str, Any], key: ed25519.Ed25519PrivateKey, *, method: str | None = None) -> dict[str, Any]:
    multikey = di.multikey_from_ed25519(key.public_key())
    method = method or f"{credential['issuer']['id']}#{multikey}"
    return di.sign(credential, {"created": "2024-05-01T00:00:00Z", "verificationMethod": method}, key)


def issuer_profile(issuer_id: str, key: ed25519.Ed25519PrivateKey) -> dict[str, Any]:
    multikey = di.multikey_from_ed25519(key.public_key())
    return {"@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": issuer_id, "type": ["Profile"], "name": "Hong Kong University of Business",
            "verificationMethod": [{"id": f"{issuer_id}#{multikey}", "type": "Multikey", "controller": issuer_id, "publicKeyMultibase": multikey}]}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 1, height: int = 1, extra: bytes = b"") -> bytes:
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(min(height, 1))))
    return b"\x89PNG\r\n\x1a\n" + header + extra + png_chunk(b"IDAT", raw) + png_chunk(b"IEND", b"")


def baked_png(keyword: str, text: str) -> bytes:
    itxt = keyword.encode() + b"\x00\x00\x00\x00\x00" + text.encode()
    return png(extra=png_chunk(b"iTXt", itxt))


def baked_svg(version: int, *, text: str = "", verify: str = "") -> bytes:
    ns, tag = ("http://openbadges.org", "assertion") if version == 2 else ("https://purl.imsglobal.org/ob/v3p0", "credential")
    attr = f' verify="{verify}"' if verify else ""
    body = f"<![CDATA[{text}]]>" if text else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{ns}" viewBox="0 0 10 10">'
            f"<openbadges:{tag}{attr}>{body}</openbadges:{tag}><circle r='4'/></svg>").encode()
