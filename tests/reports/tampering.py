"""Ways to tamper with a signed decision PDF, for the verification tests and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

from django.test import override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from evc.reports.signing import decision_pdf_sign, dev_signing_material_create


def change_one_byte(pdf: bytes) -> bytes:
    """Flip one byte inside the first content stream (covered by the signature, still parseable)."""
    start = pdf.index(b"stream\n") + len(b"stream\n") + 20
    return pdf[:start] + bytes([pdf[start] ^ 0x01]) + pdf[start + 1 :]


def append_content(pdf: bytes) -> bytes:
    """An incremental update that paints extra text on page 1 (the classic 'shadow' attack)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 400 Td (VRIJSTELLING VERLEEND) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_with_other_key(pdf: bytes, directory: Path) -> bytes:
    """Sign with a key from another (self-made) CA, as a forger would, copying our names."""
    p12 = directory / "forger" / "signer.p12"
    dev_signing_material_create(p12_path=p12, passphrase=None, institution="Fontys Hogescholen")
    if b"/Sig" not in pdf:
        with override_settings(EVC_SIGNING_P12=str(p12), EVC_SIGNING_PASSPHRASE=""):
            return decision_pdf_sign(pdf)
    # Countersigning an already signed letter needs a second field.
    signer = signers.SimpleSigner.load_pkcs12(str(p12))
    meta = signers.PdfSignatureMetadata(field_name="Tweede", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer).getvalue()
