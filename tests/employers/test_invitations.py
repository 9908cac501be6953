"""Inviting an employee: nothing identifies them until they accept; consent opens a pre-filled case."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from evc.accounts.models import Role
from evc.assessments.models import Case
from evc.curricula.models import CurriculumVersion, Programme, academic_year_for
from evc.employers import services
from evc.employers.mapping import mapping_run_execute
from evc.employers.models import StaffInvitation
from evc.portfolios.models import Credential
from tests.employers.helpers import csv_bytes, group_inventory, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_engine")]


@pytest.fixture
def mapped(organisation, catalogue):
    rows = [*group_inventory(), staff("D000", "Declaratieverwerking", "Medewerker declaraties", "Python scripts", provider="Codecademy", date="15-03-2025", hours="40")]
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="cz.csv")
    run = services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    return mapping_run_execute(run_id=run.pk)


def _invite(client, ref="D000", email="daan@example.org"):
    response = client.post("/werkgever/uitnodigen/", {"employee_ref": ref, "email": email})
    assert response.status_code == 302
    if not mail.outbox:
        return None
    return re.search(r"/werkgever/uitnodiging/([\w-]+)/", mail.outbox[-1].body).group(1)


def test_the_whole_invite_accept_consent_flow(client, client_for, employer_rep, applicant, mapped, organisation):
    token = _invite(client_for(employer_rep))
    assert mail.outbox[0].to == ["daan@example.org"]
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by is None and token not in invitation.token_hash  # only a hash of the token

    # Before logging in the page says who invites, nothing about the employee.
    landing = client.get(f"/werkgever/uitnodiging/{token}/").content.decode()
    assert "CZ zorgverzekeraar" in landing and "Cloud deployment" not in landing
    assert client.post(f"/werkgever/uitnodiging/{token}/aannemen/").status_code == 302  # to the log-in page
    assert StaffInvitation.objects.get().accepted_by is None

    employee = client_for(applicant)
    response = employee.post(f"/werkgever/uitnodiging/{token}/aannemen/")
    assert response["Location"] == f"/werkgever/mijn-overzicht/{invitation.pk}/"
    page = employee.get(response["Location"]).content.decode()
    assert "Cloud deployment" in page and "Python scripts" in page
    assert "CLOUD" in page and "mogelijk vrijstelling" in page

    response = employee.post(f"/werkgever/mijn-overzicht/{invitation.pk}/toestemming/",
                             {"programme": "HBO-ICT-SE", "consent": "on"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    case = Case.objects.get(applicant=applicant)
    assert invitation.consent_at and invitation.case_reference == f"case:{case.pk}"
    assert sorted(case.units.values_list("code", flat=True)) == ["CLOUD"]
    titles = sorted(Credential.objects.filter(portfolio__owner=applicant).values_list("title", flat=True))
    assert titles == ["Cloud deployment [CLOUD]", "Excel basis", "Python scripts"]
    # Consenting again changes nothing, and says so.
    again = employee.post(f"/werkgever/mijn-overzicht/{invitation.pk}/toestemming/",
                          {"programme": "HBO-ICT-SE", "consent": "on"}, follow=True)
    assert "Je had al toestemming gegeven" in again.content.decode()
    assert Case.objects.filter(applicant=applicant).count() == 1
    # Consent for another programme is refused, not reported as done.
    other = Programme.objects.create(code="FSA-ZORGVERZEKERINGEN", name="Financial Services Management")
    CurriculumVersion.objects.create(programme=other, academic_year=academic_year_for())
    refused = employee.post(f"/werkgever/mijn-overzicht/{invitation.pk}/toestemming/",
                            {"programme": other.code, "consent": "on"}, follow=True)
    assert "Je hebt al toestemming gegeven voor HBO-ICT-SE" in refused.content.decode()
    assert Case.objects.filter(applicant=applicant).count() == 1


def test_the_employer_cannot_see_who_accepted(client_for, employer_rep, applicant, mapped):
    rep = client_for(employer_rep)
    token = _invite(rep)
    client_for(applicant).post(f"/werkgever/uitnodiging/{token}/aannemen/")
    page = rep.get("/werkgever/").content.decode()
    assert applicant.email not in page and "Marianne" not in page


def test_consent_needs_the_box_ticked(client_for, employer_rep, applicant, mapped):
    token = _invite(client_for(employer_rep))
    employee = client_for(applicant)
    employee.post(f"/werkgever/uitnodiging/{token}/aannemen/")
    invitation = StaffInvitation.objects.get()
    employee.post(f"/werkgever/mijn-overzicht/{invitation.pk}/toestemming/", {"programme": "HBO-ICT-SE"})
    assert not Case.objects.exists() and StaffInvitation.objects.get().consent_at is None


def test_someone_else_cannot_use_an_accepted_invitation(client_for, employer_rep, applicant, other_applicant, mapped):
    token = _invite(client_for(employer_rep))
    client_for(applicant).post(f"/werkgever/uitnodiging/{token}/aannemen/")
    other = client_for(other_applicant)
    other.post(f"/werkgever/uitnodiging/{token}/aannemen/")
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by == applicant
    assert other.get(f"/werkgever/mijn-overzicht/{invitation.pk}/").status_code == 404
    assert other.post(f"/werkgever/mijn-overzicht/{invitation.pk}/toestemming/", {"programme": "HBO-ICT-SE", "consent": "on"}).status_code == 404


def test_only_applicant_accounts_can_accept(client_for, employer_rep, assessor, mapped):
    token = _invite(client_for(employer_rep))
    client_for(assessor).post(f"/werkgever/uitnodiging/{token}/aannemen/")
    assert StaffInvitation.objects.get().accepted_by is None


def test_unknown_references_and_bad_tokens(client, client_for, employer_rep, mapped):
    assert _invite(client_for(employer_rep), ref="NOT-THERE") is None
    assert not StaffInvitation.objects.exists()
    assert client.get("/werkgever/uitnodiging/forged-token/").status_code == 404


def test_an_expired_invitation_is_refused(client_for, employer_rep, applicant, mapped):
    token = _invite(client_for(employer_rep))
    StaffInvitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client_for(applicant).post(f"/werkgever/uitnodiging/{token}/aannemen/").status_code == 404


def test_employers_invite_only_within_their_organisation(client_for, make_user, other_organisation, mapped):
    other_rep = make_user("hr@vgz.example", Role.EMPLOYER, organisation=other_organisation)
    assert _invite(client_for(other_rep), ref="D000") is None  # D000 exists at CZ, not at VGZ


def test_the_employee_sees_units_their_entries_cover_together(client_for, employer_rep, applicant, organisation, catalogue):
    rows = [staff("Z1", "ICT", "Dev", f"Deel {i} [CLOUD?{i}]") for i in (1, 2, 3)] + [staff("Z1", "ICT", "Dev", "Web [WEB?]")]
    rows += [staff(f"Y{i}", "ICT", "Dev", "Iets anders") for i in range(5)]
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="cz.csv")
    mapping_run_execute(run_id=services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"]).pk)
    token = _invite(client_for(employer_rep), ref="Z1")
    employee = client_for(applicant)
    page = employee.get(employee.post(f"/werkgever/uitnodiging/{token}/aannemen/")["Location"]).content.decode()
    together = page.split("Samen goed voor een hele eenheid")[1].split("</ul>")[0]
    assert "HBO-ICT-SE/CLOUD" in together and "3 regels" in together and "WEB" not in together
