"""The indicators of the monthly report on the portal's screens: the national administrator keeps the catalogue
(names, order, retired or not); provincial staff read it."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.audit import acting_as
from portal.forms import add_service_errors
from portal.scoping import require_admin, require_approver
from targets import services
from targets.forms import IndicatorForm
from targets.models import Indicator

FIELDS = ("name_vi", "name_en", "aggregation", "order", "active")


@login_required
@require_approver
def indicator_list(request):
    return render(request, "targets/indicator_list.html", {"indicators": Indicator.objects.order_by("order", "code")})


@login_required
@require_admin
def indicator_edit(request, pk: int | None = None):
    indicator = get_object_or_404(Indicator, pk=pk) if pk else None
    initial = {field: getattr(indicator, field) for field in FIELDS} if indicator else {"active": True}
    form = IndicatorForm(request.POST or None, initial=initial, editing=indicator is not None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                indicator = services.indicator_save(user=request.user, indicator=indicator, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": indicator.name_vi})
            return redirect("targets:indicator_list")
    return render(request, "targets/indicator_form.html", {"form": form, "indicator": indicator})
