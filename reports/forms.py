"""The form of the progress report and the reconciliation: unit in scope, period, source."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import VNDateField, YearField
from portal.models import Level, Unit
from portal.scoping import sees_everything, visible_units
from reports.progress import FIGURES, REGISTRY, Period, PeriodError

PERIOD_CHOICES = [
    ("year", _("Whole year")),
    ("h1", _("First 6 months")),
    ("9m", _("First 9 months")),
    ("q1", _("Quarter 1")), ("q2", _("Quarter 2")), ("q3", _("Quarter 3")), ("q4", _("Quarter 4")),
    *[(f"m{m:02d}", _("Month %(month)02d") % {"month": m}) for m in range(1, 13)],
    ("years", _("Several years")),
    ("range", _("From one date to another")),
]
SOURCE_CHOICES = [
    (REGISTRY, _("Worker registry (departures by date)")),
    (FIGURES, _("Approved monthly figures")),
]


def report_units(user):
    """Units a user may run the report for: their scope, without hamlets (nationwide: provinces and districts)."""
    levels = [Level.PROVINCE, Level.DISTRICT] if sees_everything(user) else [Level.PROVINCE, Level.DISTRICT,
                                                                           Level.COMMUNE]
    return visible_units(user).filter(level__in=levels).order_by("path")


class ProgressForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="year")
    year = YearField(label=_("Year"), required=False)
    year_to = YearField(label=_("Last year (several years)"), required=False)
    date_from = VNDateField(label=_("From"), required=False, period=True)
    date_to = VNDateField(label=_("To"), required=False, period=True)
    source = forms.ChoiceField(label=_("Source of the figures"), choices=SOURCE_CHOICES, initial=REGISTRY)

    def __init__(self, *args, user, with_source: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = report_units(user)
        if sees_everything(user):
            # Both structures are listed, and a name may appear in each (Khánh Hòa before and after 2025).
            self.fields["unit"].label_from_instance = lambda unit: f"{unit.name} – {unit.get_structure_display()}"
        self.fields["year"].initial = timezone.localdate().year
        if not with_source:
            del self.fields["source"]

    def clean(self):
        data = super().clean()
        code = data.get("period")
        if not code:
            return data
        try:
            if code == "range":
                if not data.get("date_from"):
                    self.add_error("date_from", _("Enter the first day of the period."))
                if not data.get("date_to"):
                    self.add_error("date_to", _("Enter the last day of the period."))
                if data.get("date_from") and data.get("date_to"):
                    data["period_value"] = Period.between(data["date_from"], data["date_to"])
            elif not data.get("year"):
                self.add_error("year", _("Enter the year."))
            elif code == "years":
                if not data.get("year_to"):
                    self.add_error("year_to", _("Enter the last year of the period."))
                else:
                    data["period_value"] = Period.for_years(data["year"], data["year_to"])
            else:
                data["period_value"] = Period.for_year(data["year"], code)
        except PeriodError as exc:
            self.add_error("date_to" if code == "range" else ("year_to" if code == "years" else "period"), str(exc))
        return data


class PoolForm(forms.Form):
    """The waiting pool: a unit of the user's scope and how to group it."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    by = forms.ChoiceField(label=_("Group by"), required=False, initial="enterprise", choices=[
        ("enterprise", _("Sending enterprise")), ("stage", _("Stage")), ("class", _("Class")),
        ("market", _("Market")), ("unit", _("Unit"))])
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = report_units(user)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")
