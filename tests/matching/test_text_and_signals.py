from __future__ import annotations

import datetime as dt
import re

import pytest

from evc.matching.engine import signals
from evc.matching.engine import text as textmod
from evc.matching.engine.lexical import LexicalIndex

from .helpers import stems_of


def test_it_folds_case_and_accents():
    assert textmod.fold("Coördinatie ÉN Café") == "coordinatie en cafe"


def test_it_keeps_technical_tokens_whole():
    assert {"c#", "c++", "node.js"} <= set(textmod.tokens("Skilled in C#, C++ and Node.js."))


def test_it_drops_stop_words_of_both_languages():
    assert textmod.content_tokens("De student kan the database design") == ["database", "design"]


def test_it_stems_per_language():
    assert textmod.terms("programmeren", "nl") == [textmod.stem("programmeren", "nl")]
    assert textmod.stem("databases", "en") == textmod.stem("database", "en")


def test_it_detects_dutch_and_english():
    assert textmod.detect_language("De student ontwerpt een database en schrijft de queries.") == "nl"
    assert textmod.detect_language("The holder designs a database and writes the queries.") == "en"
    assert textmod.detect_language("SQL", default="?") == "?"


def test_it_splits_sentences_lines_and_bullets():
    text = "Scrum Master I\nFacilitates sprint planning. Coaches the team!\n- Removes impediments quickly"
    assert textmod.split_sentences(text, min_chars=5) == [
        "Scrum Master I", "Facilitates sprint planning.", "Coaches the team!", "Removes impediments quickly",
    ]


def test_a_spaced_dash_splits_before_a_new_item_but_not_inside_a_sentence():
    assert textmod.split_sentences("Modules – Data analysis – Machine learning • Ethics", min_chars=3) == [
        "Modules", "Data analysis", "Machine learning", "Ethics"]
    aside = "Het getuigen zelf – als deskundige plaatsnemen en vragen beantwoorden – oefen je in deze module nog niet."
    assert textmod.split_sentences(aside) == [aside]
    assert textmod.split_sentences("Three cases - a swab, a search - each argued in writing.") == [
        "Three cases - a swab, a search - each argued in writing."]


def test_it_keeps_a_short_title_when_nothing_longer_exists():
    assert textmod.split_sentences("AWS") == ["AWS"]


def test_bm25_prefers_the_outcome_with_the_rare_shared_term():
    index = LexicalIndex(
        ["The student writes SQL queries.", "The student writes reports.", "The student writes essays."],
        ["en", "en", "en"],
    )
    bm25, coverage = index.scores(stems_of("I write complex SQL queries daily"))
    assert bm25.argmax() == 0
    assert coverage[0] > 0.9 > coverage[1]


def test_query_stems_meet_across_languages():
    index = LexicalIndex(["The student designs a relational database."], ["en"])
    _, coverage = index.scores(stems_of("De cursist ontwerpt een relationele database."))
    assert coverage[0] > 0
    assert "database" in index.shared_terms(0, stems_of("een database"))


def test_it_normalises_framework_references():
    assert signals.normalise_ref("HTTPS://data.europa.eu/esco/skill/ABC/") == signals.normalise_ref(
        "http://data.europa.eu/esco/skill/abc"
    )
    assert signals.split_refs("a:b  c:d;e") == ("a:b", "c:d", "e")


def test_a_specific_alignment_weighs_more_than_a_shared_one():
    assert signals.alignment_strength(1) == 1.0
    assert signals.alignment_strength(7) < signals.alignment_strength(3) < 1.0
    assert signals.alignment_strength(0) == 0.0


def test_level_fit():
    assert signals.level_fit(None, 6) is None
    assert signals.level_fit(6, 6) == 1.0
    assert signals.level_fit(7, 6) == 1.0
    assert signals.level_fit(5, 6) == 0.5
    assert signals.level_fit(3, 6) == 0.0


def test_workload_fit_uses_hours_when_no_ects():
    assert signals.credential_ects(None, 84) == 3.0
    assert signals.credential_ects(4, 84) == 4.0
    assert signals.workload_fit(3.0, 6.0) == 0.5
    assert signals.workload_fit(9.0, 6.0) == 1.0
    assert signals.workload_fit(None, 6.0) is None


