"""W3C Data Integrity proofs: eddsa-rdfc-2022 (and its legacy name eddsa-2022) and Ed25519Signature2020.

Canonicalisation is RDFC-1.0 (URDNA2015) through PyLD with the repo's context cache only.
Keys are Ed25519 Multikeys (`z6Mk...`, multibase base58btc with the 0xed01 multicodec prefix).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from evc.lib import jsonld

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB = b"\xed\x01"
EDDSA_SUITES = {"eddsa-rdfc-2022", "eddsa-2022"}


class ProofError(ValueError):
    """The proof cannot be checked. The message is a sentence a person understands."""


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = B58_ALPHABET.find(char)
        if index < 0:
            raise ProofError("The value is not valid base58.")
        number = number * 58 + index
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + raw


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = B58_ALPHABET[rem] + out
    pad = len(data) - len(data.lstrip(b"\x00"))
    return "1" * pad + out


def multibase_decode(value: str) -> bytes:
    if not value.startswith("z"):
        raise ProofError("Only base58btc multibase values (starting with 'z') are supported.")
    return b58decode(value[1:])


def ed25519_from_multikey(value: str) -> ed25519.Ed25519PublicKey:
    data = multibase_decode(value)
    if not data.startswith(ED25519_PUB) or len(data) != 34:
        raise ProofError(f"{value[:16]}… is not an Ed25519 public key (Multikey).")
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def multikey_from_ed25519(key: ed25519.Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB + raw)


@dataclass
class ProofResult:
    valid: bool
    suite: str
    verification_method: str


def proof_suite(proof: dict[str, Any]) -> str:
    kind = str(proof.get("type", ""))
    if kind == "DataIntegrityProof":
        return str(proof.get("cryptosuite", ""))
    return kind


def is_supported(proof: dict[str, Any]) -> bool:
    return proof_suite(proof) in EDDSA_SUITES | {"Ed25519Signature2020"}


def hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """sha256(canonical proof options) || sha256(canonical document), as eddsa-rdfc-2022 §3.2.5 says."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = copy.deepcopy(unsecured.get("@context"))
    canonical_options = jsonld.canonize(options)
    canonical_document = jsonld.canonize(unsecured)
    return hashlib.sha256(canonical_options.encode()).digest() + hashlib.sha256(canonical_document.encode()).digest()


def verify_proof(document: dict[str, Any], proof: dict[str, Any], key: ed25519.Ed25519PublicKey) -> bool:
    """True when the proof's signature verifies; raises ProofError / jsonld errors when it cannot be checked."""
    if not is_supported(proof):
        raise ProofError(f"The proof type {proof_suite(proof) or '(missing)'} is not supported by this verifier.")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ProofError("The proof has no proofValue.")
    signature = multibase_decode(value)
    if len(signature) != 64:
        return False
    data = hash_data(document, proof)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def sign(document: dict[str, Any], proof_options: dict[str, Any], private_key: ed25519.Ed25519PrivateKey) -> dict[str, Any]:
    """Add an eddsa-rdfc-2022 proof (used by tests and the demo seed to make real signed fixtures)."""
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", **proof_options}
    signature = private_key.sign(hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}
