"""Study load and level that a credential states only in its text ("ongeveer 140 uur studiebelasting",
"5 EC", "post-hbo", "EQF level 6").

Many issuers write the size of a course into its description instead of a structured field (Open
Badges 2.0 has none; PDFs have only text). Without a size the matching engine can tell a one-hour
taster from a full course by neither level nor workload, and never suggests an exemption. These
rules read what the text states and nothing more: they fill only fields no structured source filled,
and record the sentence they read as the field's source, so assessors and applicants can check it
(and the applicant can correct it).

The rules are deliberately narrow. A number of hours counts only when it is not a rate ("8 uur per
week"), a deadline or time of day ("binnen 48 uur", "van 9 tot 17 uur"), an exam's duration ("a
3-hour exam"), or work experience required beforehand ("3,750 hours of work experience"). A level
counts only with a named framework (EQF, NLQF, mbo) or an hbo/bachelor/master level word; CEFR levels
(B1, C1) and a bare "level 3" (which framework?) are not levels here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evc.portfolios.claims import Claim

# The claim's free-text fields, in the order they are read (the first field that states a size wins).
TEXT_FIELDS = ("title", "description", "criteria", "learning_outcomes", "evidence_text")
MAX_CHARS = 20_000  # per field: a size is stated near the top, and the rules stay linear anyway

_CLAUSES = re.compile(r"(?<!\d)[.;!?](?!\d)|\n")
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?"
_HOURS = re.compile(
    rf"(?<![\w/.,])(?:(?P<low>\d+(?:[.,]\d+)?)\s*(?:-|–|tot|to)\s*)?(?P<n>{_NUMBER})\s*-?\s*"
    r"(?P<unit>studie-?uren|studiebelastingsuren|klokuren|contacturen|lesuren|leeruren|uren|uurs?|"
    r"hours?|hrs?|minuten|minutes?|mins?)\b",
    re.IGNORECASE,
)
_EC = re.compile(
    r"(?<![\w/.,])(?:(?P<low>\d+(?:[.,]\d+)?)\s*(?:-|–|tot|to)\s*)?(?P<n>\d+(?:[.,]\d+)?)\s*-?\s*"
    r"(?P<unit>EC\b|(?i:ECTS(?:[- ]?(?:credits?|punten|points))?|studiepunten|studiepunt|European credits)\b)",
)
# What makes a number of hours something other than the credential's study load.
_RATE_AFTER = re.compile(r"\s*(?:per|a|an|each|every|elke|iedere|/)\s*(?:week|day|dag|maand|month|jaar|year|"
                         r"sessie|session|les|lesson|bijeenkomst|meeting)\b|\s*weekly\b|\s*daily\b", re.IGNORECASE)
_EXAM_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}(?:exam|exams|examen|examination|tentamen|toets|test|interview|gesprek|"
                         r"presentation|presentatie|pitch|verdediging|defence|defense)\b", re.IGNORECASE)
# "a 16-hour course", "45-minute webinar": a figure joined to its unit by a hyphen describes the noun after
# it, which must be something one learns in (not "45-minute tours", "a 12-hour practical exam").
_JOINED = re.compile(r"\d\s*-\s*[a-z]", re.IGNORECASE)
_LEARNING_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}(?:course|courses|cursus|training|e-learning|module|workshop|webinar|"
                             r"session|sessie|onboarding|les|lesson|class|masterclass|bootcamp|programme|program|opleiding|"
                             r"leergang|seminar|studie|study)\b", re.IGNORECASE)
_EXAM_BEFORE = re.compile(r"(?:exam|examen|examination|tentamen|toets|test)\w*\s*(?:\(|:|van|of|duurt|lasts|takes)?\s*$",
                          re.IGNORECASE)
_EXPERIENCE_AFTER = re.compile(r"\s*(?:of\s+)?(?:[\w-]+\s+){0,3}(?:experience|ervaring|werkervaring|praktijkervaring)\b",
                               re.IGNORECASE)
_NOT_A_LOAD_BEFORE = re.compile(r"\b(?:within|binnen|after|na|om|at|every|elke|iedere|each|up to|maximaal|max|until|"
                                r"tot|code|versie|version|nr|no|artikel|art)\W*$", re.IGNORECASE)
# "van 9 tot 17 uur", "from 9 to 17 hours": a span of the day, not a load ("een cursus van 150 uur" is one,
# and so is "van 20 tot 30 uur").
_SPAN_BEFORE = re.compile(r"\b(?:van|from|between|tussen)\W*$", re.IGNORECASE)
# A clause that says it gives the whole study load; its figure wins over other hours in the text.
_LOAD_WORDS = re.compile(r"studiebelasting|studielast|study ?load|workload|totaal|in total|total|qualification time|"
                         r"learning time|notional|leeruren|studie-?uren|study hours|hours of study", re.IGNORECASE)

_FRAMEWORK_LEVEL = re.compile(
    r"\b(?P<fw>EQF|NLQF)[\s-]*(?:niveau|level)?[\s:-]*(?P<n>[1-8])\b"
    r"|\b(?:niveau|level)\s*(?P<n2>[1-8])\s*\(?\s*(?:van het|of the|op het|on the|in het|in the)?\s*(?P<fw2>EQF|NLQF)\b",
    re.IGNORECASE,
)
_MBO = re.compile(r"\bmbo[\s-]*(?:niveau[\s-]*)?(?P<n>[1-4])\b|\bniveau\s*(?P<n2>[1-4])\s*(?:van het\s*)?mbo\b", re.IGNORECASE)
_LEVEL_WORDS = (
    (re.compile(r"\bpost[\s-]?hbo\b|\bhbo[\s-]?(?:bachelor)?[\s-]?niveau\b|\bniveau[\s-]hbo\b|\bhbo werk- en denkniveau\b"
                r"|\bbachelor(?:'s)?[\s-]?(?:niveau|level)\b", re.IGNORECASE), 6),
    (re.compile(r"\bmaster(?:'s)?[\s-]?(?:niveau|level)\b|\bpost[\s-]?(?:master|academisch)\b|\bpostacademisch\b",
                re.IGNORECASE), 7),
)


@dataclass(frozen=True)
class Stated:
    """A value read from the text, with the words it was read from."""

    value: Decimal | int
    quote: str


def _decimal(text: str, *, thousands: bool) -> Decimal | None:
    if thousands and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        text = re.sub(r"[.,]", "", text)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _within_a_day(low: str, high: str) -> bool:
    """Both ends of "van 9 tot 17 uur" could be hours of the clock ("van 20 tot 30 uur" cannot)."""
    return all((value := _decimal(v, thousands=False)) is not None and value <= 24 for v in (low, high))


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text[:MAX_CHARS]) if c and c.strip()]


def _quote(clause: str, start: int, end: int, width: int = 60) -> str:
    a, b = max(0, start - width), min(len(clause), end + width)
    return ("…" if a else "") + clause[a:b].strip() + ("…" if b < len(clause) else "")


def study_hours_in_text(text: str) -> Stated | None:
    """The study load in hours the text states; None when it states none.

    Where a clause names the whole load ("studiebelasting", "in total"), its figure is taken; otherwise
    the largest figure, as a course text names its parts ("e-learning (4 uur) en een bijeenkomst (3 uur)")
    more often than its total. A range counts at its lower end; minutes count as parts of an hour."""
    found: list[tuple[bool, Decimal, str]] = []
    for clause in _clauses(text):
        for match in _HOURS.finditer(clause):
            before, after = clause[: match.start()], clause[match.end() :]
            if _JOINED.search(clause[match.start("n") : match.end()]) and not _LEARNING_AFTER.match(after):
                continue
            if (_RATE_AFTER.match(after) or _EXAM_AFTER.match(after) or _EXAM_BEFORE.search(before)
                    or _EXPERIENCE_AFTER.match(after) or _NOT_A_LOAD_BEFORE.search(before)
                    or (match["low"] and _SPAN_BEFORE.search(before) and _within_a_day(match["low"], match["n"]))):
                continue
            value = _decimal(match["low"] or match["n"], thousands=not match["low"])
            if value is None or value <= 0:
                continue
            if match["unit"].lower().startswith("min"):
                value = (value / 60).quantize(Decimal("0.01"))
            found.append((bool(_LOAD_WORDS.search(clause)), value, _quote(clause, match.start(), match.end())))
    if not found:
        return None
    named = [f for f in found if f[0]] or found
    _, value, quote = max(named, key=lambda f: f[1])
    return Stated(value, quote)


def ects_in_text(text: str) -> Stated | None:
    """The EC (ECTS credits) the text states; None when it states none. With several figures, the
    smallest: a module's text names the larger programme it belongs to more often than the reverse."""
    found: list[tuple[Decimal, str]] = []
    for clause in _clauses(text):
        for match in _EC.finditer(clause):
            if _RATE_AFTER.match(clause[match.end() :]) or _NOT_A_LOAD_BEFORE.search(clause[: match.start()]):
                continue
            value = _decimal(match["low"] or match["n"], thousands=False)
            if value is not None and 0 < value <= 240:
                found.append((value, _quote(clause, match.start(), match.end())))
    if not found:
        return None
    value, quote = min(found, key=lambda f: f[0])
    return Stated(value, quote)


