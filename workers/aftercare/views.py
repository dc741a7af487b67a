"""Thin views after departure: parse the form, call the service, redirect to the worker's page."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.forms import add_service_errors
from portal.models import Level, Unit
from portal.scoping import (
    get_visible_or_404,
    require_approver,
    require_write,
    sees_everything,
    user_unit,
    visible_units,
)
from portal.tree import province_path
from workers import selectors, services
from workers.aftercare.forms import (
    AbscondingCloseForm,
    AbscondingForm,
    AftercareSettingsForm,
    ContractForm,
    ExtensionForm,
    FollowUpForm,
    OverstayRuleForm,
    ReturneeFilterForm,
)
from workers.contracts import follow_up_schedule
from workers.models import Absconding, Departure, OverstayRule, Return, ReturnOutcome, Work
from workers.overstay import settings_for

PAGE_SIZE = 50
CONTRACT_FIELDS = ("contract_end", "contract_months", "employer_name", "employer_country", "employer_sector",
                   "monthly_wage", "wage_currency")


def _departure(request, pk: int) -> Departure:
    return get_visible_or_404(Departure.objects.select_related("worker", "country", "unit"), request.user, pk=pk)


def _form_page(request, form, *, template: str, save, success: str, redirect_to, context: dict):
    """GET: the form; POST: the service through ``save(form)``, errors beside the fields, else back."""
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect_to
    return render(request, template, {"form": form, **context})


@login_required
@require_write
def contract_edit(request, pk: int):
    departure = _departure(request, pk)
    initial = {name: getattr(departure, name) for name in CONTRACT_FIELDS}
    if departure.extensions.exists():
        initial["contract_end"] = departure.extensions.order_by("new_end").first().previous_end
    form = ContractForm(request.POST or None, initial=initial)

    def save(form):
        data = dict(form.cleaned_data)
        if departure.extensions.exists():  # the end in force stays the extension's
            data["contract_end"] = departure.contract_end
        services.contract_update(user=request.user, departure=departure, **data)

    return _form_page(request, form, template="workers/aftercare/contract_form.html", save=save,
                      success=_("The contract was saved."),
                      redirect_to=redirect("workers:worker_detail", pk=departure.worker_id),
                      context={"departure": departure, "worker": departure.worker,
                               "extended": departure.extensions.exists()})


@login_required
@require_write
def extension_create(request, pk: int):
    departure = _departure(request, pk)
    form = ExtensionForm(request.POST or None)
    return _form_page(
        request, form, template="workers/aftercare/extension_form.html",
        save=lambda form: services.contract_extend(user=request.user, departure=departure, **form.cleaned_data),
        success=_("The extension was recorded."),
        redirect_to=redirect("workers:worker_detail", pk=departure.worker_id),
        context={"departure": departure, "worker": departure.worker})


@login_required
@require_write
def absconding_create(request, pk: int):
    departure = _departure(request, pk)
    form = AbscondingForm(request.POST or None)
    return _form_page(
        request, form, template="workers/aftercare/absconding_form.html",
        save=lambda form: services.absconding_record(user=request.user, departure=departure, **form.cleaned_data),
        success=_("The absconding was recorded."),
        redirect_to=redirect("workers:worker_detail", pk=departure.worker_id),
        context={"departure": departure, "worker": departure.worker})


@login_required
@require_write
def absconding_close(request, pk: int):
    event = get_visible_or_404(Absconding.objects.select_related("departure", "departure__worker"), request.user,
                               pk=pk)
    form = AbscondingCloseForm(request.POST or None)
    return _form_page(
        request, form, template="workers/aftercare/absconding_close.html",
        save=lambda form: services.absconding_close(user=request.user, event=event, **form.cleaned_data),
        success=_("The absconding was closed."),
        redirect_to=redirect("workers:worker_detail", pk=event.departure.worker_id),
        context={"event": event, "worker": event.departure.worker})


@login_required
@require_write
def follow_up_create(request, pk: int):
    record = get_visible_or_404(Return.objects.select_related("departure", "departure__worker"), request.user, pk=pk)
    today = services.today()  # the registry's clock (tests fix it)
    schedule = follow_up_schedule(record.date)
    done = {follow_up.milestone: follow_up for follow_up in record.follow_ups.all()}
    wanted = request.GET.get("milestone")
    milestone = int(wanted) if wanted in {"3", "6", "12"} else next(
        (due.milestone for due in schedule if due.milestone not in done and due.state(today) != "upcoming"), 3)
    initial = {"milestone": milestone, "done_on": today}
    if milestone in done:
        previous = done[milestone]
        initial |= {"done_on": previous.done_on, "work": previous.work, "note": previous.note,
                    "certificate_used": {True: "yes", False: "no"}.get(previous.certificate_used, ""),
                    "needs": [key for key in ("job_referral", "loan", "training") if getattr(previous, f"needs_{key}")]}
    form = FollowUpForm(request.POST or None, initial=initial)
    return _form_page(
        request, form, template="workers/aftercare/follow_up_form.html",
        save=lambda form: services.follow_up_record(user=request.user, return_record=record, **form.service_kwargs()),
        success=_("The follow-up was recorded."),
        redirect_to=redirect("workers:worker_detail", pk=record.departure.worker_id),
        context={"record": record, "worker": record.departure.worker, "schedule": schedule, "done": done})


@login_required
def returnee_list(request):
    form = ReturneeFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404  # another unit's id: as if it did not exist
    filters = selectors.ReturneeFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.ReturneeFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    today = services.today()
    page = Paginator(selectors.returnee_list(request.user, filters, today=today), PAGE_SIZE).get_page(
        request.GET.get("page"))
    outcomes, works = dict(ReturnOutcome.choices), dict(Work.choices)
    for record in page:
        record.outcome_label, record.work_label = outcomes.get(record.outcome, ""), works.get(record.work, "")
    return render(request, "workers/aftercare/returnee_list.html", {"form": form, "page": page, "today": today})


@login_required
def overstay_rule_list(request):
    rules = OverstayRule.objects.select_related("programme").order_by("programme__code", "-year")
    return render(request, "workers/aftercare/overstay_rule_list.html", {"rules": rules})


@login_required
@require_approver
def overstay_rule_edit(request, pk: int | None = None):
    """The rules are national (the Ministry's notices): the province and administrators keep them."""
    rule = get_object_or_404(OverstayRule, pk=pk) if pk else None
    names = ("programme", "year", "min_stayers", "stayers_inclusive", "min_rate", "rate_inclusive", "window_from",
             "window_to", "as_of", "notice")
    initial = {name: getattr(rule, name) for name in names} if rule else {}
    for name in ("stayers_inclusive", "rate_inclusive"):
        initial[name] = "1" if initial.get(name, True) else "0"
    form = OverstayRuleForm(request.POST or None, initial=initial)
    return _form_page(
        request, form, template="workers/aftercare/overstay_rule_form.html",
        save=lambda form: services.overstay_rule_save(user=request.user, rule=rule, **form.cleaned_data),
        success=_("The rule was saved."), redirect_to=redirect("workers:overstay_rule_list"), context={"rule": rule})


def _settings_province(request) -> Unit:
    """The user's province; an administrator chooses one (``?unit=``, default the first)."""
    if sees_everything(request.user):
        provinces = visible_units(request.user).filter(level=Level.PROVINCE).order_by("path")
        wanted = request.GET.get("unit") or request.POST.get("unit")
        wanted_id = bounds.param_id(wanted)
        province = provinces.filter(pk=wanted_id).first() if wanted_id is not None else provinces.first()
        if province is None:
            raise Http404
        return province
    unit = user_unit(request.user)
    province = Unit.objects.filter(path=province_path(unit.path)).first() if unit else None
    if province is None or unit.pk != province.pk:
        raise Http404  # the province's own staff set its settings
    return province


@login_required
@require_approver
def aftercare_settings(request):
    province = _settings_province(request)
    current = settings_for(province)
    names = ("grace_days", "absconding_rate_threshold", "absconding_min_departures", "absconding_lookback_years")
    form = AftercareSettingsForm(request.POST or None, initial={name: getattr(current, name) for name in names})
    provinces = (visible_units(request.user).filter(level=Level.PROVINCE).order_by("path")
                 if sees_everything(request.user) else None)
    return _form_page(
        request, form, template="workers/aftercare/settings_form.html",
        save=lambda form: services.aftercare_settings_save(user=request.user, province=province, **form.cleaned_data),
        success=_("The settings of %(name)s were saved.") % {"name": province.name},
        redirect_to=redirect(f"{request.path}?unit={province.pk}"),
        context={"province": province, "provinces": provinces, "saved": current.pk is not None})
