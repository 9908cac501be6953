"""PDF certificates (Coursera, edX, vendor exams): evidence, not proof.

The text is extracted for assessors and matching. A PDF cannot be verified by itself; when it
carries a verification address of a known issuer, that address is reported as a link to check.
"""

from __future__ import annotations

import io
import re
from typing import Any

from evc.portfolios.claims import Claim, Issuer
from evc.portfolios.formats.base import Context, FormatError
from evc.portfolios.verification.checks import VERIFICATION_URL, Check, unknown

MAX_PAGES = 20
MAX_TEXT = 100_000
KNOWN_ISSUERS = (
    ("Coursera", re.compile(r"https?://(?:www\.)?coursera\.org/(?:account/accomplishments/)?(?:verify|certificate|professional-cert)/[A-Za-z0-9/_-]+")),
    ("edX", re.compile(r"https?://(?:courses|credentials)\.edx\.org/(?:certificates|credentials)/[A-Za-z0-9/_-]+")),
    ("Credly", re.compile(r"https?://(?:www\.)?credly\.com/(?:badges|go)/[A-Za-z0-9/_-]+")),
    ("Microsoft", re.compile(r"https?://learn\.microsoft\.com/[A-Za-z/-]*(?:transcript|credentials)/[A-Za-z0-9/_?=-]+")),
    ("LinkedIn Learning", re.compile(r"https?://(?:www\.)?linkedin\.com/learning/certificates/[A-Za-z0-9]+")),
    ("Udemy", re.compile(r"https?://(?:www\.)?(?:udemy\.com/certificate|ude\.my)/[A-Za-z0-9/_-]+")),
)


def extract_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError("The PDF is password-protected and cannot be read.")
        parts = []
        for page in reader.pages[:MAX_PAGES]:
            parts.append(page.extract_text() or "")
            if sum(len(p) for p in parts) > MAX_TEXT:
                break
    except FormatError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise FormatError("The PDF file is damaged and cannot be read.") from exc
    except Exception as exc:  # pypdf raises assorted errors on hostile files
        raise FormatError("The PDF file cannot be read.") from exc
    return "\n".join(parts)[:MAX_TEXT]


def inspect(data: bytes, ctx: Context) -> tuple[str, Claim, list[Check], Any]:
    text = extract_text(data)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    claim = Claim(format="pdf", evidence_text=text)
    claim.sources["evidence_text"] = "PDF text"
    if lines:
        claim.title = max(lines[:8], key=len)[:200]
        claim.sources["title"] = "PDF text (longest of the first lines; check it)"
    checks: list[Check] = []
    for name, pattern in KNOWN_ISSUERS:
        match = pattern.search(text.replace("\n", ""))
        if match:
            url = match.group(0)
            claim.issuer = Issuer(name=name, url=url)
            claim.evidence_urls.append(url)
            claim.sources["issuer"] = "PDF verification address"
            checks.append(unknown(VERIFICATION_URL, "The certificate names a {organisation} verification address; open {url} to confirm it (not fetched automatically).", organisation=name, url=url))
            break
    else:
        checks.append(unknown(VERIFICATION_URL, "A PDF certificate cannot be verified automatically; an assessor has to judge it."))
    return "pdf", claim, checks, {"text": text}
