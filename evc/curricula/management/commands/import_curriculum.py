from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from evc.curricula.services import CurriculumImportError, curriculum_import


class Command(BaseCommand):
    help = "Upsert programmes, units and learning outcomes from interchange CSV/XLSX files (one transaction per file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--academic-year", default=None, help="e.g. 2026-2027 (default: the current year)")

    def handle(self, *args: Any, **options: Any) -> None:
        # The `line N: reason` messages are a contract that outside tools read: always English.
        with translation.override("en"):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        failed = False
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(f"{name}: line 0: file not found")
                failed = True
                continue
            try:
                summary = curriculum_import(path, filename=path.name, academic_year=options["academic_year"])
            except CurriculumImportError as exc:
                failed = True
                self.stderr.write(f"{name}: not imported, nothing changed")
                for error in exc.errors:
                    self.stderr.write(f"{name}: {error}")
                continue
            self.stdout.write(f"{name}: {summary}")
        if failed:
            # Exit code 1 is part of the contract (ARCHITECTURE.md §4.1).
            raise CommandError("some files were not imported", returncode=1)
