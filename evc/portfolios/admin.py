from __future__ import annotations

from django.contrib import admin

from evc.portfolios.models import Credential, Evidence, Portfolio, VerificationCheck


class VerificationCheckInline(admin.TabularInline):
    model = VerificationCheck
    extra = 0
    can_delete = False
    readonly_fields = ("name", "status", "detail", "position")


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ("title", "format", "verified", "portfolio", "created_at")
    list_filter = ("format", "verified")
    search_fields = ("title", "portfolio__owner__email", "sha256")
    readonly_fields = ("sha256", "original_filename", "media_type", "format", "claim", "payload", "verified", "file", "created_at", "updated_at")
    inlines = [VerificationCheckInline]


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("owner", "created_at")
    search_fields = ("owner__email",)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "portfolio", "credential", "created_at")
    list_filter = ("kind",)
