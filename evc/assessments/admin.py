"""Read-only admin: every change to a case goes through the services (and the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry, Case, Decision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("reference", "applicant", "version", "state", "submitted_at", "decision_due")
    list_filter = ("state", "version__programme")
    list_select_related = ("applicant", "version__programme")
    search_fields = ("applicant__email", "applicant__last_name")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "case", "decided_at", "status")
    list_filter = ("status",)
    list_select_related = ("case__version__programme",)
    search_fields = ("public_id",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "actor", "action", "before", "after")
    list_filter = ("action",)
    list_select_related = ("case__version__programme", "actor")
