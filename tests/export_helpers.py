"""Exports run as report jobs (issue 21): ``export_response`` asks for an export as the screen does, runs the job
in-process as a worker would, and returns the file's download — what the tests read as the exported workbook."""
from __future__ import annotations

import re
import tempfile

from django.test import TestCase, override_settings
from django.urls import reverse

from portal.celery import app


def export_job_id(response) -> int | None:
    """The id of the job an export answered with (a redirect to its page), else None."""
    if response.status_code != 302:
        return None
    match = re.search(r"/jobs/(\d+)/", response.url)
    return int(match.group(1)) if match else None


def export_response(client, url: str, params: dict | None = None):
    """GET ``url`` (an export); when it answers with a job, run it and return the download of its file (or the
    job's page when it failed); otherwise the response itself (a 404, a redirect with a message)."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="export-test-")):
            with TestCase.captureOnCommitCallbacks(execute=True):
                response = client.get(url, params or {})
            job_id = export_job_id(response)
            if job_id is None:
                return response
            download = client.get(reverse("jobs:download", args=[job_id]))
            if download.status_code == 404:
                return client.get(reverse("jobs:detail", args=[job_id]))
            download.content_bytes = b"".join(download.streaming_content)
            download.streaming_content = iter([download.content_bytes])
            return download
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def run_export(user, unit, name: str, query: dict):
    """Record the export ``name`` of ``query`` (a dict of lists, as a job keeps it) for ``user`` and run it
    in-process as a worker would: the job afterwards (done with its file, or failed with its error). What a job
    holds when the user's scope changed after asking, or when its query was tampered with."""
    from portal.jobs import job_create, job_run

    with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="export-test-")):
        job = job_create(user=user, unit=unit, kind="export", enqueue=False,
                         params={"export": name, "query": query, "label": name})
        return job_run(job.pk)
