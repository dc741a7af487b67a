"""Thin views of support: policies, payments, loans, the summary and the imports."""
from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.audit import acting_as
from portal.exports import export_start
from portal.forms import add_service_errors
from portal.scoping import can_approve, get_visible_or_404, require_approver, require_write, user_unit
from portal.uploads import form_data, upload_step
from portal.xlsx import XLSX_CONTENT_TYPE as XLSX
from support import selectors, services
from support.exports import summary_choice, support_summary
from support.forms import (
    BudgetFormSet,
    LoanForm,
    LoanStatusForm,
    PaymentForm,
    PaymentLineFormSet,
    PolicyForm,
    SupportFilterForm,
    SupportImportForm,
)
from support.importers import import_loans, import_payments
from support.models import ITEM_KIND_VI, ItemKind, Loan, Policy
from support.workbooks import write_loan_template, write_payment_template
from workers.models import Worker
from workers.services import today

PAGE_SIZE = 50


def _xlsx(write, name: str, *args) -> FileResponse:
    out = tempfile.TemporaryFile()
    write(*args, out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _filters(request) -> tuple[SupportFilterForm, selectors.SupportFilters]:
    form = SupportFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid() and ("unit" in form.errors or "policy" in form.errors):
        raise Http404  # another unit's id: answer as if it did not exist
    if form.is_bound and form.is_valid():
        return form, selectors.SupportFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return form, selectors.SupportFilters()


# --- Policies ------------------------------------------------------------------------------------


@login_required
def policy_list(request):
    year = today().year
    return render(request, "support/policy_list.html", {
        "policies": selectors.policy_list(request.user, year=year), "year": year, "tab": "support",
        "can_add": can_approve(request.user)})


@login_required
def policy_detail(request, pk: int):
    policy, budgets = selectors.policy_detail(request.user, pk)
    items = [(item, ITEM_KIND_VI[item.kind])
             for item in sorted(policy.items.all(), key=lambda item: ItemKind.values.index(item.kind))]
    return render(request, "support/policy_detail.html", {
        "policy": policy, "budgets": budgets, "items": items, "versions": selectors.policy_versions(policy),
        "can_edit": services.can_edit_policy(request.user, policy.unit), "tab": "support"})


def _policy_form_view(request, policy=None):
    initial, budgets = {}, []
    if policy is not None:
        latest = policy.versions.order_by("-valid_from").first()
        caps = ({cap.item.kind: cap.cap for cap in latest.caps.select_related("item")} if latest is not None
                else {item.kind: item.cap for item in policy.items.all()})
        initial = {field: getattr(policy, field) for field in (
            "code", "name", "unit", "legal_basis", "legal_reference", "valid_from", "valid_to", "admits_ethnic_minority",
            "active")}
        initial.update({f"cap_{kind}": cap for kind, cap in caps.items()},
                       eligible_statuses=list(policy.eligible_statuses.all()),
                       caps_from=latest.valid_from if latest else policy.valid_from,
                       caps_reference=latest.legal_reference if latest else "")
        budgets = [{"year": b.year, "amount": b.amount} for b in policy.budgets.order_by("year")]
    else:
        initial = {"unit": user_unit(request.user), "active": True}
    form = PolicyForm(request.POST or None, user=request.user, initial=initial)
    formset = BudgetFormSet(request.POST or None, prefix="budgets", initial=budgets)
    if request.method == "POST" and form.is_bound and not form.is_valid() and any(
            e.code == "invalid_choice" for e in form.errors.as_data().get("unit", [])):
        raise Http404  # another unit's id: answer as if it did not exist
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with acting_as(request.user):
                if policy is None:
                    policy = services.policy_create(user=request.user, terms=form.terms(), caps=form.caps(),
                                                    budgets=formset.budgets(),
                                                    caps_reference=form.cleaned_data["caps_reference"])
                else:
                    services.policy_update(user=request.user, policy=policy, terms=form.terms(), caps=form.caps(),
                                           budgets=formset.budgets(), caps_from=form.cleaned_data["caps_from"],
                                           caps_reference=form.cleaned_data["caps_reference"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The policy %(code)s was saved.") % {"code": policy.code})
            return redirect("support:policy_detail", pk=policy.pk)
    return render(request, "support/policy_form.html",
                  {"form": form, "budgets": formset, "policy": policy, "tab": "support"})


@login_required
@require_approver
def policy_create(request):
    return _policy_form_view(request)


@login_required
@require_approver
def policy_edit(request, pk: int):
    policy = get_visible_or_404(Policy.objects.select_related("unit"), request.user, pk=pk)
    if not services.can_edit_policy(request.user, policy.unit):
        raise Http404  # a policy of the units above, or inherited history: read, not edited
    return _policy_form_view(request, policy)


# --- Payments ------------------------------------------------------------------------------------


@login_required
def payment_list(request):
    form, filters = _filters(request)
    payments = selectors.payment_list(request.user, filters)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/payment_list.html", {
        "form": form, "page": page, "totals": selectors.payment_totals(payments), "tab": "support"})


@login_required
@require_write
def payment_create(request, pk: int):
    worker = get_visible_or_404(Worker.objects.select_related("unit"), request.user, pk=pk)
    form = PaymentForm(request.POST or None, user=request.user)
    lines = PaymentLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        policy = form.cleaned_data["policy"]
        items = selectors.policy_items_by_kind(policy)
        missing = [kind for kind, _amount in lines.lines() if kind not in items]
        try:
            if missing:
                raise ValidationError({"policy": _("The policy %(code)s does not pay: %(items)s.") % {
                    "code": policy.code, "items": ", ".join(str(ItemKind(k).label) for k in missing)}})
            with acting_as(request.user):
                services.payment_record(user=request.user, worker=worker, policy=policy,
                                        date=form.cleaned_data["date"], decision_no=form.cleaned_data["decision_no"],
                                        lines=[(items[kind], amount) for kind, amount in lines.lines()])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "support/payment_form.html", {"form": form, "lines": lines, "worker": worker})


