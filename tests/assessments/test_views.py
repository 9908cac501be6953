"""The pages: the whole path through the HTML views, htmx fragments, conflicts and CSV export."""

from __future__ import annotations

import pytest
from assessment_helpers import credential_for
from django.urls import reverse

from evc.assessments.models import AuditEntry, Case, CaseState, Decision, OutcomeReview, UnitAdvice
from evc.curricula.models import LearningOutcome

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def grant_everything(case: Case, step: str, **per_unit: str) -> dict[str, str]:
    """The decide screen's POST data granting every unit of the case (with `per_unit` fields added)."""
    data = {"step": step}
    for u in case.units.all():
        data[f"u{u.pk}-decision"] = "granted"
        data[f"u{u.pk}-grounds"] = f"{u.code} aangetoond."
        data.update({f"u{u.pk}-{name}": value for name, value in per_unit.items()})
    return data


def test_an_applicant_starts_edits_and_submits_a_case(client_for, applicant, version, admin_user, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    client = client_for(applicant)
    response = client.post(reverse("assessments:case_create"), {"version": version.pk})
    assert response.status_code == 302
    case = applicant.evc_cases.get()
    edit = reverse("assessments:case_edit", args=[case.pk])
    assert client.get(edit).status_code == 200
    unit_ids = list(version.units.values_list("pk", flat=True))
    data = {"units": unit_ids, "motivation": "Vijf jaar DevOps.", "submit": "1"}
    data["credentials"] = [credential_for(applicant).pk]
    response = client.post(edit, data)
    assert response.status_code == 302 and response["Location"] == reverse("assessments:case_submit", args=[case.pk])
    assert client.get(response["Location"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:case_submit", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.decision_due is not None
    assert {m.to[0] for m in mailoutbox} >= {"marianne@example.org", "admin@fontys.example"}
    page = client.get(reverse("assessments:case_detail", args=[case.pk]))
    assert page.status_code == 200 and "evc.case.submitted" in page.content.decode()


def test_submitting_an_empty_case_is_refused_with_a_message(client_for, applicant, version):
    client = client_for(applicant)
    client.post(reverse("assessments:case_create"), {"version": version.pk})
    case = applicant.evc_cases.get()
    response = client.post(reverse("assessments:case_submit", args=[case.pk]), follow=True)
    assert "Kies minstens één onderwijseenheid" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_the_assessor_reviews_in_place_with_htmx(make_case, client_for, assessor, admin_user):
    case = make_case("in_assessment")
    client = client_for(assessor)
    page = client.get(reverse("assessments:case_review", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "AWS Certified Solutions Architect" in html and "Score 90%" in html
    outcome = LearningOutcome.objects.get(code="CLOUD-1")
    url = reverse("assessments:review_save", args=[case.pk, outcome.pk])
    response = client.post(url, {"verdict": "rejected", "rationale": "Kennis, geen ontwerp.", "lock_version": 0}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # a fragment, not a page
    assert "Kennis, geen ontwerp." in response.content.decode()
    review = OutcomeReview.objects.get(case=case, outcome=outcome)
    assert review.verdict == "rejected" and review.lock_version == 1


def test_the_review_page_says_what_the_engine_concludes_per_unit_in_the_readers_language(make_case, client_for, assessor,
                                                                                       admin_user):
    from evc.assessments.models import UnitSuggestion

    case = make_case("in_assessment")
    UnitSuggestion.objects.create(
        case=case, credential=case.credentials.get(), credential_title="AWS <b>SAA</b>", unit=case.units.get(code="CLOUD"),
        suggestion="partial", coverage=0.5, blockers=["coverage"],
        reason="2 van 4 leeruitkomsten gevonden in het bewijs (dekking 0,50); gedeeltelijk: onvoldoende voor vrijstelling.",
        reason_en="2 of 4 outcomes found in the evidence (coverage 0.50); partial: not enough for an exemption.")
    client = client_for(assessor)
    html = client.get(reverse("assessments:case_review", args=[case.pk])).content.decode()
    assert "Wat de matching voor deze eenheid concludeert" in html
    assert "AWS &lt;b&gt;SAA&lt;/b&gt;: 2 van 4 leeruitkomsten gevonden" in html  # escaped, like every text shown
    assert html.count('class="engine-advice"') == 1  # only under the unit it is about
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("assessments:case_review", args=[case.pk])).content.decode()
    assert "What the matching concludes for this unit" in html and "partial: not enough for an exemption" in html


def test_a_second_concurrent_save_is_refused_and_keeps_the_typed_text(make_case, client_for, assessor,
                                                                      other_assessor, admin_user):
    case = make_case("in_assessment", assessors=[assessor, other_assessor])
    outcome = LearningOutcome.objects.get(code="CLOUD-2")
    url = reverse("assessments:review_save", args=[case.pk, outcome.pk])
    # Both opened the screen when the review did not exist yet (lock_version 0).
    first = client_for(assessor).post(url, {"verdict": "accepted", "rationale": "", "lock_version": 0}, **HTMX)
    assert first.status_code == 200
    second = client_for(other_assessor).post(
        url, {"verdict": "rejected", "rationale": "Mijn lange uitleg.", "lock_version": 0}, **HTMX
    )
    assert second.status_code == 409
    body = second.content.decode()
    assert "Iemand anders heeft dit intussen opgeslagen" in body
    assert "Mijn lange uitleg." in body  # nothing she typed is lost
    review = OutcomeReview.objects.get(case=case, outcome=outcome)
    assert review.verdict == "accepted" and review.reviewer == assessor and review.lock_version == 1


def test_a_concurrent_advice_save_is_refused(make_case, client_for, assessor, other_assessor, admin_user):
    case = make_case("in_assessment", assessors=[assessor, other_assessor])
    unit = case.units.get(code="WEB")
    url = reverse("assessments:advice_save", args=[case.pk, unit.pk])
    ok = client_for(assessor).post(url, {"advice": "exemption", "motivation": "Alles aangetoond.", "lock_version": 0}, **HTMX)
    assert ok.status_code == 200 and "Advies opgeslagen." in ok.content.decode()
    stale = client_for(other_assessor).post(url, {"advice": "no_exemption", "motivation": "WEB-3 mist.", "lock_version": 0}, **HTMX)
    assert stale.status_code == 409
    assert UnitAdvice.objects.get(case=case, unit=unit).advice == "exemption"
    fresh = client_for(other_assessor).post(url, {"advice": "no_exemption", "motivation": "WEB-3 mist.", "lock_version": 1}, **HTMX)
    assert fresh.status_code == 200
    assert UnitAdvice.objects.get(case=case, unit=unit).lock_version == 2


def test_the_committee_decides_through_a_confirmation_page(make_case, client_for, chair, assessor, admin_user):
    case = make_case("advice_ready")
    client = client_for(chair)
    url = reverse("assessments:decide", args=[case.pk])
    screen = client.get(url)
    assert screen.status_code == 200 and "Alle leeruitkomsten aangetoond." in screen.content.decode()
    data = grant_everything(case, "check")
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "Besluit vastleggen" in confirm.content.decode()
    assert not Decision.objects.exists()  # the check step stores nothing
    data["step"] = "confirm"
    done = client.post(url, data)
    decision = Decision.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("assessments:decision_detail", args=[decision.public_id])
    assert client.get(done["Location"]).status_code == 200


def test_the_decision_screen_refuses_a_conflicted_member(make_case, client_for, committee_member, chair, assessor, admin_user):
    case = make_case("advice_ready", assessors=[committee_member])
    client = client_for(committee_member)
    screen = client.get(reverse("assessments:decide", args=[case.pk]))
    assert "belangenverstrengeling" in screen.content.decode()
    data = {"step": "confirm"}
    for u in case.units.all():
        data[f"u{u.pk}-decision"] = "granted"
        data[f"u{u.pk}-grounds"] = "ok"
    assert client.post(reverse("assessments:decide", args=[case.pk]), data).status_code == 403
    assert not Decision.objects.exists()


def test_the_queue_filters_and_flags_overdue_cases(make_case, client_for, assessor, admin_user):
    import datetime as dt

    from django.utils import timezone

    late = make_case("in_assessment")
    make_case("in_assessment")
    type(late).objects.filter(pk=late.pk).update(decision_due=timezone.localdate() - dt.timedelta(days=3))
    client = client_for(assessor)
    page = client.get(reverse("assessments:queue"))
    html = page.content.decode()
    assert page.status_code == 200 and 'class="overdue"' in html and "3 dagen te laat" in html
    only_late = client.get(reverse("assessments:queue"), {"due": "overdue"}, **HTMX)
    assert only_late.status_code == 200 and "<html" not in only_late.content.decode()
    body = only_late.content.decode()
    assert late.reference in body and body.count("EVC-D-") == 1


def test_the_audit_trail_exports_as_csv(make_case, client_for, assessor, admin_user):
    case = make_case("in_assessment")
    AuditEntry.objects.create(case=case, actor=assessor, action="evc.test.note", comment="=HYPERLINK(\"x\")")
    response = client_for(assessor).get(reverse("assessments:audit_csv", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0] == "when,who,action,before,after,comment"
    assert "evc.case.submitted" in body and "evc.case.assessors_assigned" in body
    assert "'=HYPERLINK" in body  # no formula injection into spreadsheets


def test_matching_progress_fragment_polls_until_ready(make_case, client_for, applicant, assessor, admin_user):
    case = make_case("submitted")
    client = client_for(applicant)
    pending = client.get(reverse("assessments:matching_status", args=[case.pk]), **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in pending
    type(case).objects.filter(pk=case.pk).update(matching_status="ready")
    here = f"http://testserver{reverse('assessments:case_detail', args=[case.pk])}"
    ready = client.get(reverse("assessments:matching_status", args=[case.pk]), HTTP_HX_CURRENT_URL=here, **HTMX)
    assert "hx-trigger" not in ready.content.decode()
    assert f'href="{reverse("assessments:case_detail", args=[case.pk])}"' in ready.content.decode()


def test_two_members_decide_through_the_screens(settings, make_case, client_for, committee_member,
                                                committee_member_2, chair, assessor, admin_user):
    case = make_case("advice_ready")
    url = reverse("assessments:decide", args=[case.pk])
    data = grant_everything(case, "confirm")
    first = client_for(committee_member).post(url, data, follow=True)
    assert "Een tweede commissielid moet het bevestigen" in first.content.decode()
    assert not Decision.objects.exists()
    screen = client_for(committee_member_2).get(url).content.decode()
    assert "Carla Visser heeft dit besluit voorgesteld" in screen and "CLOUD aangetoond." in screen
    client_for(committee_member_2).post(url, data)
    decision = Decision.objects.get()
    assert decision.snapshot["decided_by"] == ["Carla Visser", "Dirk Mulder"]


def test_the_applicant_sees_what_evidence_is_asked(make_case, client_for, applicant, assessor, admin_user):
    case = make_case("more_evidence_requested")
    for name in ("assessments:case_detail", "assessments:case_edit"):
        page = client_for(applicant).get(reverse(name, args=[case.pk])).content.decode()
        assert "Stuur ook uw Terraform-code." in page


def test_the_admin_shows_cases_but_changes_nothing(make_case, client_for, admin_user, assessor):
    case = make_case("in_assessment")
    client = client_for(admin_user)
    assert client.get(reverse("admin:assessments_case_changelist")).status_code == 200
    assert client.get(reverse("admin:assessments_auditentry_changelist")).status_code == 200
    assert client.post(reverse("admin:assessments_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_applicant_sees_the_outcome_per_unit(make_case, client_for, applicant, assessor, chair, admin_user):
    case = make_case("decided", chair=chair)
    page = client_for(applicant).get(reverse("assessments:case_detail", args=[case.pk])).content.decode()
    assert page.count("Vrijstelling verleend") == 2
    assert "Beroep instellen" in page


def test_the_applicants_appeal_form_has_no_date_and_a_posted_one_is_ignored(make_case, client_for, applicant, assessor, chair,
                                                                             admin_user):
    from django.utils import timezone

    case = make_case("decided", chair=chair)
    url = reverse("assessments:appeal_lodge", args=[case.pk])
    client = client_for(applicant)
    assert 'name="lodged_on"' not in client.get(url).content.decode()
    response = client.post(url, {"grounds": "Mijn C1-certificaat is niet meegewogen.", "lodged_on": "1990-01-01"})
    assert response.status_code == 302
    assert case.appeals.get().lodged_on == timezone.localdate()
    assert 'name="lodged_on"' in client_for(admin_user).get(url).content.decode()


def test_an_exemption_cannot_be_granted_until_a_date_already_past(make_case, client_for, chair, assessor, admin_user):
    import datetime as dt

    from django.utils import timezone

    case = make_case("advice_ready")
    url = reverse("assessments:decide", args=[case.pk])
    refused = client_for(chair).post(url, grant_everything(case, "check", valid_until="2020-01-01"))
    assert refused.status_code == 400 and "Kies een datum na vandaag." in refused.content.decode()
    assert not Decision.objects.exists()
    later = (timezone.localdate() + dt.timedelta(days=6 * 365)).isoformat()
    assert client_for(chair).post(url, grant_everything(case, "check", valid_until=later)).status_code == 200


def test_without_javascript_a_refused_save_keeps_the_typed_text_too(make_case, client_for, assessor, other_assessor,
                                                                     admin_user):
    case = make_case("in_assessment", assessors=[assessor, other_assessor])
    outcome = LearningOutcome.objects.get(code="CLOUD-2")
    url = reverse("assessments:review_save", args=[case.pk, outcome.pk])
    client_for(assessor).post(url, {"verdict": "accepted", "rationale": "", "lock_version": 0})
    stale = client_for(other_assessor).post(url, {"verdict": "rejected", "rationale": "Mijn lange uitleg.",
                                                  "lock_version": 0})
    body = stale.content.decode()
    assert stale.status_code == 409 and "Iemand anders heeft dit intussen opgeslagen" in body
    assert "Mijn lange uitleg.</textarea>" in body and 'name="lock_version" value="1"' in body  # resubmit as is
    retry = client_for(other_assessor).post(url, {"verdict": "rejected", "rationale": "Mijn lange uitleg.",
                                                  "lock_version": 1})
    assert retry.status_code == 302 and retry["Location"].endswith(f"#lo-{outcome.pk}")
    assert OutcomeReview.objects.get(case=case, outcome=outcome).rationale == "Mijn lange uitleg."

    unit = case.units.get(code="WEB")
    advice_url = reverse("assessments:advice_save", args=[case.pk, unit.pk])
    client_for(assessor).post(advice_url, {"advice": "exemption", "motivation": "Alles aangetoond.", "lock_version": 0})
    stale = client_for(other_assessor).post(advice_url, {"advice": "no_exemption", "motivation": "WEB-3 mist.",
                                                         "lock_version": 0})
    assert stale.status_code == 409 and "WEB-3 mist.</textarea>" in stale.content.decode()


def test_the_decision_page_writes_dates_and_credits_as_a_reader_does(make_case, client_for, chair, assessor, admin_user):
    from django.utils import timezone
    from django.utils.formats import date_format
    from django.utils.translation import override

    from evc.assessments import services

    case = make_case("advice_ready")
    units = [services.UnitDecisionInput(unit_id=u.pk, decision="granted", grounds="Aangetoond.",
                                        valid_until=timezone.localdate().replace(year=timezone.localdate().year + 6))
             for u in case.units.all()]
    decision = services.decision_record(actor=chair, case=case, units=units)
    body = client_for(chair).get(reverse("assessments:decision_detail", args=[decision.public_id])).content.decode()
    with override("nl"):
        assert date_format(decision.appeal_deadline, "j F Y") in body
        assert date_format(units[0].valid_until, "j F Y") in body
    assert decision.appeal_deadline.isoformat() not in body
    assert "(7,5 EC)" in body and "(5 EC)" in body and "5.0" not in body


def test_the_decision_page_names_the_committee_in_the_readers_language_and_drops_a_spent_appeal_term(
        make_case, client_for, chair, assessor, admin_user):
    from assessment_helpers import grant_all

    from evc.assessments import services

    case = make_case("advice_ready")
    decision = services.decision_record(actor=chair, case=case, units=grant_all(case))
    client = client_for(chair)
    url = reverse("assessments:decision_detail", args=[decision.public_id])
    page = client.get(url).content.decode()
    assert "Examencommissie" in page and "Beroep mogelijk tot en met" in page
    assert "(voorzitter:" not in page  # the chair decided alone: the name once
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Examination Committee" in client.get(url).content.decode()
    Decision.objects.filter(pk=decision.pk).update(status="withdrawn_on_appeal")
    assert "Appeal possible until" not in client.get(url).content.decode()


def test_the_decide_screen_asks_for_english_grounds_for_an_english_applicant(make_case, client_for, applicant, chair,
                                                                              assessor, admin_user):
    case = make_case("advice_ready")
    url = reverse("assessments:decide", args=[case.pk])
    assert "schrijf de motivering in het Engels" not in client_for(chair).get(url).content.decode()
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    assert "schrijf de motivering in het Engels" in client_for(chair).get(url).content.decode()


@pytest.mark.django_db
def test_unit_coverage_leaves_out_outcomes_shown_only_beside_a_strong_match(make_case) -> None:  # type: ignore[no-untyped-def]
    from evc.assessments import selectors
    from evc.assessments.models import OutcomeSuggestion

    case = make_case("submitted")
    best = OutcomeSuggestion.objects.filter(case=case).order_by("-score").first()
    unit_id = best.outcome.unit_id
    before = selectors.unit_coverage(case)[unit_id]["suggested"]
    assert before > 1
    OutcomeSuggestion.objects.filter(case=case, outcome__unit_id=unit_id).exclude(pk=best.pk).update(strength="beside")
    assert selectors.unit_coverage(case)[unit_id]["suggested"] == 1
