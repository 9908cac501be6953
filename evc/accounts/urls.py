from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from evc.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("overzicht/", views.dashboard, name="dashboard"),
    path("overzicht/<str:role>/", views.role_dashboard, name="role_dashboard"),
    path("account/registreren/", views.register, name="register"),
    path("account/e-mail/", views.email_addresses, name="email_addresses"),
    path("account/taal/", views.language_save, name="language_save"),
    path("account/e-mail/bevestigen/<str:token>/", views.confirm_email, name="confirm_email"),
    path(
        "account/inloggen/",
        views.LoginView.as_view(),
        name="login",
    ),
    path("account/uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/wachtwoord/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "account/wachtwoord/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "account/wachtwoord/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/wachtwoord/klaar/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
