from __future__ import annotations

import io
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.curricula.models import CurriculumVersion, Programme
from evc.curricula.services import curriculum_export_csv, curriculum_export_rows, curriculum_export_xlsx


class Command(BaseCommand):
    help = "Write one programme's catalogue in the interchange format (CSV to stdout, or --output FILE[.xlsx])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, metavar="CODE")
        parser.add_argument("--academic-year", default=None)
        parser.add_argument("--output", "-o", default=None, help="a .csv or .xlsx path (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = curriculum_export_rows(
                programme_code=options["programme"], academic_year=options["academic_year"]
            )
        except Programme.DoesNotExist:
            raise CommandError(f"unknown programme {options['programme']!r}") from None
        except CurriculumVersion.DoesNotExist:
            raise CommandError(f"{options['programme']} has no catalogue for that academic year") from None
        output = options["output"]
        if output and output.lower().endswith(".xlsx"):
            curriculum_export_xlsx(rows, output)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                curriculum_export_csv(rows, fh)
        else:
            buffer = io.StringIO()
            curriculum_export_csv(rows, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
