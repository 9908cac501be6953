from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from evc.employers import inventory, services


class Command(BaseCommand):
    help = "Import a staff competency inventory (CSV or XLSX) for an organisation, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="organisation code (created if missing)")
        parser.add_argument("--name", default="", help="organisation name when it is created")
        parser.add_argument("file", help="CSV (, or ;  UTF-8 or cp1252) or XLSX")

    def handle(self, *args: Any, **options: Any) -> str:
        # Command-line messages are English (ARCHITECTURE §4); the web pages stay Dutch first.
        with translation.override("en"):
            return self._handle(**options)

    def _handle(self, **options: Any) -> str:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        data = path.read_bytes()
        try:
            table = inventory.read_table(data, path.name)
        except inventory.InventoryError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        mapping = inventory.guess_mapping(table.headers)
        missing = inventory.mapping_problems(mapping, table.headers)
        if missing:
            raise CommandError(
                f"{path.name}: missing columns; found {', '.join(table.headers)}; need "
                f"{', '.join(inventory.REQUIRED_FIELDS)}"
            )
        # Checked here first so every bad line is listed, not only the first ten.
        validation = inventory.validate_rows(table, mapping)
        if validation.problems:
            for problem in validation.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path.name}: {len(validation.problems)} problem(s); nothing imported")
        organisation = services.organisation_get_or_create(code=options["organisation"], name=options["name"])
        try:
            staff_import = services.staff_import_create(
                organisation=organisation,
                table=table,
                mapping=mapping,
                filename=path.name,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        except services.EmployerError as exc:
            raise CommandError(str(exc)) from exc
        distinct = staff_import.entries.values("text_hash").distinct().count()
        return (
            f"imported {staff_import.row_count} rows for {staff_import.staff_count} staff "
            f"({distinct} distinct competence texts) into {organisation.code}\n"
        )
