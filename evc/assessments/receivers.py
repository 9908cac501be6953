"""Keep suggestions current: re-run matching when a linked credential, the catalogue text or the
year's limit on the age of evidence changes.

Changes are collected per transaction and each affected case is queued once, after commit, so a
catalogue import of hundreds of outcomes does not flood the task queue.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_delete

_pending = threading.local()


def connect() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed

    from evc.curricula.models import CurriculumVersion, LearningOutcome
    from evc.curricula.signals import catalogue_changed

    from .models import Decision

    m2m_changed.connect(_signers_frozen, sender=Decision.decided_by.through, dispatch_uid="evc.assessments.signers")
    post_save.connect(_outcome_saved, sender=LearningOutcome, dispatch_uid="evc.assessments.outcome_saved")
    post_save.connect(_version_saved, sender=CurriculumVersion, dispatch_uid="evc.assessments.version_saved")
    catalogue_changed.connect(_catalogue_imported, dispatch_uid="evc.assessments.catalogue_imported")
    try:
        credential = apps.get_model("portfolios", "Credential")
    except LookupError:
        return
    post_save.connect(_credential_saved, sender=credential, dispatch_uid="evc.assessments.credential_saved")
    pre_delete.connect(_credential_deleted, sender=credential, dispatch_uid="evc.assessments.credential_deleted")


def _queue(kind: str, pk: int) -> None:
    # A callback per change, but _flush empties the set: the first one does the work, the rest are
    # no-ops. (Registering only once would lose changes if that transaction rolled back.)
    items: set[tuple[str, int]] | None = getattr(_pending, "items", None)
    if items is None:
        items = _pending.items = set()
    items.add((kind, pk))
    transaction.on_commit(_flush)


def _flush() -> None:
    from .models import Case
    from .services import case_rematch

    items = getattr(_pending, "items", None) or set()
    _pending.items = None
    versions = {pk for kind, pk in items if kind == "version"}
    credentials = {pk for kind, pk in items if kind == "credential"}
    case_ids = {pk for kind, pk in items if kind == "case"}
    cases = Case.objects.filter(pk__in=case_ids)
    if versions:
        cases = cases | Case.objects.filter(version_id__in=versions)
    if credentials:
        cases = cases | Case.objects.filter(credentials__in=credentials)
    for case in cases.distinct():
        case_rematch(case=case)


def _outcome_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _queue("version", instance.unit.version_id)


def _version_saved(sender: Any, instance: Any, created: bool, raw: bool = False,
                   update_fields: Any = None, **kwargs: Any) -> None:
    # The year's rules for evidence (age limit, level) change what the engine suggests; freezing the year does not.
    if not raw and not created and (update_fields is None or set(instance.EVIDENCE_RULES) & set(update_fields)):
        _queue("version", instance.pk)


def _catalogue_imported(sender: Any, version_ids: list[int], **kwargs: Any) -> None:
    for version_id in version_ids:
        _queue("version", version_id)


def _credential_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # After the delete the link to the case is gone, so note the cases now.
    for case_id in instance.evc_cases.values_list("pk", flat=True):
        _queue("case", case_id)


def _credential_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not raw and not created:
        _queue("credential", instance.pk)


def _signers_frozen(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """Who decided is part of the decision: once set, the signers of a decision never change."""
    from .models import Decision, ImmutableError

    if not action.startswith("pre_"):
        return
    decisions = [instance] if not reverse else list(Decision.objects.filter(pk__in=kwargs.get("pk_set") or ()))
    if reverse and action == "pre_clear":
        decisions = list(instance.evc_decisions.all())
    if any(d.decided_by.exists() for d in decisions if isinstance(d, Decision)):
        raise ImmutableError("The signers of a recorded decision cannot be changed.")
