"""The home page (the dashboard) and the progress screens: the form that starts a report job, the result table,
the reconciliation."""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import bounds, formats
from portal.exports import export_start
from portal.forms import add_service_errors
from portal.jobs import job_create
from portal.models import JobStatus, Level, ReportJob, is_national, national_unit
from portal.scoping import can_approve, get_visible_or_404, sees_everything, user_unit, visible_to
from portal.selectors import scope_level_counts
from portal.tree import national_structure
from reports.dashboard import dashboard_cached
from reports.forms import NATIONAL_PREFIX, PoolForm, ProgressForm, report_units, search_report_units
from reports.models import ReviewTemplate
from reports.pool import pool_summary, pool_workers
from reports.progress import Period, reconciliation_rows
from reports.review import default_template_bytes, review_template_save, template_for
from reports.review.context import FIELDS
from reports.review.document import DOCX_CONTENT_TYPE
from workers.models import Country


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


def _unit_or_404(request, data, *, national: bool = False) -> None:
    """A unit outside the user's scope answers 404, as everywhere else; so does the whole country for anyone but
    an administrator (``national``: where the form offers it). Text that names no unit is the form's error."""
    unit_id = str(data.get("unit") or "")
    if unit_id.startswith(NATIONAL_PREFIX):
        if not (national and sees_everything(request.user)):
            raise Http404
    elif (pk := bounds.param_id(unit_id)) is not None and not report_units(request.user).filter(pk=pk).exists():
        raise Http404


@login_required
def unit_search(request):
    """The progress form's unit picker: the report units of the user's scope matching ``q`` (JSON, at most
    ``UNIT_SEARCH_LIMIT``), the whole country first for an administrator when ``national`` is asked."""
    query = request.GET.get("q", "")[:100]
    return JsonResponse({"results": search_report_units(request.user, query,
                                                        national=request.GET.get("national") == "1")})


@login_required
def progress_form(request):
    if request.method == "POST":
        _unit_or_404(request, request.POST, national=True)
        form = ProgressForm(request.POST, user=request.user, national=True)
        review = request.POST.get("output") == "review"
        if form.is_valid() and review and form.cleaned_data["period_value"].start > timezone.localdate():
            form.add_error("period", _("The period has not begun yet: a review reports on what has happened."))
        if form.is_valid() and review and is_national(form.cleaned_data["unit"]):
            form.add_error("unit", _("The review document is written by a unit: choose a province, a district or a "
                                     "commune."))
        if form.is_valid():
            period = form.cleaned_data["period_value"]
            job = job_create(user=request.user, unit=form.cleaned_data["unit"], kind="review" if review else "progress",
                             params={"period": period.to_params(), "source": form.cleaned_data["source"],
                                     "label": period.label})
            job.refresh_from_db(fields=["status"])
            # Run in-process (no broker) the job is already done: straight to the table.
            done = job.status == JobStatus.DONE and not review
            return redirect("progress:result" if done else "jobs:detail", pk=job.pk)
    else:
        # An administrator starts from the whole country (in the structure in force today).
        initial = (national_unit(national_structure(timezone.localdate()))
                   if user_unit(request.user) is None and sees_everything(request.user) else _default_unit(request.user))
        form = ProgressForm(user=request.user, national=True, initial={"unit": initial})
    recent = visible_to(ReportJob, request.user).filter(kind="progress").select_related("unit")[:10]
    return render(request, "reports/progress_form.html", {"form": form, "recent": recent})


@login_required
def progress_result(request, pk: int):
    job = get_visible_or_404(ReportJob.objects.filter(kind="progress").select_related("unit"), request.user, pk=pk)
    if job.status != JobStatus.DONE:
        return redirect("jobs:detail", pk=job.pk)
    period = Period.from_params(job.result["period"])
    query = urlencode({"unit": job.result["unit"]["id"], "period": "range",
                       "date_from": formats.format_date(period.start), "date_to": formats.format_date(period.end)})
    return render(request, "reports/progress_result.html", {
        "job": job, "report": job.result, "date_from": formats.format_date(period.start),
        "date_to": formats.format_date(period.end),
        "reconciliation_url": f"{reverse('progress:reconciliation')}?{query}"})


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


class ReviewTemplateForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Your template (.docx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Upload a Word document (.docx)."))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload


@login_required
def review_template(request):
    """The layout of the review document: the portal's own to download and edit in Word, and the one the user's
    unit uploaded (upload: provincial staff and administrators, for a unit of their scope)."""
    unit = _default_unit(request.user)
    if unit is None:
        raise Http404
    current = template_for(unit)
    form = ReviewTemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_approve(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                review_template_save(user=request.user, unit=unit, content=form.cleaned_data["file"].read(),
                                     name=form.cleaned_data["file"].name)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your template is used from now on for %(unit)s.") % {"unit": unit.name})
                return redirect("progress:review_template")
    return render(request, "reports/review_template.html", {
        "unit": unit, "current": current, "form": form, "fields": FIELDS, "may_upload": can_approve(request.user)})


@login_required
def review_template_download(request, which: str):
    unit = _default_unit(request.user)
    if unit is None or which not in ("default", "current"):
        raise Http404
    if which == "default":
        content = default_template_bytes()
    else:
        current = template_for(unit)
        if current is None:
            raise Http404
        with current.file.open("rb") as handle:
            content = handle.read()
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="mau-bao-cao-{which}.docx"'
    return response


@login_required
def review_template_reset(request):
    """Back to the portal's own template (after a confirmation on the page)."""
    unit = _default_unit(request.user)
    if request.method != "POST" or unit is None:
        raise Http404
    if not can_approve(request.user):
        raise PermissionDenied
    current = get_visible_or_404(ReviewTemplate, request.user, unit=unit)
    current.file.delete(save=False)
    current.delete()
    messages.success(request, _("The portal's own template is used again."))
    return redirect("progress:review_template")


@login_required
def pool(request):
    """The waiting pool now: grouped by enterprise, stage, class, market or unit, then worker by worker."""
    _unit_or_404(request, request.GET)
    default = _default_unit(request.user)
    query = request.GET.copy()
    if query and not query.get("unit") and default is not None:
        query["unit"] = str(default.pk)  # the select shows the unit the page is about
    form = PoolForm(query or None, user=request.user, initial={"by": "enterprise", "unit": default})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    unit = data.get("unit") or default
    if unit is None:
        raise Http404
    if request.GET.get("format") == "xlsx":  # a report job writes it (reports.exports.pool_export)
        return export_start(request, "pool")
    dimension = data.get("by") or "enterprise"
    summary = pool_summary(request.user, unit=unit, dimension=dimension)
    workers = pool_workers(request.user, unit=unit, dimension=dimension, key=data.get("key") or "")
    page = Paginator(workers, 50).get_page(request.GET.get("page"))
    countries = {country.pk: country.name for country in Country.objects.all()}
    for worker in page:
        worker.market_name = countries.get(worker.market_id, "")
        worker.days = (summary.today - timezone.localdate(worker.since)).days if worker.since else None
    return render(request, "reports/pool.html", {
        "form": form, "unit": unit, "summary": summary, "page": page, "key": data.get("key") or "",
        "dimension_label": dict(form.fields["by"].choices)[dimension], "tab": "pool"})
