"""Forms of support screens: they turn typed text into domain values; the rules live in support_services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import VNDateField, VNIntegerField, XlsxUploadForm
from portal.models import Level, Unit
from portal.scoping import visible_units
from support.models import ItemKind, LoanStatus, Policy
from workers.forms import UnitChoiceField, _bootstrap


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
    amount = VNIntegerField(label=_("Amount (đồng)"), required=False, min_value=1)

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
    amount = VNIntegerField(label=_("Amount (đồng)"), min_value=1)
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
