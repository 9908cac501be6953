"""A realistic, generated staff inventory of a Dutch health insurer (demo data and benchmark).

Deterministic for a given seed. Written the way Dutch Excel exports it: semicolons,
Dutch dates and decimal commas.
"""

from __future__ import annotations

import csv
import io
import random

# department -> (roles, competences (title, description))
DEPARTMENTS: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    "Declaratieverwerking": (
        ["Medewerker declaraties", "Senior declaratiebeoordelaar", "Teamleider declaraties"],
        [
            (
                "Declaraties beoordelen",
                "Beoordeelt declaraties van zorgaanbieders en verzekerden op rechtmatigheid volgens de polisvoorwaarden en de Zorgverzekeringswet",
            ),
            (
                "Eigen risico berekenen",
                "Berekent het verplicht en vrijwillig eigen risico en de eigen bijdragen van verzekerden op basis van hun declaraties",
            ),
            (
                "Vektis-standaarden",
                "Verwerkt elektronische declaraties volgens de EI-standaarden van Vektis met AGB-codes en DBC-zorgproducten",
            ),
            (
                "Materiële controle",
                "Voert materiële controles uit op gedeclareerde zorg en stelt vast of de zorg doelmatig en gepast was",
            ),
            (
                "Fraudesignalen herkennen",
                "Herkent afwijkende declaratiepatronen en meldt signalen van mogelijke fraude aan het fraudeteam",
            ),
            (
                "Machtigingen beoordelen",
                "Beoordeelt machtigingsaanvragen voor hulpmiddelen en behandelingen aan de hand van het basispakket en de aanvullende verzekering",
            ),
        ],
    ),
    "Polisadministratie": (
        ["Medewerker polisadministratie", "Specialist premie en incasso"],
        [
            (
                "Polismutaties verwerken",
                "Verwerkt in- en uitschrijvingen, pakketwijzigingen en overstappen tussen zorgverzekeraars in de polisadministratie",
            ),
            (
                "Premie-inning en incasso",
                "Bewaakt de premie-inning, stelt betalingsregelingen op en volgt achterstanden op",
            ),
            (
                "Wanbetalersregeling",
                "Past de wanbetalersregeling toe en draagt verzekerden met een premieachterstand over aan het CAK",
            ),
            (
                "Collectieve contracten",
                "Administreert collectieve zorgverzekeringen van werkgevers en verwerkt de bijbehorende kortingen",
            ),
            (
                "Verzekeringsplicht controleren",
                "Controleert de verzekeringsplicht en acceptatieplicht bij nieuwe aanmeldingen",
            ),
        ],
    ),
    "Klantcontact": (
        ["Klantadviseur", "Senior klantadviseur", "Teamcoach klantcontact"],
        [
            (
                "Klachtafhandeling",
                "Handelt klachten van verzekerden af volgens de klachtenprocedure en verwijst zo nodig naar de SKGZ",
            ),
            (
                "Gesprekstechnieken",
                "Voert klantgesprekken aan de telefoon met LSD-technieken en de-escaleert bij boze klanten",
            ),
            (
                "Uitleg zorgverzekering",
                "Legt verzekerden uit wat het basispakket en de aanvullende verzekeringen vergoeden",
            ),
            (
                "Klantcontact via chat",
                "Beantwoordt vragen van verzekerden via chat, e-mail en sociale media binnen de servicenormen",
            ),
            (
                "Zorgbemiddeling",
                "Bemiddelt bij wachtlijsten en zoekt samen met de verzekerde een passende zorgaanbieder",
            ),
        ],
    ),
    "Zorginkoop": (
        ["Zorginkoper", "Senior zorginkoper", "Contractmanager"],
        [
            (
                "Zorgcontracten onderhandelen",
                "Onderhandelt met ziekenhuizen en zorgaanbieders over prijs, volume en kwaliteit van gecontracteerde zorg",
            ),
            (
                "Zorgplicht",
                "Bewaakt de zorgplicht van de zorgverzekeraar en signaleert tekorten in het zorgaanbod in de regio",
            ),
            (
                "Kwaliteitsindicatoren",
                "Analyseert kwaliteitsindicatoren en uitkomstinformatie van zorgaanbieders voor de inkoop",
            ),
            (
                "Contractmanagement",
                "Bewaakt de uitvoering van zorgcontracten en voert periodieke gesprekken met zorgaanbieders",
            ),
            (
                "Budgetplafonds",
                "Stelt omzetplafonds vast en monitort de zorgkosten per zorgaanbieder gedurende het jaar",
            ),
        ],
    ),
    "Data-analyse": (
        ["Data-analist", "BI-specialist"],
        [
            (
                "Power BI dashboards",
                "Bouwt dashboards in Power BI over zorgkosten, declaraties en klanttevredenheid voor het management",
            ),
            (
                "SQL",
                "Schrijft SQL-queries op het datawarehouse om declaratie- en polisgegevens te analyseren",
            ),
            (
                "Python voor data-analyse",
                "Analyseert grote datasets met Python en pandas en automatiseert terugkerende rapportages",
            ),
            (
                "Risicoverevening",
                "Analyseert de uitkomsten van de risicoverevening en de effecten op het resultaat van de zorgverzekeraar",
            ),
            ("Excel draaitabellen", "Maakt analyses met draaitabellen, x-zoeken en grafieken in Excel"),
        ],
    ),
    "ICT": (
        ["Softwareontwikkelaar", "DevOps-engineer", "Informatieanalist"],
        [
            (
                "Cloud engineering",
                "Ontwerpt en beheert applicaties in Microsoft Azure met infrastructure as code",
            ),
            (
                "CI/CD-pipelines",
                "Automatiseert build, test en deployment met CI/CD-pipelines in Azure DevOps",
            ),
            (
                "Java-ontwikkeling",
                "Ontwikkelt en onderhoudt Java-applicaties voor de polis- en declaratiesystemen",
            ),
            ("Testautomatisering", "Schrijft geautomatiseerde tests en bewaakt de kwaliteit van releases"),
            ("Scrum", "Werkt als ontwikkelaar in een Scrum-team met sprints, refinements en retrospectives"),
            (
                "Informatiebeveiliging",
                "Past maatregelen uit ISO 27001 en de BIO toe op systemen met persoonsgegevens",
            ),
        ],
    ),
}

