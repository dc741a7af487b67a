"""Forms after departure: they turn text into domain values; the rules live in ``workers.services``."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import bounds
from portal.forms import VNDateField, VNIntegerField, YearField
from portal.models import Level, Unit
from portal.scoping import visible_units
from workers.forms import (
    ContractFields,
    PlainSelect,
    UnitChoiceField,
    VNDecimalField,
    _bootstrap,
    _unit_options,
    options_html,
)
from workers.models import AbscondingSource, FollowUpMilestone, Programme, ReturnOutcome, Work

NEED_CHOICES = [("job_referral", _("Job referral")), ("loan", _("Loan")), ("training", _("Training"))]
YES_NO_UNKNOWN = [("", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))]


class ContractForm(ContractFields):
    pass


class ExtensionForm(forms.Form):
    new_end = VNDateField(label=_("New end of the contract"))
    approved_on = VNDateField(label=_("Approved on"))
    note = forms.CharField(label=_("Note (decision, who approved)"), max_length=500, required=False)


class AbscondingForm(forms.Form):
    learned_on = VNDateField(label=_("Date learned"))
    source = forms.ChoiceField(label=_("Source"), choices=AbscondingSource.choices)
    place = forms.CharField(label=_("Place, if known"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AbscondingCloseForm(forms.Form):
    closed_on = VNDateField(label=_("Found on"))
    note = forms.CharField(label=_("Note (where, in what situation)"), max_length=500, required=False)


class FollowUpForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("Follow-up"), choices=FollowUpMilestone.choices, coerce=int)
    done_on = VNDateField(label=_("Followed up on"))
    work = forms.ChoiceField(label=_("Work now"), choices=Work.choices)
    certificate_used = forms.ChoiceField(label=_("Skills certificate used"), choices=YES_NO_UNKNOWN, required=False)
    needs = forms.MultipleChoiceField(label=_("Needs"), choices=NEED_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        needs = set(data.get("needs") or ())
        return {
            "milestone": data["milestone"], "done_on": data["done_on"], "work": data["work"],
            "certificate_used": {"yes": True, "no": False}.get(data.get("certificate_used") or ""),
            "needs_job_referral": "job_referral" in needs, "needs_loan": "loan" in needs,
            "needs_training": "training" in needs, "note": data.get("note") or "",
        }


class ReturneeFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or citizen ID"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"),
                           widget=PlainSelect)
    date_from = VNDateField(label=_("Returned from"), required=False)
    date_to = VNDateField(label=_("Returned until"), required=False)
    outcome = forms.ChoiceField(label=_("Return"), required=False, choices=[("", _("Any return")), *ReturnOutcome.choices])
    work = forms.ChoiceField(label=_("Work now"), required=False, choices=[("", _("Any")), *Work.choices])
    need = forms.ChoiceField(label=_("Needs"), required=False, choices=[("", _("Any")), *NEED_CHOICES])
    due = forms.BooleanField(label=_("Follow-up due now"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        unit.queryset = (visible_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
                         .select_related("parent").order_by("path"))
        # The worker list's short list of units (not the country's ~11,000), kept in the cache.
        unit.widget.options_html = options_html([("", unit.empty_label)]) + _unit_options(user, unit,
                                                                                          self["unit"].data)
        _bootstrap(self)
        self.fields["due"].widget.attrs["class"] = "form-check-input"


class OverstayRuleForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all())
    year = YearField(label=_("Year of the notice"))
    min_stayers = VNIntegerField(label=_("Workers staying illegally: threshold"), bound=bounds.PEOPLE)
    stayers_inclusive = forms.TypedChoiceField(
        label=_("Reached when the number is"), coerce=lambda value: value == "1",
        choices=[("1", _("at least the threshold (≥)")), ("0", _("more than the threshold (>)"))])
    min_rate = VNDecimalField(label=_("Share not returned on time: threshold (%)"), max_digits=5, decimal_places=2,
                              help_text=_("Per cent, e.g. 28 or 28,5."))
    rate_inclusive = forms.TypedChoiceField(
        label=_("Reached when the share is"), coerce=lambda value: value == "1",
        choices=[("1", _("at least the threshold (≥)")), ("0", _("more than the threshold (>)"))])
    window_from = VNDateField(label=_("Contracts ended from"))
    window_to = VNDateField(label=_("Contracts ended until"))
    as_of = VNDateField(label=_("Workers staying illegally counted on"))
    notice = forms.CharField(label=_("Notice (number, date)"), max_length=255, required=False)


class AftercareSettingsForm(forms.Form):
    grace_days = VNIntegerField(
        label=_("Grace period after a contract's end (days)"), min_value=0, max_value=365,
        help_text=_("A worker not back this many days after the contract's end counts as overstaying."))
    absconding_rate_threshold = VNDecimalField(
        label=_("Warn on a departure when the enterprise's absconding rate exceeds (%)"), max_digits=5,
        decimal_places=2)
    absconding_min_departures = VNIntegerField(
        label=_("…for enterprises with at least this many departures"), min_value=1)
    absconding_lookback_years = VNIntegerField(label=_("…counted over the departures of the last (years)"),
                                               min_value=1, max_value=20)
