from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal import bounds, formats
from portal.models import Level, Structure, Unit
from portal.services import HAMLET_CODE


class VNDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (never mm/dd), between ``earliest`` (01/01/1900 unless told; ``period=True``:
    01/01/1990) and 31/12 of next year + 10 (``portal.bounds``)."""

    widget = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
    default_error_messages = {"invalid": _("Enter the date as dd/mm/yyyy, e.g. 01/03/2021.")}

    def __init__(self, *args, earliest=None, period: bool = False, **kwargs):
        self.earliest = earliest or (bounds.PERIOD_MIN if period else bounds.DATE_MIN)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = formats.parse_date(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        bounds.check_date(parsed, earliest=self.earliest)
        return parsed


class VNMonthField(forms.DateField):
    """A month typed as mm/yyyy; the value is the first day of that month."""

    widget = forms.TextInput(attrs={"placeholder": "mm/yyyy", "inputmode": "numeric"})
    default_error_messages = {"invalid": _("Enter the month as mm/yyyy, e.g. 03/2021.")}

    def prepare_value(self, value):
        if hasattr(value, "strftime"):
            return formats.format_month(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = formats.parse_month(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        bounds.check_date(parsed, earliest=bounds.PERIOD_MIN)
        return parsed


class VNIntegerField(forms.IntegerField):
    """A whole number typed as 1.274 or 1274, within ``bound`` (``portal.bounds``: PEOPLE, AMOUNT, SMALL…; by
    default what an integer column holds). An explicit ``min_value``/``max_value`` narrows it further."""

    widget = forms.TextInput(attrs={"inputmode": "numeric"})
    default_error_messages = {
        "invalid": _("Enter a whole number, e.g. 1.274."),
        "max_value": _("The number is too large: at most %(limit_value)s."),
        "min_value": _("The number must be at least %(limit_value)s."),
    }

    def __init__(self, *args, bound: bounds.IntBound = bounds.COLUMN, **kwargs):
        kwargs["min_value"] = max(bound.minimum, kwargs["min_value"]) if kwargs.get("min_value") is not None \
            else bound.minimum
        kwargs["max_value"] = min(bound.maximum, kwargs["max_value"]) if kwargs.get("max_value") is not None \
            else bound.maximum
        super().__init__(*args, **kwargs)
        self.widget.attrs.pop("min", None)  # typed as text ("1.274"): no browser number limits
        self.widget.attrs.pop("max", None)

    def prepare_value(self, value):
        if isinstance(value, int):
            return formats.format_int(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return formats.parse_int(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class YearField(VNIntegerField):
    """A year of plans, quotas, reports and filters: 1990 to next year + 10."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bound", bounds.year_bound())
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return str(value) if isinstance(value, int) else value  # 2026, not 2.026


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Only .xlsx files are accepted."))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(max)s MB).") % {"max": round(settings.UPLOAD_MAX_BYTES / 1048576, 1)}
            )
        return upload


class StructureUploadForm(XlsxUploadForm):
    """An upload whose unit codes may be read in a chosen structure (codes were reused by the 2025 reform).

    Left empty, a code found in both structures is read in the structure of the user's own units (for an
    administrator, in the one in force on each row's date); ``cleaned_data["structure"]`` is then None.
    """

    structure = forms.ChoiceField(
        label=_("Unit codes belong to"), required=False,
        choices=[("", _("The structure of your own units (for an administrator: of each row's date)")),
                 *Structure.choices],
        help_text=_("Unit codes were reused in 2025: a code in both structures is read in the structure of your "
                    "own units, unless you choose one."),
    )

    def clean_structure(self) -> str | None:
        return self.cleaned_data.get("structure") or None


class HamletForm(forms.Form):
    parent = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Commune"))
    code = forms.CharField(
        max_length=20, label=_("Code"),
        help_text=_("Letters then the hamlet's number, e.g. TH01 (thôn 1), AP3 (ấp 3), KH12 (khóm 12)."),
    )
    name = forms.CharField(max_length=200, label=_("Hamlet name"))

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents.filter(level=Level.COMMUNE)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not HAMLET_CODE.fullmatch(code):
            raise forms.ValidationError(
                _("A hamlet code is 1 to 10 letters then 1 to 10 digits, e.g. TH01; “%(code)s” is not."),
                params={"code": self.cleaned_data["code"][:40]}, code="invalid")
        return code


def add_service_errors(form: forms.Form, exc) -> None:
    """Show a service's ValidationError beside the fields it names (else above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)
