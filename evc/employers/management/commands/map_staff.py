from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from evc.accounts.models import Organisation
from evc.employers import services
from evc.employers.exports import report_xlsx
from evc.employers.mapping import MappingError, mapping_run_execute
from evc.employers.report import build_report


class Command(BaseCommand):
    help = "Map an organisation's staff inventory onto programmes (inline, resumable) and optionally write the XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True)
        parser.add_argument("--programme", action="append", required=True, help="programme code; repeatable")
        parser.add_argument("--xlsx", help="write the same workbook as the web export to this path")
        parser.add_argument(
            "--group-by", choices=["department", "role"], default="department", help="rows of the heatmap"
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")
        parser.add_argument(
            "--language", choices=["nl", "en"], help="language of the workbook (default: the site's)"
        )

    def handle(self, *args: Any, **options: Any) -> str:
        # Command-line messages are English (ARCHITECTURE §4); the web pages stay Dutch first.
        with translation.override("en"):
            return self._handle(**options)

    def _handle(self, **options: Any) -> str:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"unknown organisation {options['organisation']!r}")
        try:
            run = services.mapping_run_create(organisation=organisation, programme_codes=options["programme"])
            run = mapping_run_execute(run_id=run.pk)
        except (services.EmployerError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        report = build_report(run.result, group_by=options["group_by"])
        if options["xlsx"]:
            # The same workbook as the web export, in the site's language unless asked otherwise.
            with translation.override(options["language"] or settings.LANGUAGE_CODE):
                report = build_report(run.result, group_by=options["group_by"])
                workbook = report_xlsx(report, organisation_name=organisation.name)
            Path(options["xlsx"]).write_bytes(workbook)
        summary = {
            "organisation": organisation.code,
            "run": run.pk,
            "status": run.status,
            "programmes": run.programme_codes,
            "staff": report.staff_total,
            "distinct_texts": run.total,
            "groups_shown": len(report.rows),
            "units": len(report.units),
            "units_uncovered": [u.ref for u in report.uncovered_units],
            "xlsx": options["xlsx"] or None,
        }
        if options["json"]:
            return json.dumps(summary) + "\n"
        return (
            f"mapped {run.total} distinct texts of {report.staff_total} staff onto "
            f"{', '.join(run.programme_codes)}: {len(report.rows)} groups shown, "
            f"{len(report.uncovered_units)} of {len(report.units)} units uncovered\n"
        )
