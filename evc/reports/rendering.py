"""Render decision letters and EVC reports from a decision snapshot with WeasyPrint.

The snapshot is the frozen data the assessments app stores at decision time (see the schema
in `validate_snapshot`); rendering never reads the live database, so a letter rendered today
and one rendered next year from the same snapshot say the same thing.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import qrcode
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from evc.reports.errors import RenderError

LETTER = "letter"
REPORT = "report"
LANGUAGES = ("nl", "en")
SIGNATURE_ANCHOR = "signature-field"
SIGNATURE_BOX_KEY = "EVCSignatureBox"
# Info-dictionary entries verification reads to say which decision a file claims to be.
DECISION_ID_KEY = "EVCDecisionId"
DOCUMENT_KIND_KEY = "EVCDocumentKind"
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "custom_metadata": True}

_PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in


@dataclass(frozen=True)
class SignatureBox:
    """Where the visible signature goes: page index and a PDF-coordinate rectangle (points)."""

    page: int
    x1: int
    y1: int
    x2: int
    y2: int

    def serialise(self) -> str:
        return f"{self.page} {self.x1} {self.y1} {self.x2} {self.y2}"

    @classmethod
    def parse(cls, value: str) -> SignatureBox | None:
        try:
            page, x1, y1, x2, y2 = (int(p) for p in str(value).split())
        except ValueError:
            return None
        return cls(page, x1, y1, x2, y2)


def verify_url(public_id: str) -> str:
    """The absolute address of the public verification page printed on every document."""
    path = reverse("reports:verify", kwargs={"public_id": public_id})
    return settings.EVC_SITE_URL.rstrip("/") + path  # reverse() has already escaped it


@functools.lru_cache(maxsize=256)
def _qr_data_uri(url: str) -> str:
    # A 1-pixel-per-module PNG scaled up with `image-rendering: pixelated`: sharp when printed,
    # and far cheaper for WeasyPrint to draw than an SVG path of hundreds of squares.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _css_string(value: str) -> str:
    """Escape text for a CSS string in a <style> element (where HTML escaping does not apply)."""
    return mark_safe("".join(c if c.isalnum() or c in " .,:/-_·" else f"\\{ord(c):x} " for c in value))  # noqa: S308


_local = threading.local()


def _font_config() -> Any:
    # Reusing the font configuration saves ~20% of a render (fontconfig set-up per document);
    # one per thread, since WeasyPrint does not promise it is thread-safe.
    if not hasattr(_local, "font_config"):
        from weasyprint.text.fonts import FontConfiguration

        _local.font_config = FontConfiguration()
    return _local.font_config


def _no_network_fetcher() -> Any:
    # Documents are self-contained: only inline data: URIs (the QR code), never the network.
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RenderError(gettext_lazy("Ongeldige datum in het besluit: {field}.").format(field=field)) from exc


def _ects(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise RenderError(gettext_lazy("Ongeldig aantal EC in het besluit.")) from exc


_REQUIRED = ("decision_id", "institution", "committee", "applicant", "programme", "units", "decided_on")


def validate_snapshot(snapshot: dict[str, Any]) -> None:
    """Refuse a snapshot that lacks an element the letter must carry by law or by our rules."""
    missing = [key for key in _REQUIRED if not snapshot.get(key)]
    if not missing:
        if not snapshot["applicant"].get("name"):
            missing.append("applicant.name")
        for key in ("code", "name", "academic_year"):
            if not snapshot["programme"].get(key):
                missing.append(f"programme.{key}")
        for unit in snapshot["units"]:
            if unit.get("decision") not in ("granted", "refused"):
                missing.append(f"units[{unit.get('code', '?')}].decision")
            if not unit.get("grounds"):
                missing.append(f"units[{unit.get('code', '?')}].grounds")
    if missing:
        raise RenderError(
            gettext_lazy("Het besluit mist verplichte gegevens: {fields}.").format(fields=", ".join(missing))
        )


def committee_display(committee: str, *, english: bool) -> str:
    """'HBO-ICT' and 'Examencommissie HBO-ICT' both become the committee's full name."""
    name = committee.strip()
    for prefix in ("examencommissie ", "examination committee "):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
            break
    return f"{'Examination Committee' if english else 'Examencommissie'} {name}"


