"""The home page (the dashboard) and the progress screens: the form that starts a report job, the result table,
the reconciliation."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from portal import formats
from portal.jobs import job_create
from portal.models import JobStatus, Level, ReportJob
from portal.scoping import get_visible_or_404, user_unit, visible_to
from portal.selectors import scope_level_counts
from reports.dashboard import dashboard_cached
from reports.forms import ProgressForm, report_units
from reports.progress import Period, reconciliation_rows


@login_required
def home(request):
    unit = user_unit(request.user)
    counts = scope_level_counts(request.user)
    level_counts = [(label, counts[value]) for value, label in Level.choices if counts.get(value)]
    dashboard = dashboard_cached(request.user)
    return render(request, "reports/home.html", {"unit": unit, "level_counts": level_counts, "dashboard": dashboard,
                                                 "charts": dashboard["charts"] if dashboard else None})


def _default_unit(user):
    return user_unit(user) or report_units(user).filter(parent__isnull=True).first()


def _unit_or_404(request, data) -> None:
    """A unit outside the user's scope answers 404, as everywhere else."""
    unit_id = data.get("unit")
    if unit_id and not report_units(request.user).filter(pk=unit_id).exists():
        raise Http404


@login_required
def progress_form(request):
    if request.method == "POST":
        _unit_or_404(request, request.POST)
        form = ProgressForm(request.POST, user=request.user)
        if form.is_valid():
            period = form.cleaned_data["period_value"]
            job = job_create(user=request.user, unit=form.cleaned_data["unit"], kind="progress", params={
                "period": period.to_params(), "source": form.cleaned_data["source"], "label": period.label})
            job.refresh_from_db(fields=["status"])
            # Run in-process (no broker) the job is already done: straight to the table.
            return redirect("progress:result" if job.status == JobStatus.DONE else "jobs:detail", pk=job.pk)
    else:
        form = ProgressForm(user=request.user, initial={"unit": _default_unit(request.user)})
    recent = visible_to(ReportJob, request.user).filter(kind="progress").select_related("unit")[:10]
    return render(request, "reports/progress_form.html", {"form": form, "recent": recent})


@login_required
def progress_result(request, pk: int):
    job = get_visible_or_404(ReportJob.objects.filter(kind="progress").select_related("unit"), request.user, pk=pk)
    if job.status != JobStatus.DONE:
        return redirect("jobs:detail", pk=job.pk)
    period = Period.from_params(job.result["period"])
    return render(request, "reports/progress_result.html", {
        "job": job, "report": job.result, "date_from": formats.format_date(period.start),
        "date_to": formats.format_date(period.end)})


@login_required
def reconciliation(request):
    _unit_or_404(request, request.GET)
    data = None
    if "period" in request.GET:
        data = request.GET.copy()
        if not data.get("unit"):
            default = _default_unit(request.user)
            data["unit"] = default.pk if default else ""
    form = ProgressForm(data, user=request.user, with_source=False,
                        initial={"unit": _default_unit(request.user)})
    lines = None
    if data is not None and form.is_valid():
        lines = reconciliation_rows(form.cleaned_data["unit"], form.cleaned_data["period_value"])
    return render(request, "reports/progress_reconciliation.html", {
        "form": form, "lines": lines, "period": form.cleaned_data.get("period_value") if lines is not None else None,
        "flagged": sum(1 for line in lines or [] if line["flagged"]),
    })
