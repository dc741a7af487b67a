from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal import bounds, formats
from portal.forms import VNDateField, VNIntegerField, YearField
from targets.models import Aggregation, CoverageKind, Indicator, Operator, Plan, Severity
from targets.services import GoalInput


class VNPercentField(forms.CharField):
    """A percent typed as 130 or 63,7."""

    default_error_messages = {"invalid": _("Enter a percent, e.g. 130 or 63,7.")}

    def __init__(self, *, max_value: int | None = None, **kwargs):
        self.max_value = max_value
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            text = formats.format_decimal(value, 1)
            return text[:-2] if text.endswith(",0") else text
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            number = formats.parse_decimal(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if number < 0 or (self.max_value is not None and number > self.max_value) or number >= 10000:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number.quantize(Decimal("0.1"))


GOAL_FIELDS = [
    ("goal_orientation", CoverageKind.ORIENTATION_CERTIFICATE),
    ("goal_communes", CoverageKind.COMMUNES_COVERED),
    ("goal_high_income", CoverageKind.HIGH_INCOME_MARKETS),
    ("goal_skilled", CoverageKind.SKILLED),
]


class PlanForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"))
    name = forms.CharField(max_length=255, label=_("Name"))
    decision_no = forms.CharField(max_length=100, required=False, label=_("Decision number"))
    first_year = YearField(label=_("First year"))
    last_year = YearField(label=_("Last year"))
    targets = forms.CharField(
        label=_("Target of each year"),
        help_text=_("One number per year separated by “;” (e.g. 400; 600; 700), or one number for every year (e.g. 800)."),
    )
    stretch_percent = VNPercentField(label=_("Stretch goal (% of the target)"), help_text=_("e.g. 130"))
    goal_orientation = VNPercentField(max_value=100, label=format_lazy("{} (%)", CoverageKind.ORIENTATION_CERTIFICATE.label))
    goal_communes = VNPercentField(max_value=100, label=format_lazy("{} (%)", CoverageKind.COMMUNES_COVERED.label))
    goal_high_income = VNPercentField(max_value=100, label=format_lazy("{} (%)", CoverageKind.HIGH_INCOME_MARKETS.label))
    goal_skilled = VNPercentField(max_value=100, label=format_lazy("{} (%)", CoverageKind.SKILLED.label))
    goal_other_label = forms.CharField(max_length=255, required=False, label=_("Other goal"))
    goal_other_percent = VNPercentField(max_value=100, label=_("Other goal (%)"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Note"))

    def __init__(self, *args, units=None, plan: Plan | None = None, **kwargs):
        if plan is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(plan)
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if plan is not None:
            self.fields["unit"].disabled = True

    @staticmethod
    def initial_for(plan: Plan) -> dict:
        targets = [q.target for q in plan.quotas.all() if q.unit_id == plan.unit_id]
        initial = {
            "unit": plan.unit_id, "name": plan.name, "decision_no": plan.decision_no, "first_year": plan.first_year,
            "last_year": plan.last_year, "targets": "; ".join(formats.format_int(t) for t in targets),
            "stretch_percent": plan.stretch_percent, "note": plan.note,
        }
        by_kind = {field: kind for field, kind in GOAL_FIELDS}
        for goal in plan.coverage_goals.all():
            if goal.kind == CoverageKind.OTHER:
                initial["goal_other_label"], initial["goal_other_percent"] = goal.label, goal.percent
            for field, kind in by_kind.items():
                if goal.kind == kind:
                    initial[field] = goal.percent
        return initial

    def clean_targets(self) -> list[int]:
        parts = [p for p in re.split(r"[;\n]+", self.cleaned_data["targets"]) if p.strip()]
        try:
            values = [formats.parse_int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers separated by “;”, e.g. 400; 600; 700.")) from None
        if not values or any(v < 0 for v in values):
            raise forms.ValidationError(_("Write whole numbers separated by “;”, e.g. 400; 600; 700."))
        return values

    def clean(self):
        data = super().clean()
        first, last, targets = data.get("first_year"), data.get("last_year"), data.get("targets")
        if first and last:
            if last < first:
                self.add_error("last_year", _("The last year cannot come before the first."))
            elif targets:
                years = last - first + 1
                if len(targets) == 1:
                    data["targets"] = targets * years
                elif len(targets) != years:
                    self.add_error("targets", _("The plan covers %(years)s years: give %(years)s targets or one for every year.") % {
                        "years": years})
        if data.get("goal_other_percent") is not None and not data.get("goal_other_label", "").strip():
            self.add_error("goal_other_label", _("Describe the other goal."))
        return data

    def goals(self) -> list[GoalInput]:
        data = self.cleaned_data
        goals = [GoalInput(kind, data[field]) for field, kind in GOAL_FIELDS if data.get(field) is not None]
        if data.get("goal_other_percent") is not None:
            goals.append(GoalInput(CoverageKind.OTHER, data["goal_other_percent"], data["goal_other_label"]))
        return goals

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "first_year": data["first_year"], "last_year": data["last_year"],
            "targets": data["targets"], "stretch_percent": data.get("stretch_percent"),
            "decision_no": data.get("decision_no", ""), "note": data.get("note", ""), "goals": self.goals(),
        }


class QuotaTableForm(forms.Form):
    """One target field per unit of the table (``u<id>``)."""

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        for row in table.rows:
            self.fields[f"u{row.unit.pk}"] = VNIntegerField(
                bound=bounds.PEOPLE, required=False, label=row.unit.name, initial=row.target,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "form-control form-control-sm text-end"}),
            )

    def targets(self) -> dict[int, int | None]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class FiguresForm(forms.Form):
    """One field per active indicator, named by its code, and the version the user loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=bounds.INTEGER_MAX)
    comment = forms.CharField(required=False, max_length=2000, label=_("Comment for the province"),
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                              help_text=_("Needed to submit figures that are flagged as unusual or break a warning rule."))

    def __init__(self, *args, indicators: list[Indicator], values: dict[str, int], version: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.stored = values
        self.fields["version"].initial = version
        for indicator in indicators:
            self.fields[indicator.code] = VNIntegerField(
                bound=bounds.PEOPLE, required=False, label=indicator.name, initial=values.get(indicator.code),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "form-control text-end"}),
            )

    def rows(self):
        """(indicator, bound field, value saved in the database) for each line of the form."""
        return [(indicator, self[indicator.code], self.stored.get(indicator.code)) for indicator in self.indicators]

    def values(self) -> dict[str, int | None]:
        return {i.code: self.cleaned_data.get(i.code) for i in self.indicators}


class ReturnForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("What must be corrected"))


class ReopenForm(forms.Form):
    until = VNDateField(required=False, label=_("Open until"), help_text=_("Empty: one week from today."))


class BoardFilterForm(forms.Form):
    """The due/overdue board's filters (GET)."""

    year = YearField(required=False, label=_("Year"))
    level = forms.ChoiceField(required=False, label=_("Level"))
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, *args, **kwargs):
        from portal.models import Level
        from targets.chase import STATUS_LABELS, STATUSES

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels"))] + [
            (value, label) for value, label in Level.choices if value != Level.PROVINCE]
        self.fields["status"].choices = [("", _("All statuses"))] + [(key, STATUS_LABELS[key]) for key in STATUSES]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm" if isinstance(
                field, forms.ChoiceField) else "form-control form-control-sm"


