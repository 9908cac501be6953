from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _


class RegisterForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    password = forms.CharField(label=_("Wachtwoord"), widget=forms.PasswordInput, strip=False)
    language = forms.ChoiceField(
        label=_("Taal van berichten en besluiten"), choices=[("nl", "Nederlands"), ("en", "English")]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Taal van e-mails en besluiten"),
        choices=[("nl", "Nederlands"), ("en", "English")],
        help_text=_("Hierin sturen we je berichten en schrijven we een besluit over jouw aanvraag."),
    )


class EmailAddressForm(forms.Form):
    email = forms.EmailField(label=_("Extra e-mailadres"))
