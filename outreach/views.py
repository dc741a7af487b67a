"""Thin views: parse the form, call a selector or service, render or redirect."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import selectors, services
from outreach.exports import campaign_group
from outreach.forms import (
    ActivityFilterForm,
    ActivityForm,
    CampaignForm,
    EventImportForm,
    FunnelFilterForm,
    LeadForm,
)
from outreach.importers import import_events
from outreach.models import Activity, Campaign, Lead
from portal import bounds
from portal.audit import acting_as
from portal.exports import export_start
from portal.forms import add_service_errors
from portal.scoping import (
    can_write,
    get_visible_or_404,
    require_write,
    unit_in_scope,
    user_unit,
)
from portal.uploads import form_data, upload_step
from workers.models import Worker
from workers.selectors import sees_personal_data

PAGE_SIZE = 50


@login_required
def index(request):
    year = bounds.param_year(request.GET.get("year")) or timezone.localdate().year
    result = selectors.funnel(user=request.user, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31),
                              group_by="channel")
    return render(request, "outreach/index.html", {
        "year": year, "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        "totals": selectors.overview_totals(request.user, year=year), "funnel": result,
        "chart": result.chart_data(), "can_write": can_write(request.user),
    })


@login_required
def funnel(request):
    form = FunnelFilterForm(request.GET or None, user=request.user)
    values = form.values()
    result = selectors.funnel(user=request.user, **values)
    return render(request, "outreach/funnel.html", {
        "form": form, "funnel": result, "chart": result.chart_data(), "values": values,
        "query": request.GET.urlencode()})


@login_required
def funnel_export(request):
    """A report job writes the workbook (``outreach.exports.funnel_export``)."""
    return export_start(request, "outreach_funnel")


@login_required
def campaign_list(request):
    campaigns = selectors.campaign_list(request.user, year=bounds.param_year(request.GET.get("year")))
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outreach/campaign_list.html", {"page": page, "can_write": can_write(request.user)})


def _campaign_form_view(request, campaign: Campaign | None):
    initial = {}
    if campaign is not None:
        initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
    initial.setdefault("unit", user_unit(request.user))
    form = CampaignForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                if campaign is None:
                    campaign = services.campaign_create(user=request.user, **form.service_kwargs())
                else:
                    campaign = services.campaign_update(user=request.user, campaign=campaign, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The campaign “%(name)s” was saved.") % {"name": campaign.name})
            return redirect("outreach:campaign_detail", pk=campaign.pk)
    return render(request, "outreach/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
@require_write
def campaign_create(request):
    return _campaign_form_view(request, None)


@login_required
@require_write
def campaign_edit(request, pk: int):
    campaign = get_visible_or_404(Campaign, request.user, pk=pk)
    if not unit_in_scope(request.user, campaign.unit):
        raise PermissionDenied
    return _campaign_form_view(request, campaign)


@login_required
def campaign_detail(request, pk: int):
    campaign = get_visible_or_404(Campaign.objects.select_related("unit"), request.user, pk=pk)
    group_by = request.GET.get("group_by") if request.GET.get("group_by") in selectors.GROUPS else "channel"
    result = selectors.funnel(user=request.user, campaign=campaign, group_by=group_by)
    activities = selectors.activity_list(request.user, selectors.ActivityFilters(campaign=campaign))
    return render(request, "outreach/campaign_detail.html", {
        "campaign": campaign, "funnel": result, "chart": result.chart_data(), "group_by": group_by,
        "activities": activities[:200], "activity_count": result.total.activities,
        "manages": can_write(request.user) and unit_in_scope(request.user, campaign.unit),
        "can_write": can_write(request.user), "partial": not unit_in_scope(request.user, campaign.unit),
    })


@login_required
def campaign_export(request, pk: int):
    """A report job writes the workbook (``outreach.exports.campaign_export``); another unit's campaign is 404."""
    campaign = get_visible_or_404(Campaign, request.user, pk=pk)
    query = QueryDict(mutable=True)
    query.update({"campaign": str(campaign.pk), "group_by": campaign_group(request.GET)})
    return export_start(request, "outreach_campaign", query=query)


