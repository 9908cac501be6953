"""Portfolio business rules: import, add, remove. Atomic; nothing is stored when a file is rejected."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from evc.portfolios.claims import Claim, Issuer
from evc.portfolios.intake import Inspection, inspect_credential, sniff
from evc.portfolios.models import Credential, Evidence, Format, Portfolio, VerificationCheck
from evc.portfolios.verification.messages import TranslatableError

log = logging.getLogger("evc.portfolios")


class PortfolioError(Exception):
    """A rule was broken; the message is a sentence a person understands (translated in the UI)."""


class CredentialRejected(PortfolioError, TranslatableError):
    """An uploaded file is refused. `str()` is the English sentence (command output, contract 4.2);
    pages show `localized()`, the same sentence in the reader's language."""

    def __init__(self, template: str, inspection: Inspection | None = None, **params: Any) -> None:
        super().__init__(template, **params)
        self.inspection = inspection


def portfolio_for(applicant: Any) -> Portfolio:
    portfolio, _created = Portfolio.objects.get_or_create(owner=applicant)
    return portfolio


def _jsonable(payload: Any) -> Any:
    import json

    try:
        # allow_nan=False: a database JSON column refuses NaN and Infinity (safejson never lets them in).
        return json.loads(json.dumps(payload, default=str, allow_nan=False))
    except (TypeError, ValueError):
        return None


def _store_checks(credential: Credential, checks: list[Any]) -> None:
    VerificationCheck.objects.bulk_create(
        VerificationCheck(credential=credential, name=c.name, status=c.status, detail=c.detail, template=c.template, params=c.params, position=i)
        for i, c in enumerate(checks)
    )


@transaction.atomic
def credential_import(*, applicant: Any, data: bytes, filename: str, now: dt.datetime | None = None) -> tuple[Credential, Inspection]:
    """Parse, verify and store one uploaded credential file; raise `CredentialRejected` when it is refused."""
    inspection = inspect_credential(data, filename, confirmed_emails=applicant.confirmed_emails(), now=now)
    if inspection.error is not None or inspection.claim is None or inspection.format is None:
        if inspection.error is None:
            raise CredentialRejected("The file could not be read.", inspection)
        raise CredentialRejected(inspection.error_template or inspection.error, inspection, **inspection.error_params)
    portfolio = portfolio_for(applicant)
    if portfolio.credentials.filter(sha256=inspection.sha256).exists():
        raise CredentialRejected("This file is already in the portfolio.", inspection)
    claim = inspection.claim
    credential = Credential(
        portfolio=portfolio,
        sha256=inspection.sha256,
        original_filename=filename.replace("\\", "/").rsplit("/", 1)[-1][:255],
        media_type=inspection.media_type,
        format=inspection.format,
        title=(claim.title or filename)[:500],
        claim=claim.to_dict(),
        payload=_jsonable(inspection.payload),
        verified=inspection.verified,
    )
    # The file is written only after every check passed; if the row cannot be saved it is removed again.
    credential.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            credential.save()
            _store_checks(credential, inspection.checks)
    except IntegrityError as exc:
        credential.file.delete(save=False)
        # The same file uploaded twice at once trips the unique (portfolio, sha256) constraint: the other
        # upload's row is there now. Any other integrity error is a fault to report, not a duplicate.
        if portfolio.credentials.filter(sha256=inspection.sha256).exists():
            raise CredentialRejected("This file is already in the portfolio.", inspection) from exc
        raise
    except BaseException:
        credential.file.delete(save=False)
        raise
    log.info("credential imported", extra={"credential": credential.pk, "applicant": applicant.pk, "format": credential.format, "verified": credential.verified})
    return credential, inspection


