"""Demo data: CZ's staff inventory, imported for the demo organisation and queued for mapping."""

from __future__ import annotations

import importlib.util
from typing import Any

from evc.employers import sample, services

DEMO_PROGRAMMES = ["FSA-ZORGVERZEKERINGEN", "BIM", "HBO-ICT-SE"]


def seed(world: dict[str, Any]) -> None:
    """Import ~320 rows of 80 CZ staff; queue the mapping so the worker of `make run` does it.

    Queued rather than run inline: seed_demo stays fast, and the demo shows the run's
    progress page. Without the matching engine the inventory is imported but not mapped.
    """
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
    message = f"employers: {staff_import.row_count} inventory rows of {staff_import.staff_count} CZ staff"
    codes = [code for code in DEMO_PROGRAMMES if code in world.get("programmes", {})]
    if codes and importlib.util.find_spec("evc.matching.api") is not None:
        try:
            run = services.mapping_run_start(
                organisation=organisation, programme_codes=codes, created_by=employer
            )
        except services.EmployerError as exc:
            message += f", not mapped ({exc})"
        else:
            message += f"; mapping onto {', '.join(codes)} queued (run {run.pk})"
    if stdout:
        stdout.write(message)
