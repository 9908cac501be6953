from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from evc.curricula.models import Programme
from evc.employers.inventory import ALL_FIELDS, REQUIRED_FIELDS

FIELD_LABELS = {
    "employee_ref": _("Personeelsnummer (employee_ref)"),
    "department": _("Afdeling (department)"),
    "role": _("Functie (role)"),
    "competence_title": _("Competentie (competence_title)"),
    "competence_description": _("Omschrijving (competence_description)"),
    "provider": _("Aanbieder (provider)"),
    "date": _("Datum (date)"),
    "hours": _("Uren (hours)"),
    "ects": _("EC (ects)"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Inventarisbestand"),
        help_text=_("CSV (komma of puntkomma, UTF-8 of Windows-1252) of Excel (.xlsx), hoogstens 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.EVC_MAX_STAFF_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan %(max)s MB; splits het in delen.")
                % {"max": settings.EVC_MAX_STAFF_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


class ColumnMappingForm(forms.Form):
    """One select per expected field, offering the file's columns."""

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— geen —"))] + [
            (str(i), h or _("(kolom %(n)s zonder naam)") % {"n": i + 1}) for i, h in enumerate(headers)
        ]
        for name in ALL_FIELDS:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name in REQUIRED_FIELDS
            )

    def mapping(self) -> dict[str, int | None]:
        return {
            name: (int(self.cleaned_data[f"map_{name}"]) if self.cleaned_data.get(f"map_{name}") else None)
            for name in ALL_FIELDS
        }


class RunForm(forms.Form):
    programmes = forms.ModelMultipleChoiceField(
        label=_("Opleidingen"),
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kies een of meer opleidingen om de inventaris mee te vergelijken."),
    )


class InviteForm(forms.Form):
    employee_ref = forms.CharField(
        label=_("Personeelsnummer"),
        max_length=200,
        help_text=_("Zoals in de inventaris. Wordt niet bewaard; we zoeken alleen het pseudoniem op."),
    )
    email = forms.EmailField(
        label=_("E-mailadres van de medewerker"),
        help_text=_("Alleen om de uitnodiging te sturen; het adres wordt niet bewaard."),
    )


class ConsentForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Opleiding voor je EVC-procedure"),
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
    )
    consent = forms.BooleanField(
        label=_(
            "Ik geef toestemming om mijn gegevens uit de inventaris te gebruiken voor een EVC-procedure "
            "bij deze opleiding."
        ),
        required=True,
    )
