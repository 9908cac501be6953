from __future__ import annotations

from django.contrib import admin

from evc.employers.models import AuditEvent, MappingRun, StaffImport, StaffInvitation


@admin.register(StaffImport)
class StaffImportAdmin(admin.ModelAdmin):
    list_display = ["organisation", "filename", "row_count", "staff_count", "created_at"]
    list_filter = ["organisation"]
    readonly_fields = ["sha256", "column_mapping"]


@admin.register(MappingRun)
class MappingRunAdmin(admin.ModelAdmin):
    list_display = ["organisation", "status", "done", "total", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "organisation"]
    exclude = ["result"]  # aggregates are read on the employer's page, with suppression applied


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "created_at", "expires_at", "accepted_at", "consent_at"]
    exclude = ["token_hash", "employee_key"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["organisation", "action", "actor", "created_at"]
    list_filter = ["action", "organisation"]
