"""`import_credential --applicant EMAIL FILE... --json` (ARCHITECTURE contract 4.2)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from evc.portfolios.services import CredentialRejected, credential_import

log = logging.getLogger("evc.portfolios")


class Command(BaseCommand):
    help = "Import credential files into an applicant's portfolio, one JSON line per file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--applicant", required=True, help="the applicant's email address (created if needed)")
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="print one JSON object per file")

    def handle(self, *args: Any, **options: Any) -> None:
        from evc.accounts.models import Role, User

        email = options["applicant"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"--applicant {email!r} is not an email address.", returncode=2) from exc
        applicant = User.objects.filter(email__iexact=email).first()
        if applicant is None:
            applicant = User.objects.create_user(email=email, role=Role.APPLICANT)
        for name in options["files"]:
            result = self._one(applicant, name)
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                self.stdout.write(f"{name}: {result['status']} ({result['format']}, verified={result['verified']}){' — ' + result['error'] if result['error'] else ''}")

    def _one(self, applicant: Any, name: str) -> dict[str, Any]:
        result: dict[str, Any] = {"file": name, "status": "rejected", "format": None, "verified": None, "checks": [], "error": None}
        path = Path(name)
        try:
            if not path.is_file():
                result["error"] = "The file does not exist."
                return result
            if path.stat().st_size > settings.EVC_MAX_UPLOAD_BYTES:
                result["error"] = f"The file is larger than the limit of {settings.EVC_MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
                return result
            data = path.read_bytes()
            credential, inspection = credential_import(applicant=applicant, data=data, filename=path.name)
        except CredentialRejected as exc:
            inspection = exc.inspection
            result["error"] = str(exc)
            if inspection is not None:
                result["format"] = inspection.format
                result["checks"] = inspection.checks_as_dicts()
            return result
        except OSError as exc:
            result["error"] = f"The file could not be read ({exc.strerror or exc.__class__.__name__})."
            return result
        except Exception:  # never a traceback for a bad file; the log keeps the details
            log.exception("import_credential failed on %s", name)
            result["error"] = "The file could not be processed because of an internal error."
            return result
        result.update(
            status="imported",
            format=credential.format,
            verified=credential.verified,
            checks=inspection.checks_as_dicts(),
            id=credential.pk,
            title=credential.title,
        )
        return result
