from __future__ import annotations

from django.contrib import admin

from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme, Unit


class VersionInline(admin.TabularInline):
    model = CurriculumVersion
    extra = 0
    readonly_fields = ["frozen_at"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "croho_code", "eqf_level"]
    search_fields = ["code", "name", "name_en", "croho_code"]
    inlines = [VersionInline]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["code", "name", "ects", "eqf_level"]
    show_change_link = True


@admin.register(CurriculumVersion)
class CurriculumVersionAdmin(admin.ModelAdmin):
    list_display = ["programme", "academic_year", "evidence_max_age_years", "level_below_accepted", "frozen_at"]
    list_filter = ["academic_year"]
    readonly_fields = ["frozen_at"]
    inlines = [UnitInline]


class OutcomeInline(admin.TabularInline):
    model = LearningOutcome
    extra = 0
    fields = ["code", "text", "language", "framework_refs", "position"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version", "ects", "eqf_level"]
    list_filter = ["version__academic_year", "version__programme"]
    search_fields = ["code", "name", "name_en"]
    inlines = [OutcomeInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A frozen year is history: decisions point at these rows.
        if obj is not None and obj.version.is_frozen:
            return [f.name for f in self.model._meta.fields]
        return []


@admin.register(LearningOutcome)
class LearningOutcomeAdmin(admin.ModelAdmin):
    list_display = ["code", "unit", "language"]
    list_filter = ["language", "unit__version__academic_year", "unit__version__programme"]
    search_fields = ["code", "text"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.unit.version.is_frozen:
            return [f.name for f in self.model._meta.fields]
        return []
