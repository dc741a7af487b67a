"""Long report jobs: a row per job, a Celery task that claims and runs it.

The core knows no app: ``settings.REPORT_JOB_KINDS`` maps a job kind to the
dotted path of a plain function ``(job) -> result``. The function may return
a :class:`JobOutput` to attach a file; the file is written under a temporary
name and moved into place only when the whole job succeeded, so a failed job
never carries a partial file.

Life of a job: :func:`job_create` (status ``pending``, enqueued on commit) →
:func:`job_run` in the task: :func:`job_claim` (conditional ``UPDATE … WHERE
status='pending'``; a duplicate delivery claims nothing and does nothing) →
the function → ``done`` with result and file, or ``failed`` with the error →
:func:`job_retry` puts a failed job back to ``pending``.
"""
from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from portal.models import JobStatus, ReportJob, Unit

logger = logging.getLogger(__name__)

JOB_FILE_DIR = "reports"


@dataclass
class JobOutput:
    """What a job function returns when it also produces a file."""

    result: Any
    filename: str | None = None
    write: Callable[[IO[bytes]], None] | None = None


def job_kinds() -> dict[str, str]:
    return dict(getattr(settings, "REPORT_JOB_KINDS", {}))


def job_function(kind: str) -> Callable[[ReportJob], Any]:
    try:
        path = job_kinds()[kind]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown report job kind {kind!r}: add it to REPORT_JOB_KINDS.") from None
    return import_string(path)


def _enqueue(job_id: int) -> None:
    from portal.tasks import run_report_job

    transaction.on_commit(lambda: run_report_job.delay(job_id))


def job_create(*, user, unit: Unit, kind: str, params: dict | None = None, enqueue: bool = True) -> ReportJob:
    """Record a pending job and send it to the worker once the transaction commits.

    ``enqueue=False`` leaves it to the caller to run it (a command running it in-process with :func:`job_run`).
    """
    if kind not in job_kinds():
        raise ValidationError(_("Unknown kind of report."))
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind, user=user if user is not None and user.is_authenticated else None, unit=unit,
            params=params or {},
        )
        if enqueue:
            _enqueue(job.pk)
    return job


def job_claim(job_id: int) -> bool:
    """Take a pending job for this worker; False when it is not (or no longer) pending."""
    claimed = ReportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=0, error="",
    )
    return claimed == 1


def job_progress(job: ReportJob, percent: int) -> None:
    """Record how far a running job is (0–100), visible at once to the polling screen."""
    percent = max(0, min(100, int(percent)))
    job.progress = percent
    ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=percent)


def _safe_filename(name: str) -> str:
    name = os.path.basename(name or "")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return name or "report.bin"


def _write_file(job: ReportJob, output: JobOutput) -> str:
    """Write to a temporary name next to the final place, then move it there in one step."""
    final_name = f"{JOB_FILE_DIR}/{job.pk}/{_safe_filename(output.filename or 'report.xlsx')}"
    final_path = default_storage.path(final_name)
    os.makedirs(os.path.dirname(final_path), exist_ok=True)
    temp_path = f"{final_path}.{uuid.uuid4().hex}.part"
    try:
        with open(temp_path, "wb") as handle:
            output.write(handle)
        os.replace(temp_path, final_path)
    finally:
        if os.path.exists(temp_path):
            os.remove(temp_path)
    return final_name


def job_run(job_id: int) -> ReportJob | None:
    """Claim and run one job; None when another delivery already took it."""
    if not job_claim(job_id):
        logger.info("Report job %s is not pending: nothing to do", job_id)
        return None
    job = ReportJob.objects.select_related("unit", "user").get(pk=job_id)
    ReportJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1)
    try:
        output = job_function(job.kind)(job)
        if not isinstance(output, JobOutput):
            output = JobOutput(result=output)
        file_name = _write_file(job, output) if output.write is not None else ""
    except Exception as exc:  # recorded on the job for the user, and logged in full
        logger.exception("Report job %s failed", job_id)
        message = str(exc) or exc.__class__.__name__
        ReportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now(), file="",
        )
    else:
        ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, progress=100, result=output.result, file=file_name, finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def job_retry(*, job: ReportJob) -> ReportJob:
    """Put a failed job back in the queue (the screen's retry button)."""
    with transaction.atomic():
        updated = ReportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.PENDING, progress=0, error="", started_at=None, finished_at=None, result=None,
        )
        if not updated:
            raise ValidationError(_("Only a failed job can be run again."))
        _enqueue(job.pk)
    job.refresh_from_db()
    return job


def job_status(job: ReportJob) -> dict[str, Any]:
    """What the polling screen needs (JSON)."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
        "error": job.error if job.status == JobStatus.FAILED else "",
        "finished": job.is_finished,
    }
