"""Demo cases in every state (called by `seed_demo` after accounts, catalogue and portfolios).

Everything goes through the real services, so the demo obeys the same rules (and leaves the same
audit trail) as real use. Matching runs inline here so reviews can refer to real suggestions.

Who sees what after seeding:
- Marianne (applicant): a decided Lerarenopleiding Engels case (one unit granted, one refused)
  and a draft for Business IT & Management.
- Leah (applicant, English): her 17th-century history badge in assessment with Anna.
- Sem (applicant): an AWS badge for HBO-ICT, advice ready for the committee.
- Anna (assessor): Leah's case and several others in her queue, one of them overdue.
- Carla/Dirk (members), Els (chair): cases awaiting a decision, an appeal to resolve.
- A few extra demo applicants hold the remaining states (submitted, more evidence requested,
  resubmitted, withdrawn, appeal lodged, appeal resolved).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from evc.accounts.models import Role, User
from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme

from . import notifications, services
from .models import Case, CaseState, Decision, OutcomeSuggestion, Verdict

logger = logging.getLogger(__name__)


def _version(world: dict[str, Any], code: str) -> CurriculumVersion | None:
    programme: Programme | None = world.get("programmes", {}).get(code)
    return programme.current_version() if programme else None


def _extra_applicant(world: dict[str, Any], local: str, first: str, last: str, language: str = "nl") -> User:
    email = f"{local}@demo.evc.test"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=world.get("password"), role=Role.APPLICANT, first_name=first, last_name=last,
            preferred_language=language, student_number=f"EVC{2000 + User.objects.count()}",
        )
    return user


def _manual(user: User, title: str, provider: str, description: str, url: str = "") -> Any:
    from evc.portfolios.services import credential_add_manual

    return credential_add_manual(applicant=user, title=title, provider=provider, description=description, url=url)


def _match(case: Case) -> None:
    """Run matching now (the worker would do it after commit); a failure leaves a readable state."""
    from .tasks import match_case

    try:
        match_case.call(case.pk)
    except Exception:  # the demo must still load when no embedding model is available
        logger.exception("Demo matching failed for %s", case.reference)


def _review(case: Case, assessor: User, *, covered: set[str]) -> None:
    """Accept the outcomes of the `covered` units, reject the others with a rationale.

    Fixed verdicts keep the demo's story the same whatever the engine suggested; outcomes the
    engine did not suggest are recorded as added by the assessor, as on the review screen.
    """
    case = Case.objects.get(pk=case.pk)
    suggested = set(OutcomeSuggestion.objects.filter(case=case).values_list("outcome_id", flat=True))
    for outcome in LearningOutcome.objects.filter(unit__in=case.units.all()).select_related("unit"):
        accepted = outcome.unit.code in covered
        services.review_record(
            actor=assessor, case=case, outcome=outcome,
            verdict=Verdict.ACCEPTED if accepted else Verdict.REJECTED,
            rationale="" if accepted else "Het bewijs laat deze leeruitkomst niet zien.",
            added_by_assessor=accepted and outcome.pk not in suggested,
        )


def _advise(case: Case, assessor: User, advice: dict[str, tuple[str, str]]) -> None:
    for unit in case.units.all():
        kind, why = advice.get(unit.code, ("no_exemption", "Niet alle leeruitkomsten zijn aangetoond."))
        services.advice_record(actor=assessor, case=case, unit=unit, advice=kind, motivation=why)
    services.advice_complete(actor=assessor, case=case)


def _new_case(owner: User, version: CurriculumVersion, unit_codes: list[str], credentials: list[Any], motivation: str) -> Case:
    units = list(version.units.filter(code__in=unit_codes))
    return services.case_create(actor=owner, version=version, units=units, motivation=motivation,
                                credentials=credentials)


def _submitted(owner: User, version: CurriculumVersion, unit_codes: list[str], credentials: list[Any],
               motivation: str, *, days_ago: int = 0) -> Case:
    case = _new_case(owner, version, unit_codes, credentials, motivation)
    services.case_submit(actor=owner, case=case)
    if days_ago:
        # Back-date the demo so the queue shows a spread of deadlines (one overdue).
        when = timezone.now() - dt.timedelta(days=days_ago)
        Case.objects.filter(pk=case.pk).update(
            submitted_at=when, decision_due=timezone.localdate(when) + dt.timedelta(weeks=8)
        )
    _match(case)
    return Case.objects.get(pk=case.pk)


def seed(world: dict[str, Any]) -> None:
    users: dict[str, User] = world.get("users", {})
    needed = ("applicant", "applicant_leah", "assessor", "assessor_2", "committee_member", "committee_member_2", "chair", "admin")
    if any(k not in users for k in needed) or Case.objects.exists():
        return
    english = _version(world, "LERAREN-ENGELS")
    ict = _version(world, "HBO-ICT-SE")
    bim = _version(world, "BIM")
    if english is None or ict is None:
        return
    creds = world.get("credentials", {})
    marianne, leah = users["applicant"], users["applicant_leah"]
    anna, bram = users["assessor"], users["assessor_2"]
    carla, dirk, chair, admin = users["committee_member"], users["committee_member_2"], users["chair"], users["admin"]
    sem = users.get("applicant_sem") or _extra_applicant(world, "sem", "Sem", "Peters")

    # Demo people have no real mailboxes: don't print dozens of notification mails while seeding.
    with notifications.muted(), transaction.atomic():
        # Marianne: scenario 1, decided: the MOOC covers intercultural business English, not reading/listening.
        m_creds = [c for c in (creds.get("marianne_badge"), creds.get("marianne_cambridge")) if c is not None]
        if not m_creds:
            m_creds = [_manual(marianne, "Cambridge C1 Advanced", "Cambridge University Press & Assessment",
                               "C1 Advanced (CAE): reading, writing, listening and speaking at CEFR level C1.")]
        decided = _submitted(marianne, english, ["LE-ICC", "LE-TV1"], m_creds,
                             "Ik ben vertaler en heb de edX-MOOC English for Doing Business in Asia afgerond, "
                             "plus Cambridge C1 Advanced.", days_ago=30)
        services.assessor_assign(actor=admin, case=decided, assessors=[anna])
        _review(decided, anna, covered={"LE-ICC"})
        _advise(decided, anna, {
            "LE-ICC": ("exemption", "De MOOC dekt zakelijk Engels en interculturele communicatie op het vereiste niveau."),
            "LE-TV1": ("no_exemption", "Het bewijs toont geen toetsing van lees- en luistervaardigheid op C1-niveau voor deze eenheid."),
        })
        services.decision_record(actor=chair, case=decided, units=[
            services.UnitDecisionInput(u.pk, "granted" if u.code == "LE-ICC" else "refused",
                                       "Advies van de beoordelaar overgenomen." if u.code == "LE-ICC"
                                       else "Lees- en luistervaardigheid zijn niet aangetoond; leg het tentamen af.",
                                       timezone.localdate() + dt.timedelta(days=365 * 6) if u.code == "LE-ICC" else None)
            for u in decided.units.all()
        ])
        draft_version, draft_unit = (bim, "BIM-BA") if bim is not None else (ict, "SE-PROF")
        _new_case(marianne, draft_version, [draft_unit], m_creds[:1], "Ik wil weten of mijn ervaring ook hier telt.")

        # Leah: scenario 2, in assessment with Anna (partial match, a video as evidence).
        l_cred = creds.get("leah_badge") or _manual(
            leah, "History of the 17th century", "Faculteit Geesteswetenschappen (demo)",
            "Gold badge: the Dutch Republic in the seventeenth century, with a video blog from a maritime museum.",
            url="https://video.example.org/leah/maritiem-museum")
        in_assessment = _submitted(leah, english, ["LE-LIT", "LE-ICC"], [l_cred],
                                   "My gold badge on the 17th century includes a video blog; I hope it counts as an elective.",
                                   days_ago=52)  # due within a week
        services.assessor_assign(actor=chair, case=in_assessment, assessors=[anna])

        # Sem: scenario 3/4, advice ready; Bram assessed it, so Bram may not decide (he is no committee member anyway).
        aws = _manual(sem, "AWS Certified Solutions Architect – Associate", "Amazon Web Services",
                      "Validates the ability to design and deploy scalable, highly available and fault-tolerant systems "
                      "on AWS, including CI/CD pipelines and infrastructure as code with CloudFormation.",
                      url="https://www.credly.com/badges/demo-aws-saa")
        advised = _submitted(sem, ict, ["SE-CLOUD", "SE-NET"], [aws], "Ik werk drie jaar als cloud engineer.", days_ago=40)
        services.assessor_assign(actor=admin, case=advised, assessors=[anna, bram])
        _review(advised, anna, covered={"SE-CLOUD"})
        services.note_record(actor=bram, case=advised, kind="interview", unit=advised.units.get(code="SE-CLOUD"),
                             held_on=timezone.localdate() - dt.timedelta(days=3),
                             text="Criteriumgericht interview: Sem ontwierp zelf een multi-AZ-architectuur en legde de keuzes goed uit.")
        _advise(advised, anna, {"SE-CLOUD": ("exemption", "Ontwerp en deployment aangetoond, bevestigd in het interview.")})

        # An overdue case in Anna's queue.
        daan = _extra_applicant(world, "daan", "Daan", "Kuipers")
        overdue = _submitted(daan, ict, ["SE-DB"],
                             [_manual(daan, "Oracle Database SQL Certified Associate", "Oracle",
                                      "SQL queries, joins, subqueries, DDL and DML on Oracle Database.")],
                             "Ik schrijf al jaren SQL voor rapportages.", days_ago=63)
        services.assessor_assign(actor=admin, case=overdue, assessors=[anna])

        # The remaining states, on extra demo applicants.
        noor = _extra_applicant(world, "noor", "Noor", "El Amrani")
        _submitted(noor, ict, ["SE-WEB", "SE-DB"],
                   [_manual(noor, "Meta Front-End Developer", "Meta (Coursera)", "HTML, CSS, JavaScript and React; accessible web apps.")],
                   "Front-end ontwikkelaar bij een webbureau.", days_ago=62)  # submitted, unassigned, overdue
        tim = _extra_applicant(world, "tim", "Tim", "Vermeulen")
        more = _submitted(tim, ict, ["SE-SEC"],
                          [_manual(tim, "OWASP Top 10 awareness", "SANS (demo)", "Secure coding against the OWASP Top 10.")],
                          "Ik doe security reviews op mijn werk.", days_ago=25)
        services.assessor_assign(actor=admin, case=more, assessors=[anna])
        services.case_request_evidence(actor=anna, case=more, message="Stuur een voorbeeld van een security review die je zelf hebt uitgevoerd.")
        lisa = _extra_applicant(world, "lisa", "Lisa", "Hoekstra", "en")
        resub = _submitted(lisa, ict, ["SE-TEST"],
                           [_manual(lisa, "ISTQB Foundation Level", "ISTQB", "Software testing fundamentals, test design techniques.")],
                           "Test engineer for four years.", days_ago=50)
        services.assessor_assign(actor=admin, case=resub, assessors=[bram])
        services.case_request_evidence(actor=bram, case=resub, message="Please add a test plan you wrote.")
        services.case_update(actor=lisa, case=resub, units=list(resub.units.all()), motivation=resub.motivation + " Test plan added.",
                             credentials=[*services.credentials_of(resub), _manual(lisa, "Test plan webshop", "Own work", "A risk-based test plan.")])
        services.case_submit(actor=lisa, case=resub)
        joost = _extra_applicant(world, "joost", "Joost", "de Wit")
        withdrawn = _new_case(joost, ict, ["SE-AGILE"],
                              [_manual(joost, "Professional Scrum Master I", "Scrum.org", "Scrum framework and servant leadership.")],
                              "Scrum master.")
        services.case_submit(actor=joost, case=withdrawn)
        services.case_withdraw(actor=joost, case=withdrawn, comment="Ik begin toch met de volledige opleiding.")
        # Appeals: one pending at the CBE, one dismissed, one upheld and corrected (a superseding decision).
        for local, first, last, outcome in (("fatima", "Fatima", "Yilmaz", None), ("kees", "Kees", "Jansen", "dismissed"),
                                            ("ruben", "Ruben", "Bos", "upheld")):
            person = _extra_applicant(world, local, first, last)
            case = _submitted(person, ict, ["SE-PRG1"],
                              [_manual(person, "PCAP – Certified Associate Python Programmer", "Python Institute",
                                       "Python programming: data types, control flow, functions, modules, OOP.")],
                              "Python-ontwikkelaar.", days_ago=70)
            services.assessor_assign(actor=admin, case=case, assessors=[bram])
            _review(case, bram, covered=set())
            _advise(case, bram, {"SE-PRG1": ("no_exemption", "Java-deel van de eenheid is niet aangetoond.")})
            first_decision = services.decision_record(actor=carla, case=case, units=[
                services.UnitDecisionInput(u.pk, "refused", "Het Java-deel is niet aangetoond.") for u in case.units.all()])
            if not isinstance(first_decision, Decision):  # two members decide: Dirk co-signs Carla's proposal
                first_decision = services.decision_record(actor=dirk, case=case, units=[
                    services.UnitDecisionInput(u.pk, "refused", "Het Java-deel is niet aangetoond.") for u in case.units.all()])
            appeal = services.appeal_lodge(actor=person, case=case, grounds="Ik programmeer dagelijks ook in Java; zie mijn GitHub.")
            if outcome == "dismissed":
                services.appeal_resolve(actor=chair, appeal=appeal, outcome=outcome,
                                        note="Het CBE verklaart het beroep ongegrond.")
            elif outcome == "upheld":
                services.appeal_resolve(actor=chair, appeal=appeal, outcome=outcome,
                                        note="Het CBE oordeelt dat het Java-bewijs ten onrechte niet is meegewogen.")
                services.decision_correct(actor=chair, decision=first_decision, units=[
                    services.UnitDecisionInput(u.pk, "granted", "Na beroep: Java-vaardigheid aangetoond met eigen code.")
                    for u in case.units.all()], reason="Uitspraak CBE: beroep gegrond.")
    seeded = Case.objects.values_list("state", flat=True)
    missing = set(CaseState.values) - set(seeded)
    if "stdout" in world:
        world["stdout"].write(f"Assessment demo: {len(seeded)} cases" + (f" (no case in {sorted(missing)})" if missing else ", every state"))
