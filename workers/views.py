"""Thin views: parse the form, call a selector or service, render or redirect."""
from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.collation import vi_order
from portal.exports import export_start, job_unit
from portal.forms import add_service_errors
from portal.jobs import job_create
from portal.models import JobStatus, ReportJob
from portal.pagination import CachedPaginator, filters_key, scope_key
from portal.scoping import (
    can_write,
    get_visible_or_404,
    require_admin,
    require_approver,
    require_write,
)
from portal.uploads import form_data, upload_step
from portal.xlsx import XLSX_CONTENT_TYPE
from workers import checklist, selectors, services
from workers.forms import (
    AccessLogFilterForm,
    ChecklistForm,
    DepartureForm,
    DueFilterForm,
    EnterpriseForm,
    ExpectedDepartureForm,
    ReturnForm,
    StatusChangeForm,
    WorkerFilterForm,
    WorkerForm,
    WorkerImportForm,
)
from workers.import_jobs import IMPORT_JOB_ROWS, sheet_rows, upload_keep
from workers.importers import import_workers
from workers.models import AccessKind, Country, Departure, Enterprise, EnterpriseStatusChange, Sex, Status, Worker
from workers.overstay import settings_for
from workers.pipeline import ABROAD, MAY_DEPART
from workers.workbooks import write_import_template

PAGE_SIZE = 50
LIST_FIELDS = ("full_name", "citizen_id", "legacy_id_number", "date_of_birth", "sex", "status",
               "unit__name", "unit__level", "unit__parent__name")  # what workers_tags.worker_rows reads


def _filters(request) -> tuple[WorkerFilterForm, selectors.WorkerFilters]:
    form = WorkerFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404  # another unit's id: answer as if it did not exist
    if form.is_bound and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        return form, selectors.WorkerFilters(**data)
    return form, selectors.WorkerFilters()


@login_required
def index(request):
    return redirect("workers:worker_list")


@login_required
def worker_list(request):
    form, filters = _filters(request)
    # Only the columns the rows show: a worker and two units built whole are three times the model's work.
    workers = selectors.worker_list(request.user, filters).only(*LIST_FIELDS)
    key = f"workers:{scope_key(request.user)}:{filters_key(filters)}"
    page = CachedPaginator(workers, PAGE_SIZE, key=key, scope=request.user).get_page(request.GET.get("page"))
    countries = {c.pk: c for c in Country.objects.all()}
    sexes, statuses = dict(Sex.choices), dict(Status.choices)  # get_FOO_display() costs ~50 µs a call
    for worker in page:
        worker.last_country = countries.get(worker.last_country_id)
        worker.sex_label, worker.status_label = sexes.get(worker.sex, ""), statuses.get(worker.status, "")
    return render(request, "workers/worker_list.html", {"page": page, "form": form, "sort": filters.sort})


@login_required
def worker_export(request):
    """A report job writes the workbook (``workers.exports``): the request answers at once with the job's page."""
    _filters(request)  # another unit's id: 404 now, not a failed job
    return export_start(request, "workers")


@login_required
def worker_detail(request, pk: int):
    worker = selectors.worker_detail(request.user, pk)
    services.access_log_record(user=request.user, worker=worker)
    departures = list(worker.departures.all())
    today = timezone.localdate()
    grace_days = settings_for(worker.unit).grace_days
    for departure in departures:
        departure.after = selectors.after_departure(departure, grace_days=grace_days, today=today)
    return render(request, "workers/worker_detail.html", {
        "worker": worker, "departures": departures, "full": selectors.sees_personal_data(request.user),
        "may_depart": worker.status in MAY_DEPART,
        "open_departure": departures[0] if departures and worker.status in ABROAD else None,
        "timeline": selectors.worker_timeline(worker, grace_days=grace_days, today=today),
        "grace_days": grace_days,
    })