@transaction.atomic
def credential_add_manual(
    *,
    applicant: Any,
    title: str,
    provider: str,
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    hours: Decimal | None = None,
    ects: Decimal | None = None,
    description: str = "",
    url: str = "",
) -> Credential:
    """Other learning, entered by hand: kept as a claim, never verified."""
    if not title.strip():
        raise PortfolioError(_("Geef een titel op."))
    claim = Claim(format="manual", title=title.strip(), description=description.strip())
    claim.issuer = Issuer(name=provider.strip())
    if issued_on:
        claim.issued_on = dt.datetime.combine(issued_on, dt.time(), tzinfo=dt.UTC)
    if valid_until:
        claim.valid_until = dt.datetime.combine(valid_until, dt.time(), tzinfo=dt.UTC)
    claim.hours, claim.ects = hours, ects
    if url:
        claim.evidence_urls.append(url)
    for name in ("title", "description", "issuer", "issued_on", "valid_until", "hours", "ects"):
        claim.sources[name] = "manual entry by the applicant"
    credential = Credential.objects.create(
        portfolio=portfolio_for(applicant), format=Format.MANUAL, title=claim.title[:500], claim=claim.to_dict(), verified=None
    )
    note = "Entered by the applicant; nothing about it has been verified."
    VerificationCheck.objects.create(credential=credential, name="manual_entry", status="unknown", detail=note, template=note)
    if url:
        Evidence.objects.create(portfolio=credential.portfolio, credential=credential, kind=Evidence.Kind.LINK, title=title[:300], url=url)
    return credential


# Apps above this one may forbid a removal (e.g. the credential is evidence in a submitted case)
# without this app importing them: a guard raises PortfolioError with the reason.
RemovalGuard = Callable[[Credential], None]
_removal_guards: list[RemovalGuard] = []


def register_removal_guard(guard: RemovalGuard) -> None:
    if guard not in _removal_guards:
        _removal_guards.append(guard)


@transaction.atomic
def credential_remove(*, applicant: Any, credential: Credential) -> None:
    if credential.portfolio.owner_id != applicant.pk:
        raise PortfolioError(_("Je kunt alleen je eigen credentials verwijderen."))
    for guard in _removal_guards:
        guard(credential)
    files = [credential.file] + [e.file for e in credential.evidence.all()]
    credential.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files if f])
    log.info("credential removed", extra={"credential": credential.pk, "applicant": applicant.pk})


EVIDENCE_KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


@transaction.atomic
def evidence_add(
    *,
    applicant: Any,
    title: str,
    credential: Credential | None = None,
    data: bytes | None = None,
    filename: str = "",
    url: str = "",
) -> Evidence:
    """A file (PDF or image) or a link supporting a credential or the whole portfolio."""
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    portfolio = portfolio_for(applicant)
    if credential is not None and credential.portfolio_id != portfolio.pk:
        raise PortfolioError(_("Dit credential hoort niet bij jouw portfolio."))
    if not title.strip():
        raise PortfolioError(_("Geef een titel op."))
    if (data is None) == (not url):
        raise PortfolioError(_("Voeg een bestand of een link toe (één van beide)."))
    evidence = Evidence(portfolio=portfolio, credential=credential, title=title.strip()[:300])
    if url:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError as exc:
            raise PortfolioError(_("Dit is geen geldig webadres (https://…).")) from exc
        evidence.kind, evidence.url = Evidence.Kind.LINK, url
    else:
        assert data is not None
        if len(data) > settings.EVC_MAX_UPLOAD_BYTES:
            raise PortfolioError(_("Het bestand is groter dan de toegestane omvang."))
        kind = sniff(data)
        if data.startswith(b"\xff\xd8\xff"):
            kind = "jpeg"
        if kind not in EVIDENCE_KINDS:
            raise PortfolioError(_("Als bewijsstuk kun je een PDF of een afbeelding (PNG, JPEG) uploaden."))
        extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
        if extension and extension not in {"pdf": {"pdf"}, "png": {"png"}, "jpeg": {"jpg", "jpeg"}}[kind]:
            raise PortfolioError(_("De inhoud van het bestand past niet bij de extensie van de bestandsnaam."))
        if kind == "pdf":
            from evc.portfolios.formats.base import FormatError
            from evc.portfolios.formats.pdf import extract_text

            try:
                evidence.extracted_text = extract_text(data)
            except FormatError as exc:
                raise PortfolioError(exc.localized()) from exc
        evidence.kind = Evidence.Kind.FILE
        evidence.original_filename = filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
        evidence.sha256 = hashlib.sha256(data).hexdigest()
        evidence.file.save("evidence", ContentFile(data), save=False)
    evidence.save()
    return evidence
