"""Study load and level that a credential states only in its text ("ongeveer 140 uur studiebelasting",
"5 EC", "post-hbo", "EQF level 6").

Many issuers write the size of a course into its description instead of a structured field (Open
Badges 2.0 has none; PDFs have only text). Without a size the matching engine can tell a one-hour
taster from a full course by neither level nor workload, and never suggests an exemption. These
rules read what the text states and nothing more: they fill only fields no structured source filled,
and record the sentence they read as the field's source, so assessors and applicants can check it
(and the applicant can correct it).

The rules are deliberately narrow: a size read too large could let an exemption through, so a range
counts at its lower end and, of several EC figures, the smallest counts. A number of hours is no study load when it is a
deadline or time of day ("binnen 48 uur", "van 9 tot 17 uur"), an exam's duration ("a 3-hour exam"),
the running time of videos, work experience required beforehand ("3,750 hours of work experience"),
or a rate without a length to multiply it by ("8 uur per week"), nor is one component alone ("Eindopdracht van
ongeveer 16 uur", "10 uur zelfstudie"). A level counts only with a named
framework (EQF, NLQF, mbo; the British FHEQ and RQF, read as their EQF level) or an hbo/bachelor/
master level word; CEFR levels (B1, C1) and a bare "level 3" (which framework?) are not levels here. `evaluation/stated-size/` measures the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evc.portfolios.claims import Claim

# The claim's free-text fields, in the order they are read (the first field that states a size wins).
TEXT_FIELDS = ("title", "description", "criteria", "learning_outcomes", "evidence_text")
MAX_CHARS = 20_000  # per field: a size is stated near the top
# How far around a figure the rules look (within its clause). Bounded, so that a text full of figures costs
# time in proportion to its length, not its square (an upload is read while the applicant waits).
CONTEXT = 200
MAX_FIGURES = 100  # figures read per text; a course states a handful, a text with hundreds is not a course text
MAX_HOURS = Decimal(240 * 28)  # a whole bachelor's programme; a larger figure is no course's study load

_CLAUSES = re.compile(r"[.;!?](?!\d)|\n")  # not the point in "7.5" or "1.680"
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?"
_RANGE_LOW = r"(?:(?P<low>\d+(?:[.,]\d+)?)\s*(?:-|–|tot|to)\s*)?"  # "20-25 uur", "20 tot 25 uur": the lower end
# "7 CPD hours", "20 CPE hours", "8 PE-uren": the hours of professional education that count towards a registration.
_QUALIFIER = (r"(?:(?:contact|study|learning|guided learning|notional learning|lecture|teaching|klok|les|studie|cpd|cpe|pe)"
              r"\s*-?\s*)?")
_HOURS = re.compile(
    rf"(?<![\w/.,]){_RANGE_LOW}(?P<n>{_NUMBER})\s*-?\s*{_QUALIFIER}"
    r"(?P<unit>studie-?uren|studiebelastings?uren|sbu|klokuren|contacturen|lesuren|leeruren|uren|uurs?|"
    r"hours?|hrs?|minuten|minutes?|mins?)\b",
    re.IGNORECASE,
)
# "Total Qualification Time (TQT): 120": a label that names hours, with a bare figure after it.
_LABELLED_HOURS = re.compile(
    rf"\b(?:total qualification time|guided learning hours|notional learning hours|TQT|GLH)\s*(?:\([A-Z]+\))?\s*[:=]\s*"
    rf"(?:ca\.?|circa|about|approx\.?|approximately|ongeveer)?\s*(?P<n>{_NUMBER})(?![\w.,%/])",
    re.IGNORECASE,
)
_EC = re.compile(
    rf"(?<![\w/.,]){_RANGE_LOW}(?P<n>\d+(?:[.,]\d+)?)\s*-?\s*"
    r"(?P<unit>EC\b|(?i:ECTS(?:[- ]?(?:credits?|punten|points))?|studiepunten|studiepunt|European credits)\b)",
)
# "(staat) 1 EC (staat) voor 28 uur", "1 ECTS corresponds to 25-30 hours": the convention, not this credential's size.
_CONVERTS = r"\s*(?:=|staat voor|staat gelijk aan|is gelijk aan|komt overeen met|equals|is equal to|corresponds to|stands for|voor)\s*"
_CONVERSION_AFTER = re.compile(rf"{_CONVERTS}\d", re.IGNORECASE)
_CONVERSION_BEFORE = re.compile(rf"(?<![\d.,])1\s*(?:EC|ECTS|studiepunt){_CONVERTS}$", re.IGNORECASE)


def _noun_after(nouns: str, *, words: int, lead: str = "") -> re.Pattern[str]:
    """Matches at the start of the text after a figure when one of `nouns` follows within `words` words
    ("12 hours of on-demand video"); `lead` constrains what comes first."""
    return re.compile(rf"\s*{lead}(?:[\w-]+\s+){{0,{words}}}(?:{nouns})\b", re.IGNORECASE)


_OF = r"(?:of\s+)?"
# What makes a number of hours something other than the credential's study load. The rate may follow a word
# about the hours ("6-8 hours of work per week", "4 uur zelfstudie per week"), but not a word that joins a
# length of time ("40 hours in a week", "30 EC over a year", "12 hours and a week-long project"): those are a load.
_RATE_JOINS = r"and|or|plus|in|over|within|during|across|with|including|en|of|met|binnen|gedurende|verspreid|inclusief"
_RATE_AFTER = re.compile(rf"\s*(?:(?:of|aan|van)\s+)?(?:(?!(?:{_RATE_JOINS})\b)[\w-]+\s+)??"
                         r"(?:(?:per|a|an|each|every|elke|iedere|/)\s*(?P<per>week|day|dag|maand|month|jaar|year|"
                         r"sessie|session|les|lesson|bijeenkomst|meeting)\b(?!-)|(?P<weekly>weekly)\b|daily\b)"
                         r"|\s*(?:annually|yearly|jaarlijks|per annum)\b",  # "20 CPE hours annually": to keep a title
                         re.IGNORECASE)
# The rate named before the figure: "wekelijks een avond van 2,5 uur", "weekly sessions of 3 hours", "elke week
# ongeveer 4 uur". Only a few plain words may stand between: no figure, no punctuation, no "and", "total" or other
# load word ("Cursus van 10 weken, wekelijks een bijeenkomst, in totaal 30 uur" states its load: 30 hours). Not
# "bi-weekly" or "2-wekelijks", and never a figure above WEEKLY_RATE_MAX: that is no week's work.
_RATE_GAP_STOP = (r"(?:and|en|or|plus|totaal|total|studiebelasting|studielast|workload|effort|waarvan|including|"
                  r"inclusief|incl)")
_RATE_BEFORE = re.compile(
    r"(?<![\w-])(?P<rate>wekelijks|weekly|elke week|iedere week|every week|each week|dagelijks|daily)"
    rf"(?:\s+(?!{_RATE_GAP_STOP}\b)[^\W\d][\w'-]*){{0,5}}?\s*$", re.IGNORECASE)
WEEKLY_RATE_MAX = Decimal(40)
# "a 3-hour written exam", "90 minuten toets" (but "40 hours of test automation" is a course).
_EXAM_AFTER = _noun_after(r"exam|exams|examen|examination|tentamen|toets|test|interview|gesprek|presentation|presentatie|"
                          r"pitch|verdediging|defence|defense", words=2, lead=r"(?!(?:of|van)\b)")
# An exam, its questions or an entry requirement earlier in the clause: "Examen: 40 meerkeuzevragen, 60 minuten",
# "Candidates must have ... 35 hours of project management education". Not "test" or "assessment": those are
# also what courses are about ("Software testing, 24 uur", "Risk assessment course (16 hours)").
_EXAM_OR_REQUIREMENT_BEFORE = re.compile(
    r"\b(?:exam|exams|examination|questions|must have|required|requires|eligibility|eligible|"
    r"prerequisites?|vereist|toelatingseisen?|voorwaarden?)\b"
    r"|(?:examen|examens|tentamen|toets|vragen)\b",  # Dutch compounds too: "theorietoets", "meerkeuzevragen"
    re.IGNORECASE)
# "a 16-hour course", "45-minute webinar": a figure joined to its unit by a hyphen describes the noun after
# it, which must be something one learns in (not "45-minute tours", "a 12-hour practical exam").
_JOINED = re.compile(r"\d\s*-\s*[a-z]", re.IGNORECASE)
_LEARNING_AFTER = _noun_after(r"course|courses|cursus|training|e-learning|module|workshop|webinar|session|sessie|onboarding|"
                              r"les|lesson|class|masterclass|bootcamp|programme|program|opleiding|leergang|seminar|studie|"
                              r"study", words=2)
_EXPERIENCE_AFTER = _noun_after(r"experience|ervaring|werkervaring|praktijkervaring", words=3, lead=_OF)
# "12 hours of on-demand video": running time of material, not study.
_MEDIA_AFTER = _noun_after(r"video|videos|video's|videomateriaal|audio|podcasts?", words=2, lead=_OF)
_NOT_A_LOAD_BEFORE = re.compile(r"\b(?:within|binnen|after|na|om|at|every|elke|iedere|each|up to|maximaal|max|until|"
                                r"tot|code|versie|version|nr|no|artikel|art)\W*$", re.IGNORECASE)
# "van 9 tot 17 uur", "from 9 to 17 hours": a span of the day, not a load ("een cursus van 150 uur" is one,
# and so is "van 20 tot 30 uur").
_SPAN_BEFORE = re.compile(r"\b(?:van|from|between|tussen)\W*$", re.IGNORECASE)
# A clause that says it gives the whole study load; its figure wins over other hours in the text.
_LOAD_WORDS = re.compile(r"studiebelasting|studielast|study ?load|workload|totaal|in total|total|qualification time|"
                         r"learning time|notional|leeruren|studie-?uren|study hours|hours of study|effort|"
                         r"time commitment|tijdsinvestering|leerinvestering|reken op", re.IGNORECASE)
# What follows these is a part of something: "140 uur, waarvan 40 uur praktijk" is 140, not 180, and "includes
# a minimum of 50 hours of supervised practice" does not give the whole.
_INCLUSION = re.compile(r"\b(?:including|includes|included|inclusief|incl|waarvan|waaronder|of which|among which)\b",
                        re.IGNORECASE)
# A figure that sizes one component of a course is a part of its study load, not the whole: a clause about
# the component alone ("Eindopdracht van ongeveer 16 uur", "Final assignment (20 hours)", "10 uur zelfstudie")
# is not read, since a three-day training with a 16-hour assignment is no 16-hour course. Beside other parts it
# is added up; and "Tweedaagse cursus met praktijkopdracht (ongeveer 30 uur)" sizes the course, not the assignment.
_COMPONENT = (r"(?:eind|praktijk|afstudeer|slot|final|capstone|practical)?\s*-?\s*"
              r"(?:opdracht|opdrachten|assignment|assignments|werkstuk)"
              r"|zelfstudie|self-study|self study|huiswerk|homework|voorbereiding|preparation")
_COMPONENT_OPENS = re.compile(rf"^\W*(?:(?:de|het|een|the|an?)\s+)?(?:{_COMPONENT})\s*(?:\(|:|,|-|–|van|of)?\s*"
                              r"(?:ongeveer|circa|ca\.?|about|around|approx\.?|approximately|roughly|zo'n)?\s*$",
                              re.IGNORECASE)
_COMPONENT_AFTER = _noun_after(_COMPONENT, words=0, lead=_OF)
_NUMBER_WORDS = {word: n for n, words in enumerate(
    [(), ("one", "een", "één"), ("two", "twee"), ("three", "drie"), ("four", "vier"), ("five", "vijf"), ("six", "zes"),
     ("seven", "zeven"), ("eight", "acht"), ("nine", "negen"), ("ten", "tien"), ("eleven", "elf"), ("twelve", "twaalf")])
    for word in words}
_WEEKS = re.compile(rf"\b(?P<n>\d{{1,2}}|{'|'.join(_NUMBER_WORDS)})\s*-?\s*(?:weeks?|weken|weekse?)\b", re.IGNORECASE)

_FRAMEWORK_LEVEL = re.compile(
    r"\b(?P<fw>EQF|NLQF|FHEQ|RQF)[\s-]*(?:niveau|level)?[\s:-]*(?P<n>[1-8])\b"
    r"|\b(?:niveau|level)\s*(?P<n2>[1-8])\s*\(?\s*(?:van het|of the|op het|on the|in het|in the)?\s*"
    r"(?P<fw2>EQF|NLQF|FHEQ|RQF)\b",
    re.IGNORECASE,
)
# British issuers (FutureLearn's microcredentials, UK universities) state the level in England's frameworks
# for higher education (FHEQ, levels 4-8) and for regulated qualifications (RQF, 1-8). The UK's referencing
# to the EQF places levels 4 and 5 at EQF 5, and 1-3 one EQF level higher.
_UK_LEVEL_TO_EQF = {1: 2, 2: 3, 3: 4, 4: 5, 5: 5, 6: 6, 7: 7, 8: 8}
_MBO = re.compile(r"\bmbo[\s-]*(?:niveau[\s-]*)?(?P<n>[1-4])\b|\bniveau\s*(?P<n2>[1-4])\s*(?:van het\s*)?mbo\b", re.IGNORECASE)
_LEVEL_WORDS = (
    (re.compile(r"\bpost[\s-]?hbo\b|\bhbo[\s-]?(?:bachelor)?[\s-]?niveau\b|\bniveau[\s-]hbo\b|\bhbo werk- en denkniveau\b"
                r"|\bbachelor(?:'s)?[\s-]?(?:niveau|level)\b|\b(?:onderwijs|opleidings)?niveau\s*:\s*(?:hbo|bachelor)\b"
                r"|\blevel\s*:\s*bachelor", re.IGNORECASE), 6),
    (re.compile(r"\bmaster(?:'s)?[\s-]?(?:niveau|level)\b|\bpost[\s-]?(?:master|academisch)\b|\bpostacademisch\b"
                r"|\b(?:onderwijs|opleidings)?niveau\s*:\s*master\b|\blevel\s*:\s*master\b",
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


def _limited(matches: Iterator[re.Match[str]], seen: list[int]) -> Iterator[re.Match[str]]:
    """The matches, until MAX_FIGURES have been read from the text (`seen` counts across its clauses)."""
    for match in matches:
        if seen[0] >= MAX_FIGURES:
            return
        seen[0] += 1
        yield match


def _before(clause: str, start: int) -> str:
    return clause[max(0, start - CONTEXT) : start]


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text[:MAX_CHARS]) if c and c.strip()]


def _quote(clause: str, start: int, end: int, width: int = 60) -> str:
    a, b = max(0, start - width), min(len(clause), end + width)
    return ("…" if a else "") + clause[a:b].strip() + ("…" if b < len(clause) else "")


# "Elke zes weken een ontwikkelgesprek", "eens per zes weken", "every 2-3 weeks": how often, not how long.
_EVERY_BEFORE = re.compile(r"\b(?:elke|iedere|om de|eens per|eens in de|per|every|each|once in)\W*(?:\d+\s*[-–]\s*)?$",
                           re.IGNORECASE)


# "binnen 6 weken na afloop", "tot 12 weken na de start", "access for 52 weeks": a deadline or an access period.
# ("van februari tot en met juli 2024 (26 weken, ...)" is a length: the deadline word must stand right before it.)
_NOT_A_LENGTH_BEFORE = re.compile(r"\b(?:binnen|within|na|after|tot|until|up to|uiterlijk)\W*$"
                                  r"|\b(?:access|toegang)\b[^.;:]{0,25}$", re.IGNORECASE)


def _weeks(text: str) -> int | None:
    """The course's length in weeks, when the text gives exactly one ("8 Weeks", "gedurende tien weken")."""
    text = text[:MAX_CHARS]
    found: set[int] = set()
    for m in _WEEKS.finditer(text):
        before = _before(text, m.start())
        if not (_EVERY_BEFORE.search(before) or _NOT_A_LENGTH_BEFORE.search(before)):
            found.add(int(m["n"]) if m["n"].isdigit() else _NUMBER_WORDS[m["n"].lower()])
    return found.pop() if len(found) == 1 else None