def _worker_form_view(request, *, worker: Worker | None):
    initial = {}
    if worker is not None:
        initial = {f: getattr(worker, f) for f in services.UPDATABLE} | {
            "household_statuses": list(worker.household_statuses.all()), "version": worker.version}
    form = WorkerForm(request.POST or None, user=request.user, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                if worker is None:
                    worker = services.worker_register(user=request.user, **form.service_kwargs())
                else:
                    worker = services.worker_update(user=request.user, worker=worker,
                                                    version=form.cleaned_data["version"] or 0, **form.service_kwargs())
        except services.LikelyDuplicate as exc:
            duplicates = exc.duplicates
            form.show_duplicate_confirmation()
            form.add_error("confirm_duplicate", exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": worker.full_name})
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "workers/worker_form.html", {"form": form, "worker": worker, "duplicates": duplicates})


@login_required
@require_write
def worker_create(request):
    return _worker_form_view(request, worker=None)


@login_required
@require_write
def worker_edit(request, pk: int):
    worker = get_visible_or_404(Worker, request.user, pk=pk)
    if request.method == "GET":  # the form shows the full CCCD and phone
        services.access_log_record(user=request.user, worker=worker, kind=AccessKind.EDIT)
    return _worker_form_view(request, worker=worker)


@login_required
@require_write
def worker_status(request, pk: int):
    worker = get_visible_or_404(Worker, request.user, pk=pk)
    form = StatusChangeForm(request.POST or None, current=worker.status)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.worker_change_status(user=request.user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "workers/worker_status.html", {"form": form, "worker": worker})


@login_required
@require_write
def departure_create(request, pk: int):
    worker = get_visible_or_404(Worker.objects.select_related("unit"), request.user, pk=pk)
    lines = checklist.worker_checklist(worker)  # shown beside the form; missing items warn, never block
    form = DepartureForm(request.POST or None, initial=checklist.departure_initial(lines, checklist.expected_of(worker)))
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                departure = services.departure_record(user=request.user, worker=worker, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The departure was recorded."))
            if departure.warning:
                messages.warning(request, departure.warning)
            if checklist.missing(lines):
                messages.warning(request, checklist.missing_sentence(lines))
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "workers/departure_form.html", {
        "form": form, "worker": worker, "checklist": lines, "missing": checklist.missing(lines)})


@login_required
@require_write
def return_create(request, pk: int):
    departure = get_visible_or_404(Departure.objects.select_related("worker", "country"), request.user, pk=pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.return_record(user=request.user, departure=departure, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The return was recorded."))
            return redirect("workers:worker_detail", pk=departure.worker_id)
    return render(request, "workers/return_form.html", {"form": form, "departure": departure, "worker": departure.worker})


@login_required
@require_write
def worker_import(request):
    form = WorkerImportForm(*form_data(request))
    if request.method == "POST" and not request.POST.get("preview_id") and form.is_valid():
        data = form.cleaned_data["file"].read()
        if sheet_rows(data, up_to=IMPORT_JOB_ROWS + 1) > IMPORT_JOB_ROWS + 1:  # a long sheet: a job imports it, the request answers now
            job = job_create(user=request.user, unit=job_unit(request.user), kind="import_workers", params={
                "upload": upload_keep(data), "accept_duplicates": form.cleaned_data["accept_duplicates"],
                "structure": form.cleaned_data["structure"] or "", "label": _("Worker import"),
                "file_name": form.cleaned_data["file"].name[:200]})
            return redirect("jobs:detail", pk=job.pk)
    # A sheet of a few thousand rows: its preview first, saved when the user confirms.
    step = upload_step(
        request, kind="workers.workers", form=form,
        options=lambda data: {"accept_duplicates": data["accept_duplicates"], "structure": data["structure"] or None},
        run=lambda data, options: import_workers(data, user=request.user, **options))
    if step.saved:
        result = step.result
        messages.success(request, _(
            "Imported: %(created)s new workers, %(updated)s updated, %(unchanged)s unchanged, "
            "%(departures)s departures, %(returns)s returns.") % vars(result))
        return redirect("workers:worker_list")
    return render(request, "workers/worker_import.html", {
        "form": form, "import_errors": step.import_errors, "preview": step.preview, "upload_message": step.message})


@login_required
def import_result(request, pk: int):
    """What an import job did: the counts, or the rejected rows (nothing saved)."""
    job = get_visible_or_404(ReportJob.objects.filter(kind="import_workers"), request.user, pk=pk)
    if job.status != JobStatus.DONE:
        return redirect("jobs:detail", pk=job.pk)
    result = job.result or {}
    return render(request, "workers/import_result.html", {
        "job": job, "result": result, "import_errors": result.get("errors") or []})


@login_required
@require_write
def worker_import_template(request):
    out = tempfile.TemporaryFile()
    write_import_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="mau-nhap-nguoi-lao-dong.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


@login_required
def enterprise_detail(request, pk: int):
    """A sending enterprise (national: everyone reads it); other apps add their sections (the scorecard)."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    return render(request, "workers/enterprise_detail.html", {"enterprise": enterprise})


@login_required
def enterprise_list(request):
    last_first = EnterpriseStatusChange.objects.order_by("-date", "-pk")
    enterprises = Enterprise.objects.order_by(*vi_order("name"), "pk").prefetch_related(Prefetch("status_changes", queryset=last_first))
    query = bounds.param_text(request.GET.get("q"))
    if query:
        enterprises = enterprises.filter(name__icontains=query) | enterprises.filter(licence_no__icontains=query)
    page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workers/enterprise_list.html", {"page": page, "query": query})


@login_required
@require_approver
def enterprise_edit(request, pk: int | None = None):
    enterprise = get_object_or_404(Enterprise, pk=pk) if pk else None
    initial = {f: getattr(enterprise, f) for f in ("name", "licence_no", "licence_date", "status")} if enterprise else {}
    form = EnterpriseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                enterprise = services.enterprise_save(user=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": enterprise.name})
            return redirect("workers:enterprise_list")
    history = enterprise.status_changes.order_by("date", "pk") if enterprise else []
    return render(request, "workers/enterprise_form.html", {"form": form, "enterprise": enterprise, "history": history})


@login_required
@require_admin
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    logs = selectors.access_log_list(request.user, username=data.get("username") or "",
                                     worker_q=data.get("worker") or "", date_from=data.get("date_from"),
                                     date_to=data.get("date_to"))
    page = Paginator(logs, 100).get_page(request.GET.get("page"))
    return render(request, "workers/access_log.html", {"form": form, "page": page})


# --- The pre-departure file ------------------------------------------------------------------------------------------


@login_required
def worker_checklist(request, pk: int):
    """The worker's pre-departure file: the checklist and the expected departure; written by those who may write."""
    worker = selectors.worker_detail(request.user, pk)
    if request.method == "POST" and not can_write(request.user):
        raise PermissionDenied
    full = selectors.sees_personal_data(request.user)
    services.access_log_record(user=request.user, worker=worker)  # document numbers and health results
    lines = checklist.worker_checklist(worker)
    expected = checklist.expected_of(worker)
    form = ChecklistForm(request.POST if "save_checklist" in request.POST else None, lines=lines)
    expected_form = ExpectedDepartureForm(
        request.POST if "save_expected" in request.POST else None,
        initial={"enterprise": expected.enterprise_id, "country": expected.country_id,
                 "programme": expected.programme_id, "date": expected.date} if expected else {})
    bound = form if form.is_bound else expected_form if expected_form.is_bound else None
    if bound is not None and bound.is_valid():
        try:
            with acting_as(request.user):
                if bound is form:
                    checklist.checklist_save(user=request.user, worker=worker, entries=form.entries())
                else:
                    checklist.expected_departure_set(user=request.user, worker=worker, **expected_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(bound, exc)
        else:
            messages.success(request, _("The pre-departure file was saved."))
            return redirect("workers:worker_checklist", pk=worker.pk)
    return render(request, "workers/worker_checklist.html", {
        "worker": worker, "lines": lines, "missing": checklist.missing(lines), "expected": expected, "form": form,
        "expected_form": expected_form, "full": full, "editing": can_write(request.user) and full})


@login_required
def due_list(request):
    """Workers due to depart whose pre-departure file is missing items (or all of them), soonest first."""
    default_due = services.today() + dt.timedelta(days=checklist.DUE_WITHIN_DAYS)
    form = DueFilterForm(request.GET or None, user=request.user, initial={"due_by": default_due})
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    due_by = data.get("due_by") or default_due
    if request.GET.get("format") == "xlsx":  # a report job writes it (workers.exports.due_export)
        return export_start(request, "due")
    rows = checklist.due_to_depart(request.user, unit=data.get("unit"), due_by=due_by,
                                   only_missing=not data.get("everyone"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workers/due_list.html", {"form": form, "page": page, "due_by": due_by,
                                                     "count": len(rows), "tab": "due",
                                                     "full": selectors.sees_personal_data(request.user)})
