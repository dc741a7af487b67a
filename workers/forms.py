"""Forms adapt input into domain values; the rules live in the services."""
from __future__ import annotations

from decimal import Decimal
from html import escape

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal import bounds, cache_version, tree
from portal.collation import vi_order
from portal.formats import format_decimal, parse_decimal
from portal.forms import StructureUploadForm, VNDateField, VNIntegerField, YearField
from portal.models import Level, Unit
from portal.scoping import user_unit, visible_units
from workers.models import (
    Country,
    Currency,
    Enterprise,
    EnterpriseStatus,
    Ethnicity,
    HouseholdStatus,
    Programme,
    Sector,
    Sex,
    Status,
)
from workers.pipeline import next_statuses
from workers.selectors import SORTS
from workers.services import HOME_LEVELS
from workers.validators import citizen_id_problems, normalise_citizen_id


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        if unit.level == Level.DISTRICT:
            return unit.name
        return f"{unit.name} – {unit.parent.name}" if unit.parent_id else unit.name


def home_units(user):
    return visible_units(user).filter(level__in=HOME_LEVELS).select_related("parent").order_by("path")


class WorkerForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    date_of_birth = VNDateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    unit = UnitChoiceField(label=_("Home unit"), queryset=Unit.objects.none(),
                           help_text=_("The home commune, or the district when the commune is unknown."))
    ethnicity = forms.ModelChoiceField(label=_("Ethnic group"), queryset=Ethnicity.objects.all(), required=False)
    household_statuses = forms.ModelMultipleChoiceField(
        label=_("Household status"), queryset=HouseholdStatus.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
    phone = forms.RegexField(label=_("Phone"), regex=r"^[0-9 +.]{8,20}$", required=False,
                             error_messages={"invalid": _("Enter a phone number of 8 to 20 digits.")})
    education = forms.CharField(label=_("Education"), max_length=120, required=False)
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    skills = forms.CharField(label=_("Skills"), max_length=255, required=False)
    wished_country = forms.ModelChoiceField(label=_("Wished-for market"), queryset=Country.objects.all(), required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("This is another person: save anyway"), required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=bounds.INTEGER_MAX)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = home_units(user)
        if "citizen_id" in self.initial and not self.initial["citizen_id"]:
            # A record brought in from history with its old CMND alone: the CCCD is added once it is known.
            self.fields["citizen_id"].required = False

    def show_duplicate_confirmation(self) -> None:
        self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def clean_citizen_id(self) -> str:
        return normalise_citizen_id(self.cleaned_data["citizen_id"])

    def clean(self):
        data = super().clean()
        citizen_id = data.get("citizen_id")
        if citizen_id:
            for problem in citizen_id_problems(citizen_id, date_of_birth=data.get("date_of_birth"), sex=data.get("sex")):
                self.add_error("citizen_id", problem)
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["phone"] = data.get("phone") or ""
        return data


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Reason or note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Every status is offered; the service explains why a nonsensical one is refused.
        allowed = set(next_statuses(current))
        self.fields["to_status"].choices = [(value, label) for value, label in Status.choices if value in allowed] + [
            (value, label) for value, label in Status.choices if value not in allowed and value != current]


class VNDecimalField(forms.DecimalField):
    """A number typed the Vietnamese way: 1.800.000 or 2.150,50 (a comma for decimals)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})
    default_error_messages = {"invalid": _("Enter a number, e.g. 1.800.000 or 28,5.")}

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_decimal(value, 2 if value != value.to_integral_value() else 0)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ContractFields(forms.Form):
    """The contract of a departure: its end (or its length), the employer, the wage."""

    contract_months = VNIntegerField(label=_("Contract length (months)"), required=False, min_value=1, max_value=240)
    contract_end = VNDateField(label=_("Contract end"), required=False,
                               help_text=_("Leave empty to count it from the departure date and the length."))
    employer_name = forms.CharField(label=_("Employer"), max_length=255, required=False)
    employer_country = forms.ModelChoiceField(label=_("Employer's country"), queryset=Country.objects.all(),
                                              required=False, help_text=_("Empty: the country of destination."))
    employer_sector = forms.ChoiceField(label=_("Employer's sector"), required=False,
                                        choices=[("", "—"), *Sector.choices])
    monthly_wage = VNDecimalField(label=_("Monthly wage"), required=False, min_value=0, max_digits=12,
                                  decimal_places=2)
    wage_currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[("", "—"), *Currency.choices])

    def clean(self):
        data = super().clean()
        if data.get("monthly_wage") is not None and not data.get("wage_currency"):
            self.add_error("wage_currency", _("Choose the currency of the wage."))
        return data


class DepartureForm(ContractFields):
    date = VNDateField(label=_("Departure date"))
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.select_related("country"),
                                       required=False)
    enterprise = forms.ModelChoiceField(label=_("Sending enterprise"), queryset=Enterprise.objects.all(), required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=200, required=False)
    orientation_cert_no = forms.CharField(label=_("Orientation certificate number"), max_length=50, required=False)
    orientation_cert_date = VNDateField(label=_("Orientation certificate date"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    field_order = ["date", "country", "programme", "enterprise", "occupation", "contract_months", "contract_end",
                   "employer_name", "employer_country", "employer_sector", "monthly_wage", "wage_currency",
                   "orientation_cert_no", "orientation_cert_date", "note"]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["employer_country"] = data.get("employer_country") or (
            data["country"] if data.get("employer_name") else None)
        return data


class ReturnForm(forms.Form):
    date = VNDateField(label=_("Return date"))
    early = forms.BooleanField(label=_("Returned before the end of the contract"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    follow_up = forms.CharField(label=_("After return (job, business, new contract…)"), max_length=500, required=False)


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    licence_no = forms.CharField(label=_("Licence number"), max_length=50)
    licence_date = VNDateField(label=_("Licence date"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EnterpriseStatus.choices)
    status_date = VNDateField(label=_("Date of the change of status"), required=False,
                              help_text=_("Required when the status changes."))
    status_decision = forms.CharField(label=_("Decision changing the status"), max_length=100, required=False,
                                      help_text=_("E.g. Decision 123/QĐ-QLLĐNN; required when the status changes."))


class CountryForm(forms.Form):
    code = forms.RegexField(label=_("ISO code"), regex=r"^[A-Za-z]{2}$", max_length=2,
                            help_text=_("Two letters (ISO 3166), e.g. JP; set once."))
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    is_high_income = forms.BooleanField(label=_("High-income market"), required=False)
    order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class ProgrammeForm(forms.Form):
    code = forms.RegexField(label=_("Code"), regex=r"^[0-9A-Za-z_-]{2,20}$", max_length=20,
                            help_text=_("E.g. JP-IM; worker sheets name the programme by it, so it is set once."))
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.order_by("order", *vi_order("name_vi")))
    order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


def options_html(choices) -> str:
    """``<option>`` elements of ``(value, label)`` pairs, escaped, none selected."""
    return "".join(f'<option value="{escape(str(value))}">{escape(str(label))}</option>' for value, label in choices)


class PlainSelect(forms.Select):
    """A ``<select>`` of ready ``<option>`` HTML (``options_html``, which the form keeps in the cache).

    Django renders a template per option (~0.1 ms each), so a filter bar of some 1,300 units and
    enterprises took longer than the rest of the page."""

    options_html = ""

    def render(self, name, value, attrs=None, renderer=None):
        options = self.options_html
        for selected in self.format_value(value):
            option = f'<option value="{escape(selected)}">'
            options = options.replace(option, f'{option[:-1]} selected>', 1)
        return format_html("<select name=\"{}\"{}>{}</select>", name,
                           flatatt(self.build_attrs(self.attrs, attrs)), mark_safe(options))


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or citizen ID"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"),
                           widget=PlainSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices])
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.order_by("order", *vi_order("name_vi")),
                                     required=False, empty_label=_("All countries"), widget=PlainSelect)
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.all(), required=False,
                                        empty_label=_("All enterprises"), widget=PlainSelect)
    year = YearField(label=_("Year of departure"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Any unit in scope filters (a commune's id in the URL too); only a short list is offered.
        self.fields["unit"].queryset = (visible_units(user)
                                        .filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
                                        .select_related("parent").order_by("path"))
        # The options of the long lists are kept in the cache (national data: portal.cache_version drops them
        # when units or reference data change).
        options = {
            "unit": _unit_options(user, self.fields["unit"], self["unit"].data),
            "enterprise": cache_version.cached("enterprise-filter", lambda: options_html(
                self.fields["enterprise"].queryset.order_by(*vi_order("name"), "pk").values_list("pk", "name")),
                reads=cache_version.NATIONAL),
            "country": cache_version.cached(f"country-filter:{get_language()}", lambda: options_html(
                (country.pk, country.name) for country in self.fields["country"].queryset),
                reads=cache_version.NATIONAL),
        }
        for name, html in options.items():
            field = self.fields[name]
            field.widget.options_html = options_html([("", field.empty_label)]) + html
        _bootstrap(self)


def _unit_options(user, field: UnitChoiceField, selected) -> str:
    """The units the list's filter offers: the user's unit and the units down to the districts, the
    communes only of a district (or of a province without districts), and the selected unit; not the
    ~11,000 units of the country (the page would weigh ~1 MB)."""
    def rows(condition: Q) -> list[tuple[int, str]]:
        # UnitChoiceField's labels, without a model per unit.
        found = tree.name_order(field.queryset.filter(condition).values("pk", "level", "name", "parent__name", "path"))
        return [(row["pk"], row["name"] if row["level"] == Level.DISTRICT or row["parent__name"] is None
                 else f"{row['name']} – {row['parent__name']}") for row in found]

    top = user_unit(user)
    offered = Q(level__in=(Level.PROVINCE, Level.DISTRICT))
    if top is not None:
        offered |= Q(pk=top.pk) | Q(parent=top)
    html = cache_version.cached(f"unit-filter:{cache_version.scope_key(user)}", lambda: options_html(rows(offered)),
                                reads=cache_version.NATIONAL)  # units only: a change to them bumps ``shared``
    if (chosen := bounds.param_id(selected)) is not None and f'<option value="{chosen}">' not in html:
        html += options_html(rows(Q(pk=chosen)))  # a commune chosen elsewhere (or not in scope: none)
    return html


def _bootstrap(form: forms.Form) -> None:
    """Filter bars are laid out by hand (not crispy): give the widgets Bootstrap's classes."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class AccessLogFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False)
    worker = forms.CharField(label=_("Worker (name or citizen ID)"), required=False)
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class WorkerImportForm(StructureUploadForm):
    accept_duplicates = forms.BooleanField(
        label=_("Import likely duplicates anyway (same name, date of birth and unit, another citizen ID)"),
        required=False)


# --- The pre-departure file ------------------------------------------------------------------------------------------


class ChecklistForm(forms.Form):
    """One row of fields per checklist item of a worker (``<code>-status``, ``-date``, ``-document_no``,
    ``-result``, ``-note``), so that the service's errors (keyed the same way) land beside their field."""

    FIELDS = ("status", "date", "document_no", "result", "note")

    def __init__(self, *args, lines, **kwargs):
        from workers.models import ChecklistStatus

        self.lines = lines
        initial = {}
        for line in lines:
            entry, code = line.entry, line.item.code
            initial.update({f"{code}-status": line.status, f"{code}-date": entry.date if entry else None,
                            f"{code}-document_no": entry.document_no if entry else "",
                            f"{code}-result": entry.result if entry else "", f"{code}-note": entry.note if entry else ""})
        super().__init__(*args, initial=initial, **kwargs)
        for line in lines:
            code = line.item.code
            choices = [(value, label) for value, label in ChecklistStatus.choices
                       if value != ChecklistStatus.FAILED or line.item.has_result]
            self.fields[f"{code}-status"] = forms.ChoiceField(label=line.item.name, choices=choices)
            self.fields[f"{code}-date"] = VNDateField(label=_("Date"), required=False)
            self.fields[f"{code}-document_no"] = forms.CharField(label=_("Document number"), max_length=60,
                                                                 required=False)
            self.fields[f"{code}-result"] = forms.CharField(label=_("Result or level"), max_length=120, required=False)
            self.fields[f"{code}-note"] = forms.CharField(label=_("Note"), max_length=255, required=False)
        _bootstrap(self)

    def rows(self):
        """(line, bound fields) per item, for the template's table."""
        return [(line, [self[f"{line.item.code}-{name}"] for name in self.FIELDS]) for line in self.lines]

    def entries(self):
        from workers.checklist import EntryInput

        data = self.cleaned_data
        return [EntryInput(item=line.item, status=data[f"{line.item.code}-status"],
                           date=data.get(f"{line.item.code}-date"),
                           document_no=data.get(f"{line.item.code}-document_no") or "",
                           result=data.get(f"{line.item.code}-result") or "",
                           note=data.get(f"{line.item.code}-note") or "")
                for line in self.lines]


class ExpectedDepartureForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Sending enterprise"), queryset=Enterprise.objects.all(),
                                        required=False)
    country = forms.ModelChoiceField(label=_("Market"), queryset=Country.objects.all(), required=False)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.select_related("country"),
                                       required=False)
    date = VNDateField(label=_("Expected departure date"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class DueFilterForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    due_by = VNDateField(label=_("Expected to depart by"), required=False)
    everyone = forms.BooleanField(label=_("Also those with a complete file"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (visible_units(user)
                                        .filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
                                        .select_related("parent").order_by("path"))
        _bootstrap(self)
        self.fields["everyone"].widget.attrs["class"] = "form-check-input"