def _hours_value(match: re.Match[str]) -> Decimal | None:
    value = _decimal(match["low"] or match["n"], thousands=not match["low"])
    if value is None or value <= 0 or value > MAX_HOURS:
        return None
    if match["unit"].lower().startswith("min"):
        value = (value / 60).quantize(Decimal("0.01"))
    return value


def study_hours_in_text(text: str) -> Stated | None:
    """The study load in hours the text states; None when it states none.

    Where a clause names the whole load ("studiebelasting", "in total", "effort"), its figure is taken.
    Otherwise the parts a clause adds up ("e-learning (4 uur) en een bijeenkomst (3 uur)") are summed,
    leaving out those it says are included in something ("waarvan", "including"), and the largest
    figure of the text is taken. A range counts at its lower end, minutes as parts of an hour, and
    hours per week times the course's weeks when the text gives exactly one length in weeks."""
    weeks = _weeks(text)
    seen = [0]
    found: list[tuple[bool, Decimal, str]] = []
    for clause in _clauses(text):
        named = bool(_LOAD_WORDS.search(clause))
        parts: list[tuple[Decimal, int, int]] = []
        for match in _limited(_HOURS.finditer(clause), seen):
            before, after = _before(clause, match.start()), clause[match.end() : match.end() + CONTEXT]
            if _JOINED.search(clause[match.start("n") : match.end()]) and not _LEARNING_AFTER.match(after):
                continue
            if (_EXAM_AFTER.match(after) or _EXPERIENCE_AFTER.match(after) or _MEDIA_AFTER.match(after)
                    or _NOT_A_LOAD_BEFORE.search(before) or _CONVERSION_BEFORE.search(before)
                    or (not named and (_EXAM_OR_REQUIREMENT_BEFORE.search(before) or _INCLUSION.search(before)))
                    or (match["low"] and _SPAN_BEFORE.search(before) and _within_a_day(match["low"], match["n"]))):
                continue
            value = _hours_value(match)
            if value is None:
                continue
            rate = _RATE_AFTER.match(after)
            if rate is not None:
                if weeks is None or not (rate["weekly"] or (rate["per"] or "").lower() == "week"):
                    continue
                # Named only where its own clause names the load ("Effort: 4-6 hours per week"): a total stated
                # elsewhere ("... 10 weeks; total 16 hours") wins over the product.
                found.append((named, value * weeks, _quote(clause, match.start(), rate.end() + match.end())))
                continue
            rate_before = _RATE_BEFORE.search(before)
            if rate_before is not None and value <= WEEKLY_RATE_MAX:
                if weeks is None or rate_before["rate"].lower() in {"dagelijks", "daily"}:
                    continue
                found.append((named, value * weeks, _quote(clause, match.start() - len(before) + rate_before.start(),
                                                           match.end())))
                continue
            component = bool(_COMPONENT_OPENS.match(clause[: match.start()]) or _COMPONENT_AFTER.match(after))
            parts.append((value, match.start(), match.end(), component))
        for match in _LABELLED_HOURS.finditer(clause):
            value = _decimal(match["n"], thousands=True)
            if value is not None and value > 0:
                found.append((True, value, _quote(clause, match.start(), match.end())))
        if len(parts) > 1 and not named:
            found.append((False, sum((v for v, _, _, _ in parts), Decimal(0)), _quote(clause, parts[0][1], parts[-1][2])))
        else:
            found += [(named, v, _quote(clause, a, b)) for v, a, b, component in parts if named or not component]
    found = [f for f in found if f[1] <= MAX_HOURS]
    if not found:
        return None
    named_figures = [f for f in found if f[0]] or found
    _, value, quote = max(named_figures, key=lambda f: f[1])
    return Stated(value, quote)


