"""Forms of the portfolio page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Bestanden"),
        help_text=_("Badges (JSON, JWS, PNG, SVG), Europass-credentials of PDF-certificaten. Je kunt meerdere bestanden tegelijk kiezen."),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ".json,.jsonld,.jws,.jwt,.png,.svg,.pdf"}),
    )


class ManualForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300)
    provider = forms.CharField(label=_("Aanbieder"), max_length=300)
    issued_on = forms.DateField(label=_("Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Geldig tot"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("Studielast (uren)"), required=False, min_value=0, max_digits=7, decimal_places=1)
    ects = forms.DecimalField(label=_("Studiepunten (EC)"), required=False, min_value=0, max_digits=5, decimal_places=1)
    description = forms.CharField(label=_("Beschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    url = forms.URLField(label=_("Link naar bewijs"), required=False, assume_scheme="https")


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300)
    file = forms.FileField(label=_("Bestand (PDF of afbeelding)"), required=False)
    url = forms.URLField(label=_("Of een link (bijv. een video)"), required=False, assume_scheme="https")
    credential = forms.TypedChoiceField(label=_("Hoort bij"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, credentials=(), **kwargs):  # type: ignore[no-untyped-def]
        # Its own ids: the portfolio page also holds the upload and manual forms, with a file, title and url.
        kwargs.setdefault("auto_id", "evidence-field-%s")
        super().__init__(*args, **kwargs)
        self.fields["credential"].choices = [("", _("het hele portfolio"))] + [(c.pk, c.title) for c in credentials]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if "url" in self.errors or "file" in self.errors:
            return data  # that field's own message says what is wrong
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Voeg een bestand of een link toe (één van beide)."))
        return data
