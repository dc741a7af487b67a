"""The form of the progress report and the reconciliation: unit in scope, period, source."""
from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import bounds
from portal.forms import VNDateField, YearField
from portal.models import Level, Structure, Unit, is_national, national_unit
from portal.scoping import sees_everything, visible_units
from portal.xlsx import normalise_header
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


NATIONAL_PREFIX = "national:"
UNIT_SEARCH_LIMIT = 20


def unit_label(unit: Unit, *, both_structures: bool) -> str:
    """How the picker names a unit: the whole country by its structure; a unit by name and code (and structure
    for an administrator, who sees both: Khánh Hòa before and after 2025)."""
    if is_national(unit):
        return f"{unit.name} – {unit.get_structure_display()}"
    label = f"{unit.name} ({unit.code})"
    return f"{label} – {unit.get_structure_display()}" if both_structures else label


def national_choices(user) -> list[tuple[str, str]]:
    """The whole country in each structure, for administrators only."""
    if not sees_everything(user):
        return []
    return [(f"{NATIONAL_PREFIX}{structure}", unit_label(national_unit(structure), both_structures=True))
            for structure in (Structure.LEGACY, Structure.NEW)]


def search_report_units(user, query: str, *, national: bool = True,
                        limit: int = UNIT_SEARCH_LIMIT) -> list[dict[str, str]]:
    """The units of :func:`report_units` whose name or code matches ``query`` (accents and case ignored: "ninh son"
    finds "Huyện Ninh Sơn"), at most ``limit``, in the tree's order; the whole country first for an administrator
    (``national``). Reads the user's report units' names only (some hundreds), never renders them all."""
    words = [normalise_header(word) for word in query.split()]
    words = [word for word in words if word]
    both = sees_everything(user)
    found: list[dict[str, str]] = []
    if national:
        for value, label in national_choices(user):
            if all(word in normalise_header(label) for word in words):
                found.append({"id": value, "label": label})
    for pk, code, name, structure in report_units(user).values_list("id", "code", "name", "structure").iterator():
        folded = normalise_header(name) + " " + code.lower()
        if all(word in folded for word in words):
            found.append({"id": str(pk), "label": unit_label(Unit(code=code, name=name, structure=structure),
                                                             both_structures=both)})
            if len(found) >= limit:
                break
    return found[:limit]


class UnitPicker(forms.Widget):
    """A unit picked by searching as you type (``static/js/unit_picker.js`` asks ``progress:units``): a hidden
    input with the unit's id and a text box showing its name. The page never lists every unit."""

    template_name = "reports/widgets/unit_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.label_for = lambda value: ""
        self.search_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["label"] = self.label_for(value)
        context["widget"]["search_url"] = self.search_url
        return context


class ReportUnitField(forms.ModelChoiceField):
    """A unit of the user's report units, or (``national``, administrators) the whole country in a structure,
    posted as ``national:legacy`` / ``national:2025`` and cleaned to ``portal.models.national_unit``."""

    widget = UnitPicker

    def __init__(self, *args, national: bool = False, **kwargs):
        self.national = national
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if is_national(value):
            return f"{NATIONAL_PREFIX}{value.structure}"
        return super().prepare_value(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(NATIONAL_PREFIX):
            structure = value[len(NATIONAL_PREFIX):]
            if self.national and structure in Structure.values:
                return national_unit(structure)
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ProgressForm(forms.Form):
    unit = ReportUnitField(label=_("Unit"), queryset=Unit.objects.none())
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="year")
    year = YearField(label=_("Year"), required=False)
    year_to = YearField(label=_("Last year (several years)"), required=False)
    date_from = VNDateField(label=_("From"), required=False, period=True)
    date_to = VNDateField(label=_("To"), required=False, period=True)
    source = forms.ChoiceField(label=_("Source of the figures"), choices=SOURCE_CHOICES, initial=REGISTRY)

    def __init__(self, *args, user, with_source: bool = True, national: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = report_units(user)
        field.national = national and sees_everything(user)
        both = sees_everything(user)

        def label_for(value) -> str:
            if isinstance(value, Unit):
                return unit_label(value, both_structures=both)
            if isinstance(value, str) and value.startswith(NATIONAL_PREFIX):
                return dict(national_choices(user)).get(value, "") if field.national else ""
            pk = bounds.param_id(value)  # "²" passes str.isdigit() but is no id
            unit = field.queryset.filter(pk=pk).first() if pk is not None else None
            return unit_label(unit, both_structures=both) if unit else ""

        field.widget.label_for = label_for
        field.widget.search_url = reverse("progress:units") + ("?national=1" if field.national else "")
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
