"""Steps of the killed-worker test, run in separate processes against a file database.

python -c "import django; django.setup(); from tests.employers.worker_scenario import setup; setup()"
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.utils import timezone

TEXTS = 120


def setup() -> None:
    from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme, Unit, academic_year_for
    from evc.employers import services
    from tests.employers.helpers import csv_bytes, staff

    programme = Programme.objects.create(code="HBO-ICT-SE", name="HBO-ICT Software Engineering")
    version = CurriculumVersion.objects.create(programme=programme, academic_year=academic_year_for())
    for code in ("CLOUD", "WEB", "DATA"):
        unit = Unit.objects.create(version=version, code=code, name=code.title(), ects=Decimal("5"), eqf_level=6)
        LearningOutcome.objects.create(unit=unit, code=f"{code}-1", text=f"The student masters {code}.", language="en")
    rows = []
    for i in range(TEXTS):
        tag = ("[CLOUD]", "[WEB?]", "[DATA]", "")[i % 4]
        for person in range(i % 3 + 1):
            rows.append(staff(f"P{(i * 7 + person) % 60:03d}", f"Afdeling {i % 4}", "Medewerker", f"Competentie {i} {tag}"))
    organisation = services.organisation_get_or_create(code="cz", name="CZ")
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="cz.csv")
    run = services.mapping_run_start(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    print(json.dumps({"run": run.pk}))


def reap() -> None:
    """What the reaper does once the dead worker's heartbeat is stale (we move the clock, not wait)."""
    from evc.core.services import tasks_reap_orphans

    print(json.dumps({"reaped": tasks_reap_orphans(now=timezone.now() + dt.timedelta(minutes=5))}))


def fresh_run() -> None:
    """Forget every cached answer, then map the same inventory uninterrupted with map_staff."""
    from django.core.management import call_command

    from evc.employers.models import MatchCache

    MatchCache.objects.all().delete()
    call_command("map_staff", "--organisation", "cz", "--programme", "HBO-ICT-SE", "--json")  # prints its JSON
