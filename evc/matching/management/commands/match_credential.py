"""match_credential FILE... --programme CODE [--programme CODE ...] [--top K] --json (ARCHITECTURE §4.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.matching.services import MatchingError, match_claims
from evc.portfolios.intake import inspect_credential


class Command(BaseCommand):
    help = "Match credential files against programmes' learning outcomes without storing them; one JSON line per file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--programme", action="append", required=True, metavar="CODE")
        parser.add_argument("--top", type=int, default=10, metavar="K")
        parser.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
        parser.add_argument("--language", choices=["en", "nl"], default="en", help="language of the explanations")
        parser.add_argument("--academic-year", default=None, help="match against this year's version (e.g. 2026-2027)")

    def handle(self, *args: Any, **options: Any) -> None:
        top = options["top"]
        if top < 1:
            raise CommandError("--top must be at least 1.", returncode=2)
        lines: list[dict[str, Any]] = []
        claims, slots, verified = [], [], []
        for name in options["files"]:
            line: dict[str, Any] = {"file": name, "credential": None, "outcomes": [], "units": [], "error": None}
            lines.append(line)
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                line["error"] = f"The file cannot be read: {exc.strerror or exc}."
                continue
            inspection = inspect_credential(data, name)
            if inspection.claim is None:
                line["error"] = inspection.error or "No credential could be read from this file."
                continue
            claim = inspection.claim
            line["credential"] = {
                "title": claim.title,
                "language": claim.language or None,
                "verified": inspection.verified,
                "format": inspection.format,
                "issuer": claim.issuer.name,
            }
            claims.append(claim)
            verified.append(inspection.verified)
            slots.append(line)
        if claims:
            try:
                # One call for every file: the model and the catalogue index load once.
                results = match_claims(claims, options["programme"], top_k=top, verified=verified,
                                       academic_year=options["academic_year"])
            except MatchingError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            for line, result in zip(slots, results, strict=True):
                line.update(result.to_contract(options["language"]))
                if not line["credential"]["language"]:
                    line["credential"]["language"] = result.language or None
        for line in lines:
            if options["json"]:
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                self._human(line)

    def _human(self, line: dict[str, Any]) -> None:
        title = (line["credential"] or {}).get("title") or ""
        self.stdout.write(f"{line['file']}: {title}")
        if line["error"]:
            self.stdout.write(f"  error: {line['error']}")
        for o in line["outcomes"]:
            self.stdout.write(f"  {o['score']:.2f} {o['programme']}/{o['unit']}/{o['outcome']}  {o['explanation']}")
        for u in line["units"]:
            self.stdout.write(f"  unit {u['programme']}/{u['unit']}: {u['suggestion']} (coverage {u['coverage']:.2f})")
