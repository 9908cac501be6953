"""Study load and level stated only in a credential's text."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from evc.matching.services import credential_input
from evc.portfolios.claims import Claim
from evc.portfolios.formats.stated_in_text import (
    complete_from_text,
    ects_in_text,
    levels_in_text,
    study_hours_in_text,
)
from evc.portfolios.intake import inspect_credential
from tests.portfolios import fixtures as fx


@pytest.mark.parametrize(("text", "hours"), [
    ("Leergang van tien dagdelen plus eindopdracht (ongeveer 140 uur studiebelasting).", "140"),
    ("Post-hbo-opleiding van 150 uur", "150"),
    ("An eight-week online course (about 48 hours).", "48"),
    ("Attended the 16-hour course with a Certified Scrum Trainer.", "16"),
    ("Minimum total qualification time 370 hours", "370"),
    ("Deeltijdopleiding van 1.680 uur", "1680"),
    ("Cursus van 20 tot 30 uur", "20"),  # a range counts at its lower end
    ("Open van 9 tot 17 uur", None),  # hours of the clock
    ("Training, 20-25 uur inclusief huiswerk", "20"),
    ("AVG Awareness in 30 minuten", "0.50"),
    ("Awarded for attending a 45-minute live webinar.", "0.75"),
    # The clause naming the whole load wins over its parts.
    ("E-learning (6 uur) en praktijkopdrachten. Totale studiebelasting 84 uur.", "84"),
    ("Total Qualification Time (TQT): 120. Guided Learning Hours (GLH): 48.", "120"),
    ("Participants earn 1.6 CEUs (16 contact hours).", "16"),
    ("Het programma heeft een studielast van 120 SBU.", "120"),
    ("Training: 40 hours of test automation with Playwright.", "40"),  # a course about testing, not a test
    ("Risk assessment course (16 hours)", "16"),
    ("Pass the PSM I assessment: 80 questions in 60 minutes.", None),
    # Otherwise the parts a clause adds up, leaving out what it says is included in something.
    ("E-learning (4 uur) en een bijeenkomst (3 uur)", "7"),
    ("24 uur contactonderwijs, 40 uur zelfstudie en 16 uur begeleide praktijk", "80"),
    ("The course, 140 hours, includes 40 hours of practice.", "140"),
    ("Opleiding van 140 uur, waarvan 40 uur praktijk.", "140"),
    # A clause about one component sizes a part only; "met praktijkopdracht (30 uur)" sizes the course.
    ("Driedaagse training. Eindopdracht van ongeveer 16 uur. Totale studiebelasting 40 uur.", "40"),
    ("Tweedaagse cursus met praktijkopdracht (ongeveer 30 uur)", "30"),
    ("Incompany-training van vier dagdelen met huiswerk (24 uur)", "24"),
    ("Stage van 400 uur bij een zorginstelling", "400"),
    # Hours of professional education, counted towards a registration.
    ("One-day workshop (7 CPD hours).", "7"),
    ("Nascholing Wft, 8 PE-uren.", "8"),
    # Hours per week times the one length in weeks the text gives.
    ("Gemiddeld 8 uur per week gedurende tien weken.", "80"),
    ("Length: 8 Weeks\nEffort: 4–6 hours per week", "32"),
    ("About 6-8 hours of work per week over 8 weeks.", "48"),
    ("Reken op 4 uur zelfstudie per week, tien weken lang.", "40"),
    # The rate may come first: "wekelijks een avond van 2,5 uur" over twelve weeks is 30 hours, not one evening.
    ("Cursus van twaalf weken (wekelijks een avond van 2,5 uur plus huiswerk).", "30.0"),
    ("Weekly sessions of 3 hours over 8 weeks.", "24"),
    ("Een cursus van 8 weken met wekelijks bijeenkomsten; totaal 40 uur.", "40"),  # the rate's clause names no hours
    # ...but a total after a weekly word is no rate, and a stated total beats a product (never too large).
    ("Cursus van 10 weken, wekelijks een bijeenkomst, in totaal 30 uur.", "30"),
    ("Studiebelasting: wekelijks 4 uur, totaal 32 uur, 8 weken.", "32"),
    ("De opleiding duurt 10 weken met wekelijks contact, studiebelasting 120 uur.", "120"),
    ("A 12-week programme with weekly mentoring, 100 hours of study.", "100"),
    ("Weekly Digest Writing Course (40 hours), 6 weeks.", "40"),
    ("Every week new content is released, 40 hours of material, access for 52 weeks.", "40"),
    ("Online course with daily exercises, 40 hours in total over 6 weeks.", "40"),
    ("Weekly webinars and a total of 40 hours of study.", "40"),
    ("Weekly 2 hour sessions; 10 weeks; total 16 hours.", "16"),
    ("2 hours per week; 10 weeks; total 16 hours.", "16"),
    ("Bi-weekly sessions of 3 hours over 8 weeks.", "3"),  # not every week: the figure alone, the smaller
    ("2-wekelijks een avond van 3 uur, 8 weken.", "3"),
    # A word that joins a length of time keeps the figure a load, and "week-long" is no rate.
    ("Intensive bootcamp: 40 hours in a week.", "40"),
    ("The course takes 60 hours over a month.", "60"),
    ("Complete 100 hours within a year.", "100"),
    ("16 hours including a day of fieldwork", "16"),
    ("12 hours and a week-long project, over 6 weeks.", "12"),
])
def test_it_reads_the_stated_study_hours(text: str, hours: str | None) -> None:
    stated = study_hours_in_text(text)
    assert (None if stated is None else str(stated.value)) == hours


@pytest.mark.parametrize("text", [
    "Studying 6 hours a week.",  # no length in weeks to multiply by
    "Expect 5 hours of study per week.",
    "Reken op 3 uur zelfstudie per week.",
    "Examen: 40 meerkeuzevragen, 60 minuten.",
    "Pass the exam (180 questions, 4.5 hours).",
    "De cursus wordt afgesloten met een theorietoets van 90 minuten.",
    "This course includes 12 hours of on-demand video.",
    "Includes a minimum of 50 hours of supervised clinical practice.",  # a part; the whole is not given
    "Candidates must have a degree and 35 hours of project management education.",
    "Volgens het studiepuntensysteem staat 1 EC voor 28 uur studiebelasting.",
    "Passed a 3-hour proctored exam.",
    "Pass mark on the 12-hour practical lab exam.",
    "Toets van 90 minuten.",
    "Includes a 30-minute technical interview.",
    "Learned to lead 45-minute tours through the exhibition.",
    "Documented 3,750 hours of business analysis work experience.",
    "Feedback binnen 48 uur.",
    "Bereikbaar van 9 tot 17 uur.",
    "Code 95-uren bijgeschreven.",
    "Zes maanden, twaalf lesdagen.",
    # One component of a course, not the whole ("Driedaagse training" states no hours).
    "Driedaagse training.\nEindopdracht van ongeveer 16 uur binnen zes weken: risicobeoordeling en technisch dossier.",
    "Final assignment (20 hours), assessed by the trainer.",
    "Reken daarnaast op ongeveer 10 uur zelfstudie.",
    "Keep the title by earning at least 20 CPE hours annually.",
    # A frequency in weeks is no length to multiply a weekly rate by.
    "Werkt sinds 2021 bij ons (32 uur per week). Elke zes weken voert hij een ontwikkelgesprek.",
    "Studying 6 hours a week, with a review every two weeks.",
    "Werkt 32 uur per week. Eens per zes weken een ontwikkelgesprek.",
    "Works 24 hours per week; feedback every 2-3 weeks.",
    # A rate named first, without a length in weeks, or by the day.
    "Wekelijks een avond van 2,5 uur.",
    "Dagelijks 2 uur oefenen gedurende 4 weken.",
    # A deadline or an access period in weeks is no length to multiply by.
    "Wekelijks een avond van 3 uur; het certificaat volgt binnen 6 weken na afloop.",
    "Weekly sessions of 2 hours. Access to the platform for 52 weeks.",
    "Elke week 3 uur les. Je kunt tot 12 weken na de start instromen.",
])
def test_it_does_not_take_rates_exams_deadlines_or_experience_for_a_study_load(text: str) -> None:
    assert study_hours_in_text(text) is None


@pytest.mark.parametrize(("text", "ects"), [
    ("Studiebelasting: 3 EC", "3"),
    ("Keuzemodule van 7,5 EC", "7.5"),
    ("Worth 15 ECTS credits.", "15"),
    ("Module (5 EC) uit de minor Data Science (30 EC)", "5"),  # the module, not the minor
    ("Studielast: 3 EC. Volgens het studiepuntensysteem staat 1 EC voor 28 uur.", "3"),  # not the convention's 1
    ("Directive 2002/58/EC on privacy", None),
    ("Minor of 30 EC over a year", "30"),
    ("Passed with an ECG interpretation test of 5 ECG strips.", None),
])
def test_it_reads_the_stated_ec(text: str, ects: str | None) -> None:
    stated = ects_in_text(text)
    assert (None if stated is None else str(stated.value)) == ects


@pytest.mark.parametrize(("text", "eqf", "nlqf"), [
    ("Post-hbo Performancemanagement en Belonen", 6, None),
    ("Een kwalificatie op hbo-niveau", 6, None),
    ("Master's-level module", 7, None),
    ("Certificate at EQF level 5", 5, None),
    ("Niveau 4 van het NLQF", None, 4),
    ("Studielast: 2,5 EC\nOnderwijsniveau: bachelor", 6, None),
    ("Keuzedeel receptie (mbo niveau 2)", None, 2),
    ("Cambridge C1 Advanced, CEFR level C1", None, None),
    ("The module carries 15 credits at Level 6 of the FHEQ (equivalent to 7.5 ECTS).", 6, None),
    ("Microcredential, Level 7 (FHEQ)", 7, None),
    ("An RQF Level 3 award", 4, None),  # the UK's referencing: RQF 3 is EQF 4
    ("Certificate of Higher Education (FHEQ level 4)", 5, None),
    ("Vendor Level 2 certificate", None, None),
    ("Training voor hbo-verpleegkundigen", None, None),  # who it is for, not its level
])
def test_it_reads_a_stated_level_only_with_a_framework_or_level_word(text: str, eqf: int | None, nlqf: int | None) -> None:
    found_eqf, found_nlqf = levels_in_text(text)
    assert (found_eqf and found_eqf.value, found_nlqf and found_nlqf.value) == (eqf, nlqf)


def test_complete_from_text_fills_only_what_no_structured_field_gave_and_quotes_its_source() -> None:
    claim = Claim(title="Leergang Crisiscommunicatie",
                  description="Tien dagdelen plus eindopdracht (ongeveer 140 uur studiebelasting). Post-hbo-niveau.")
    complete_from_text(claim)
    assert claim.hours == Decimal("140") and claim.ects is None
    assert claim.eqf_level == 6
    assert claim.sources["hours"].startswith("description: “") and "140 uur studiebelasting" in claim.sources["hours"]
    assert "Post-hbo-niveau" in claim.sources["eqf_level"]
    both = Claim(description="Studielast: 1 EC (28 uur)")
    complete_from_text(both)
    assert (both.ects, both.hours) == (Decimal("1"), Decimal("28"))  # the matcher reads EC first
    structured = Claim(description="Ongeveer 140 uur, EQF 6.", ects=Decimal("2.5"), nlqf_level=4,
                       sources={"ects": "badge.extensions:ECTSExtension", "nlqf_level": "x"})
    complete_from_text(structured)
    assert structured.ects == Decimal("2.5") and structured.hours is None and structured.eqf_level is None
    assert structured.sources["ects"] == "badge.extensions:ECTSExtension"


def test_the_intake_reads_a_size_stated_in_the_text_and_matching_uses_it() -> None:
    credential = fx.ob3_credential()
    achievement = credential["credentialSubject"]["achievement"]
    del achievement["creditsAvailable"], achievement["alignment"]
    achievement["description"] = "Post-hbo leergang: tien dagdelen plus eindopdracht (ongeveer 140 uur studiebelasting)."
    claim = inspect_credential(json.dumps(credential).encode(), "badge.json").claim
    assert claim is not None
    assert claim.hours == Decimal("140") and claim.eqf_level == 6
    assert "140 uur studiebelasting" in claim.sources["hours"]
    cred = credential_input(claim)
    assert cred.ects == 5.0 and cred.eqf_level == 6  # 140 hours at 28 hours per EC
    assert cred.read_from_text == {"level", "workload"}  # so the unit reasons say so
    # A structured value stays, whatever the text says.
    achievement["creditsAvailable"] = 56
    claim = inspect_credential(json.dumps(credential).encode(), "badge.json").claim
    assert claim is not None and claim.hours == Decimal("56")
    assert claim.sources["hours"] == "credentialSubject.achievement.creditsAvailable (credit hours)"
    assert credential_input(claim).read_from_text == {"level"}
