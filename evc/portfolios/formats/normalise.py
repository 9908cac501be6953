"""Normalising rules shared by the Open Badges adapters: alignments, levels, edubadges extensions."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from evc.portfolios.claims import Alignment, Claim
from evc.portfolios.verification.common import as_list, text_of

_LEVEL = re.compile(r"(?<!\d)([1-8])(?!\d)")


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


def level_from(value: Any) -> int | None:
    match = _LEVEL.search(str(value or ""))
    return int(match.group(1)) if match else None


def read_alignments(items: Any, claim: Claim, source: str) -> None:
    for item in as_list(items):
        if not isinstance(item, dict):
            continue
        alignment = Alignment(
            target_name=text_of(item.get("targetName")),
            target_url=str(item.get("targetUrl") or item.get("url") or ""),
            target_code=str(item.get("targetCode") or ""),
            target_framework=text_of(item.get("targetFramework")),
            target_description=text_of(item.get("targetDescription")),
        )
        claim.alignments.append(alignment)
        framework = alignment.target_framework.upper()
        level = level_from(alignment.target_code) or level_from(alignment.target_name)
        if level is None:
            continue
        if ("EQF" in framework or "EUROPEAN QUALIFICATION" in framework) and claim.eqf_level is None:
            claim.eqf_level = level
            claim.sources["eqf_level"] = f"{source}.targetFramework={alignment.target_framework}"
        elif ("NLQF" in framework or "NLQF" in alignment.target_url.upper()) and claim.nlqf_level is None:
            claim.nlqf_level = level
            claim.sources["nlqf_level"] = f"{source}.targetFramework={alignment.target_framework}"


def _extension_value(extension: dict[str, Any], *names: str) -> Any:
    for name in names:
        for key in (name, f"extensions:{name}"):
            if key in extension:
                return extension[key]
    return None


def read_edubadges_extensions(node: dict[str, Any], claim: Claim, source: str) -> None:
    """edubadges (SURF) OB 2.0 extensions on a BadgeClass or Assertion: EC, EQF/NLQF, study load, ..."""
    for key, extension in node.items():
        if not key.startswith("extensions:") or not isinstance(extension, dict):
            continue
        name = key.removeprefix("extensions:")
        where = f"{source}.{key}"
        if name == "ECTSExtension":
            ects = decimal_or_none(_extension_value(extension, "ECTS"))
            if ects is not None:
                claim.ects, claim.sources["ects"] = ects, where
        elif name == "EQFExtension":
            level = level_from(_extension_value(extension, "EQF"))
            if level is not None:
                claim.eqf_level, claim.sources["eqf_level"] = level, where
        elif name == "NLQFExtension":
            level = level_from(_extension_value(extension, "NLQF"))
            if level is not None:
                claim.nlqf_level, claim.sources["nlqf_level"] = level, where
        elif name in {"StudyLoadExtension", "TimeInvestmentExtension"}:
            hours = decimal_or_none(_extension_value(extension, "StudyLoad", "TimeInvestment"))
            if hours is not None and claim.hours is None:
                claim.hours, claim.sources["hours"] = hours, where
        elif name == "LanguageExtension":
            language = str(_extension_value(extension, "Language") or "")
            if language:
                claim.language, claim.sources["language"] = language.split("_")[0].split("-")[0].lower(), where
        elif name == "LearningOutcomeExtension":
            outcome = text_of(_extension_value(extension, "LearningOutcome"))
            if outcome:
                claim.learning_outcomes.append(outcome)
                claim.sources["learning_outcomes"] = where
        elif name == "AssessmentExtension":
            kind = text_of(_extension_value(extension, "AssessmentType"))
            extras = [
                label
                for label, field in (("supervised", "AssessmentSupervised"), ("identity checked", "AssessmentIdVerified"))
                if _extension_value(extension, field) is True
            ]
            if kind:
                claim.assessment_type = kind + (f" ({', '.join(extras)})" if extras else "")
                claim.sources["assessment_type"] = where
        elif name == "IdentityExtension":
            value = _extension_value(extension, "IdentityVerified")
            if isinstance(value, bool):
                claim.identity_verified, claim.sources["identity_verified"] = value, where
        elif name == "QualityAssuranceExtension":
            qa = text_of(_extension_value(extension, "QualityAssuranceName", "QualityAssuranceDescription"))
            if qa:
                claim.quality_assurance, claim.sources["quality_assurance"] = qa, where
        elif name == "ParticipationExtension":
            participation = text_of(_extension_value(extension, "Participation"))
            if participation:
                claim.participation, claim.sources["participation"] = participation, where


def set_text(claim: Claim, name: str, value: Any, source: str) -> None:
    text = text_of(value).strip()
    if text and not getattr(claim, name):
        setattr(claim, name, text)
        claim.sources[name] = source
