from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import bounds
from portal.forms import HamletForm, add_service_errors
from portal.models import Level, Unit
from portal.scoping import get_visible_or_404, require_write, visible_units
from portal.services import hamlet_add


@login_required
def unit_list(request):
    units = visible_units(request.user).select_related("parent")
    query = bounds.param_text(request.GET.get("q"))
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__startswith=query))
    level = request.GET.get("level", "")
    if level in Level.values:
        units = units.filter(level=level)
    page = Paginator(units.order_by("path"), 50).get_page(request.GET.get("page"))
    return render(request, "portal/unit_list.html", {"page": page, "query": query, "level": level, "levels": Level})


@login_required
def unit_detail(request, pk: int):
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    children = unit.children.annotate(n_children=Count("children")).order_by("code")
    return render(request, "portal/unit_detail.html", {"unit": unit, "children": children})


@login_required
@require_write
def hamlet_create(request):
    parents = visible_units(request.user)
    initial = {"parent": request.GET.get("parent")}
    form = HamletForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = hamlet_add(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": unit.name})
            return redirect("unit_detail", pk=unit.parent_id)
    return render(request, "portal/hamlet_form.html", {"form": form})
