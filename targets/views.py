from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.exports import export_start
from portal.forms import StructureUploadForm, add_service_errors
from portal.models import Level, Role, Unit
from portal.scoping import (
    can_approve,
    can_write,
    get_visible_or_404,
    require_approver,
    unit_in_scope,
    user_role,
    user_unit,
    visible_units,
)
from portal.tree import ancestor_paths
from portal.uploads import form_data, upload_step
from portal.xlsx import XLSX_CONTENT_TYPE as XLSX
from targets import chase, selectors, services
from targets.exports import due_board as board_of
from targets.forms import (
    BoardFilterForm,
    BulkReviewForm,
    FiguresForm,
    PlanForm,
    QuotaTableForm,
    ReopenForm,
    ReturnForm,
    SourceTableForm,
)
from targets.importers import import_monthly, import_quotas
from targets.models import MonthlyReport, ReportStatus
from targets.workbooks import (
    write_monthly_template_workbook,
    write_quota_template_workbook,
)


def _year(request) -> int:
    if not request.GET.get("year"):
        return services.today().year
    year = bounds.param_year(request.GET["year"])
    if year is None:
        raise Http404
    return year


def _parent(request) -> Unit:
    if request.GET.get("parent"):
        if bounds.param_id(request.GET["parent"]) is None:
            raise Http404
        return get_visible_or_404(Unit, request.user, pk=bounds.param_id(request.GET["parent"]))
    parent = selectors.default_parent(request.user)
    if parent is None:
        raise Http404
    return parent


def _month(year: int, month: int) -> dt.date:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return dt.date(year, month, 1)