def ects_in_text(text: str) -> Stated | None:
    """The EC (ECTS credits) the text states; None when it states none. With several figures, the
    smallest: a module's text names the larger programme it belongs to more often than the reverse."""
    seen = [0]
    found: list[tuple[Decimal, str]] = []
    for clause in _clauses(text):
        for match in _limited(_EC.finditer(clause), seen):
            after = clause[match.end() : match.end() + CONTEXT]
            if _RATE_AFTER.match(after) or _NOT_A_LOAD_BEFORE.search(_before(clause, match.start())):
                continue
            value = _decimal(match["low"] or match["n"], thousands=False)
            if value == 1 and _CONVERSION_AFTER.match(after):
                continue
            if value is not None and 0 < value <= 240:
                found.append((value, _quote(clause, match.start(), match.end())))
    if not found:
        return None
    value, quote = min(found, key=lambda f: f[0])
    return Stated(value, quote)


def levels_in_text(text: str) -> tuple[Stated | None, Stated | None]:
    """(EQF level, NLQF level) the text states, each None when it states none; with several, the lowest.
    A level in a British framework is read as the EQF level it is referenced to."""
    eqf: list[Stated] = []
    nlqf: list[Stated] = []
    for clause in _clauses(text):
        for match in _FRAMEWORK_LEVEL.finditer(clause):
            framework = (match["fw"] or match["fw2"]).upper()
            level = int(match["n"] or match["n2"])
            stated = Stated(level if framework in ("EQF", "NLQF") else _UK_LEVEL_TO_EQF[level],
                            _quote(clause, match.start(), match.end()))
            (nlqf if framework == "NLQF" else eqf).append(stated)
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
            # Both when both are stated ("1 EC (28 uur)"); the matcher reads EC first.
            ects, hours = ects_in_text(text), study_hours_in_text(text)
            if ects is not None:
                claim.ects, claim.sources["ects"] = Decimal(ects.value), _quoted_source(name, ects)
            if hours is not None:
                claim.hours, claim.sources["hours"] = Decimal(hours.value), _quoted_source(name, hours)
            need_load = ects is None and hours is None
        if need_level:
            eqf, nlqf = levels_in_text(text)
            if eqf is not None:
                claim.eqf_level, claim.sources["eqf_level"] = int(eqf.value), _quoted_source(name, eqf)
            if nlqf is not None:
                claim.nlqf_level, claim.sources["nlqf_level"] = int(nlqf.value), _quoted_source(name, nlqf)
            need_level = eqf is None and nlqf is None


def sizes_read_from_text(claim: Claim) -> frozenset[str]:
    """Of "level" and "workload", those whose value the matcher reads (EQF before NLQF, EC before hours)
    came from the claim's text rather than a structured field."""
    level = "eqf_level" if claim.eqf_level is not None else "nlqf_level" if claim.nlqf_level is not None else ""
    workload = "ects" if claim.ects else "hours" if claim.hours else ""
    return frozenset(name for name, field in (("level", level), ("workload", workload))
                     if field and quoted_source(claim.sources.get(field, "")))


_QUOTE_OPEN = ": “"


def _quoted_source(field: str, stated: Stated) -> str:
    """The source of a value read from the text: the claim field and the words ("description: “…”")."""
    return f"{field}{_QUOTE_OPEN}{stated.quote}”"


def quoted_source(source: str) -> tuple[str, str] | None:
    """(claim field, “quoted words”) of a source written by `_quoted_source`; None for any other source."""
    field, opened, quote = source.partition(_QUOTE_OPEN)
    return (field, "“" + quote) if opened and field in TEXT_FIELDS else None
