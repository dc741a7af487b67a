"""Administrators move officials of units abolished by the 2025 reform to new units."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Scope, Structure, Unit
from portal.scoping import require_admin
from portal.services import scope_reassign
from portal.tree import default_successor, new_province


class ReassignForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=gettext_lazy("New unit"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, province: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(structure=Structure.NEW)
        if province is not None:
            units = units.filter(path__startswith=province.path)
        self.fields["unit"].queryset = units.order_by("path")


@login_required
@require_admin
def dissolved_scopes(request):
    today = timezone.localdate()
    scopes = (
        Scope.objects.filter(unit__valid_to__lt=today)
        .select_related("user", "unit", "unit__parent")
        .order_by("unit__path", "user__username")
    )
    rows = []
    for scope in scopes:
        suggested = default_successor(scope.unit)
        form = ReassignForm(province=new_province(scope.unit), initial={"unit": suggested}, prefix=f"s{scope.pk}")
        rows.append({"scope": scope, "suggested": suggested, "form": form})
    return render(request, "portal/dissolved_scopes.html", {"rows": rows, "today": today})


@login_required
@require_admin
def reassign_scope(request, pk: int):
    scope = get_object_or_404(Scope.objects.select_related("user", "unit"), pk=pk)
    if request.method != "POST":
        return redirect("dissolved_scopes")
    form = ReassignForm(request.POST, province=new_province(scope.unit), prefix=f"s{scope.pk}")
    if form.is_valid():
        old = scope.unit
        scope_reassign(by=request.user, user=scope.user, unit=form.cleaned_data["unit"])
        messages.success(request, _("%(user)s moved from %(old)s to %(new)s.") % {
            "user": scope.user.username, "old": old, "new": form.cleaned_data["unit"]})
    else:
        messages.error(request, _("Choose a unit of the new structure."))
    return redirect("dissolved_scopes")
