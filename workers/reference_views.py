"""Reference lists on the portal's screens: destination countries and programmes (national data: the national
administrator edits them, provincial staff read them). Sending enterprises have their own screens (views.py)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.audit import acting_as
from portal.collation import vi_order
from portal.forms import add_service_errors
from portal.scoping import require_admin, require_approver
from workers import services
from workers.forms import CountryForm, ProgrammeForm
from workers.models import Country, Programme


@login_required
@require_approver
def reference(request):
    countries = Country.objects.annotate(n_programmes=Count("programmes")).order_by("order", *vi_order("name_vi"))
    programmes = Programme.objects.select_related("country").order_by("order", "code")
    return render(request, "workers/reference.html", {"countries": countries, "programmes": programmes})


def _edit(request, *, model, form_class, save, obj, fields, template_title):
    initial = {field: getattr(obj, field) for field in fields} if obj else {}
    form = form_class(request.POST or None, initial=initial, editing=obj is not None)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "code": getattr(obj, "code", form.cleaned_data.get("code", ""))}
        try:
            with acting_as(request.user):
                obj = save(user=request.user, **{model._meta.model_name: obj}, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": obj.name_vi})
            return redirect("workers:reference")
    return render(request, "workers/reference_form.html", {"form": form, "obj": obj, "title": template_title})


@login_required
@require_admin
def country_edit(request, pk: int | None = None):
    country = get_object_or_404(Country, pk=pk) if pk else None
    return _edit(request, model=Country, form_class=CountryForm, save=services.country_save, obj=country,
                 fields=("name_vi", "name_en", "is_high_income", "order"), template_title=_("Destination country"))


@login_required
@require_admin
def programme_edit(request, pk: int | None = None):
    programme = get_object_or_404(Programme, pk=pk) if pk else None
    return _edit(request, model=Programme, form_class=ProgrammeForm, save=services.programme_save, obj=programme,
                 fields=("name_vi", "name_en", "country", "order"), template_title=_("Programme"))