class BulkReviewForm(forms.Form):
    """Several reports of the approval queue, each with the version the reviewer saw, and what to do with them."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Send back"))])
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                              label=_("What must be corrected (for sending back)"))

    def clean(self):
        data = super().clean()
        versions = {}
        for raw in self.data.getlist("report"):
            report, version = bounds.param_id(raw), bounds.param_id(self.data.get(f"version_{raw}", ""))
            if report is None or version is None:
                raise forms.ValidationError(_("The list of reports was damaged: reload the page."))
            versions[report] = version
        if not versions:
            raise forms.ValidationError(_("Tick at least one report."))
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what must be corrected."))
        data["versions"] = versions
        return data


class IndicatorForm(forms.Form):
    """An indicator of the monthly report (its code, which monthly sheets name, is set once)."""

    code = forms.SlugField(label=_("Code"), max_length=50,
                           help_text=_("Letters without accents, digits, - and _; monthly sheets may name the column by it."))
    name_vi = forms.CharField(label=_("Vietnamese name"), max_length=255)
    name_en = forms.CharField(label=_("English name"), max_length=255)
    aggregation = forms.ChoiceField(label=_("Over several months"), choices=Aggregation.choices)
    order = forms.IntegerField(label=_("Order in the report"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=_("Active (units report it)"), required=False, initial=True,
                                help_text=_("An indicator is retired, never deleted: past figures keep it."))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class SourceTableForm(forms.Form):
    """Two fields per unit the user may set (``c<id>``: candidates to register, ``t<id>``: of them to train)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        widget = {"inputmode": "numeric", "class": "form-control form-control-sm text-end"}
        for row in rows:
            if not row.editable:
                continue
            quota = row.quota
            self.fields[f"c{row.unit.pk}"] = VNIntegerField(
                bound=bounds.PEOPLE, required=False, label=row.unit.name, initial=quota.candidates if quota else None,
                widget=forms.TextInput(attrs=widget))
            self.fields[f"t{row.unit.pk}"] = VNIntegerField(
                bound=bounds.PEOPLE, required=False, label=row.unit.name, initial=quota.trained if quota else None,
                widget=forms.TextInput(attrs=widget))

    def clean(self):
        data = super().clean()
        for name in list(self.fields):
            if name.startswith("t") and data.get(name) is not None and data.get(f"c{name[1:]}") is None:
                self.add_error(name, _("Give the number of candidates to register with the number to train."))
        return data

    def targets(self) -> dict[int, tuple[int | None, int | None]]:
        data = self.cleaned_data
        return {int(name[1:]): (data.get(name), data.get(f"t{name[1:]}")) for name in self.fields if name.startswith("c")}


class RuleForm(forms.Form):
    """A validation rule: two expressions of indicator codes and whole numbers (+ - * and parentheses)."""

    left = forms.CharField(label=_("Left side"), max_length=255,
                           help_text=_("Indicator codes, whole numbers, + - * and parentheses, e.g. departed_female."))
    operator = forms.ChoiceField(label=_("Comparison"), choices=Operator.choices)
    right = forms.CharField(label=_("Right side"), max_length=255, help_text=_("e.g. departed"))
    message = forms.CharField(label=_("Message the unit reads (Vietnamese)"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class RangeForm(forms.Form):
    """A range the province sets for an indicator of a unit (and the units below it)."""

    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"))
    indicator = forms.ModelChoiceField(queryset=Indicator.objects.filter(active=True), label=_("Indicator"))
    minimum = VNIntegerField(min_value=0, label=_("Minimum"))
    maximum = VNIntegerField(min_value=0, label=_("Maximum"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("minimum") is not None and data.get("maximum") is not None and data["minimum"] > data["maximum"]:
            self.add_error("maximum", _("The minimum is above the maximum."))
        return data
