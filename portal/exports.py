"""Exports as report jobs: a list screen's "Export to Excel" records a job and answers at once with the job's page
(progress bar, then the download link); a Celery worker of the reports' queue writes the workbook.

The core knows no app: each app registers its exports from its ``AppConfig.ready`` with :func:`register_export`,
a name and a function ``(user, query) -> JobOutput`` that reads the screen's filters from ``query`` (the request's
GET parameters, kept in the job) and scopes everything by ``user`` — the job re-applies the user's scope when it
runs, so an export never holds more than the user may see at that moment.
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.jobs import JobOutput, job_create
from portal.models import national_unit
from portal.scoping import sees_everything, user_unit
from portal.tree import national_structure

EXPORT_KIND = "export"

_EXPORTS: dict[str, tuple[Callable, Callable[[], str]]] = {}


def register_export(name: str, build: Callable[..., JobOutput], *, label: Callable[[], str]) -> None:
    """``build(user, query: QueryDict) -> JobOutput`` (its ``write`` writes the file); ``label()``: what the job
    list calls it."""
    _EXPORTS[name] = (build, label)


def export_names() -> list[str]:
    return sorted(_EXPORTS)


def job_unit(user):
    """The unit a user's export or import job belongs to: their unit, the whole country for an administrator;
    404 without a scope."""
    unit = user_unit(user)
    if unit is None:
        if not sees_everything(user):
            raise Http404  # no scope: nothing to export
        unit = national_unit(national_structure(timezone.localdate()))
    return unit


def export_start(request, name: str, *, query: QueryDict | None = None):
    """Record the export ``name`` of the request's filters as a job and answer with the job's page."""
    if name not in _EXPORTS:
        raise Http404
    user = request.user
    unit = job_unit(user)
    query = request.GET if query is None else query
    job = job_create(user=user, unit=unit, kind=EXPORT_KIND, params={
        "export": name, "query": {key: query.getlist(key) for key in query}, "label": str(_EXPORTS[name][1]())})
    return redirect("jobs:detail", pk=job.pk)


def run_export_job(job) -> JobOutput:
    """The job function (``settings.REPORT_JOB_KINDS["export"]``)."""
    name = job.params.get("export")
    if name not in _EXPORTS:
        raise ValueError(_("Unknown export."))
    if job.user is None or not job.user.is_active:
        raise PermissionError(_("The account that asked for this export is no longer active."))
    query = QueryDict(mutable=True)
    for key, values in (job.params.get("query") or {}).items():
        query.setlist(key, values)
    return _EXPORTS[name][0](job.user, query, job=job)
