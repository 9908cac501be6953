"""rebuild_outcome_embeddings [--programme CODE ...]: re-encode the catalogue for the configured model."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evc.matching.services import MatchingError, current_encoder, embeddings_rebuild


class Command(BaseCommand):
    help = "Re-encode every learning outcome and unit text with the configured embedding model (after a model or catalogue change)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", action="append", metavar="CODE", help="only these programmes")

    def handle(self, *args: Any, **options: Any) -> str:
        started = time.perf_counter()
        try:
            count = embeddings_rebuild(programme_codes=options["programme"])
            model_id = current_encoder().model_id  # type: ignore[union-attr]
        except MatchingError as exc:
            raise CommandError(str(exc)) from exc
        return f"Encoded {count} catalogue texts with {model_id} in {time.perf_counter() - started:.1f} s."