def test_recency():
    today = dt.date(2026, 11, 28)
    assert signals.recency_fit(dt.date(2024, 1, 1), today, 5) == 1.0
    assert signals.recency_fit(dt.date(2019, 1, 1), today, 5) == 0.0
    assert signals.recency_fit(None, today, 5) is None
    assert signals.recency_fit(dt.date(2001, 1, 1), today, None) is None


@pytest.mark.parametrize("sentence", [
    "Non-relational stores (document, key-value, graph) are outside the scope of this course.",
    "Pharmacology is beyond the scope of this course.",
    "We do not cover Kubernetes in this bootcamp.",
    "Medicatie toedienen maakt geen deel uit van deze training.",
    "Wondzorg komt niet aan bod.",
    "Mycoplasmascreening en authenticatie van cellijnen komen in deze module niet aan bod.",
    "Sequencing and variant interpretation are not covered in this masterclass.",
    "Not covered: cloud deployment and cost management.",
    "Gezamenlijke besluitvorming komt in deze nascholing niet aan bod.",
    "Schrijven en spreken zijn niet getoetst.",
    "The programme has no laboratory component.",
    "There is no lab or practical component.",
    "No practical assignment.",
    "Ketenonderzoek bij leveranciers behandelen we niet in deze module.",
    "Buiten beschouwing blijven de onderwijswetgeving en de schoolsoorten.",
    "All visualisation is done in Excel: Power BI, data modelling and DAX are not covered.",
    "Country-specific bookkeeping practice is not covered here.",
    "Due diligence en waardering van ondernemingen worden niet behandeld.",
    "Environmental performance calculations are not part of this summer school.",
    "Het evalueren van interventies komt pas in de vervolgmodule aan bod.",
    "Audit sampling is only covered in the follow-up course.",
    # An award, a separate certificate, or the course named by a pronoun.
    "Teaching care home staff is the subject of a companion award and is not assessed in this award.",
    "Succession and farm transfer are covered in a separate award.",
    "Peri-implant diseases are taught in a separate certificate and are not part of this one.",
    # The course named by "er" (Dutch), and what is not assessed.
    "Een tweede iteratie en reflectie op het eigen leerproces horen er niet bij.",
    "Overleg met leveranciers of productiebedrijven maakt er geen deel van uit.",
    "Een pitch voor investeerders maakt er ook geen deel van uit en wordt niet apart besproken.",
    "Het portfolio wordt niet beoordeeld.",
    "De e-learning over wetgeving wordt niet getoetst.",
    "Writing the tender documents is not assessed.",
    # Left to another or a separate course, in English and Dutch; no place in it; not on the programme.
    "Stakeholder communication we leave to our follow-up course Risk Communication.",
    "Contract negotiation is left to a separate module.",
    "Gesprekken met ouders behandelen we in onze aparte training 'Ouders als partner'.",
    "Daarvoor bestaat de aparte training Integriteit & Screening.",
    "Screening van personeel laten we in deze opleiding rusten.",
    "Onderzoek doen stond in deze stageperiode niet op het programma.",
    "Voor spraakstoornissen is in deze opleiding geen plaats.",
    "Stuttering modification has no place in this course.",
    "This workshop does not test it.",
    "Budgeting is left to the advanced course Managerial Finance.",
    "Klachtgesprekken oefenen we in een afzonderlijke module.",
    "Group work had no place in it.",
    "Interviews with stakeholders are not tested here.",
    # Another course's subject; the Dutch "Buiten deze cursus vallen" before the topics.
    "Het dimensioneren van duikers en stuwen is het onderwerp van onze vervolgcursus Ontwerp van waterlopen.",
    "Peilbesluiten zijn onderwerp van een aparte leergang.",
    "Tidal calculations are the subject of our follow-up course.",
    "Stakeholder mapping is the topic of a separate module.",
    "Buiten deze cursus vallen: rioleringsberekeningen en overstortmodellen.",
    "Buiten deze training vallen het ontwerp van gemalen en de aanbesteding.",
    "Buiten de training vallen: het ontwerp van gemalen en de aanbesteding.",
    "Peilbeheer is het onderwerp van de vervolgcursus 'Peilbeheer in de praktijk'.",
    # Not part of the assessment.
    "Dit onderdeel telt niet mee voor de beoordeling.",
    "Voor het literatuuronderzoek lever je geen opdracht in.",
    # The course named in the clause, the perfect tense, more kinds of course, "it", "the assessment", "outside this".
    "Menu engineering behandelen we in deze cursus niet.",
    "Aanpassingen bij keratoconus hebben we in deze cursus niet behandeld.",
    "Fiscale aspecten behandelen we hier niet, die komen in de vervolgmodule aan bod.",
    "Motor drives and electric machines are not covered in this specialization.",
    "The manure accounting rules are not part of this elective.",
    "De mestboekhouding maakt geen deel uit van deze keuzemodule.",
    "The course takes an international perspective: national water regulation is not part of it.",
    "Funding and grant applications are outside this award.",
    "De leesadditie wordt behandeld in de vervolgmodule Refractie 2 in het tweede studiejaar.",
])
def test_a_sentence_that_disclaims_a_topic_is_set_aside(sentence):
    assert textmod.set_aside_exclusions([sentence]) == ([], [sentence])


