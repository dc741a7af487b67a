"""Forms of the complaint screens: they turn typed text into domain values; the rules live in the services."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.attachments import max_bytes_text
from complaints.models import Category, Channel, ComplainantKind, PartyKind, ReferredTo, Status
from complaints.selectors import SORTS, STATES, WARNING_FILTERS
from complaints.workflow import next_statuses
from portal import bounds
from portal.forms import VNDateField, VNIntegerField, XlsxUploadForm
from portal.models import Level, Unit
from portal.scoping import user_unit, visible_units
from workers.forms import UnitChoiceField, _bootstrap
from workers.models import Country, Enterprise, Worker
from workers.validators import normalise_citizen_id


def case_units(user):
    """The units a user may file a case under: their own and those below it, down to the communes."""
    return (visible_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
            .select_related("parent").order_by("path"))


class EnterpriseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, enterprise: Enterprise) -> str:
        return f"{enterprise.name} ({enterprise.licence_no})"


class CaseForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40, required=False,
                             help_text=_("Leave it empty and the portal numbers the case (KN-58-2026-0001)."))
    unit = UnitChoiceField(label=_("Handling unit"), queryset=Unit.objects.none())
    received_on = VNDateField(label=_("Date received"))
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    complainant_kind = forms.ChoiceField(label=_("Who complains"), choices=ComplainantKind.choices)
    worker_citizen_id = forms.CharField(
        label=_("Citizen ID of the worker"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("For a worker in the registry (and, if known, the worker a relative speaks for)."))
    complainant_name = forms.CharField(label=_("Complainant's name"), max_length=120, required=False)
    complainant_phone = forms.CharField(label=_("Complainant's phone"), max_length=30, required=False)
    complainant_address = forms.CharField(label=_("Complainant's address"), max_length=255, required=False)
    respondent_kind = forms.ChoiceField(label=_("Complained about"), choices=PartyKind.choices)
    enterprise = EnterpriseChoiceField(label=_("Licensed enterprise"), queryset=Enterprise.objects.all(), required=False,
                                       help_text=_("Only when the party is a licensed sending enterprise."))
    respondent_name = forms.CharField(label=_("Name of the company or person"), max_length=255, required=False,
                                      help_text=_("As the complainant gives it."))
    respondent_phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)
    respondent_address = forms.CharField(label=_("Their address"), max_length=255, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(active=True))
    country = forms.ModelChoiceField(label=_("Country concerned"), queryset=Country.objects.all(), required=False)
    incident_date = VNDateField(label=_("Date of the facts"), required=False)
    amount_claimed = VNIntegerField(label=_("Amount claimed (đồng)"), required=False, bound=bounds.AMOUNT)
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    note = forms.CharField(label=_("Note on the intake"), max_length=1000, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = case_units(user)
        if not self.is_bound and user_unit(user) is not None:
            self.fields["unit"].initial = user_unit(user).pk
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("The case"), Row(Column("number", css_class="col-md-4"), Column("unit", css_class="col-md-4"),
                                        Column("received_on", css_class="col-md-2"),
                                        Column("channel", css_class="col-md-2"))),
            Fieldset(_("Who complains"), Row(Column("complainant_kind", css_class="col-md-4"),
                                             Column("worker_citizen_id", css_class="col-md-4")),
                     Row(Column("complainant_name", css_class="col-md-4"), Column("complainant_phone", css_class="col-md-3"),
                         Column("complainant_address", css_class="col-md-5"))),
            Fieldset(_("Against whom"), Row(Column("respondent_kind", css_class="col-md-4"),
                                            Column("enterprise", css_class="col-md-8")),
                     Row(Column("respondent_name", css_class="col-md-4"), Column("respondent_phone", css_class="col-md-3"),
                         Column("respondent_address", css_class="col-md-5"))),
            Fieldset(_("What"), Row(Column("category", css_class="col-md-4"), Column("country", css_class="col-md-3"),
                                    Column("incident_date", css_class="col-md-2"),
                                    Column("amount_claimed", css_class="col-md-3")),
                     "description", "note"),
        )

    def clean_worker_citizen_id(self) -> Worker | None:
        citizen_id = normalise_citizen_id(self.cleaned_data.get("worker_citizen_id"))
        if not citizen_id:
            return None
        worker = Worker.objects.visible_to(self.user).filter(citizen_id=citizen_id).first()
        if worker is None:
            raise forms.ValidationError(_("No worker with this citizen ID in your scope."))
        return worker

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["worker"] = data.pop("worker_citizen_id")
        for key in ("complainant_name", "complainant_phone", "complainant_address", "respondent_name",
                    "respondent_phone", "respondent_address", "number", "note"):
            data[key] = data.get(key) or ""
        return data


class StepForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Next step"))
    on = VNDateField(label=_("Date"))
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=[("", "—"), *ReferredTo.choices], required=False)
    note = forms.CharField(label=_("Note (the reason, for a rejection or a closure)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    amount_recovered = VNIntegerField(label=_("Money recovered (đồng)"), required=False, bound=bounds.AMOUNT)
    sanction = forms.CharField(label=_("Sanction imposed"), max_length=500, required=False)
    referral_result = forms.CharField(label=_("Result of the referral"), max_length=500, required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The next steps first; the others are offered too, and the service explains why they are refused.
        allowed = next_statuses(current)
        self.fields["to_status"].choices = [(v, label) for v, label in Status.choices if v in allowed] + [
            (v, label) for v, label in Status.choices if v not in allowed and v != current]


class ExtendForm(forms.Form):
    on = VNDateField(label=_("Date of the decision to extend"))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(forms.Form):
    amount_recovered = VNIntegerField(label=_("Money recovered (đồng)"), required=False, bound=bounds.AMOUNT)
    sanction = forms.CharField(label=_("Sanction imposed"), max_length=500, required=False)
    referral_result = forms.CharField(label=_("Result of the referral"), max_length=500, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document (PDF, JPEG or PNG)"))
    description = forms.CharField(label=_("What the document is"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(max)s; archives are not accepted.") % {"max": max_bytes_text()}
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, party or phone"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("", _("All cases")), ("open", _("Being handled")), ("overdue", _("Overdue")), ("final", _("Finished"))])
    status = forms.ChoiceField(label=_("Step"), required=False, choices=[("", _("All steps")), *Status.choices])
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("All categories"))
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.all(), required=False,
                                        empty_label=_("All enterprises"))
    date_from = VNDateField(label=_("Received from"), required=False)
    date_to = VNDateField(label=_("Received to"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = case_units(user)
        _bootstrap(self)

    def clean_state(self) -> str:
        state = self.cleaned_data.get("state") or ""
        return state if state in STATES else ""


class PartyFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), required=False)
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("open", _("Parties with open cases")), ("repeat", _("Named in two cases or more")), ("all", _("All parties"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_show(self) -> str:
        show = self.cleaned_data.get("show") or "open"
        return show if show in WARNING_FILTERS else "open"


class SummaryForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = case_units(user)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class AccessLogFilterForm(forms.Form):
    case = forms.CharField(label=_("Case number"), required=False)
    username = forms.CharField(label=_("User"), required=False)
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class CaseImportForm(XlsxUploadForm):
    pass

