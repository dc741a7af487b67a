"""Forms of support screens: they turn typed text into domain values; the rules live in support_services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import bounds
from portal.forms import VNDateField, VNIntegerField, XlsxUploadForm, YearField
from portal.models import Level, Unit
from portal.scoping import visible_units
from support.models import ItemKind, LegalBasis, LoanStatus, Policy
from workers.forms import UnitChoiceField, _bootstrap
from workers.models import HouseholdStatus


def _units(user):
    return (visible_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
            .select_related("parent").order_by("path"))


class PolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, policy: Policy) -> str:
        return f"{policy.code} – {policy.name}"


class PaymentForm(forms.Form):
    policy = PolicyChoiceField(label=_("Policy"), queryset=Policy.objects.none())
    date = VNDateField(label=_("Payment date"))
    decision_no = forms.CharField(label=_("Decision number"), max_length=60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.visible_to(user).filter(active=True).order_by("code")


class PaymentLineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Item"), required=False, choices=[("", "—"), *ItemKind.choices])
    amount = VNIntegerField(label=_("Amount (đồng)"), required=False, min_value=1, bound=bounds.AMOUNT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("kind") and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount."))
        if data.get("amount") and not data.get("kind"):
            self.add_error("kind", _("Choose the item."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        kinds = [f.cleaned_data.get("kind") for f in self.forms if f.cleaned_data.get("kind")]
        if not kinds:
            raise forms.ValidationError(_("Enter at least one item and its amount."))
        if len(kinds) != len(set(kinds)):
            raise forms.ValidationError(_("Each item may appear once."))

    def lines(self) -> list[tuple[str, int]]:
        return [(f.cleaned_data["kind"], f.cleaned_data["amount"]) for f in self.forms if f.cleaned_data.get("kind")]


PaymentLineFormSet = forms.formset_factory(PaymentLineForm, formset=BaseLineFormSet, extra=4, max_num=len(ItemKind),
                                           validate_max=True)


class LoanForm(forms.Form):
    amount = VNIntegerField(label=_("Amount (đồng)"), min_value=1, bound=bounds.AMOUNT)
    date = VNDateField(label=_("Disbursement date"))
    term_months = VNIntegerField(label=_("Term (months)"), min_value=1, max_value=120)
    purpose = forms.CharField(label=_("Purpose"), max_length=255, required=False,
                              initial=_("Costs of going to work abroad"))
    status = forms.ChoiceField(label=_("Status"), choices=LoanStatus.choices, initial=LoanStatus.DISBURSED)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)


class LoanStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=LoanStatus.choices)


class SupportFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or citizen ID"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    policy = PolicyChoiceField(label=_("Policy"), queryset=Policy.objects.none(), required=False,
                               empty_label=_("All policies"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *LoanStatus.choices])
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        self.fields["policy"].queryset = Policy.objects.visible_to(user).order_by("code")
        _bootstrap(self)


class SummaryForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    date_from = VNDateField(label=_("From"), required=False)
    date_to = VNDateField(label=_("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class SupportImportForm(XlsxUploadForm):
    pass


# --- Policies -------------------------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    """A policy's terms, its caps (one field per item: empty = not paid) and when changed caps apply."""

    code = forms.RegexField(label=_("Code"), max_length=30, regex=r"^[0-9A-Za-z._/-]+$",
                            help_text=_("Short, without spaces (e.g. GNBV-2026): payment sheets name the policy by it."))
    name = forms.CharField(label=_("Name"), max_length=255)
    unit = UnitChoiceField(label=_("Unit running the policy"), queryset=Unit.objects.none(),
                           help_text=_("The policy covers the workers living in this unit and below it."))
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    legal_reference = forms.CharField(label=_("Legal reference"), max_length=500, required=False,
                                      help_text=_("E.g. Decision 90/QĐ-TTg, Resolution 12/2024/NQ-HĐND."))
    valid_from = VNDateField(label=_("Valid from"))
    valid_to = VNDateField(label=_("Valid to"), required=False)
    eligible_statuses = forms.ModelMultipleChoiceField(
        label=_("Eligible household statuses"), queryset=HouseholdStatus.objects.order_by("order", "code"),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked, and ethnic minority workers not ticked: every worker living in the unit."))
    admits_ethnic_minority = forms.BooleanField(label=_("Ethnic minority workers are eligible"), required=False)
    active = forms.BooleanField(label=_("Active (new payments may be recorded)"), required=False, initial=True)
    caps_from = VNDateField(label=_("Changed caps apply from"), required=False,
                            help_text=_("The start of the current version corrects it (never below what was already "
                                        "paid); a later date starts a new version, and past payments keep their caps."))
    caps_reference = forms.CharField(label=_("Decision setting the caps"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (visible_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT))
                                        .select_related("parent").order_by("path"))
        for kind, label in ItemKind.choices:
            self.fields[f"cap_{kind}"] = VNIntegerField(label=label, required=False, min_value=1, bound=bounds.AMOUNT)

    def cap_fields(self):
        return [self[f"cap_{kind}"] for kind in ItemKind.values]

    def caps(self) -> dict[str, int]:
        return {kind: self.cleaned_data[f"cap_{kind}"] for kind in ItemKind.values if self.cleaned_data.get(f"cap_{kind}")}

    def terms(self):
        from support.services import PolicyTerms

        data = self.cleaned_data
        return PolicyTerms(code=data["code"], name=data["name"], unit=data["unit"], legal_basis=data["legal_basis"],
                           legal_reference=data["legal_reference"], valid_from=data["valid_from"],
                           valid_to=data["valid_to"], eligible_statuses=list(data["eligible_statuses"]),
                           admits_ethnic_minority=data["admits_ethnic_minority"], active=data["active"])


class BudgetForm(forms.Form):
    year = YearField(label=_("Year"), required=False)
    amount = VNIntegerField(label=_("Budget (đồng)"), min_value=1, bound=bounds.AMOUNT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("year") and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount."))
        if data.get("amount") and not data.get("year"):
            self.add_error("year", _("Enter the year."))
        return data


class BaseBudgetFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        years = [f.cleaned_data["year"] for f in self.forms if f.cleaned_data.get("year")]
        if len(years) != len(set(years)):
            raise forms.ValidationError(_("Each year may appear once."))

    def budgets(self) -> dict[int, int]:
        return {f.cleaned_data["year"]: f.cleaned_data["amount"] for f in self.forms if f.cleaned_data.get("year")}


BudgetFormSet = forms.formset_factory(BudgetForm, formset=BaseBudgetFormSet, extra=2, max_num=30, validate_max=True)