@pytest.mark.parametrize(("sentence", "kept", "aside"), [
    # Only the disclaiming clause goes; the rest of the sentence stays evidence.
    ("Het uitvoeren van een DPIA valt buiten deze cursus; daarvoor is er een vervolgmodule.",
     "daarvoor is er een vervolgmodule.", "Het uitvoeren van een DPIA valt buiten deze cursus"),
    ("SQL queries are assessed, but NoSQL stores are not covered in this course.", "SQL queries are assessed",
     "NoSQL stores are not covered in this course."),
    ("Je observeert en rapporteert goed; zorgplanning is niet aangetoond.", "Je observeert en rapporteert goed",
     "zorgplanning is niet aangetoond."),
    ("Het beoordelen van bloeduitstrijkjes hoort niet bij deze module; dat komt aan bod in Hematologie 2.",
     "dat komt aan bod in Hematologie 2.", "Het beoordelen van bloeduitstrijkjes hoort niet bij deze module"),
    ("Niet behandeld: het verwerkingsregister; daarvoor verwijzen we naar onze cursus Privacy Officer.",
     "daarvoor verwijzen we naar onze cursus Privacy Officer.", "Niet behandeld: het verwerkingsregister"),
    ("Het plan lag vast bij de start; een eigen onderzoeksvoorstel schrijven maakte geen deel uit van deze stage.",
     "Het plan lag vast bij de start", "een eigen onderzoeksvoorstel schrijven maakte geen deel uit van deze stage."),
    ("Een begroting opstellen doen we niet in de masterclass; dat hoort bij het vervolgtraject.",
     "dat hoort bij het vervolgtraject.", "Een begroting opstellen doen we niet in de masterclass"),
    # A phrase that closes its clause, with another clause after it.
    ("Handling Woo requests is not included here; it is taught in the spring module Openness in Practice.",
     "it is taught in the spring module Openness in Practice.", "Handling Woo requests is not included here"),
])
def test_only_the_disclaiming_clause_is_set_aside(sentence, kept, aside):
    assert textmod.set_aside_exclusions([sentence]) == ([kept], [aside])