def levels_in_text(text: str) -> tuple[Stated | None, Stated | None]:
    """(EQF level, NLQF level) the text states, each None when it states none; with several, the lowest."""
    eqf: list[Stated] = []
    nlqf: list[Stated] = []
    for clause in _clauses(text):
        for match in _FRAMEWORK_LEVEL.finditer(clause):
            framework = (match["fw"] or match["fw2"]).upper()
            level = int(match["n"] or match["n2"])
            (eqf if framework == "EQF" else nlqf).append(Stated(level, _quote(clause, match.start(), match.end())))
        for match in _MBO.finditer(clause):
            nlqf.append(Stated(int(match["n"] or match["n2"]), _quote(clause, match.start(), match.end())))
        for pattern, level in _LEVEL_WORDS:
            for match in pattern.finditer(clause):
                eqf.append(Stated(level, _quote(clause, match.start(), match.end())))
    lowest = [min(found, key=lambda s: s.value) if found else None for found in (eqf, nlqf)]
    return lowest[0], lowest[1]


def complete_from_text(claim: Claim) -> None:
    """Fill the study load and level a claim lacks from what its text states (never overwriting a
    structured value), each with the field and words it was read from as its source."""
    need_load = claim.hours is None and claim.ects is None
    need_level = claim.eqf_level is None and claim.nlqf_level is None
    for name in TEXT_FIELDS:
        if not (need_load or need_level):
            return
        value = getattr(claim, name)
        text = "\n".join(value) if isinstance(value, list) else value
        if not text:
            continue
        if need_load:
            ects, hours = ects_in_text(text), study_hours_in_text(text)
            if ects is not None:
                claim.ects, claim.sources["ects"] = Decimal(ects.value), f"{name}: “{ects.quote}”"
                need_load = False
            elif hours is not None:
                claim.hours, claim.sources["hours"] = Decimal(hours.value), f"{name}: “{hours.quote}”"
                need_load = False
        if need_level:
            eqf, nlqf = levels_in_text(text)
            if eqf is not None:
                claim.eqf_level, claim.sources["eqf_level"] = int(eqf.value), f"{name}: “{eqf.quote}”"
            if nlqf is not None:
                claim.nlqf_level, claim.sources["nlqf_level"] = int(nlqf.value), f"{name}: “{nlqf.quote}”"
            need_level = eqf is None and nlqf is None
