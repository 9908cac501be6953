from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("evc.accounts.urls")),
    path("catalogus/", include("evc.curricula.urls")),
    path("portfolio/", include("evc.portfolios.urls")),
    path("dossiers/", include("evc.assessments.urls")),
    path("verify/", include("evc.reports.urls")),
    path("werkgever/", include("evc.employers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Uploaded files (MEDIA_ROOT) are never served directly: each app serves them through a view
# that checks object-level permission first.
