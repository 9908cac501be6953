from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evc.curricula.models import academic_year_for, validate_academic_year
from evc.curricula.services import MAX_FILE_BYTES


class CurriculumImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand (CSV of XLSX)"),
        help_text=_("Eén rij per leeruitkomst, met de kolommen van het uitwisselformaat."),
    )
    academic_year = forms.CharField(
        label=_("Studiejaar"), max_length=9, validators=[validate_academic_year], initial=academic_year_for
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Kies een .csv- of .xlsx-bestand."))
        return upload
