"""The background matching of a case: stores the engine's suggestions, is idempotent, fails
readably, and re-runs when a linked credential or the catalogue changes."""

from __future__ import annotations

from typing import Any

import pytest

from evc.assessments.models import Case, MatchingStatus, OutcomeSuggestion, UnitSuggestion
from evc.assessments.tasks import fingerprint_for, match_case
from evc.curricula.models import LearningOutcome
from evc.matching import api as matching_api
from evc.matching.api import MatchResult, OutcomeMatch
from evc.matching.api import UnitSuggestion as EngineUnitSuggestion

pytestmark = pytest.mark.django_db


def _match(outcome: LearningOutcome, score: float) -> OutcomeMatch:
    return OutcomeMatch(
        reference=outcome.reference, programme=outcome.unit.version.programme.code, unit=outcome.unit.code,
        outcome=outcome.code, text=outcome.text, language=outcome.language, score=score, confidence=score * 0.9,
        strength="strong" if score > 0.7 else "possible", signals={"bm25": 0.61, "cosine": 0.72},
        contributions={"bm25": 0.4}, evidence_sentence="Designs distributed systems on AWS.", shared_terms=("aws",),
        explanations={"nl": "Gedeelde termen: aws.", "en": "Shared terms: aws."}, outcome_id=outcome.pk,
    )


