"""Forms adapt input into domain values; the rules live in the services."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import MEDIA_CHANNELS, Campaign, Channel, Kind
from portal import bounds
from portal.forms import StructureUploadForm, VNDateField, VNIntegerField
from portal.models import Level, Unit
from portal.scoping import visible_units


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        if unit.level in (Level.COMMUNE, Level.HAMLET) and unit.parent_id:
            return f"{unit.name} – {unit.parent.name}"
        return unit.name


def scope_units(user):
    return visible_units(user).select_related("parent").order_by("path")


def district_units(user):
    """Units to filter or group by: provinces and districts (communes make the lists too long)."""
    return scope_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT))


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    date_from = VNDateField(label=_("From"))
    date_to = VNDateField(label=_("To"))
    target_groups = forms.CharField(label=_("Target groups"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    budget = VNIntegerField(label=_("Budget (đồng)"), required=False, bound=bounds.AMOUNT)
    goal_reached = VNIntegerField(label=_("Goal: people reached"), required=False, bound=bounds.PEOPLE)
    goal_registrations = VNIntegerField(label=_("Goal: registrations"), required=False, bound=bounds.PEOPLE)
    goal_departures = VNIntegerField(label=_("Goal: departures"), required=False, bound=bounds.PEOPLE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = district_units(user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("budget", "goal_reached", "goal_registrations", "goal_departures"):
            data[name] = data.get(name) or 0
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity type"), choices=Kind.choices)
    name = forms.CharField(label=_("Name or title"), max_length=255)
    date = VNDateField(label=_("Date"))
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    channel = forms.ChoiceField(label=_("Channel (media items)"), required=False,
                                choices=[("", "—"), *[(c.value, c.label) for c in MEDIA_CHANNELS]])
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    enterprises = VNIntegerField(label=_("Enterprises"), required=False, bound=bounds.PEOPLE)
    attendees = VNIntegerField(label=_("Attendees"), required=False, bound=bounds.PEOPLE)
    counselled = VNIntegerField(label=_("People counselled"), required=False, bound=bounds.PEOPLE)
    registrations = VNIntegerField(label=_("Registrations collected"), required=False, bound=bounds.PEOPLE)
    reach = VNIntegerField(label=_("Reach / views (media items)"), required=False, bound=bounds.PEOPLE)
    cost = VNIntegerField(label=_("Cost (đồng)"), required=False, bound=bounds.AMOUNT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope_units(user).exclude(level=Level.HAMLET)
        self.fields["campaign"].queryset = Campaign.objects.open_to(user).select_related("unit")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("enterprises", "attendees", "counselled", "registrations", "reach", "cost"):
            data[name] = data.get(name) or 0
        return data


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Activity type"), required=False, choices=[("", _("All types")), *Kind.choices])
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
                                      empty_label=_("All campaigns"))
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = district_units(user)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)


def this_year() -> int:
    return timezone.localdate().year


class FunnelFilterForm(forms.Form):
    GROUPS = [("campaign", _("By campaign")), ("channel", _("By channel")), ("unit", _("By unit"))]
    group_by = forms.ChoiceField(label=_("Rows"), choices=GROUPS, required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = district_units(user)
        year = this_year()
        self.fields["date_from"].initial = dt.date(year, 1, 1)
        self.fields["date_to"].initial = dt.date(year, 12, 31)
        self.fields["group_by"].initial = "campaign"

    def values(self) -> dict:
        """The cleaned filter, defaulting to this year by campaign."""
        year = this_year()
        data = {"group_by": "campaign", "unit": None, "date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)}
        if self.is_bound and self.is_valid():
            for key, value in self.cleaned_data.items():
                if value not in (None, ""):
                    data[key] = value
        return data


class LeadForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.RegexField(label=_("Phone"), regex=r"^[0-9 +.()-]{8,20}$", required=False,
                             error_messages={"invalid": _("Enter a phone number of 8 to 20 digits.")})
    citizen_id = forms.RegexField(label=_("Citizen ID (CCCD)"), regex=r"^[0-9 .]{12,15}$", required=False,
                                  error_messages={"invalid": _("The citizen ID must have exactly 12 digits.")})
    unit = UnitChoiceField(label=_("Home unit"), queryset=Unit.objects.none(), required=False,
                           help_text=_("Empty: the activity's unit."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope_units(user).exclude(level=Level.PROVINCE)

    def clean_citizen_id(self) -> str:
        return "".join(ch for ch in self.cleaned_data.get("citizen_id") or "" if ch.isdigit())


class EventImportForm(StructureUploadForm):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
                                      help_text=_("Optional: attach every activity of the file to this campaign."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.open_to(user)