GENERAL: list[tuple[str, str]] = [
    ("Lean Six Sigma Yellow Belt", "Verbetert werkprocessen met Lean Six Sigma en de DMAIC-methode"),
    (
        "Projectmanagement PRINCE2",
        "Leidt projecten volgens PRINCE2 met een business case, fasering en risicobeheer",
    ),
    ("Wft Basis", "Heeft het Wft-diploma Basis en kent de regels voor financiële dienstverlening"),
    ("AVG in de praktijk", "Gaat zorgvuldig om met medische persoonsgegevens volgens de AVG"),
    ("Excel basis", "Werkt met formules, filters en grafieken in Excel"),
]

LEVELS = ["basis", "gevorderd", "expert"]
CONTEXTS = [
    "",
    " voor particuliere verzekerden",
    " voor de zakelijke markt",
    " in een team van collega's",
    " als aandachtsfunctionaris",
    " bij de overstapperiode",
    " voor de regio Zuid",
    " met inwerken van nieuwe collega's",
]
PROVIDERS = [
    "CZ Academie",
    "NCOI",
    "LOI",
    "Vektis",
    "Zorgverzekeraars Nederland",
    "Fontys",
    "Udemy",
    "Coursera",
    "Intern",
]


def competence_bank(distinct: int, seed: int = 7) -> dict[str, list[tuple[str, str]]]:
    """Per department (and 'general'): (title, description) pairs, `distinct` in total."""
    rng = random.Random(seed)
    pools = {dept: bank for dept, (_roles, bank) in DEPARTMENTS.items()} | {"general": GENERAL}
    variants: list[tuple[str, tuple[str, str]]] = []
    for dept, bank in pools.items():
        for title, description in bank:
            for level in LEVELS:
                for context in CONTEXTS:
                    variants.append((dept, (f"{title} ({level})", f"{description}{context}.")))
    rng.shuffle(variants)
    # Keep every base competence at least once, then fill up to `distinct`.
    chosen = variants[:distinct]
    out: dict[str, list[tuple[str, str]]] = {dept: [] for dept in pools}
    for dept, item in chosen:
        out[dept].append(item)
    for dept, bank in pools.items():
        if not out[dept]:
            out[dept].append((f"{bank[0][0]} (basis)", f"{bank[0][1]}."))
    return out


def generate_rows(*, staff: int, entries: int, distinct: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    bank = competence_bank(distinct, seed)
    weights = {
        "Declaratieverwerking": 5,
        "Polisadministratie": 3,
        "Klantcontact": 6,
        "Zorginkoop": 2,
        "Data-analyse": 1,
        "ICT": 3,
    }
    departments = list(weights)
    rows: list[list[str]] = []
    for person in range(staff):
        department = rng.choices(departments, weights=[weights[d] for d in departments])[0]
        role = rng.choice(DEPARTMENTS[department][0])
        ref = f"CZ{100000 + person * 7 % 900000:06d}"
        for _ in range(entries):
            pool = bank["general"] if rng.random() < 0.25 else bank[department]
            title, description = rng.choice(pool)
            day = f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(2015, 2025)}"
            hours = rng.choice(["8", "16", "24", "40", "80", "12,5"])
            ects = rng.choice(["", "", "1", "2,5", "5"])
            rows.append([ref, department, role, title, description, rng.choice(PROVIDERS), day, hours, ects])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "Personeelsnummer",
            "Afdeling",
            "Functie",
            "Competentie",
            "Omschrijving",
            "Aanbieder",
            "Datum",
            "Uren",
            "EC",
        ]
    )
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
