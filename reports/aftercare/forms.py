"""The forms of the after-departure reports: unit in scope, rule or period."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import VNDateField
from portal.models import Unit
from portal.scoping import sees_everything
from reports.aftercare.scorecard import DEFAULT_SORT, SORTS
from reports.forms import report_units
from workers.models import OverstayRule, Programme


def _units(field: forms.ModelChoiceField, user) -> None:
    field.queryset = report_units(user)
    if sees_everything(user):  # both structures are listed, and a name may appear in each
        field.label_from_instance = lambda unit: f"{unit.name} – {unit.get_structure_display()}"


class OverstayForm(forms.Form):
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=OverstayRule.objects.select_related("programme"),
                                  empty_label=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=None)
    as_of = VNDateField(label=_("Count the stayers on"), required=False,
                        help_text=_("Empty: the rule's counting day, or today while that day is still to come."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _units(self.fields["unit"], user)
        self.fields["rule"].label_from_instance = lambda rule: f"{rule.programme.code} {rule.year}"
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")


class ScorecardForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("Whole country"))
    date_from = VNDateField(label=_("Departed from"), required=False)
    date_to = VNDateField(label=_("Departed until"), required=False)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all(), required=False,
                                       empty_label=_("All programmes"))
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS] + [(f"-{s}", s) for s in SORTS],
                             initial=DEFAULT_SORT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _units(self.fields["unit"], user)
        if not sees_everything(user):  # their own unit when none is chosen
            self.fields["unit"].empty_label = None
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The period ends before it starts."))
        return data