# --- Loans ---------------------------------------------------------------------------------------


@login_required
def loan_list(request):
    form, filters = _filters(request)
    loans = selectors.loan_list(request.user, filters)
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/loan_list.html", {
        "form": form, "page": page, "totals": selectors.loan_totals(loans), "tab": "support"})


@login_required
@require_write
def loan_create(request, pk: int):
    worker = get_visible_or_404(Worker.objects.select_related("unit"), request.user, pk=pk)
    form = LoanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.loan_record(user=request.user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The loan was recorded."))
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "support/loan_form.html", {"form": form, "worker": worker})


@login_required
@require_write
def loan_status(request, pk: int):
    loan = get_visible_or_404(Loan.objects.select_related("worker"), request.user, pk=pk)
    form = LoanStatusForm(request.POST or None, initial={"status": loan.status})
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.loan_update_status(user=request.user, loan=loan, status=form.cleaned_data["status"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The loan's status was changed."))
            return redirect("workers:worker_detail", pk=loan.worker_id)
    return render(request, "support/loan_status.html", {"form": form, "loan": loan, "worker": loan.worker})


# --- Summary -------------------------------------------------------------------------------------


def _summary(request):
    return support_summary(request.user, request.GET)


@login_required
def summary(request):
    form, result = _summary(request)
    return render(request, "support/summary.html", {"form": form, "summary": result, "tab": "support"})


@login_required
def summary_export(request):
    """A report job writes the workbook (``support.exports.summary_export``)."""
    _form, unit, _date_from, _date_to = summary_choice(request.user, request.GET)  # another unit: 404 now
    if unit is None:
        raise Http404
    return export_start(request, "support_summary")


# --- Imports -------------------------------------------------------------------------------------


def _import_view(request, *, kind: str):
    form = SupportImportForm(*form_data(request))
    run = import_payments if kind == "payments" else import_loans
    step = upload_step(request, kind=f"support.{kind}", form=form,
                       run=lambda data, options: run(data, user=request.user))
    if step.saved and kind == "payments":
        messages.success(request, _("Imported: %(lines)s payment items in %(payments)s payments, "
                                    "%(unchanged)s already recorded.") % vars(step.result))
        return redirect("support:payment_list")
    if step.saved:
        messages.success(request, _("Imported: %(created)s new loans, %(updated)s status changes, "
                                    "%(unchanged)s already recorded.") % vars(step.result))
        return redirect("support:loan_list")
    return render(request, f"support/{kind}_import.html", {
        "form": form, "import_errors": step.import_errors, "preview": step.preview, "upload_message": step.message,
        "tab": "support"})


@login_required
@require_write
def payment_import(request):
    return _import_view(request, kind="payments")


@login_required
@require_write
def loan_import(request):
    return _import_view(request, kind="loans")


@login_required
@require_write
def payment_import_template(request):
    return _xlsx(write_payment_template, "mau-nhap-chi-ho-tro.xlsx")


@login_required
@require_write
def loan_import_template(request):
    return _xlsx(write_loan_template, "mau-nhap-vay-von.xlsx")
