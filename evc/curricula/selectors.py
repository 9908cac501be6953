"""Read-only queries over the catalogue."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme, Unit

MAX_RESULTS = 50


def programme_list() -> QuerySet[Programme]:
    return Programme.objects.annotate(version_count=Count("versions")).order_by("name")


def version_for(programme: Programme, academic_year: str | None) -> CurriculumVersion | None:
    if academic_year:
        return programme.versions.filter(academic_year=academic_year).first()
    return programme.current_version()


def units_of(version: CurriculumVersion) -> QuerySet[Unit]:
    return version.units.annotate(outcome_count=Count("outcomes")).order_by("code")


def outcome_search(query: str, *, programme: Programme | None = None) -> list[LearningOutcome]:
    """Outcomes whose text, code or unit name holds every word of the query (current years only)."""
    words = [w for w in query.split() if len(w) > 1][:8]
    if not words:
        return []
    current = [v.pk for p in Programme.objects.prefetch_related("versions") if (v := p.current_version())]
    qs = LearningOutcome.objects.filter(unit__version_id__in=current)
    if programme is not None:
        qs = qs.filter(unit__version__programme=programme)
    for word in words:
        qs = qs.filter(
            Q(text__icontains=word) | Q(code__icontains=word) | Q(unit__name__icontains=word)
            | Q(unit__name_en__icontains=word) | Q(unit__code__icontains=word)
        )
    return list(qs.select_related("unit__version__programme").order_by("unit__code", "position")[:MAX_RESULTS])
