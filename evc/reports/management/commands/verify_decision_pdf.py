from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.reports.verification import decision_pdf_verify


class Command(BaseCommand):
    help = "Check whether a PDF is a decision document this installation signed, unchanged (contract 4.4)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The PDF to check.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object (contract 4.4).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            # Exit status 2 for usage errors, as the other contracts do; 0 once a verdict is printed.
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}", returncode=2) from exc
        result = decision_pdf_verify(data)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_contract(), ensure_ascii=False))
            return
        verdict = "AUTHENTIC" if result.authentic else "NOT AUTHENTIC"
        self.stdout.write(f"{verdict}: {result.detail}")
        self.stdout.write(f"  decision: {result.decision_id or '-'}")
        self.stdout.write(f"  intact: {result.intact}  signature valid: {result.signature_valid}")
        self.stdout.write(f"  signer: {result.signer or '-'}")
        if result.timestamped_at:
            trust = "trusted authority (EVC_TSA_CERT)" if result.timestamp_trusted else "authority not checked"
            self.stdout.write(f"  timestamp: {result.timestamped_at} ({trust})")
