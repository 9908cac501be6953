"""Explanations in Dutch and English: the sentence pair, the shared terms, each signal's contribution."""

from __future__ import annotations

from collections.abc import Sequence

from .fusion import FEATURE_LABELS
from .results import Precedent
from .signals import ONE_LEVEL_BELOW

_T = {
    "en": {
        "strong": "Strong match",
        "possible": "Possible match",
        "evidence": 'best evidence: "{sentence}"',
        "outcome": 'outcome: "{outcome}"',
        "terms": "shared terms: {terms}",
        "no_terms": "no shared terms (meaning only)",
        "related": "words of like meaning: {pairs}",
        "estimated": "estimated across languages",
        "beside": "Shown beside a suggested match",
        "not_counted": "below the possible-match threshold: not counted towards the unit",
        "aligned": "framework alignment: {refs}",
        "signals": "signals: {items}",
        "unverified": "the credential failed verification: confidence lowered",
        "too_old": "the evidence is older than the regulations allow: confidence lowered",
        "precedent": "earlier judgement on this badge for this unit: {items}",
        "unit": "{matched} of {total} outcomes found in the evidence (coverage {coverage})",
        "unit_weighted": "{matched} of {total} outcomes found in the evidence (weighted coverage {coverage}: "
                         "possible matches count in part)",
        "exemption": "exemption suggested",
        "weak_one": "only a possible match for {codes}: check it first",
        "weak_many": "only possible matches for {codes}: check them first",
        "from_text": {
            ("level",): "level read from the credential's text: check it",
            ("workload",): "study load read from the credential's text: check it",
            ("level", "workload"): "level and study load read from the credential's text: check them",
        },
        "partial": "partial: not enough for an exemption",
        "none": "no exemption",
        "blockers": {
            "coverage": "not all outcomes are evidenced",
            "thin": "an outcome is not evidenced strongly enough for an exemption",
            "borrowed": "an outcome's closest sentence matches another outcome of this unit better",
            "level": "the credential's level is below the unit's",
            # One level below is blocked only where the year's regulations ask the unit's own level.
            "level_one_below": "the credential's level is one below the unit's, and this year's regulations "
                               "ask for the unit's own level",
            "workload": "the credential's workload is smaller than the unit's",
            "unknown_size": "the credential states neither level nor workload",
            "unverified": "the credential failed verification",
            "precedent": "the committee refused this badge for this unit before",
            "too_old": "the evidence is too old",
            "disclaimed": "the credential appears to say that a topic of this unit is outside its scope",
        },
    },
    "nl": {
        "strong": "Sterke match",
        "possible": "Mogelijke match",
        "evidence": 'sterkste bewijs: "{sentence}"',
        "outcome": 'leeruitkomst: "{outcome}"',
        "terms": "gedeelde termen: {terms}",
        "no_terms": "geen gedeelde termen (alleen betekenis)",
        "related": "woorden met dezelfde betekenis: {pairs}",
        "estimated": "geschat over talen heen",
        "beside": "Getoond naast een voorgestelde match",
        "not_counted": "onder de drempel voor een mogelijke match: telt niet mee voor de eenheid",
        "aligned": "kaderkoppeling: {refs}",
        "signals": "signalen: {items}",
        "unverified": "het bewijsstuk is niet geverifieerd: lagere zekerheid",
        "too_old": "het bewijs is ouder dan de OER toestaat: lagere zekerheid",
        "precedent": "eerder oordeel over deze badge voor deze eenheid: {items}",
        "unit": "{matched} van {total} leeruitkomsten gevonden in het bewijs (dekking {coverage})",
        "unit_weighted": "{matched} van {total} leeruitkomsten gevonden in het bewijs (gewogen dekking {coverage}: "
                         "mogelijke overeenkomsten tellen deels mee)",
        "exemption": "vrijstelling voorgesteld",
        "weak_one": "alleen een mogelijke match voor {codes}: controleer die eerst",
        "weak_many": "alleen mogelijke matches voor {codes}: controleer die eerst",
        "from_text": {
            ("level",): "niveau gelezen uit de tekst van het bewijsstuk: controleer het",
            ("workload",): "studielast gelezen uit de tekst van het bewijsstuk: controleer die",
            ("level", "workload"): "niveau en studielast gelezen uit de tekst van het bewijsstuk: controleer ze",
        },
        "partial": "gedeeltelijk: onvoldoende voor vrijstelling",
        "none": "geen vrijstelling",
        "blockers": {
            "coverage": "niet alle leeruitkomsten zijn aangetoond",
            "thin": "een leeruitkomst is niet sterk genoeg aangetoond voor een vrijstelling",
            "borrowed": "de best passende zin bij een leeruitkomst past beter bij een andere leeruitkomst van deze eenheid",
            "level": "het niveau van het bewijsstuk ligt onder dat van de eenheid",
            "level_one_below": "het niveau van het bewijsstuk ligt één niveau onder dat van de eenheid, en de "
                               "regeling van dit studiejaar vraagt het niveau van de eenheid",
            "workload": "de studielast van het bewijsstuk is kleiner dan die van de eenheid",
            "unknown_size": "het bewijsstuk noemt geen niveau of studielast",
            "unverified": "het bewijsstuk is niet geverifieerd",
            "precedent": "de commissie wees deze badge eerder af voor deze eenheid",
            "too_old": "het bewijs is te oud",
            "disclaimed": "het bewijsstuk lijkt te zeggen dat een onderwerp van deze eenheid erbuiten valt",
        },
    },
}


