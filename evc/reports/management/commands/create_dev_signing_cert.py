from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.reports.signing import dev_signing_material_create, signing_p12_path, trust_root_path


class Command(BaseCommand):
    help = "Create a local development CA and decision-signing certificate (PKCS#12 at EVC_SIGNING_P12)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="Do nothing when the PKCS#12 already exists.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace existing key material. Documents signed before then stop verifying.",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        p12 = signing_p12_path()
        if p12.exists():
            if options["if_missing"]:
                return f"Signing certificate already present: {p12}\n" if options["verbosity"] > 1 else ""
            if not options["force"]:
                raise CommandError(
                    f"{p12} already exists; use --force to replace it (documents signed with it will no longer "
                    "verify) or --if-missing to keep it."
                )
        if not settings.DEBUG:
            self.stderr.write("Warning: DEBUG is off; a development CA is not fit for real decisions.")
        passphrase = settings.EVC_SIGNING_PASSPHRASE.encode() or None
        material = dev_signing_material_create(
            p12_path=p12,
            passphrase=passphrase,
            institution=settings.EVC_INSTITUTION_NAME,
            ca_path=trust_root_path(),
        )
        return (
            f"Created development signing certificate for {material.signer_name!r}:\n"
            f"  PKCS#12:    {material.p12_path}\n  trust root: {material.ca_path}\n"
        )