def _context(snapshot: dict[str, Any], kind: str) -> dict[str, Any]:
    language = snapshot.get("language") if snapshot.get("language") in LANGUAGES else "nl"
    english = language == "en"
    decided_on = _date(snapshot["decided_on"], "decided_on")
    appeal_deadline = _date(snapshot.get("appeal_deadline"), "appeal_deadline")
    if appeal_deadline is None and decided_on is not None:
        appeal_deadline = decided_on + dt.timedelta(weeks=settings.EVC_APPEAL_TERM_WEEKS)
    programme = snapshot["programme"]
    programme_name = (english and programme.get("name_en")) or programme["name"]

    units = []
    granted_total = Decimal(0)
    accepted_count = 0
    for raw in snapshot["units"]:
        ects = _ects(raw.get("ects", "0"))
        granted = raw["decision"] == "granted"
        if granted:
            granted_total += ects
        outcomes = list(raw.get("outcomes") or [])
        accepted = [o for o in outcomes if o.get("accepted")]
        accepted_count += len(accepted)
        units.append(
            {
                **raw,
                "display_name": (english and raw.get("name_en")) or raw.get("name", ""),
                "ects_display": floatformat(ects, -1),
                "granted": granted,
                "valid_until": _date(raw.get("valid_until"), "valid_until"),
                "outcomes": outcomes,
                "accepted_outcomes": accepted,
                # The committee may decide otherwise than the assessors' judgement per outcome (a
                # committee's own weighing, or after an appeal); the letter then says so, not contradicts.
                "departs_from_assessment": bool(outcomes) and granted != (len(accepted) == len(outcomes)),
            }
        )

    url = verify_url(snapshot["decision_id"])
    members = [m for m in snapshot.get("decided_by") or [] if m]
    if kind == LETTER:
        title = _("Besluit {id} op verzoek om vrijstelling (EVC)").format(id=snapshot["decision_id"])
        description = _("Besluit van de {committee} over vrijstellingen voor {programme}").format(
            committee=committee_display(snapshot["committee"], english=english), programme=programme_name
        )
    else:
        title = _("Ervaringscertificaat bij besluit {id}").format(id=snapshot["decision_id"])
        description = _("Overzicht van aangetoonde competenties voor {programme}").format(programme=programme_name)
    return {
        "s": snapshot,
        "language": language,
        "title": title,
        "description": description,
        "programme_name": programme_name,
        "committee": committee_display(snapshot["committee"], english=english),
        "decided_on": decided_on,
        "appeal_deadline": appeal_deadline,
        "units": units,
        "validated_units": [u for u in units if u["accepted_outcomes"]],
        "accepted_count": accepted_count,
        "granted_ects": floatformat(granted_total, -1),
        "granted_ects_value": granted_total,
        "members_text": get_text_list(members, pgettext("opsomming: a, b en c", "en")) if members else committee_display(
            snapshot["committee"], english=english
        ),
        "verify_url": url,
        "qr_data_uri": _qr_data_uri(url),
        "footer_left": _css_string(f"{snapshot['institution']} · {_('Kenmerk')} {snapshot['decision_id']} · {url}"),
        "page_label": _css_string(_("Pagina")),
        "of_label": _css_string(_("van")),
    }


def _signature_box(document: Any) -> SignatureBox | None:
    for index, page in enumerate(document.pages):
        if SIGNATURE_ANCHOR in page.anchors:
            # Anchors are CSS px from the top-left; PDF user space is points from the bottom-left.
            x1, y1, x2, y2 = page.anchors[SIGNATURE_ANCHOR]
            return SignatureBox(
                index,
                round(x1 * _PX_TO_PT),
                round((page.height - y2) * _PX_TO_PT),
                round(x2 * _PX_TO_PT),
                round((page.height - y1) * _PX_TO_PT),
            )
    return None


def _render(snapshot: dict[str, Any], kind: str) -> bytes:
    validate_snapshot(snapshot)
    language = snapshot.get("language") if snapshot.get("language") in LANGUAGES else "nl"
    template = "reports/pdf/decision_letter.html" if kind == LETTER else "reports/pdf/evc_report.html"
    with translation.override(language):
        html = render_to_string(template, _context(snapshot, kind))
    # Imported here: WeasyPrint takes seconds to import, and every process loads this module via the URLs.
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_no_network_fetcher()).render(
        font_config=_font_config(), **PDF_OPTIONS
    )
    document.metadata.custom[DECISION_ID_KEY] = str(snapshot["decision_id"])
    document.metadata.custom[DOCUMENT_KIND_KEY] = kind
    box = _signature_box(document)
    if box is not None:
        # Tell the signer where the empty box ended up after layout (see signing.decision_pdf_sign).
        document.metadata.custom[SIGNATURE_BOX_KEY] = box.serialise()
    out = io.BytesIO()
    document.write_pdf(out, **PDF_OPTIONS)
    return out.getvalue()


def decision_pdf_render(snapshot: dict[str, Any]) -> bytes:
    """The decision letter (unsigned PDF bytes) in the snapshot's language."""
    return _render(snapshot, LETTER)


def evc_report_pdf_render(snapshot: dict[str, Any]) -> bytes:
    """The EVC report (ervaringscertificaat): validated competences per outcome, same snapshot."""
    return _render(snapshot, REPORT)


def document_pdf_render(snapshot: dict[str, Any], *, kind: str) -> bytes:
    if kind not in (LETTER, REPORT):
        raise ValueError(f"unknown document kind {kind!r}")
    return _render(snapshot, kind)
