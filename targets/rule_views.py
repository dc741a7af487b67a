"""The validation rules on the portal's screens (administrators edit, provincial staff read), the ranges the
province sets per indicator, and the report of the rules broken this year by unit."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.audit import acting_as
from portal.forms import add_service_errors
from portal.scoping import can_approve, get_visible_or_404, require_admin, require_approver, visible_units
from targets import selectors, services
from targets.forms import RangeForm, RuleForm
from targets.models import IndicatorRange, ValidationRule
from targets.views import _year

FIELDS = ("left", "operator", "right", "message", "severity", "active")


@login_required
@require_approver
def rule_list(request):
    return render(request, "targets/rule_list.html", {"rules": ValidationRule.objects.all()})


@login_required
@require_admin
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(ValidationRule, pk=pk) if pk else None
    initial = {field: getattr(rule, field) for field in FIELDS} if rule else {"active": True}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                rule = services.rule_save(user=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("targets:rule_list")
    return render(request, "targets/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_admin
def rule_delete(request, pk: int):
    rule = get_object_or_404(ValidationRule, pk=pk)
    if request.method == "POST":
        with acting_as(request.user):
            services.rule_delete(user=request.user, rule=rule)
        messages.success(request, _("The rule was deleted."))
        return redirect("targets:rule_list")
    return render(request, "targets/rule_delete.html", {"rule": rule})


@login_required
@require_approver
def range_list(request):
    units = visible_units(request.user).order_by("path")
    form = RangeForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.range_set(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The range was saved."))
            return redirect("targets:range_list")
    ranges = IndicatorRange.objects.visible_to(request.user).select_related("unit", "indicator")
    return render(request, "targets/range_list.html", {"form": form, "ranges": ranges})


@login_required
def range_delete(request, pk: int):
    # Scope first: another unit's range answers 404 whatever the role.
    item = get_visible_or_404(IndicatorRange.objects.select_related("unit", "indicator"), request.user, pk=pk)
    if request.method == "POST":
        if not can_approve(request.user):
            raise PermissionDenied
        with acting_as(request.user):
            services.range_delete(user=request.user, item=item)
        messages.success(request, _("The range was deleted."))
        return redirect("targets:range_list")
    return render(request, "targets/range_delete.html", {"item": item})


@login_required
@require_approver
def violations(request):
    year = _year(request)
    rows = selectors.rule_violations_by_unit(user=request.user, year=year)
    return render(request, "targets/rule_violations.html", {"rows": rows, "year": year})
