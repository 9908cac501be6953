"""Compact JWS (RFC 7515) parsing and signature verification with `cryptography`.

Only asymmetric algorithms are accepted: `alg: none` and HMAC (HS*) are refused outright,
because a verifier that honours them lets anyone forge a badge.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from evc.portfolios.verification.messages import TranslatableError

COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
SUPPORTED = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class JwsError(TranslatableError):
    """The token is not a usable JWS. The message is a sentence a person understands (a template, translatable)."""


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise JwsError("The token contains invalid base64url data.") from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Jws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    def payload_json(self) -> Any:
        from evc.lib.safejson import JsonShapeError, loads

        try:
            return loads(self.payload)
        except JsonShapeError as exc:
            raise JwsError("The signed payload is not valid JSON.") from exc


def looks_like_compact(text: str) -> bool:
    return bool(COMPACT.match(text.strip()))


def parse_compact(token: str) -> Jws:
    token = token.strip()
    if not looks_like_compact(token):
        raise JwsError("The text is not a compact JWS (three base64url parts separated by dots).")
    head, body, sig = token.split(".")
    try:
        header = json.loads(b64url_decode(head))
    except ValueError as exc:
        raise JwsError("The JWS header is not valid JSON.") from exc
    if not isinstance(header, dict):
        raise JwsError("The JWS header is not a JSON object.")
    return Jws(header, b64url_decode(body), f"{head}.{body}".encode(), b64url_decode(sig))


def check_algorithm(jws: Jws) -> None:
    alg = jws.alg
    if alg.lower() == "none":
        raise JwsError("The token is not signed (alg \"none\"), so it proves nothing; it is refused.")
    if alg.upper().startswith("HS"):
        raise JwsError("The token uses a shared-secret algorithm ({alg}) that a verifier cannot check; it is refused.", alg=alg)
    if alg not in SUPPORTED:
        raise JwsError("The signature algorithm {alg} is not supported.", alg=alg or "(missing)")
    if jws.header.get("crit"):
        raise JwsError("The token marks header extensions as critical that this verifier does not understand.")


def key_from_pem(pem: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise JwsError("The published public key is not a readable PEM key.") from exc
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise JwsError("The published public key is of an unsupported type.")
    return key


def _int(value: str) -> int:
    return int.from_bytes(b64url_decode(value), "big")


def key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    try:
        kty = jwk.get("kty")
        if kty == "RSA":
            return rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        if kty == "EC":
            curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[jwk["crv"]]
            return ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), curve).public_key()
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise JwsError("The JSON Web Key is incomplete or invalid.") from exc
    raise JwsError("The JSON Web Key type {kty} is not supported.", kty=repr(kty))


def verify_signature(jws: Jws, key: PublicKey) -> bool:
    """True when the signature verifies with `key`; raises `JwsError` for refused algorithms."""
    check_algorithm(jws)
    alg = jws.alg
    try:
        if alg.startswith("RS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), _HASHES[alg[2:]]())
        elif alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            hash_ = _HASHES[alg[2:]]()
            key.verify(jws.signature, jws.signing_input, padding.PSS(padding.MGF1(hash_), hash_.digest_size), hash_)
        elif alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(jws.signature) // 2
            der = encode_dss_signature(int.from_bytes(jws.signature[:half], "big"), int.from_bytes(jws.signature[half:], "big"))
            key.verify(der, jws.signing_input, ec.ECDSA(_HASHES[alg[2:]]()))
        elif alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(jws.signature, jws.signing_input)
        else:
            raise JwsError("The key type does not fit the signature algorithm {alg}.", alg=alg)
    except InvalidSignature:
        return False
    return True


def same_key(a: PublicKey, b: PublicKey) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(serialization.Encoding.DER, fmt) == b.public_bytes(serialization.Encoding.DER, fmt)
