from __future__ import annotations

from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("mijn/", views.my_cases, name="my_cases"),
    path("nieuw/", views.case_create, name="case_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/bewerken/", views.case_edit, name="case_edit"),
    path("<int:pk>/indienen/", views.case_submit, name="case_submit"),
    path("<int:pk>/intrekken/", views.case_withdraw, name="case_withdraw"),
    path("<int:pk>/matching/", views.matching_status, name="matching_status"),
    path("<int:pk>/audit.csv", views.audit_csv, name="audit_csv"),
    path("<int:pk>/beoordelaars/", views.case_assign, name="case_assign"),
    path("<int:pk>/beoordelen/", views.case_review, name="case_review"),
    path("<int:pk>/beoordelen/<int:outcome_pk>/", views.review_save, name="review_save"),
    path("<int:pk>/advies/<int:unit_pk>/", views.advice_save, name="advice_save"),
    path("<int:pk>/verslagen/", views.note_add, name="note_add"),
    path("<int:pk>/bewijs-vragen/", views.request_evidence, name="request_evidence"),
    path("<int:pk>/advies-gereed/", views.advice_complete, name="advice_complete"),
    path("<int:pk>/besluit/", views.decide, name="decide"),
    path("<int:pk>/beroep/", views.appeal_lodge, name="appeal_lodge"),
    path("beroep/<int:pk>/afhandelen/", views.appeal_resolve, name="appeal_resolve"),
    path("besluiten/<str:public_id>/", views.decision_detail, name="decision_detail"),
    path("besluiten/<str:public_id>/corrigeren/", views.decision_correct, name="decision_correct"),
]
