"""Screens of report jobs: the status page (a progress bar polling JSON), the file, retry."""
from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from portal.jobs import job_retry, job_status
from portal.models import JobStatus, ReportJob
from portal.scoping import get_visible_or_404, visible_to


def _links(job: ReportJob) -> dict[str, str]:
    links = {"download_url": "", "result_url": ""}
    if job.status == JobStatus.DONE:
        if job.file:
            links["download_url"] = reverse("jobs:download", args=[job.pk])
        name = getattr(settings, "REPORT_JOB_RESULT_URLS", {}).get(job.kind)
        if name:
            try:
                links["result_url"] = reverse(name, args=[job.pk])
            except NoReverseMatch:
                links["result_url"] = ""
    return links


@login_required
def job_list(request):
    jobs = visible_to(ReportJob, request.user).select_related("unit", "user")
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(request, "portal/job_list.html", {"page": page})


@login_required
def job_detail(request, pk: int):
    job = get_visible_or_404(ReportJob.objects.select_related("unit", "user"), request.user, pk=pk)
    return render(request, "portal/job_detail.html", {"job": job, **_links(job)})


@login_required
def job_status_json(request, pk: int):
    job = get_visible_or_404(ReportJob, request.user, pk=pk)
    return JsonResponse({**job_status(job), **_links(job)})


@login_required
def job_download(request, pk: int):
    job = get_visible_or_404(ReportJob, request.user, pk=pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(job.file.name))


@login_required
def job_retry_view(request, pk: int):
    job = get_visible_or_404(ReportJob, request.user, pk=pk)  # 404 out of scope, before anything else
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        job_retry(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The report is being computed again."))
    return redirect("jobs:detail", pk=job.pk)
