"""Key material for signing decision PDFs: the institution's PKCS#12 and the trust root.

Production installs point `EVC_SIGNING_P12` at the institution's certificate; development
uses `create_dev_signing_cert`, which makes a throw-away CA and a signing certificate. The
CA certificate lives next to the PKCS#12 (`ca.pem`) and is the trust root verification
checks signatures against, so a copy re-signed with any other key is never "ours".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime as dt
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from evc.lib import fetcher
from evc.reports.errors import SigningError
from evc.reports.rendering import SIGNATURE_BOX_KEY, SignatureBox

T = TypeVar("T")
TRUST_ROOT_NAME = "ca.pem"
SIGNATURE_FIELD = "Handtekening"
# Used when a PDF carries no box position (not rendered by us): bottom right of the last page.
FALLBACK_BOX = SignatureBox(-1, 330, 40, 545, 108)
STAMP_TEXT = {
    "nl": "Digitaal ondertekend door\n%(signer)s\nDatum: %(ts)s",
    "en": "Digitally signed by\n%(signer)s\nDate: %(ts)s",
}


def signing_p12_path() -> Path:
    return Path(settings.EVC_SIGNING_P12)


def trust_root_path() -> Path:
    """The CA certificate verification trusts; `EVC_SIGNING_TRUST_ROOT` overrides the default."""
    explicit = getattr(settings, "EVC_SIGNING_TRUST_ROOT", "")
    return Path(explicit) if explicit else signing_p12_path().with_name(TRUST_ROOT_NAME)


def _passphrase() -> bytes | None:
    value = settings.EVC_SIGNING_PASSPHRASE
    return value.encode() if value else None


@dataclass(frozen=True)
class DevSigningMaterial:
    p12_path: Path
    ca_path: Path
    signer_name: str


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def dev_signing_material_create(
    *,
    p12_path: Path,
    passphrase: bytes | None,
    institution: str,
    ca_path: Path | None = None,
    signer_name: str | None = None,
    valid_days: int = 3 * 365,
) -> DevSigningMaterial:
    """Create a local CA and a document-signing certificate issued by it.

    Writes the PKCS#12 (key, certificate, CA chain) to `p12_path` and the CA certificate
    (PEM) to `ca_path` (default: `ca.pem` next to it). The CA key is not kept: nothing
    else may ever be issued under this development root. Never use this in production.
    """
    ca_path = ca_path or p12_path.with_name(TRUST_ROOT_NAME)
    signer_name = signer_name or f"Examencommissie {institution}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=valid_days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{institution} EVC development CA", institution)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, institution))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # pyHanko (like Adobe) expects non-repudiation on a document-signing key.
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    p12 = pkcs12.serialize_key_and_certificates(
        name=signer_name.encode(), key=key, cert=cert, cas=[ca_cert], encryption_algorithm=encryption
    )
    p12_path.parent.mkdir(parents=True, exist_ok=True)
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    # Write the key file owner-only: it is a private key even in development.
    p12_path.touch(mode=0o600, exist_ok=True)
    p12_path.write_bytes(p12)
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _cached_signer.cache_clear()
    _cached_trust_roots.cache_clear()
    return DevSigningMaterial(p12_path=p12_path, ca_path=ca_path, signer_name=signer_name)


def run_outside_event_loop(fn: Callable[..., T], *args: Any) -> T:
    """Call `fn`, in a helper thread if this thread runs an event loop.

    pyHanko's synchronous API wraps `asyncio.run()`, which refuses to start inside a running
    loop (async callers, or Playwright's sync API in the browser tests).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        # In the caller's context, so that the fetcher's per-block settings apply in the helper thread too.
        return pool.submit(contextvars.copy_context().run, fn, *args).result()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return -1.0


@functools.lru_cache(maxsize=4)
def _cached_signer(path: str, mtime: float, passphrase: bytes | None) -> SimpleSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(
            _("Het ondertekeningscertificaat ontbreekt ({path}); maak het met create_dev_signing_cert.").format(
                path=path
            )
        ) from exc
    try:
        return SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
    except ValueError as exc:
        raise SigningError(
            _("Het ondertekeningscertificaat kan niet worden geopend (verkeerd wachtwoord?).")
        ) from exc


def signer_load() -> SimpleSigner:
    """The institution's signer; reloaded when the PKCS#12 file changes on disk."""
    path = signing_p12_path()
    return _cached_signer(str(path), _mtime(path), _passphrase())


@functools.lru_cache(maxsize=4)
def _cached_trust_roots(path: str, mtime: float) -> tuple[asn1_x509.Certificate, ...]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ()
    try:
        certs = (
            x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:  # a damaged file trusts nothing: every signature then reads as foreign
        return ()
    return tuple(asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs)


def trust_roots_load() -> tuple[asn1_x509.Certificate, ...]:
    """The certificates a decision signature must chain to; empty when none is configured."""
    path = trust_root_path()
    return _cached_trust_roots(str(path), _mtime(path))


def signer_display_name(cert: asn1_x509.Certificate) -> str:
    """The certificate's common name, else its full subject: what the letter and the page show."""
    subject = cert.subject.native
    return str(subject.get("common_name") or cert.subject.human_friendly)


class GuardedTimeStamper(timestamps.TimeStamper):
    """An RFC 3161 client that reaches the timestamp authority through the guarded fetcher.

    pyHanko's own HTTP clients would connect anywhere, private addresses included; ours refuses
    those like every other network request of the workbench. With `trust_roots` (EVC_TSA_CERT:
    the authority's certificate or the CA that issued it) every token must verify against them
    before it goes into a decision; only then is plain http allowed (many authorities offer
    nothing else), because the token itself is then proof of who issued it."""

    REPLY_TYPE = "application/timestamp-reply"
    MAX_REPLY_BYTES = 256 * 1024

    def __init__(self, url: str, *, trust_roots: tuple[asn1_x509.Certificate, ...] = (), timeout: float = 10) -> None:
        super().__init__()
        self.url = url
        self.trust_roots = trust_roots
        self.timeout = timeout

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await super().async_timestamp(message_digest, md_algorithm)
        if self.trust_roots:
            await self._check(token, message_digest)
        return token

    async def _check(self, token: cms.ContentInfo, message_digest: bytes) -> None:
        context = ValidationContext(trust_roots=list(self.trust_roots), allow_fetching=False)
        try:
            status = await validate_tst_signed_data(token["content"], context, lambda _algorithm: message_digest)
        except Exception as exc:  # pyHanko raises several types for a malformed token
            raise TimestampRequestError(f"the timestamp token could not be checked ({exc})") from exc
        if not (status.get("intact") and status.get("valid") and status.get("trust_problem_indic") is None):
            raise TimestampRequestError("the timestamp was not issued by the configured timestamp authority (EVC_TSA_CERT)")

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await asyncio.to_thread(self._request, req)

    def _request(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            response = fetcher.post(self.url, req.dump(), content_type="application/timestamp-query",
                                    accept=self.REPLY_TYPE, timeout=self.timeout, max_bytes=self.MAX_REPLY_BYTES,
                                    allow_http=bool(self.trust_roots))
        except fetcher.FetchError as exc:
            raise TimestampRequestError(f"the timestamp authority could not be reached: {exc}") from exc
        media_type = response.content_type.split(";", 1)[0].strip().lower()
        if response.status != 200 or media_type != self.REPLY_TYPE:
            raise TimestampRequestError(
                f"the timestamp authority answered with HTTP {response.status} ({media_type or 'no content type'}), "
                "not with a timestamp"
            )
        try:
            reply = tsp.TimeStampResp.load(response.body, strict=True)
            reply["status"].native  # parse now: asn1crypto parses lazily  # noqa: B018
            return reply
        except ValueError as exc:
            raise TimestampRequestError("the timestamp authority's answer is not a valid timestamp reply") from exc


def tsa_trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The certificates timestamp tokens must verify against (EVC_TSA_CERT); empty when none is configured."""
    path = Path(settings.EVC_TSA_CERT) if settings.EVC_TSA_CERT else None
    return _cached_trust_roots(str(path), _mtime(path)) if path else ()


def _timestamper() -> timestamps.TimeStamper | None:
    """A TSA client when `EVC_TSA_URL` is set: the signature becomes PAdES B-T instead of B-B."""
    url = settings.EVC_TSA_URL
    if not url:
        return None
    roots = tsa_trust_roots()
    if settings.EVC_TSA_CERT and not roots:
        raise SigningError(_("Het certificaat van de tijdstempeldienst (EVC_TSA_CERT) is onleesbaar."))
    return GuardedTimeStamper(url, trust_roots=roots)


def decision_pdf_sign(pdf_bytes: bytes, *, timestamper: timestamps.TimeStamper | None = None) -> bytes:
    """Sign a rendered decision PDF: PAdES B-B (B-T with a timestamp authority), visible field.

    The signature is added as one incremental update; the box position comes from the
    `EVCSignatureBox` info entry written at render time, so the visible signature lands on
    the empty box under "Namens de examencommissie".
    """
    signer = signer_load()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        info = writer.prev.trailer_view.get("/Info")
        box = None
        if info is not None:
            box = SignatureBox.parse(str(info.get_object().get("/" + SIGNATURE_BOX_KEY, "")))
        language = str(writer.root.get("/Lang", "nl"))[:2].lower()
    except (PdfError, ValueError) as exc:
        raise SigningError(_("Dit PDF-bestand kan niet worden ondertekend: het is onleesbaar.")) from exc
    box = box or FALLBACK_BOX
    page = box.page if box.page >= 0 else writer.root["/Pages"]["/Count"] + box.page
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Besluit examencommissie" if language != "en" else "Examination committee decision",
        location=settings.EVC_INSTITUTION_NAME,
    )
    style = TextStampStyle(stamp_text=STAMP_TEXT.get(language, STAMP_TEXT["nl"]), border_width=1)
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper or _timestamper(),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(
            SIGNATURE_FIELD, on_page=page, box=(box.x1, box.y1, box.x2, box.y2)
        ),
    )
    try:
        return run_outside_event_loop(pdf_signer.sign_pdf, writer).getvalue()
    except Exception as exc:  # pyHanko raises many types (signing, TSA network, PDF structure)
        raise SigningError(_("Ondertekenen is mislukt: {reason}").format(reason=exc)) from exc