def _num(value: float, lang: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "nl" else text


def _signed(value: float, lang: str) -> str:
    return ("+" if value >= 0 else "−") + _num(abs(value), lang)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _precedent_items(precedents: Sequence[Precedent]) -> str:
    items = []
    for p in precedents[:3]:
        bits = [p.decision]
        if p.decided_on:
            bits.append(p.decided_on.isoformat())
        if p.case_reference:
            bits.append(p.case_reference)
        items.append(" ".join(bits))
    return "; ".join(items)


def outcome_explanation(
    lang: str,
    *,
    outcome_text: str,
    sentence: str,
    shared_terms: Sequence[str],
    signals: dict[str, float],
    related_terms: Sequence[tuple[str, str]] = (),
    estimated: dict[str, float] | None = None,
    contributions: dict[str, float],
    strength: str,
    aligned_refs: Sequence[str],
    verified: bool | None,
    recency: float | None,
    precedents: Sequence[Precedent],
) -> str:
    t = _T[lang if lang in _T else "en"]
    labels = FEATURE_LABELS[lang if lang in FEATURE_LABELS else "en"]
    parts = [f"{t[strength]} — " + t["evidence"].format(sentence=_short(sentence)), t["outcome"].format(outcome=_short(outcome_text))]
    if strength == "beside":
        parts.append(t["not_counted"])
    if shared_terms or not related_terms:
        parts.append(t["terms"].format(terms=", ".join(shared_terms)) if shared_terms else t["no_terms"])
    if related_terms:
        parts.append(t["related"].format(pairs=", ".join(f"{ours} ≈ {theirs}" for ours, theirs in related_terms)))
    if aligned_refs:
        parts.append(t["aligned"].format(refs=", ".join(sorted(aligned_refs))))
    top = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))[:5]
    estimated = estimated or {}

    def value(name: str) -> str:
        if name in estimated:
            return f"{_num(estimated[name], lang)} {t['estimated']}"
        return _num(signals[name], lang)

    items = ", ".join(f"{labels[name]} {value(name)} ({_signed(c, lang)})" for name, c in top)
    if items:
        parts.append(t["signals"].format(items=items))
    if verified is False:
        parts.append(t["unverified"])
    if recency == 0.0:
        parts.append(t["too_old"])
    if precedents:
        parts.append(t["precedent"].format(items=_precedent_items(precedents)))
    return "; ".join(parts) + "."


def unit_reason(
    lang: str,
    *,
    coverage: float,
    matched: int,
    total: int,
    suggestion: str,
    blockers: Sequence[str],
    level: float | None,
    workload: float | None,
    precedents: Sequence[Precedent],
    weak: Sequence[str] = (),
    read_from_text: Sequence[str] = (),
    disclaiming: Sequence[str] = (),
) -> str:
    t = _T[lang if lang in _T else "en"]
    # The engine suggests, the assessor judges: "found", not "evidenced". When outcomes are credited by
    # score, say why the coverage is below the share found.
    weighted = total and abs(coverage - min(1.0, matched / total)) >= 0.005
    template = t["unit_weighted" if weighted else "unit"]
    parts = [template.format(matched=matched, total=total, coverage=_num(coverage, lang)), t[suggestion]]
    if weak and suggestion != "none":
        parts.append(t["weak_many" if len(weak) > 1 else "weak_one"].format(codes=", ".join(weak)))
    # A disclaimer is quoted where it is named: the assessor judges the credential's own words.
    quoted = " / ".join(f"“{_short(c, 140)}”" for c in disclaiming[:2]) + (
        f" (+{len(disclaiming) - 2})" if len(disclaiming) > 2 else "")
    names = ["level_one_below" if b == "level" and level == ONE_LEVEL_BELOW else b for b in blockers]
    parts += [f"{t['blockers'][b]}: {quoted}" if b == "disclaimed" and quoted else t["blockers"][b] for b in names]
    if read_from_text and suggestion != "none":
        parts.append(t["from_text"][tuple(sorted(read_from_text))])
    if precedents:
        parts.append(t["precedent"].format(items=_precedent_items(precedents)))
    return "; ".join(parts) + "."