def test_a_disclaimer_that_points_back_by_het_takes_the_clause_before_it_along():
    sentence = "De vergunning zien deelnemers alleen in een gastcollege; het hoort niet bij wat wordt getoetst."
    assert textmod.set_aside_exclusions(["Je plant de inzet van stewards.", sentence]) == (
        ["Je plant de inzet van stewards."],
        ["De vergunning zien deelnemers alleen in een gastcollege", "het hoort niet bij wat wordt getoetst."])
    # "het" as an article before a noun does not point back.
    assert textmod.set_aside_exclusions(["Het draaiboek schrijf je zelf; het portfolio wordt niet beoordeeld."]) == (
        ["Het draaiboek schrijf je zelf"], ["het portfolio wordt niet beoordeeld."])
    # ... nor when it points ahead ("het is geen onderdeel ... om ... te ...").
    sentence = "Je oefent het blussen van een brand; het is geen onderdeel van deze training om een plan te schrijven."
    assert textmod.set_aside_exclusions([sentence]) == (
        ["Je oefent het blussen van een brand"], ["het is geen onderdeel van deze training om een plan te schrijven."])


@pytest.mark.parametrize("sentence", [
    # What lies outside another scope, or what something else does not cover, is evidence: the phrases
    # must name the course itself.
    "Recognises when a care request falls outside the scope of practice and refers to the physician.",
    "Documents which requirements are out of scope and agrees them with the product owner.",
    "De student signaleert taken die vallen buiten haar functie en bespreekt dit met de teamleider.",
    "Analyses which learning objectives are not assessed and revises the test blueprint.",
    "Deze vervolgcursus verdiept de wondzorg en het verpleegkundig redeneren.",
    "Claims not covered by the basic package are routed to the supplementary team.",
    "De student legt uit welke zorg niet wordt vergoed uit het basispakket.",
    "Je legt uit welke behandelingen niet bij de basisverzekering horen.",
    "De student bespreekt met de praktijkbegeleider welke taken in de stage aan bod komen.",
    "De student stelt vast welke leerdoelen niet getoetst zijn en past de toetsmatrijs aan.",
    "De student bepaalt welke taken er niet bij horen en welke verslagen niet beoordeeld worden.",
    # "er niet bij horen" and "niet beoordeeld" said of people, or going on: evidence.
    "Hij hoort er niet bij.",
    'De student herkent uitsluiting in de groep ("jij hoort er niet bij") en grijpt in.',
    "Begeleidt jongeren die het gevoel hebben: wij horen er niet bij.",
    "Welke taken horen er niet bij?",
    "Creëert een veilige sfeer: de cliënt wordt niet beoordeeld of veroordeeld.",
    "De leerling wordt niet beoordeeld op talent maar op groei.",
    "Een vergunningvrij bouwwerk wordt niet getoetst aan het omgevingsplan.",
    "Plans care for patients with no clinical signs of infection.",
    "Designed for career changers with no clinical work experience.",
    "No clinical work experience required.",
    "Dat doen we niet alleen in theorie maar in je eigen exportcase.",
    # A question about what is not covered, or a clause that goes on: about the subject, not the course.
    "Explains to clients which costs are not covered.",
    "Checks whether a planned treatment is not covered.",
    "Tells the candidate which competences are not assessed.",
    "Competences that are not assessed are named in the report and planned for a later review.",
    "Checks that no batch is released that is not tested.",
    # "aparte", "rusten", "programma", "plaats" and "leave" elsewhere than in a disclaimer.
    "De student plant voor elk kind een aparte training in de motoriek.",
    "Laten we de discussie rusten: het team kiest voor de tweede variant.",
    "Het programma stond vast en niet op het laatste moment werd er iets gewijzigd.",
    "De leerling krijgt in de klas geen plaats naast een drukke medeleerling.",
    "Plans staff leave to cover the follow-up course dates.",
    "The decision is left to the other training coordinator.",
    "We leave time for questions before moving on to the next module.",
    "Input validation is left to a separate module that the student designs and tests.",
    "De student implementeert de authenticatie in een aparte module en schrijft er unittests voor.",
    "Richt in een aparte cursus voor vrijwilligers de evacuatie-instructie in.",
    "Zorgt dat de oefening op tijd staat gepland en meldt wat niet op het programma staat.",
    "De student bepaalt welke oefeningen staan gepland en welke niet op het programma staan.",
    "Makes clear that discrimination has no place in this programme.",
    "Er is binnen de opleiding geen ruimte voor discriminatie, en de student spreekt anderen daarop aan.",
    # A relative or conditional clause about what is not tested is competence, not scope.
    "Escalates where procedures are not tested.",
    "Refers clients whose hearing is not tested.",
    "Follows up on patients who are not examined.",
    "Prevents a device from going into use as long as it is not tested.",
    "Tells patients that cosmetic treatments are not covered.",
    "Treatments that are not covered by the basic package are explained to the insured.",
    "De student legt uit welke onderwerpen in het gesprek niet worden besproken.",
    "De student bepaalt of een klacht niet wordt behandeld.",
    "Klachten worden niet behandeld zonder een dossier.",
    # Later in the same course is no disclaimer.
    "Statistiek komt pas in week 5 aan bod.",
    "Only the first part is covered in the next lesson.",
    "De patiënt komt pas bij het vervolggesprek terug.",
    "Het eigen ontwerp komt pas in de vervolgopdracht aan bod.",
    # "one", "award", "qualification" and "separate" elsewhere than in a disclaimer.
    "Explains to the team why one risk is not part of this quarter's plan.",
    "This award recognises periodontal charting assessed on four patients.",
    "Refers tasks not covered by the qualification of the dental assistant to the dentist.",
    "Patients not covered in this one-page summary were referred.",
    "Compares two insurance policies and explains which treatments are not covered by this one.",
    "Local anaesthesia was assessed in a separate exam, which the candidate passed with distinction.",
    "Completed 120 clinical hours in a separate placement at a dental practice.",
    # "onderwerp", "subject" and "buiten ... vallen" elsewhere than in a disclaimer.
    "Het onderwerp van de vervolgcursus kies je zelf.",
    "Klimaatadaptatie is het onderwerp van de eindopdracht.",
    "The subject of the follow-up course is agreed with the assessor.",
    "Water quality was the subject of the capstone in this course.",
    "Buiten de stage valt hij terug op zijn begeleider.",
    "Buiten de stage valt de student terug op zijn begeleider.",
    "Buiten deze opleiding valt het portfolio onder de examencommissie.",
    # Another course's subject that was done, or a later module of the same course, or more said after it.
    "Het ontwerpen van stuwen was het onderwerp van de vervolgcursus, die de deelnemer met een 8 heeft afgerond.",
    "Het meten van afvoer is het onderwerp van de volgende module, met een veldpracticum.",
    "Waterkwaliteit is het onderwerp van een afzonderlijke module waarin de deelnemer KRW-maatlatten toepast.",
    "Pump station design was the subject of a separate module, which the candidate passed with distinction.",
    "Sediment transport is the subject of the next module, assessed by a written exam.",
    "Calibrating 1D models is the subject of the advanced course, in which participants calibrate a HEC-RAS model.",
    # "telt niet mee" and "geen opdracht in" about pupils' work, a person, a condition, or going on.
    "Je laat leerlingen oefentoetsen maken; die tellen niet mee voor het cijfer.",
    "De student zet formatief toetsen in: de oefenopdrachten tellen niet mee voor het cijfer.",
    "Zijn aanwezigheid telt niet mee voor de beoordeling.",
    "Welke opdrachten tellen niet mee voor het eindcijfer?",
    "De leerling levert geen opdracht in en de docent spreekt hem aan.",
    "Lever je geen opdracht in, dan krijg je geen certificaat.",
    "Daar lever je geen verslag voor in, want de mentor beoordeelt je tijdens de les.",
    # The new forms' words where the clause goes on, asks, is about a person, a patient or a course that was done.
    "Klachten hebben we niet behandeld zonder overleg met de huisarts.",
    "Welke onderwerpen hebben we in deze cursus niet behandeld?",
    "Oogziekten behandelen we tijdens de stage niet zelf: de student verwijst door naar de oogarts.",
    "Statistiek werd behandeld in de vervolgmodule, die de student ook afrondde.",
    "Dit onderwerp wordt behandeld in de vervolgmodule die de student al heeft afgerond.",
    "De vaardigheden worden behandeld in de vervolgmodule en in de stage.",
    "Clinic sessions are outside our course hours.",
    "Refers patients whose complaints fall outside this training.",
    "Besides the module, the candidate completed a placement. This was outside the programme.",
    "The trainee observed the multidisciplinary meeting but is not part of it.",
    "Explains to the client which tests are not part of the assessment.",
    "Explains which costs are not covered; refers the client to the supplementary team.",
    # A phrase that closes a sentence is read before a semicolon, not before "but" or when the sentence asks.
    "Explains which costs are covered by the basic insurance, but dental care is not covered.",
    "De medewerker beoordeelt of het verzoek volledig is, maar een anoniem verzoek wordt niet behandeld.",
    "Requests outside the municipality's competence are not addressed, but forwarded to the competent body.",
    "Candidates may retake the theory exam, but no practical assignments can be retaken.",
    "De griffier hoort er niet bij, maar de wethouders wel.",
    "The adviser explains which projects qualify for funding, but housing projects fall outside this programme.",
    "Housing projects fall outside this programme.",
    "At this stage of the project the residents are not part of it.",
    "Elective surgery is planned weekly and the on-call team is not part of it.",
    "This online course teaches EU water law. National water regulation is not part of it.",
    "The legacy archive is not part of the assessment.",
    "Het inkomen van de partner maakt geen deel uit van de beoordeling.",
    "Overtime is not part of our elective surgery schedule.",
    "Bezwaarschriften die te laat binnenkwamen hebben we niet behandeld.",
    "No fewer than 50 patients were examined.",
    "Patiënten die we nog niet behandeld hadden, kregen voorrang.",
    "Hebben we alle klachten niet behandeld binnen een week, dan escaleert de teamleider.",
    "Presbyopie wordt behandeld in de vervolgmodule, waarin de student twintig cliënten refractioneert.",
    "Students practise outside the course hours in the skills lab.",
    "Practice hours at the candidate's own school were outside this course.",
    "Refers clients with complaints that fall outside this course.",
    "Recognises when a patient's question falls outside this training.",
    "After the course she set up the fall-prevention programme on our ward and the physiotherapists are not part of it.",
    "The certificate is valid for five years and continuing education is not part of it.",
    "When reviewing loan applications, the applicant's partner income is not part of our assessment.",
    "Het vermogen van de aanvrager maakt geen deel uit van onze beoordeling.",
    "Een onvolledige aanvraag wordt niet behandeld; de medewerker vraagt dan de ontbrekende stukken op.",
    "Late objections are not assessed; the officer drafts a decision declaring them inadmissible.",
    "Children are not treated here; they are referred to the paediatric clinic.",
    "Paediatric cases are not part of our specialisation; they are referred to the university hospital.",
    "Oncology patients are not included in the elective list.",
    "Explains which procedures are not covered by the elective surgery budget.",
    "Acute klachten vallen buiten de specialisatie van de praktijk.",
    "Refers patients whose conditions fall outside the scope of the specialisation.",
])
def test_a_sentence_about_another_scope_stays_evidence(sentence):
    assert textmod.set_aside_exclusions([sentence]) == ([sentence], [])


