"""Demo credentials for the demo applicants (called by `seed_demo`, after accounts and catalogue).

Everything is generated here: keys are made on the spot and thrown away, so the signed badge's
signature verifies but its issuer profile (a fictional host) cannot confirm the key; the demo shows
"could not be decided" for it, as a real offline installation would.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from typing import Any

from evc.lib import fetcher


def _png_with_badge(text: str) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xc8\x96\x1e"))
    itxt = chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + text.encode())
    return b"\x89PNG\r\n\x1a\n" + header + itxt + pixels + chunk(b"IEND", b"")


def marianne_badge(email: str) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from evc.portfolios.verification import data_integrity as di

    issuer_id = "https://badges.hkub.example.hk/issuers/business-english"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:0f6c2d4e-6d0b-4c1e-9a55-5b8f1f0c2a01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Hong Kong University of Business (demo)",
                   "address": {"type": ["Address"], "addressCountry": "Hong Kong"}},
        "validFrom": "2025-06-30T00:00:00Z",
        "name": "English for Doing Business in Asia",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True, "salt": "demo-salt",
                            "identityHash": "sha256$" + hashlib.sha256((email + "demo-salt").encode()).hexdigest()}],
            "achievement": {
                "id": "https://badges.hkub.example.hk/achievements/english-doing-business-asia",
                "type": ["Achievement"], "achievementType": "Course",
                "name": "English for Doing Business in Asia",
                "description": "An edX MOOC on professional English in Asian business contexts: presentations, negotiations, "
                               "meetings, business writing and intercultural communication.",
                "criteria": {"narrative": "Passed all graded assignments of the **six modules** with at least 70%, including a recorded negotiation."},
                "creditsAvailable": 60,
                "inLanguage": "en",
                "alignment": [{"type": ["Alignment"], "targetName": "EQF level 5", "targetFramework": "EQF", "targetCode": "5",
                               "targetUrl": "https://europa.eu/europass/en/description-eight-eqf-levels"}],
            },
        },
    }
    key = ed25519.Ed25519PrivateKey.generate()
    method = f"{issuer_id}#{di.multikey_from_ed25519(key.public_key())}"
    signed = di.sign(credential, {"created": "2025-06-30T00:00:00Z", "verificationMethod": method}, key)
    return json.dumps(signed, indent=2).encode()


def leah_badge(email: str) -> bytes:
    ext = "https://api.edubadges.nl/static/extensions"
    issuer = {"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": "https://api.edubadges.example.nl/public/issuers/hist",
              "name": "Faculteit Geesteswetenschappen (demo)", "url": "https://www.example.nl", "email": "badges@example.nl"}
    badge = {
        "@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": "https://api.edubadges.example.nl/public/badges/17e-eeuw",
        "name": "History of the 17th century", "issuer": issuer,
        "description": "Gold badge: the Dutch Republic in the seventeenth century — trade, the VOC, art and religion.",
        "criteria": {"narrative": "Completed the course and a video blog on a visit to a maritime museum."},
        "extensions:ECTSExtension": {"@context": f"{ext}/ECTSExtension/context.json", "type": ["Extension", "extensions:ECTSExtension"], "ECTS": 5},
        "extensions:EQFExtension": {"@context": f"{ext}/EQFExtension/context.json", "type": ["Extension", "extensions:EQFExtension"], "EQF": 6},
        "extensions:StudyLoadExtension": {"@context": f"{ext}/StudyLoadExtension/context.json", "type": ["Extension", "extensions:StudyLoadExtension"], "StudyLoad": 140},
        "extensions:LanguageExtension": {"@context": f"{ext}/LanguageExtension/context.json", "type": ["Extension", "extensions:LanguageExtension"], "Language": "en_EN"},
    }
    assertion = {
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
        "id": "https://api.edubadges.example.nl/public/assertions/leah-17e-eeuw",
        "recipient": {"type": "email", "hashed": True, "salt": "edu", "identity": "sha256$" + hashlib.sha256((email + "edu").encode()).hexdigest()},
        "badge": badge, "issuedOn": "2025-01-24T12:00:00Z", "verification": {"type": "hosted"},
        "evidence": [{"id": "https://video.example.org/leah/maritiem-museum", "narrative": "Video blog of a visit to the maritime museum."}],
    }
    return _png_with_badge(json.dumps(assertion))


def certificate_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the given lines of text (Helvetica), made with pypdf."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    body = "BT /F1 14 Tf 60 760 Td " + " 0 -24 Td ".join(f"({escape(line)}) Tj" for line in lines) + " ET"
    stream = StreamObject()
    stream.set_data(body.encode("latin-1", "replace"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed(world: dict[str, Any]) -> None:
    from evc.portfolios.models import Credential
    from evc.portfolios.services import (
        CredentialRejected,
        credential_add_manual,
        credential_import,
        evidence_add,
    )

    users = world.get("users", {})
    created: dict[str, Any] = world.setdefault("credentials", {})
    # The demo issuers are fictional hosts: never reach for the network while seeding.
    with fetcher.remote_fetching(False):
        marianne = users.get("applicant")
        if marianne is not None and not Credential.objects.filter(portfolio__owner=marianne).exists():
            try:
                created["marianne_badge"], _ = credential_import(applicant=marianne, data=marianne_badge(marianne.email), filename="english-business-asia.json")
            except CredentialRejected:
                pass
            cambridge = credential_add_manual(
                applicant=marianne, title="Cambridge C1 Advanced", provider="Cambridge University Press & Assessment",
                description="C1 Advanced (CAE), grade A: reading, writing, listening and speaking at CEFR level C1.",
            )
            created["marianne_cambridge"] = cambridge
            evidence_add(
                applicant=marianne, credential=cambridge, title="Certificate C1 Advanced (PDF)", filename="c1-advanced.pdf",
                data=certificate_pdf([
                    "Cambridge English Qualifications (demo certificate)",
                    "C1 Advanced - Grade A",
                    "Awarded to Marianne de Vries",
                    "Council of Europe level C1: reading, writing, listening and speaking",
                    "Date of award: 14 March 2024",
                ]),
            )
        leah = users.get("applicant_leah")
        if leah is not None and not Credential.objects.filter(portfolio__owner=leah).exists():
            try:
                credential, _ = credential_import(applicant=leah, data=leah_badge(leah.email), filename="history-17th-century.png")
            except CredentialRejected:
                return
            created["leah_badge"] = credential
            evidence_add(applicant=leah, credential=credential, title="Video blog: maritime museum", url="https://video.example.org/leah/maritiem-museum")
