from __future__ import annotations

from django.urls import path

from evc.portfolios import views

app_name = "portfolios"

urlpatterns = [
    path("", views.portfolio_page, name="portfolio"),
    path("upload/", views.credential_upload, name="upload"),
    path("manual/", views.manual_add, name="manual"),
    path("evidence/", views.evidence_create, name="evidence"),
    path("credentials/<int:pk>/", views.credential_detail, name="credential"),
    path("credentials/<int:pk>/delete/", views.credential_delete, name="credential_delete"),
]