@pytest.mark.parametrize(("sentences", "kept", "aside"), [
    # A disclaimer that points back ("dat onderdeel", "This") takes the topic before it along.
    (["Je werkt met groepsplannen.", "Dyslexie is het onderwerp van de vervolgmodule; dat onderdeel hoort niet bij deze badge."],
     ["Je werkt met groepsplannen."], ["Dyslexie is het onderwerp van de vervolgmodule", "dat onderdeel hoort niet bij deze badge."]),
    (["SQL queries are assessed.", "Statistics is taught in year two.", "This is not part of the course."],
     ["SQL queries are assessed."], ["Statistics is taught in year two.", "This is not part of the course."]),
    (["Je geeft een les.", "Mixen komt tijdens de excursie aan bod; dat onderdeel telt niet mee voor de beoordeling."],
     ["Je geeft een les."], ["Mixen komt tijdens de excursie aan bod", "dat onderdeel telt niet mee voor de beoordeling."]),
    (["Je past lenzen aan.", "Keratoconus is een specialisme.", "Dat hebben we in deze cursus niet behandeld."],
     ["Je past lenzen aan."], ["Keratoconus is een specialisme.", "Dat hebben we in deze cursus niet behandeld."]),
    # "Dat hadden we ... buiten beschouwing gelaten" disclaims nothing of a course: the sentence before it stays.
    (["Zij voerde een risicoanalyse uit op de subsidieregeling.", "Dat hadden we in eerdere audits buiten beschouwing gelaten."],
     ["Zij voerde een risicoanalyse uit op de subsidieregeling."],
     ["Dat hadden we in eerdere audits buiten beschouwing gelaten."]),
    # "Het maken van ..." is a noun, not "het" pointing back: the sentence before it stays.
    (["Je boekt facturen in.", "Het maken van journaalposten en de btw-aangifte horen niet bij dit keuzedeel."],
     ["Je boekt facturen in."], ["Het maken van journaalposten en de btw-aangifte horen niet bij dit keuzedeel."]),
    # How, not what: "Die behandelen we niet telefonisch" leaves the sentence before it alone.
    (["De medewerker registreert de klachten in het zaaksysteem.", "Die behandelen we niet telefonisch maar schriftelijk."],
     ["De medewerker registreert de klachten in het zaaksysteem.", "Die behandelen we niet telefonisch maar schriftelijk."],
     []),
    # "Het behandelen van ..." is a noun: the sentence before it stays.
    (["Je legt het plan uit aan de ouders.", "Het behandelen van scheelzien valt buiten deze module."],
     ["Je legt het plan uit aan de ouders."], ["Het behandelen van scheelzien valt buiten deze module."]),
    (["Je past lenzen aan.", "Orthokeratologie is een specialisme.", "Dat hebben we in deze cursus niet behandeld."],
     ["Je past lenzen aan."], ["Orthokeratologie is een specialisme.", "Dat hebben we in deze cursus niet behandeld."]),
    (["Je refractioneert.", "De leesadditie maakt geen deel uit van Refractie 1; dat onderwerp wordt behandeld in de "
      "vervolgmodule Refractie 2."],
     ["Je refractioneert."], ["De leesadditie maakt geen deel uit van Refractie 1",
                              "dat onderwerp wordt behandeld in de vervolgmodule Refractie 2."]),
    (["Je geeft een les.", "Over toetsen praten we wel, maar daar lever je geen opdracht voor in."],
     ["Je geeft een les."], ["Over toetsen praten we wel", "daar lever je geen opdracht voor in."]),
    # "daar" (there) and "telt ... mee" (counts) in another sense leave the sentence before alone.
    (["De student loopt stage op een basisschool.", "Daar komt niet aan bod hoe je een koor dirigeert."],
     ["De student loopt stage op een basisschool."], ["Daar komt niet aan bod hoe je een koor dirigeert."]),
    (["De leerling componeert een lied.", "Dit telt voor 40% mee en het verslag wordt niet beoordeeld."],
     ["De leerling componeert een lied."], ["Dit telt voor 40% mee en het verslag wordt niet beoordeeld."]),
    # One that names its own topic, or points ahead, leaves the sentence before it as evidence.
    (["Statistics is taught in year two.", "Dit is geen onderdeel van de cursus: regressieanalyse."],
     ["Statistics is taught in year two."], ["Dit is geen onderdeel van de cursus: regressieanalyse."]),
    (["Trainees plan lessons.", "That was a start; statistics is outside the scope of this course."],
     ["Trainees plan lessons.", "That was a start"], ["statistics is outside the scope of this course."]),
    (["Trainees plan lessons with songs and stories.", "It does not deal with any national curriculum, which is not part of the course."],
     ["Trainees plan lessons with songs and stories."],
     ["It does not deal with any national curriculum, which is not part of the course."]),
])
def test_a_disclaimer_that_points_back_takes_its_topic_along(sentences, kept, aside):
    assert textmod.set_aside_exclusions(sentences) == (kept, aside)


