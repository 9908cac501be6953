from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from evc.reports.verification import PDF_MAGIC

# A decision letter is tens of kilobytes; anything far larger is not one of ours.
MAX_VERIFY_UPLOAD_BYTES = 5 * 1024 * 1024


def verify_upload_limit() -> int:
    return min(settings.EVC_MAX_UPLOAD_BYTES, MAX_VERIFY_UPLOAD_BYTES)


class VerifyUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Besluit als PDF-bestand"),
        help_text=_("Het PDF-bestand zoals u het van de kandidaat of de hogeschool kreeg, ongewijzigd."),
        error_messages={
            "required": _("Kies een PDF-bestand om te controleren."),
            "empty": _("Het gekozen bestand is leeg."),
            "invalid": _("Er is geen bestand ontvangen; kies het opnieuw."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        limit = verify_upload_limit()
        if upload.size > limit:
            raise ValidationError(
                _("Het bestand is te groot ({size}); een besluit is hooguit {limit}.").format(
                    size=filesizeformat(upload.size), limit=filesizeformat(limit)
                ),
                code="too_large",
            )
        data = upload.read(limit + 1)
        if not data.startswith(PDF_MAGIC):
            raise ValidationError(_("Dit bestand is geen PDF-document."), code="not_pdf")
        return data

    def error_status(self) -> int:
        """The HTTP status that fits the first problem: 413 too large, 415 not a PDF, else 400."""
        for error in self.errors.as_data().get("document", []):
            if error.code == "too_large":
                return 413
            if error.code == "not_pdf":
                return 415
        return 400