@pytest.fixture
def fake_engine(monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[dict[str, Any]] = []

    def match_claims(claims, programme_codes, **kwargs):  # type: ignore[no-untyped-def]
        calls.append({"claims": claims, "programmes": programme_codes, **kwargs})
        cloud = LearningOutcome.objects.filter(code__in=["CLOUD-1", "CLOUD-3"]).order_by("code")
        unit = cloud[0].unit
        units = [EngineUnitSuggestion(
            reference=f"HBO-ICT-SE/{unit.code}", programme="HBO-ICT-SE", unit=unit.code, name=unit.name,
            coverage=0.5, suggestion="partial", matched_outcomes=("CLOUD-1", "CLOUD-3"), outcome_count=4,
            level_fit=0.0, workload_fit=None, unit_id=unit.pk, blockers=("coverage", "level"))]
        # A unit of another catalogue year is never stored against this case.
        units.append(EngineUnitSuggestion(**{**units[0].__dict__, "unit_id": -1}))
        return [MatchResult(language="en", model_id="fake", outcomes=[_match(o, 0.8 - 0.2 * i) for i, o in enumerate(cloud)],
                            units=units)
                for _ in claims]

    monkeypatch.setattr(matching_api, "match_claims", match_claims)
    return calls


def test_it_stores_the_engines_suggestions_with_their_explanations(make_case, fake_engine, admin_user):
    case = make_case("draft")
    assert match_case.call(case.pk) == 2
    case.refresh_from_db()
    assert case.matching_status == MatchingStatus.READY and case.matching_progress == 100
    rows = list(OutcomeSuggestion.objects.filter(case=case).order_by("-score"))
    assert [(r.outcome.code, round(r.score, 2)) for r in rows] == [("CLOUD-1", 0.8), ("CLOUD-3", 0.6)]
    assert rows[0].credential == case.credentials.get()
    assert rows[0].explanation == "Gedeelde termen: aws." and rows[0].explanation_en == "Shared terms: aws."
    assert rows[0].signals == {"bm25": 0.61, "cosine": 0.72}
    (call,) = fake_engine
    assert call["programmes"] == ["HBO-ICT-SE"] and callable(call["precedents"])  # precedents are offered
    # What it concludes per unit, with why, in both languages.
    (unit,) = UnitSuggestion.objects.filter(case=case)
    assert (unit.unit.code, unit.suggestion, unit.coverage, unit.blockers) == ("CLOUD", "partial", 0.5, ["coverage", "level"])
    assert unit.credential == case.credentials.get() and unit.credential_title == rows[0].credential_title
    assert unit.reason.startswith("2 van 4 leeruitkomsten gevonden in het bewijs (dekking 0,50); gedeeltelijk")
    assert "the credential's level is below the unit's" in unit.reason_en


def test_running_it_twice_changes_nothing(make_case, fake_engine, admin_user):
    case = make_case("draft")
    match_case.call(case.pk)
    first = list(OutcomeSuggestion.objects.filter(case=case).values_list("pk", flat=True))
    match_case.call(case.pk)
    assert list(OutcomeSuggestion.objects.filter(case=case).values_list("pk", flat=True)) == first
    assert len(fake_engine) == 1  # the fingerprint matched: the engine was not even asked again


def test_a_changed_outcome_text_makes_it_run_again(make_case, fake_engine, admin_user):
    case = make_case("draft")
    match_case.call(case.pk)
    outcome = LearningOutcome.objects.get(code="CLOUD-1")
    LearningOutcome.objects.filter(pk=outcome.pk).update(text=outcome.text + " With cost awareness.")
    match_case.call(case.pk)
    assert len(fake_engine) == 2
    assert UnitSuggestion.objects.filter(case=case).count() == 1  # replaced as a whole, like the outcome suggestions


def test_an_engine_failure_leaves_a_readable_state(make_case, monkeypatch, admin_user):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise matching_api.MatchingError("Het embeddingmodel ontbreekt.")

    monkeypatch.setattr(matching_api, "match_claims", broken)
    case = make_case("draft")
    assert match_case.call(case.pk) == 0
    case.refresh_from_db()
    assert case.matching_status == MatchingStatus.FAILED and "embeddingmodel" in case.matching_error


def test_submitting_queues_matching_after_commit(make_case, applicant, admin_user, django_capture_on_commit_callbacks,
                                                 settings, fake_engine):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case = make_case("draft")
    from evc.assessments import services

    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(actor=applicant, case=case)
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.READY
    assert OutcomeSuggestion.objects.filter(case=case).count() == 2


def test_a_changed_credential_or_catalogue_queues_a_rematch(make_case, admin_user, assessor,
                                                            django_capture_on_commit_callbacks):
    case = make_case("in_assessment")
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    credential = case.credentials.get()
    with django_capture_on_commit_callbacks(execute=True):
        credential.title = "AWS Certified Solutions Architect (renewed)"
        credential.save()
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = LearningOutcome.objects.get(code="WEB-1")
        outcome.text += " Met aandacht voor WCAG."
        outcome.save()
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING
    decided_elsewhere = Case.objects.filter(pk=case.pk)
    decided_elsewhere.update(state="withdrawn", matching_status=MatchingStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        credential.save()
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.READY  # closed cases stay as they are


def test_rematch_cases_queues_only_cases_whose_inputs_changed(make_case, fake_engine, admin_user,
                                                              django_capture_on_commit_callbacks):
    from django.core.management import call_command

    current, stale = make_case("draft"), make_case("draft")
    match_case.call(current.pk)
    match_case.call(stale.pk)
    # A catalogue import writes in bulk (no post_save signals): only the fingerprint notices.
    LearningOutcome.objects.filter(code="CLOUD-1").update(text="The student designs a multi-region architecture.")
    Case.objects.filter(pk=current.pk).update(matching_fingerprint=fingerprint_for(current))  # already re-run
    out = call_command("rematch_cases")
    assert out == "2 open cases checked, 1 queued for matching."
    assert Case.objects.get(pk=stale.pk).matching_status == MatchingStatus.PENDING
    assert Case.objects.get(pk=current.pk).matching_status == MatchingStatus.READY


def test_rematch_cases_queues_open_cases_after_the_engine_changes(make_case, fake_engine, admin_user, monkeypatch):
    from django.core.management import call_command

    from evc.matching import services as matching_services

    case = make_case("draft")
    match_case.call(case.pk)
    assert call_command("rematch_cases") == "1 open cases checked, 0 queued for matching."
    # Refitted weights (or another model) would suggest otherwise: the stored suggestions are stale.
    before = matching_services.engine_fingerprint()
    monkeypatch.setattr(matching_services, "engine_fingerprint", lambda: before + "-refitted")
    assert call_command("rematch_cases") == "1 open cases checked, 1 queued for matching."
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING


def test_the_engine_fingerprint_follows_the_weights_file(settings, tmp_path, monkeypatch):
    from evc.matching import services as matching_services
    from evc.matching.engine import fusion

    settings.EVC_USE_EMBEDDINGS = False  # the lexical engine: no model to resolve
    shipped = matching_services.engine_fingerprint()
    assert shipped.startswith("lexical-only|") and "no weights" not in shipped
    monkeypatch.setattr(fusion, "WEIGHTS_DIR", tmp_path)
    without = matching_services.engine_fingerprint()
    assert without.startswith("lexical-only|no weights|code ")
    (tmp_path / "lexical-only.json").write_text("{}")
    assert matching_services.engine_fingerprint() not in (shipped, without)


def test_the_engine_fingerprint_follows_the_engine_code(tmp_path):
    from evc.matching import services as matching_services

    first, second, same = tmp_path / "first", tmp_path / "second", tmp_path / "same"
    for folder, body in ((first, "THRESHOLD = 0.5\n"), (second, "THRESHOLD = 0.6\n"), (same, "THRESHOLD = 0.5\n")):
        folder.mkdir()
        (folder / "matcher.py").write_text(body)
        (folder / "notes.md").write_text(f"not code: {folder.name}")  # only .py and .txt files count
    digest = matching_services.engine_code_digest
    assert digest(first) == digest(same) != digest(second)
    assert matching_services.engine_fingerprint().endswith(f"|code {digest()}")
    assert digest() == digest(matching_services.ENGINE_DIR) and len(digest()) == 16


def test_a_claim_stored_before_sizes_were_read_from_text_is_matched_with_them(make_case, fake_engine, admin_user):
    case = make_case("draft")
    credential = case.credentials.get()
    stored = dict(credential.claim, description="Leergang van tien dagdelen (ongeveer 140 uur studiebelasting).")
    for field in ("hours", "ects", "eqf_level", "nlqf_level"):
        stored[field] = None
    stored["sources"] = {k: v for k, v in stored.get("sources", {}).items() if k not in ("hours", "ects")}
    type(credential).objects.filter(pk=credential.pk).update(claim=stored)  # as an older intake stored it
    match_case.call(case.pk)
    (call,) = fake_engine
    (claim,) = call["claims"]
    assert claim.hours == 140 and "140 uur studiebelasting" in claim.sources["hours"]
    assert type(credential).objects.get(pk=credential.pk).claim["hours"] is None  # the stored claim is left alone


def test_removing_a_linked_credential_queues_a_rematch(make_case, applicant, admin_user, assessor,
                                                       django_capture_on_commit_callbacks):
    from evc.portfolios.services import credential_remove

    case = make_case("draft")
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        credential_remove(applicant=applicant, credential=case.credentials.get())
    case.refresh_from_db()
    assert case.matching_status == MatchingStatus.PENDING and not case.credentials.exists()


def test_evidence_of_a_submitted_case_cannot_be_removed(make_case, applicant, admin_user, assessor) -> None:  # type: ignore[no-untyped-def]
    from evc.portfolios.services import PortfolioError, credential_remove

    case = make_case("in_assessment")
    with pytest.raises(PortfolioError, match="ingediende EVC-aanvraag"):
        credential_remove(applicant=applicant, credential=case.credentials.get())
    assert case.credentials.count() == 1


def test_a_catalogue_import_that_changes_texts_queues_open_cases(make_case, admin_user, assessor,
                                                                 django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    import io

    from evc.curricula.services import curriculum_export_csv, curriculum_export_rows, curriculum_import

    case = make_case("in_assessment")
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    version = case.version
    rows = curriculum_export_rows(programme_code=version.programme.code, academic_year=version.academic_year)
    out = io.StringIO()
    curriculum_export_csv(rows, out)
    with django_capture_on_commit_callbacks(execute=True):  # an unchanged re-import changes nothing
        curriculum_import(io.BytesIO(out.getvalue().encode()), filename="same.csv", academic_year=version.academic_year)
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.READY
    changed = out.getvalue().replace("CI/CD pipeline", "CI/CD pipeline with GitHub Actions")
    with django_capture_on_commit_callbacks(execute=True):
        curriculum_import(io.BytesIO(changed.encode()), filename="new.csv", academic_year=version.academic_year)
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING


def test_the_remove_page_explains_why_submitted_evidence_stays(make_case, applicant, client_for, admin_user, assessor) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    case = make_case("in_assessment")
    credential = case.credentials.get()
    response = client_for(applicant).post(reverse("portfolios:credential_delete", args=[credential.pk]))
    assert response.status_code == 409
    assert "ingediende EVC-aanvraag" in response.content.decode()
    assert case.credentials.count() == 1


def test_the_years_limit_on_the_age_of_evidence_reaches_the_engine_and_a_change_rematches(
        make_case, fake_engine, admin_user, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    case = make_case("submitted")
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.make_aware(dt.datetime(2026, 3, 2, 12)))
    match_case.call(case.pk)
    assert fake_engine[-1]["max_age_years"] is None  # no limit in the regulations: none applied
    version = case.version
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        version.evidence_max_age_years = 5
        version.save()
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING
    match_case.call(case.pk)  # the limit is part of the fingerprint: the engine is asked again
    assert fake_engine[-1]["max_age_years"] == 5
    assert fake_engine[-1]["today"] == dt.date(2026, 3, 2)  # evidence age counts on the day the application came in
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        version.freeze()  # the first decision on the year changes nothing the engine reads
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.READY


def test_accepting_evidence_one_level_below_rematches_the_years_cases(make_case, fake_engine,
                                                                      django_capture_on_commit_callbacks):
    from evc.assessments.tasks import fingerprint_for

    case = make_case("submitted")
    match_case.call(case.pk)
    before = fingerprint_for(case)
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    version = case.version
    with django_capture_on_commit_callbacks(execute=True):
        version.level_below_accepted = True
        version.save(update_fields=["level_below_accepted"])
    assert Case.objects.get(pk=case.pk).matching_status == MatchingStatus.PENDING
    assert fingerprint_for(Case.objects.get(pk=case.pk)) != before  # the suggestions must be worked out again
