"""Demo data: CZ's staff inventory, imported for the demo organisation and mapped if the engine works."""

from __future__ import annotations

from typing import Any

from evc.employers import sample, services
from evc.employers.mapping import MappingError, mapping_run_execute

DEMO_PROGRAMMES = ["FSA-ZORGVERZEKERINGEN", "BIM", "HBO-ICT-SE"]


def seed(world: dict[str, Any]) -> None:
    organisation = world["organisations"]["cz"]
    employer = world["users"].get("employer")
    stdout = world.get("stdout")
    rows = sample.generate_rows(staff=80, entries=4, distinct=120, seed=2026)
    staff_import = services.staff_import_file(
        organisation=organisation,
        data=sample.to_csv(rows),
        filename="cz-competentie-inventaris.csv",
        uploaded_by=employer,
    )
    codes = [code for code in DEMO_PROGRAMMES if code in world.get("programmes", {})]
    if not codes:
        return
    try:
        run = services.mapping_run_create(
            organisation=organisation, programme_codes=codes, created_by=employer
        )
        mapping_run_execute(run_id=run.pk)
    except (services.EmployerError, MappingError) as exc:
        # The demo still has an inventory; the HR adviser can start the mapping from the page.
        if stdout:
            stdout.write(f"employers: inventory imported, not mapped ({exc})")
        return
    if stdout:
        stdout.write(
            f"employers: {staff_import.row_count} inventory rows of {staff_import.staff_count} CZ staff, mapped onto {', '.join(codes)}"
        )
