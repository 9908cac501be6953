"""Non-textual signals: framework alignment, level fit, workload fit, recency."""

from __future__ import annotations

import datetime as dt
import re

HOURS_PER_EC = 28  # Dutch convention: 1 EC = 28 hours of study load
ONE_LEVEL_BELOW = 0.5  # the level fit of a credential one EQF level below the unit


def normalise_ref(ref: str) -> str:
    """Make 'HTTPS://data.europa.eu/esco/skill/abc/' and 'http://data.europa.eu/esco/skill/abc' equal."""
    ref = ref.strip().strip("<>").rstrip("/")
    ref = re.sub(r"^https?://", "", ref, flags=re.I)
    return ref.casefold()


def split_refs(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """framework_refs arrive as a list or as one space/semicolon/comma/pipe separated string."""
    items = value if isinstance(value, list | tuple) else re.split(r"[\s;|,]+", value or "")
    return tuple(r for r in (normalise_ref(i) for i in items) if r)


def alignment_strength(document_frequency: int) -> float:
    """An alignment shared with one outcome is strong evidence; one shared by a whole unit is weak."""
    if document_frequency <= 0:
        return 0.0
    return min(1.0, 2.0 / (document_frequency + 1))


def level_fit(credential_level: int | None, unit_level: int) -> float | None:
    """1 at or above the unit's EQF level, 0.5 one below, 0 further below; None when unknown."""
    if credential_level is None:
        return None
    gap = unit_level - credential_level
    if gap <= 0:
        return 1.0
    return ONE_LEVEL_BELOW if gap == 1 else 0.0


def credential_ects(ects: float | None, hours: float | None) -> float | None:
    if ects is not None and ects > 0:
        return float(ects)
    if hours is not None and hours > 0:
        return float(hours) / HOURS_PER_EC
    return None


def workload_fit(credential_ec: float | None, unit_ec: float) -> float | None:
    """Credential workload as a share of the unit's, capped at 1; None when the credential states none."""
    if credential_ec is None or unit_ec <= 0:
        return None
    return min(1.0, credential_ec / unit_ec)


def recency_fit(issued_on: dt.date | None, today: dt.date, max_age_years: float | None) -> float | None:
    """1 while evidence is younger than the regulations' limit, 0 after; None when undated or unlimited."""
    if issued_on is None or not max_age_years:
        return None
    age_years = (today - issued_on).days / 365.25
    return 1.0 if age_years <= max_age_years else 0.0
