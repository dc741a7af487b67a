"""The registry's exports, run as report jobs (``portal.exports``): the worker list as filtered on the screen."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.formats import format_int
from portal.jobs import JobOutput, job_progress
from workers import checklist, selectors, services
from workers.forms import DueFilterForm, WorkerFilterForm
from workers.workbooks import MAX_ROWS, write_due_workbook, write_workers_workbook

PROGRESS_EVERY = 5000  # rows between two steps of the progress bar


def worker_filters(query: QueryDict, user) -> selectors.WorkerFilters | None:
    """The worker list's filters from ``query``; None when it names a unit outside the user's scope."""
    form = WorkerFilterForm(query or None, user=user)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        return None
    if form.is_bound and form.is_valid():
        return selectors.WorkerFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return selectors.WorkerFilters()


def with_progress(rows: Iterable, job, total: int, *, start: int = 5, end: int = 95) -> Iterator:
    """``rows`` unchanged, moving the job's progress bar (and renewing its lease) every ``PROGRESS_EVERY`` rows."""
    for index, row in enumerate(rows, start=1):
        if job is not None and total and index % PROGRESS_EVERY == 0:
            job_progress(job, start + (end - start) * index // total)
        yield row


def worker_export(user, query: QueryDict, *, job=None) -> JobOutput:
    filters = worker_filters(query, user)
    if filters is None:
        raise PermissionError(_("This unit is outside your scope."))
    workers = selectors.worker_list(user, filters)
    count = workers.count()
    if count >= MAX_ROWS:  # Excel holds no more: say so before the work, not after
        raise ValueError(_("%(count)s workers match: more than one Excel sheet holds (%(max)s). Filter the "
                           "list (unit, year, status…) and export it in parts.") % {
            "count": format_int(count), "max": format_int(MAX_ROWS - 1)})
    full = selectors.sees_personal_data(user)
    if full:  # full CCCDs and phones: who, the filter used and how many rows (issue 20)
        services.access_log_export(user=user, query=query.urlencode(), rows=count, unit=filters.unit)
    return JobOutput(
        result={"rows": count},
        filename=f"nguoi-lao-dong-{timezone.localdate():%Y%m%d}.xlsx",
        write=lambda fileobj: write_workers_workbook(
            with_progress(selectors.worker_export_rows(workers), job, count), fileobj, full=full),
    )


EXPORT_LABEL = gettext_lazy("Worker list (Excel)")


def due_filters(query: QueryDict, user) -> dict | None:
    """The due list's filters from ``query`` (None: a unit outside the user's scope)."""
    default_due = services.today() + dt.timedelta(days=checklist.DUE_WITHIN_DAYS)
    form = DueFilterForm(query or None, user=user, initial={"due_by": default_due})
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        return None
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return {"unit": data.get("unit"), "due_by": data.get("due_by") or default_due,
            "only_missing": not data.get("everyone")}


def due_export(user, query: QueryDict, *, job=None) -> JobOutput:
    """The workers due to depart with papers missing (the due list as filtered), as a workbook."""
    filters = due_filters(query, user)
    if filters is None:
        raise PermissionError(_("This unit is outside your scope."))
    rows = checklist.due_to_depart(user, **filters)
    full = selectors.sees_personal_data(user)
    if full:
        services.access_log_export(user=user, query=query.urlencode(), rows=len(rows), unit=filters["unit"])
    return JobOutput(result={"rows": len(rows)},
                     filename=f"ho-so-chuan-bi-xuat-canh-{filters['due_by']:%Y%m%d}.xlsx",
                     write=lambda fileobj: write_due_workbook(rows, fileobj, due_by=filters["due_by"], full=full))


DUE_EXPORT_LABEL = gettext_lazy("Pre-departure files due (Excel)")
