from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.reports.errors import ReportsError
from evc.reports.models import DocumentKind
from evc.reports.services import signed_documents_create


class Command(BaseCommand):
    help = "Sign the letter and report of every decision that lacks one (e.g. after the key was missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("public_ids", nargs="*", metavar="DECISION_ID", help="Only these decisions.")

    def handle(self, *args: Any, **options: Any) -> str:
        from django.db.models import Count, Q

        from evc.assessments.models import Decision

        decisions = Decision.objects.annotate(
            signed=Count("signed_documents", filter=Q(signed_documents__kind__in=DocumentKind.values))
        ).filter(signed__lt=len(DocumentKind.values))
        if options["public_ids"]:
            decisions = decisions.filter(public_id__in=options["public_ids"])
        done = 0
        for decision in decisions.order_by("decided_at"):
            try:
                signed_documents_create(decision=decision)
            except ReportsError as exc:
                raise CommandError(f"{decision.public_id}: {exc}") from exc
            done += 1
        return f"Signed the documents of {done} decision(s).\n"