@pytest.mark.parametrize(("clause", "topic"), [
    ("Tuning query performance is outside the scope of this course.", "Tuning query performance"),
    # The stretch of clause a phrase needs before it (no question word, a course named) is not stripped with it.
    ("Implementing change in practice is outside this module.", "Implementing change in practice"),
    ("Aanpassingen bij keratoconus hebben we in deze cursus niet behandeld", "Aanpassingen bij keratoconus"),
    ("The course takes an international perspective: national water regulation is not part of it.",
     "The course takes an international perspective: national water regulation"),
    ("Onderzoek doen stond in deze stageperiode niet op het programma.", "Onderzoek doen"),
    ("Not covered: cloud deployment and cost management.", "cloud deployment and cost management"),
    ("Power BI, data modelling and DAX are not covered.", "Power BI, data modelling and DAX"),
    ("Due diligence en waardering van ondernemingen worden niet behandeld.", "Due diligence en waardering van ondernemingen"),
    ("Het evalueren van interventies komt pas in de vervolgmodule aan bod.", "Het evalueren van interventies"),
    ("Buiten deze cursus vallen: hittestress en droogte.", "hittestress en droogte"),
    ("Tidal calculations are the subject of our follow-up course.", "Tidal calculations"),
])
def test_a_disclaimers_topic_is_the_clause_without_its_disclaiming_words(clause, topic):
    assert textmod.disclaimed_topic(clause) == topic


