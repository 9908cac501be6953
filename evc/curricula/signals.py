"""Signals of the catalogue, for apps above it (dependencies point one way: they listen, we never import them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the import's transaction when an import created or changed units or outcomes.
# kwargs: version_ids (list[int]) — the CurriculumVersion rows whose content changed.
# Receivers that start work should defer it with transaction.on_commit, so a rolled-back import starts nothing.
catalogue_changed = Signal()