def _activity_filters(request) -> tuple[ActivityFilterForm, selectors.ActivityFilters]:
    form = ActivityFilterForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        return form, selectors.ActivityFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return form, selectors.ActivityFilters()


@login_required
def activity_list(request):
    form, filters = _activity_filters(request)
    page = Paginator(selectors.activity_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outreach/activity_list.html", {"page": page, "form": form,
                                                           "can_write": can_write(request.user)})


def _activity_form_view(request, activity: Activity | None):
    initial = {}
    if activity is not None:
        initial = {name: getattr(activity, name) for name in (
            "kind", "name", "date", "unit", "campaign", "channel", "place", "link", *services.ACTIVITY_COUNTS)}
    else:
        initial["unit"] = user_unit(request.user)
        if bounds.param_id(request.GET.get("campaign")):
            initial["campaign"] = bounds.param_id(request.GET.get("campaign"))
    form = ActivityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                activity = services.activity_record(user=request.user, activity=activity, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The activity “%(name)s” was saved.") % {"name": activity.name})
            return redirect("outreach:activity_detail", pk=activity.pk)
    return render(request, "outreach/activity_form.html", {"form": form, "activity": activity})


@login_required
@require_write
def activity_create(request):
    return _activity_form_view(request, None)


@login_required
@require_write
def activity_edit(request, pk: int):
    return _activity_form_view(request, get_visible_or_404(Activity, request.user, pk=pk))


@login_required
def activity_detail(request, pk: int):
    """The activity and its leads, with the form to add one."""
    activity = get_visible_or_404(Activity.objects.select_related("unit", "campaign"), request.user, pk=pk)
    form = LeadForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_write(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                with acting_as(request.user):
                    lead = services.lead_record(user=request.user, activity=activity, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": lead.full_name})
                return redirect("outreach:activity_detail", pk=activity.pk)
    page = Paginator(selectors.lead_list(request.user, activity), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outreach/activity_detail.html", {
        "activity": activity, "page": page, "form": form, "can_write": can_write(request.user),
        "full": sees_personal_data(request.user)})


@login_required
@require_write
def lead_link(request, pk: int):
    """GET: search workers to link; POST: link the chosen worker, or unlink."""
    lead = get_visible_or_404(Lead.objects.select_related("activity", "worker", "unit"), request.user, pk=pk)
    if request.method == "POST":
        worker = None
        if request.POST.get("action") != "unlink":
            worker = get_visible_or_404(Worker, request.user, pk=request.POST.get("worker") or 0)
        try:
            with acting_as(request.user):
                services.lead_link(user=request.user, lead=lead, worker=worker)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The link of %(name)s was saved.") % {"name": lead.full_name})
        return redirect("outreach:activity_detail", pk=lead.activity_id)
    q = bounds.param_text(request.GET.get("q"))
    candidates = selectors.worker_search(request.user, q) if q else []
    return render(request, "outreach/lead_link.html", {"lead": lead, "q": q, "candidates": candidates,
                                                       "can_write": can_write(request.user)})


@login_required
@require_write
def event_import(request):
    form = EventImportForm(*form_data(request), user=request.user)

    def run(data, options):
        campaign = (Campaign.objects.open_to(request.user).filter(pk=options["campaign"]).first()
                    if options.get("campaign") else None)
        return import_events(data, user=request.user, campaign=campaign, structure=options["structure"])

    step = upload_step(request, kind="outreach.events", form=form, run=run, options=lambda data: {
        "campaign": data["campaign"].pk if data.get("campaign") else None, "structure": data["structure"] or None})
    if step.saved:
        messages.success(request, _("Events imported: %(result)s") % {"result": step.result})
        return redirect("outreach:activity_list")
    return render(request, "outreach/event_import.html", {
        "form": form, "import_errors": step.import_errors, "preview": step.preview, "upload_message": step.message})
