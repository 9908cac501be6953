from __future__ import annotations

from django.urls import path

from evc.reports import views

app_name = "reports"

# Included by the lead at /verify/: the public pages need no login; downloads do.
urlpatterns = [
    path("", views.verify_index, name="index"),
    path("<str:public_id>", views.verify_decision, name="verify"),
    path("<str:public_id>/", views.verify_redirect, name="verify-slash"),
    path("<str:public_id>/pdf/<str:kind>", views.download_document, name="download"),
]
