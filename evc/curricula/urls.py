from __future__ import annotations

from django.urls import path

from evc.curricula import views

app_name = "curricula"

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("inladen/", views.curriculum_upload, name="upload"),
    path("<str:code>/", views.programme_detail, name="programme_detail"),
    path("<str:code>/<str:year>/<str:unit_code>/", views.unit_detail, name="unit_detail"),
]
