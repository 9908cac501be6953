from __future__ import annotations

from django.urls import path

from evc.employers import views

app_name = "employers"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("inventaris/", views.upload, name="upload"),
    path("koppelen/", views.run_start, name="run_start"),
    path("koppelingen/<int:pk>/", views.run_detail, name="run_detail"),
    path("koppelingen/<int:pk>/opnieuw/", views.run_retry, name="run_retry"),
    path("koppelingen/<int:pk>/export.<str:fmt>", views.run_export, name="run_export"),
    path("uitnodigen/", views.invite, name="invite"),
    path("uitnodiging/<str:token>/", views.invitation, name="invitation"),
    path("uitnodiging/<str:token>/aannemen/", views.invitation_accept, name="invitation_accept"),
    path("mijn-overzicht/<int:pk>/", views.my_mapping, name="my_mapping"),
    path("mijn-overzicht/<int:pk>/toestemming/", views.invitation_consent, name="invitation_consent"),
]
