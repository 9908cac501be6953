from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from evc.reports.models import SignedDocument


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    """Read-only: a signed document is evidence; nobody edits or deletes it, not even an admin."""

    list_display = ("decision", "kind", "signer", "signed_at", "sha256")
    list_filter = ("kind",)
    search_fields = ("decision__public_id", "sha256")
    readonly_fields = ("decision", "kind", "pdf", "sha256", "size", "signer", "signed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
