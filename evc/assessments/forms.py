"""Forms parse input for the views; the rules themselves live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evc.accounts.models import Role, User
from evc.curricula.models import CurriculumVersion, LearningOutcome, Unit
from evc.portfolios.models import Credential, Evidence

from .models import Advice, AppealOutcome, NoteKind, Verdict


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CurriculumVersion) -> str:
        return f"{obj.programme.display_name} ({obj.academic_year})"


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} — {obj.display_name} ({floatformat(obj.ects, -1)} EC)"  # 7,5 in Dutch, 7.5 in English


class CaseStartForm(forms.Form):
    version = VersionChoiceField(
        label=_("Opleiding en studiejaar"),
        queryset=CurriculumVersion.objects.select_related("programme").order_by("programme__name", "-academic_year"),
        help_text=_("De opleiding waarvoor je vrijstellingen vraagt."),
    )


class CaseEditForm(forms.Form):
    units = UnitChoiceField(
        label=_("Onderwijseenheden"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Kies de onderwijseenheden waarvoor je vrijstelling vraagt."),
    )
    motivation = forms.CharField(
        label=_("Motivatie"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
        help_text=_("Vertel kort wat je hebt gedaan en geleerd, en waarom dat bij deze eenheden past."),
    )

    credentials = forms.ModelMultipleChoiceField(
        label=_("Badges en certificaten uit je portfolio"),
        queryset=Credential.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Ander bewijs uit je portfolio"),
        queryset=Evidence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Bijvoorbeeld een werkstuk, een video of een verklaring van je werkgever."),
    )

    def __init__(self, *args: Any, version: CurriculumVersion, owner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = version.units.order_by("code")
        self.fields["credentials"].queryset = Credential.objects.filter(portfolio__owner=owner).order_by("-created_at")
        # Evidence attached to a credential comes with that credential; list only free-standing items.
        self.fields["evidence"].queryset = Evidence.objects.filter(portfolio__owner=owner, credential__isnull=True).order_by(
            "-created_at"
        )


class AssignForm(forms.Form):
    assessors = forms.ModelMultipleChoiceField(
        label=_("Beoordelaars"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kies één of twee beoordelaars. Wie beoordeelt, mag later niet over het dossier besluiten."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = User.objects.filter(
            Q(role=Role.ASSESSOR) | Q(role__in=[Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR]), is_active=True
        ).order_by("role", "last_name", "first_name")
        self.fields["assessors"].label_from_instance = lambda u: f"{u.display_name} ({u.get_role_display()})"


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Oordeel"), choices=Verdict.choices)
    rationale = forms.CharField(label=_("Onderbouwing"), required=False, max_length=5000, widget=forms.Textarea)
    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class AddOutcomeForm(ReviewForm):
    outcome = forms.ModelChoiceField(label=_("Leeruitkomst"), queryset=LearningOutcome.objects.none())


class AdviceForm(forms.Form):
    advice = forms.ChoiceField(label=_("Advies"), choices=Advice.choices, widget=forms.RadioSelect)
    motivation = forms.CharField(
        label=_("Motivering"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bij gedeeltelijke dekking: leg uit wat ontbreekt."),
    )
    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort assessment"), choices=NoteKind.choices)
    unit = forms.ModelChoiceField(label=_("Onderwijseenheid"), queryset=Unit.objects.none(), required=False)
    held_on = forms.DateField(label=_("Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("Verslag"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class EvidenceRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Welk bewijs ontbreekt?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("De kandidaat krijgt deze tekst per e-mail. De besluittermijn staat stil tot het bewijs er is."),
    )


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Reden (optioneel)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class UnitDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("granted", _("Vrijstelling verlenen")), ("refused", _("Vrijstelling weigeren"))],
        widget=forms.RadioSelect,
    )
    grounds = forms.CharField(label=_("Motivering"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    valid_until = forms.DateField(
        label=_("Geldig tot (optioneel)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Volgens de OER, bijvoorbeeld zes jaar."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        valid_until = data.get("valid_until")
        if data.get("decision") == "granted" and valid_until and valid_until <= timezone.localdate():
            self.add_error("valid_until", _("Kies een datum na vandaag."))
        return data


class CorrectionReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reden van de correctie"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Gronden van het beroep"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    lodged_on = forms.DateField(
        label=_("Ingesteld op"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Voor een beroep dat op papier binnenkwam: de datum van ontvangst. Leeg laten voor vandaag."),
    )

    def __init__(self, *args: Any, may_backdate: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_backdate:  # the applicant's own appeal is lodged today
            del self.fields["lodged_on"]


class AppealResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Uitspraak"), choices=AppealOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class QueueFilterForm(forms.Form):
    programme = forms.ChoiceField(label=_("Opleiding"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)
    due = forms.ChoiceField(
        label=_("Termijn"),
        required=False,
        choices=[("", _("Alle")), ("overdue", _("Verlopen")), ("soon", _("Binnen 7 dagen"))],
    )
    sort = forms.ChoiceField(
        label=_("Sorteren op"),
        required=False,
        choices=[
            ("deadline", _("Uiterste datum (eerst)")),
            ("-deadline", _("Uiterste datum (laatst)")),
            ("age", _("Oudste eerst")),
            ("-age", _("Nieuwste eerst")),
            ("programme", _("Opleiding")),
            ("state", _("Status")),
        ],
    )

    def __init__(self, *args: Any, programmes: list[tuple[str, str]], states: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Alle")), *programmes]
        self.fields["state"].choices = [("", _("Standaard")), *states]