def _xlsx_response(write, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    write(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def index(request):
    unit = user_unit(request.user)
    today = services.today()
    context = {"unit": unit, "year": today.year, "this_month": today.replace(day=1)}
    if unit is not None:
        context["report"] = MonthlyReport.objects.filter(unit=unit, month=today.replace(day=1)).first()
        context["quota"] = unit.quotas.filter(year=today.year).first()
    return render(request, "targets/index.html", context)


# --- plans ------------------------------------------------------------------------------


@login_required
def plan_list(request):
    plans = selectors.plans_visible(request.user)
    return render(request, "targets/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request, pk: int):
    plan = get_visible_or_404(selectors.plans_visible(request.user), request.user, pk=pk)
    return render(request, "targets/plan_detail.html", {
        "plan": plan, "years": selectors.plan_years(plan), "may_edit": services.may_manage_plan(request.user, plan.unit)})


def _plan_units(user):
    return visible_units(user).filter(level__in=[Level.PROVINCE, Level.DISTRICT]).order_by("path")


@login_required
@require_approver
def plan_create(request):
    form = PlanForm(request.POST or None, units=_plan_units(request.user), initial={"unit": getattr(user_unit(request.user), "pk", None)})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(user=request.user, unit=form.cleaned_data["unit"], **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("targets:plan_detail", pk=plan.pk)
    return render(request, "targets/plan_form.html", {"form": form})


@login_required
def plan_edit(request, pk: int):
    plan = get_visible_or_404(selectors.plans_visible(request.user), request.user, pk=pk)
    if not can_approve(request.user):
        if request.method == "POST":
            raise PermissionDenied
        return redirect("targets:plan_detail", pk=plan.pk)  # read-only users see the plan instead
    form = PlanForm(request.POST or None, units=_plan_units(request.user), plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(user=request.user, plan=plan, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("targets:plan_detail", pk=plan.pk)
    return render(request, "targets/plan_form.html", {"form": form, "plan": plan})


# --- quotas -----------------------------------------------------------------------------


@login_required
def quota_table(request):
    parent, year = _parent(request), _year(request)
    table = selectors.quota_table(user=request.user, parent=parent, year=year)
    editable = can_write(request.user) and bool(table.rows) and all(
        services.may_set_quota(request.user, r.unit) for r in table.rows)
    form = QuotaTableForm(request.POST or None, table=table)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                result = services.quota_allocate(user=request.user, parent=parent, year=year, targets=form.targets())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The quotas were saved."))
                if result.warning:
                    messages.warning(request, result.warning)
                return redirect(f"{reverse('targets:quota_table')}?parent={parent.pk}&year={year}")
    ancestors = visible_units(request.user).filter(path__in=ancestor_paths(parent.path)).order_by("path")
    return render(request, "targets/quota_table.html", {
        "table": table, "form": form, "editable": editable, "year": year, "ancestors": ancestors,
        "rows": [(row, form[f"u{row.unit.pk}"]) for row in table.rows]})


def _upload(request, *, kind: str, run) -> dict:
    """The preview, or the confirmed result, of an upload with a structure option (``portal.uploads``)."""
    form = StructureUploadForm(*form_data(request))
    if request.method == "POST" and not can_write(request.user):
        raise PermissionDenied
    step = upload_step(request, kind=kind, form=form, options=lambda data: {"structure": data["structure"] or None},
                       run=lambda data, options: run(data, user=request.user, structure=options["structure"]))
    return {"form": form, "import_errors": step.import_errors, "preview": step.preview, "result": step.result,
            "upload_message": step.message}


@login_required
def quota_import(request):
    context = _upload(request, kind="targets.quotas", run=import_quotas)
    context.update(parent=selectors.default_parent(request.user), year=services.today().year)
    return render(request, "targets/quota_import.html", context)


@login_required
def quota_template(request):
    parent, year = _parent(request), _year(request)
    table = selectors.quota_table(user=request.user, parent=parent, year=year)
    rows = [(parent, year, table.parent_quota)] + [(r.unit, year, r.quota) for r in table.rows]
    return _xlsx_response(lambda f: write_quota_template_workbook(rows, f), f"chi-tieu-{parent.code}-{year}.xlsx")


# --- monthly figures ----------------------------------------------------------------------


@login_required
def figures(request, unit_id: int, year: int, month: int):
    unit = get_visible_or_404(Unit, request.user, pk=unit_id)
    month = _month(year, month)
    report = selectors.report_for(unit=unit, month=month)
    values = {v.indicator.code: v.value for v in report.values.all()} if report else {}
    form = FiguresForm(request.POST or None, indicators=selectors.active_indicators(), values=values,
                       version=report.version if report else None)
    if request.method == "POST":
        if not can_write(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = services.figures_save(user=request.user, unit=unit, month=month, values=form.values(),
                                                  version=form.cleaned_data.get("version"))
                    if request.POST.get("action") == "submit":
                        services.figures_submit(user=request.user, report=saved, version=saved.version,
                                                comment=form.cleaned_data.get("comment", ""))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if request.POST.get("action") == "submit":
                    messages.success(request, _("The figures were submitted."))
                else:
                    messages.success(request, _("The draft was saved."))
                    for problem in services.figures_check(unit=unit, month=month, values=form.values()).violations:
                        messages.warning(request, str(problem))
                return redirect("targets:figures", unit_id=unit.pk, year=month.year, month=month.month)
    shown = form.values() if form.is_bound and hasattr(form, "cleaned_data") else values
    checks = services.figures_check(unit=unit, month=month, values=shown) if shown else None
    flags = checks.flags_by_code() if checks else {}
    overview = unit.parent if unit.parent_id and unit_in_scope(request.user, unit.parent) else unit
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(request, "targets/figures_form.html", {
        "unit": unit, "month": month, "overview": overview, "previous": previous,
        "following": following if following <= services.today() else None, "report": report, "form": form, "deadline": services.deadline(month),
        "lock_reason": services.figures_lock_reason(user=request.user, unit=unit, month=month, report=report),
        "may_review": services.may_review(request.user, unit), "return_form": ReturnForm(), "reopen_form": ReopenForm(),
        "statuses": ReportStatus, "checks": checks,
        "figure_rows": [(*row, flags.get(row[0].code)) for row in form.rows()]})


@login_required
def figures_review(request, pk: int):
    # Scope first: another unit's report answers 404 whatever the method.
    report = get_visible_or_404(MonthlyReport.objects.select_related("unit"), request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_approve(request.user):
        raise PermissionDenied
    version = bounds.param_int(request.POST.get("version"), bounds.IntBound(0, bounds.INTEGER_MAX)) or 0
    try:
        if request.POST.get("action") == "approve":
            services.figures_approve(user=request.user, report=report, version=version)
            messages.success(request, _("The figures were approved."))
        else:
            form = ReturnForm(request.POST)
            comment = form.data.get("comment", "")
            services.figures_return(user=request.user, report=report, version=version, comment=comment)
            messages.success(request, _("The figures were returned to the unit."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("targets:figures", unit_id=report.unit_id, year=report.month.year, month=report.month.month)


@login_required
def figures_reopen(request, unit_id: int, year: int, month: int):
    unit = get_visible_or_404(Unit, request.user, pk=unit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_approve(request.user):
        raise PermissionDenied
    month = _month(year, month)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            report = services.figures_reopen(user=request.user, unit=unit, month=month, until=form.cleaned_data["until"])
            messages.success(request, _("The month is open for the unit until %(date)s.") % {
                "date": report.reopened_until.strftime("%d/%m/%Y")})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("targets:figures", unit_id=unit.pk, year=month.year, month=month.month)


@login_required
def completeness(request):
    parent, year = _parent(request), _year(request)
    own = user_unit(request.user)
    data = selectors.completeness(user=request.user, parent=parent, year=year,
                                  include_parent=bool(own and own.pk == parent.pk and user_role(request.user) == Role.OFFICIAL))
    up = parent.parent if parent.parent_id and unit_in_scope(request.user, parent.parent) else None
    return render(request, "targets/completeness.html", {"data": data, "year": year, "parent": parent, "up": up})


@login_required
def monthly_import(request):
    context = _upload(request, kind="targets.monthly", run=import_monthly)
    context["this_month"] = services.today().replace(day=1)
    return render(request, "targets/monthly_import.html", context)


@login_required
def monthly_template(request):
    if not can_write(request.user):
        raise PermissionDenied
    parent = _parent(request)
    month = services.today().replace(day=1)
    own = user_unit(request.user)
    units = [parent] if own and own.pk == parent.pk and user_role(request.user) == Role.OFFICIAL else []
    units += list(visible_units(request.user).filter(parent=parent).order_by("code"))
    return _xlsx_response(
        lambda f: write_monthly_template_workbook(units, month, selectors.active_indicators(), f),
        f"so-lieu-{parent.code}-{month:%Y-%m}.xlsx")


# --- the monthly chase: the due/overdue board, the approval queue -----------------------------------------------

BOARD_PAGE = 50


def _board(request) -> tuple[chase.Board, BoardFilterForm]:
    return board_of(request.user, request.GET)


@login_required
def due_board(request):
    """Units × months with each month's state around its deadline, and each unit's timeliness over the year."""
    board, form = _board(request)
    page = Paginator(board.rows, BOARD_PAGE).get_page(request.GET.get("page"))
    return render(request, "targets/due_board.html", {"board": board, "form": form, "page": page,
                                                        "deadline_day": settings.MONTHLY_DEADLINE_DAY})


@login_required
def due_board_export(request):
    """A report job writes the workbook (``targets.exports.due_board_export``)."""
    return export_start(request, "due_board")


@login_required
@require_approver
def approval_queue(request):
    """The submitted months waiting for the province, oldest first; several approved or sent back at once."""
    form = BulkReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.figures_review_many(user=request.user, versions=form.cleaned_data["versions"],
                                                  action=form.cleaned_data["action"],
                                                  comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if result.done:
                messages.success(request, (_("%(n)s reports approved.") if form.cleaned_data["action"] == "approve"
                                           else _("%(n)s reports sent back to their units.")) % {"n": len(result.done)})
            for report, why in result.skipped:
                messages.warning(request, _("Skipped %(report)s: %(why)s") % {
                    "report": f"{report.unit.name} {report.month:%m/%Y}" if report else "—", "why": why})
            return redirect("targets:queue")
    page = Paginator(chase.queue_reports(request.user), BOARD_PAGE).get_page(request.GET.get("page"))
    return render(request, "targets/approval_queue.html", {
        "items": chase.queue_items(list(page)), "page": page, "form": form})
# --- source-creation targets ------------------------------------------------------------------------------------------


@login_required
def source_table(request):
    """The source-creation targets of a unit and of the units below it, for a year; the progress against them is
    a section the reports app adds to this page."""
    parent, year = _parent(request), _year(request)
    rows = selectors.source_table(user=request.user, parent=parent, year=year)
    form = SourceTableForm(request.POST or None, rows=rows)
    editable = can_write(request.user) and any(row.editable for row in rows)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                with acting_as(request.user):
                    services.source_quota_allocate(user=request.user, parent=parent, year=year,
                                                   targets=form.targets())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The source-creation targets were saved."))
                return redirect(f"{reverse('targets:source_table')}?parent={parent.pk}&year={year}")
    ancestors = visible_units(request.user).filter(path__in=ancestor_paths(parent.path)).order_by("path")
    fields = {name: form[name] for name in form.fields}
    return render(request, "targets/source_table.html", {
        "parent": parent, "year": year, "form": form, "editable": editable, "ancestors": ancestors,
        "page_object": {"parent": parent, "year": year},
        "rows": [(row, fields.get(f"c{row.unit.pk}"), fields.get(f"t{row.unit.pk}")) for row in rows],
        "total": sum(row.quota.candidates for row in rows[1:] if row.quota),
        "total_trained": sum(row.quota.trained or 0 for row in rows[1:] if row.quota)})
