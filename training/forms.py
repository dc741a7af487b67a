"""Forms of the training screens: they turn typed text into domain values; the rules live in the services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import bounds
from portal.forms import VNDateField, VNIntegerField, XlsxUploadForm, YearField
from portal.models import Level, Unit
from portal.scoping import visible_units
from support.models import Policy
from training.models import ClassKind, Language, OrganiserKind, Result, TrainingClass
from training.services import CLASS_LEVELS, ClassInput, ResultInput
from workers.forms import UnitChoiceField, _bootstrap
from workers.models import Country, Enterprise, Programme


def class_units(user):
    """Units a user may give a class to: those they write for (not the units above, nor inherited ones)."""
    return visible_units(user).filter(level__in=CLASS_LEVELS).select_related("parent").order_by("path")


class PolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, policy: Policy) -> str:
        return f"{policy.code} – {policy.name}"


class ClassForm(forms.Form):
    code = forms.CharField(label=_("Class code"), max_length=40, help_text=_("E.g. NN-2026-01; unique in the portal."))
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClassKind.choices)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(),
                           help_text=_("The unit that organises or commissions the class."))
    organiser_kind = forms.ChoiceField(label=_("Organiser"), choices=OrganiserKind.choices)
    organiser_name = forms.CharField(label=_("Organiser's name"), max_length=255, required=False,
                                     help_text=_("The centre or school; for a sending enterprise choose it below."))
    enterprise = forms.ModelChoiceField(label=_("Sending enterprise"), queryset=Enterprise.objects.all(),
                                        required=False)
    country = forms.ModelChoiceField(label=_("Market"), queryset=Country.objects.all(), required=False)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.select_related("country"),
                                       required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", "—"), *Language.choices], required=False)
    start_date = VNDateField(label=_("Start date"))
    end_date = VNDateField(label=_("End date"))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    capacity = VNIntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    fee = VNIntegerField(label=_("Cost per learner (đồng)"), required=False, bound=bounds.AMOUNT)
    policy = PolicyChoiceField(label=_("Support policy that pays"), queryset=Policy.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = class_units(user)
        self.fields["policy"].queryset = Policy.objects.visible_to(user).filter(active=True).order_by("code")

    @staticmethod
    def initial_for(training_class: TrainingClass) -> dict:
        names = ("code", "name", "kind", "organiser_kind", "organiser_name", "language", "start_date", "end_date",
                 "place", "capacity", "fee", "note")
        return {name: getattr(training_class, name) for name in names} | {
            "unit": training_class.unit_id, "enterprise": training_class.enterprise_id,
            "country": training_class.country_id, "programme": training_class.programme_id,
            "policy": training_class.policy_id}

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The class ends before it starts."))
        return data

    def class_input(self) -> ClassInput:
        data = self.cleaned_data
        return ClassInput(**{name: data.get(name) for name in (
            "unit", "enterprise", "country", "programme", "start_date", "end_date", "capacity", "fee", "policy")},
            **{name: data.get(name) or "" for name in (
                "code", "name", "kind", "organiser_kind", "organiser_name", "language", "place", "note")})


class ClassFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ClassKind.choices])
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("", _("All classes")), ("upcoming", _("Not started")), ("running", _("Running")), ("finished", _("Ended"))])
    year = YearField(label=_("Year"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (visible_units(user)
                                        .filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
                                        .select_related("parent").order_by("path"))
        _bootstrap(self)


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or citizen ID"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (visible_units(user)
                                        .filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
                                        .select_related("parent").order_by("path"))
        _bootstrap(self)


class EnrolForm(forms.Form):
    """The workers ticked on the class page (ids checked against the user's scope by the view)."""

    workers = forms.TypedMultipleChoiceField(coerce=int, required=False)
    enrolled_on = VNDateField(label=_("Enrolled on"), required=False,
                              help_text=_("Empty: today (or the first day of a class already over)."))
    confirm_over_capacity = forms.BooleanField(label=_("Enrol anyway, over the class's capacity"), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = [(worker.pk, worker.full_name) for worker in candidates]


class WorkerEnrolForm(forms.Form):
    """From the worker's page: the class to join."""

    training_class = forms.ModelChoiceField(label=_("Class"), queryset=TrainingClass.objects.none())
    confirm_over_capacity = forms.BooleanField(label=_("Enrol anyway, over the class's capacity"), required=False)

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].queryset = classes


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    attendance = VNIntegerField(label=_("Attendance (%)"), required=False, min_value=0, max_value=100)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=60, required=False)
    certificate_date = VNDateField(label=_("Certificate date"), required=False)
    level = forms.CharField(label=_("Certificate level"), max_length=40, required=False,
                            help_text=_("E.g. JLPT N4, skill level 2."))
    score = VNIntegerField(label=_("Score"), required=False, min_value=0,
                           help_text=_("E.g. an EPS-TOPIK score (out of 200)."))

    def result_input(self) -> ResultInput:
        data = self.cleaned_data
        return ResultInput(result=data["result"], attendance=data.get("attendance"),
                           certificate_no=data.get("certificate_no") or "",
                           certificate_date=data.get("certificate_date"), level=data.get("level") or "",
                           score=data.get("score"))


class RuleForm(forms.Form):
    over_capacity_percent = VNIntegerField(
        label=_("Accepted over capacity (%)"), min_value=0, max_value=100,
        help_text=_("Enrolments past a class's capacity are accepted with a warning up to this share of it, "
                    "and refused beyond."))


class TrainingImportForm(XlsxUploadForm):
    pass
