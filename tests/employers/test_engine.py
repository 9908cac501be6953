"""The real matching engine behind a mapping run (loads the embedding model once)."""

from __future__ import annotations

import pytest

from evc.employers import services
from evc.employers.mapping import mapping_run_execute
from evc.employers.models import MatchCache
from tests.employers.helpers import csv_bytes, staff

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CLOUD = ("Cloud engineering", "Ontwerpt schaalbare cloudarchitectuur op AWS en Azure, automatiseert build, test en "
         "deployment met CI/CD-pipelines en beheert infrastructure as code met Terraform.")
PHONE = ("Klantcontact", "Beantwoordt telefonische vragen van verzekerden over hun premie en handelt klachten af.")


def test_the_engine_maps_cloud_work_onto_the_cloud_unit(organisation, catalogue, settings):
    settings.EVC_EMPLOYER_MATCHER = ""
    rows = [staff(f"C{i}", "ICT", "Cloud engineer", *CLOUD) for i in range(6)]
    rows += [staff(f"K{i}", "Klantcontact", "Klantadviseur", *PHONE) for i in range(6)]
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="cz.csv")
    run = services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    run = mapping_run_execute(run_id=run.pk)
    assert run.status == "done" and run.total == 2 and MatchCache.objects.count() == 2
    assert run.catalogue_keys[0].count("#") == 1
    groups = {g["label"]: g for g in run.result["groups"]["department"]}
    cloud = groups["ICT"]["cells"].get("HBO-ICT-SE/CLOUD", {"exemption": 0, "partial": 0})
    assert cloud["exemption"] + cloud["partial"] == 6
    phone = groups["Klantcontact"]["cells"].get("HBO-ICT-SE/CLOUD", {"exemption": 0, "partial": 0})
    assert phone == {"exemption": 0, "partial": 0}
