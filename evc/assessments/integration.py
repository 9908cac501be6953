"""The few facts this app reads from the portfolios app, in one place.

Assessments sits above portfolios (ARCHITECTURE §2): we read their models, never change them.
Until the portfolios app ships its models these helpers degrade to "no credentials".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet


def credential_model() -> Any | None:
    try:
        return apps.get_model("portfolios", "Credential")
    except LookupError:
        return None


def credentials_owned_by(user: Any) -> QuerySet | None:
    """The applicant's own credentials (for linking to a case), or None without a portfolios model."""
    model = credential_model()
    if model is None:
        return None
    return model.objects.filter(portfolio__owner=user).order_by("-created_at")


@dataclass(frozen=True)
class CredentialView:
    """What the review screen shows about one credential."""

    pk: int
    title: str
    issuer: str
    verified: bool | None
    text: str
    evidence_urls: tuple[str, ...]
    achievement_key: str
    disclaimed: tuple[str, ...] = ()  # what the credential says it does not cover (not used as evidence)
    suggested: int | None = None  # outcomes of the case's units the engine suggested from it; None until matched


def credential_view(credential: Any) -> CredentialView:
    from evc.matching.api import achievement_key, disclaimed_clauses
    from evc.portfolios.claims import Claim

    claim = Claim.from_dict(getattr(credential, "claim", None) or {})
    urls: list[str] = []
    for url in [*claim.evidence_urls, *(e.url for e in credential.evidence.all())]:
        # Badge JSON is uploaded by the applicant: only web links become links (no javascript: or data:).
        if url and url.lower().startswith(("https://", "http://")) and url not in urls:
            urls.append(url)
    text = claim.matching_text()
    return CredentialView(
        pk=credential.pk,
        title=claim.title or str(credential),
        issuer=claim.issuer.name,
        verified=getattr(credential, "verified", None),
        text=text,
        evidence_urls=tuple(urls),
        achievement_key=achievement_key(claim),
        disclaimed=tuple(disclaimed_clauses(text)),
    )