def test_a_disclaimer_after_the_sentence_limit_is_still_found():
    text = "".join(f"Topic {n} is taught with worked examples.\n" for n in range(60))
    text += "Query tuning is outside the scope of this course."
    evidence, disclaimers = textmod.evidence_and_disclaimers(text)
    assert disclaimers == ["Query tuning is outside the scope of this course."]
    assert len(evidence) == textmod.MAX_SENTENCES


def test_a_disclaimer_wrapped_over_two_lines_is_found_whole():
    text = "Writes SQL queries with joins.\nTuning query performance is outside\nthe scope of this course.\nBuilds reports."
    assert textmod.disclaimed_clauses(text) == ["Tuning query performance is outside the scope of this course."]
    assert textmod.set_aside_exclusions(textmod.split_sentences(text))[0] == ["Writes SQL queries with joins.",
                                                                              "Builds reports."]


def test_two_threads_stemming_at_once_get_the_stems_one_thread_gets():
    """A Snowball stemmer keeps the word it is stemming in the object: a batch prepares credentials in
    two threads (EncodeAhead), so one shared stemmer would corrupt words or raise IndexError."""
    import sys
    import threading

    import snowballstemmer

    words = {lang: [f"{stem}{suffix}" for stem in ("verpleeg", "ontwikkel", "beoordel", "organis", "communic")
                    for suffix in ("ingen", "eerde", "kundige", "ation", "ations", "ing", "ers", "elijkheden")]
             for lang in ("nl", "en")}
    words = {lang: [f"{w}{'x' * n}" for w in ws for n in range(12)] for lang, ws in words.items()}  # many distinct words
    expected = {lang: [snowballstemmer.stemmer("dutch" if lang == "nl" else "english").stemWord(w) for w in ws]
                for lang, ws in words.items()}
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can, mid-word too
    results: dict[int, dict[str, list[str]]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            # The undecorated function: the cache around `stem` would hand out earlier results.
            results[k] = {lang: [textmod.stem.__wrapped__(w, lang) for w in ws] for lang, ws in words.items()}
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    assert not errors
    assert all(r == expected for r in results.values()) and len(results) == 4


def _top_level_alternatives(pattern: str) -> list[str]:
    """The pattern's alternatives at depth 0 (escapes and character classes skipped)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def test_every_disclaiming_phrase_names_a_word_the_quick_test_looks_for():
    # `_disclaims` skips the long search for a text without any of these words; a phrase without one
    # would never be searched for.
    phrases = _top_level_alternatives(textmod._EXCLUSION_RE.pattern)
    assert len(phrases) > 20
    for phrase in phrases:
        words = set(re.findall(r"[a-z]+", re.sub(r"\\[a-zA-Z]", " ", phrase).casefold()))
        assert words & textmod._EXCLUSION_WORDS, phrase
