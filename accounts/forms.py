"""Forms of the accounts screens: they turn typed text into domain values; the rules live in accounts.services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import AccountRole, roles_given_by
from accounts.services import normalise_phone
from portal import bounds
from portal.forms import XlsxUploadForm
from portal.models import Level, Unit


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        if unit.level == Level.PROVINCE or unit.parent is None:
            return f"{unit.name} ({unit.code})"
        return f"{unit.name} – {unit.parent.name} ({unit.code})"


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


# A province administrator chooses among their ~100 units in a list; the national administrator, among
# thousands, types the code (the list would weigh a megabyte).
SELECT_LIMIT = 600


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters without accents, digits and . _ - @ +; cannot be changed later."))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            help_text=_("The one-time link to set the password is sent here; without an e-mail, "
                                        "a one-time code is printed."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"))
    unit = UnitField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    unit_code = forms.CharField(label=_("Unit code"), max_length=20, required=False,
                                help_text=_("The official code (e.g. 22333); a code of both structures is read in "
                                            "the 2025 one."))

    def __init__(self, *args, editor, units, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["role"].choices = roles_given_by(editor)
        self.units = units
        if units.count() <= SELECT_LIMIT:
            self.fields["unit"].queryset = units.select_related("parent").order_by("path")
            del self.fields["unit_code"]
        else:
            self.fields["unit"].queryset = units
            self.fields["unit"].widget = forms.HiddenInput()
        if account is not None:
            del self.fields["username"]
        _bootstrap(self)

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValueError:
            raise forms.ValidationError(_("Not a phone number: 10 or 11 digits, e.g. 0905123456.")) from None

    def clean(self):
        data = super().clean()
        code = (data.get("unit_code") or "").strip()
        chosen = data.get("unit")
        if "unit_code" in self.fields and code and (chosen is None or chosen.code != code):
            from portal.unit_codes import UnitCodeError, resolve_unit_code

            try:
                unit = resolve_unit_code(code)
            except UnitCodeError as exc:
                self.add_error("unit_code", str(exc))
            else:
                data["unit"] = unit  # in scope or not: the service says so beside the field
        return data

    @property
    def unit_error_field(self) -> str:
        return "unit_code" if "unit_code" in self.fields else "unit"


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Username, name or e-mail"), required=False)
    unit = UnitField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *AccountRole.choices])
    active = forms.ChoiceField(label=_("Active"), required=False, choices=[
        ("", _("Active or not")), ("yes", _("Active")), ("no", _("Deactivated"))])
    login = forms.ChoiceField(label=_("Last login"), required=False, choices=[
        ("", _("Any last login")), ("recent", _("In the last 30 days")), ("never", _("Never logged in")),
        ("inactive", _("Flagged: no login for the province's period"))])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units
        shown = units.select_related("parent").order_by("path")
        if units.count() > SELECT_LIMIT:  # the national administrator: provinces in the list, any unit by its link
            shown = shown.filter(level=Level.PROVINCE)
        chosen = self.data.get("unit") if self.is_bound else None
        chosen = bounds.param_id(chosen)
        extra = list(units.filter(pk=chosen).select_related("parent")) if chosen is not None else []
        field.widget.choices = [("", field.empty_label)] + [
            (unit.pk, field.label_from_instance(unit)) for unit in sorted({*shown, *extra}, key=lambda u: u.path)]
        _bootstrap(self)


class PasswordResetForm(forms.Form):
    block_current = forms.BooleanField(
        label=_("The current password stops working now"), required=False, initial=True,
        help_text=_("Leave ticked when the password may be known to someone else."))


class InactivityForm(forms.Form):
    province = UnitField(label=_("Province"), queryset=Unit.objects.none())
    days = forms.IntegerField(label=_("Days without a login before an account is flagged"), min_value=7,
                              max_value=3650, required=False,
                              help_text=_("Empty: the national default."))

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        _bootstrap(self)


class AccountImportForm(XlsxUploadForm):
    pass


class TemplateForm(forms.Form):
    root = UnitField(label=_("Units of"), queryset=Unit.objects.none())
    level = forms.ChoiceField(label=_("Level"), choices=[(Level.COMMUNE, _("Communes")), (Level.DISTRICT, _("Districts"))])

    def __init__(self, *args, roots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].queryset = roots
        _bootstrap(self)
