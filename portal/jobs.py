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

A worker that dies in the middle (killed, out of memory, machine lost) leaves
its job ``running`` with no file: the file only moves into place at the very
end. Each claim is a lease of ``REPORT_JOB_LEASE_SECONDS`` counted from
``started_at``, which every :func:`job_progress` step renews (a heartbeat).
Once the lease has expired, :func:`job_claim` takes the job again, and the
periodic :func:`job_requeue_stale` (Celery beat) sends it back to the queue,
so it is re-run from the start to the same result. ``attempts`` numbers the
claims; a worker finishes or fails the job only while its own claim still
holds, so a late-waking first worker cannot overwrite the re-run.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from portal.celery import app as celery_app
from portal.models import JobStatus, ReportJob, Unit, is_national
from portal.replica import reading_replica

RUN_TASK = "portal.tasks.run_report_job"

logger = logging.getLogger(__name__)

JOB_FILE_DIR = "reports"

job_finished = Signal()
"""Sent (``job=``) when a run ends a job, done or failed, under its own claim; apps above the core listen
(the notifications app tells the user who started it). Sent after the job's row is written."""


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


# What a broker that does not answer raises when a task is sent (kombu wraps most of them).
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
BROKER_LOG_SECONDS = 60.0
_broker_logged_at = -BROKER_LOG_SECONDS


def _broker_failed(exc: BaseException) -> None:
    """Logged once per minute, not once per job: an outage of the broker may last."""
    global _broker_logged_at
    now = time.monotonic()
    if now - _broker_logged_at >= BROKER_LOG_SECONDS:
        _broker_logged_at = now
        logger.warning("The job service (Celery broker) does not answer (%s); jobs stay pending and are sent "
                       "when it is back.", exc)


def job_queue(kind: str) -> str | None:
    """The Celery queue of a job kind (``settings.REPORT_JOB_QUEUES``: reports and exports on their own); None for
    the default queue."""
    return getattr(settings, "REPORT_JOB_QUEUES", {}).get(kind)


def job_dispatch(job_id: int, kind: str | None = None) -> bool:
    """Hand a pending job to the job service; False when the broker does not answer.

    Never raises and never waits long (no publish retries, short connection timeouts in settings): the job is
    already stored, stays pending with ``dispatched_at`` empty, and :func:`job_dispatch_pending` sends it when
    the broker is back. Sending one job twice is harmless: the claim runs it once.
    """
    try:
        # By name: the task module imports this one (portal.tasks is imported by PortalConfig.ready).
        if kind is None:
            kind = ReportJob.objects.filter(pk=job_id).values_list("kind", flat=True).first() or ""
        queue = job_queue(kind)
        celery_app.tasks[RUN_TASK].apply_async((job_id,), retry=False, **({"queue": queue} if queue else {}))
    except BROKER_ERRORS as exc:
        _broker_failed(exc)
        return False
    ReportJob.objects.filter(pk=job_id, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
    return True


def job_dispatch_pending() -> list[int]:
    """Send every pending job the broker did not take (periodic, and when a worker starts); stops at the first
    failure (the broker is still away)."""
    sent = []
    for job_id, kind in ReportJob.objects.filter(status=JobStatus.PENDING, dispatched_at__isnull=True) \
            .order_by("pk").values_list("pk", "kind"):
        if not job_dispatch(job_id, kind):
            break
        sent.append(job_id)
    if sent:
        logger.warning("Report jobs sent to the job service after it came back: %s", sent)
    return sent


def _enqueue(job_id: int, kind: str | None = None) -> None:
    transaction.on_commit(lambda: job_dispatch(job_id, kind))


def job_create(*, user, unit: Unit, kind: str, params: dict | None = None, enqueue: bool = True) -> ReportJob:
    """Record a pending job and send it to the worker once the transaction commits.

    ``enqueue=False`` leaves it to the caller to run it (a command running it in-process with :func:`job_run`).
    ``unit`` may be the whole country (``portal.models.national_unit``): the job keeps no unit and names the
    structure in its parameters (``ReportJob.report_unit``).
    """
    if kind not in job_kinds():
        raise ValidationError(_("Unknown kind of report."))
    if is_national(unit):
        params = {**(params or {}), "structure": unit.structure}
        unit = None
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind, user=user if user is not None and user.is_authenticated else None, unit=unit,
            params=params or {},
        )
        if enqueue:
            _enqueue(job.pk, kind)
    return job


def lease_seconds() -> int:
    return int(getattr(settings, "REPORT_JOB_LEASE_SECONDS", 15 * 60))


def _claimable(now) -> Q:
    """Pending, or running under a lease that has expired (its worker is presumed dead)."""
    expired = now - timedelta(seconds=lease_seconds())
    return Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, started_at__lt=expired) | Q(
        status=JobStatus.RUNNING, started_at__isnull=True)


def job_claim(job_id: int) -> int | None:
    """Take a job for this worker: the claim number (``attempts``), or None when it is not claimable.

    A pending job is claimable, and so is a running one whose lease expired.
    The conditional ``UPDATE`` makes two deliveries racing for one job claim it once.
    """
    now = timezone.now()
    claimed = ReportJob.objects.filter(_claimable(now), pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, progress=0, error="", attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return None
    return ReportJob.objects.filter(pk=job_id).values_list("attempts", flat=True).get()


def _mine(job: ReportJob) -> Q:
    """The job is still running under this worker's claim."""
    return Q(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)


def job_progress(job: ReportJob, percent: int) -> None:
    """Record how far a running job is (0–100), visible at once to the polling screen; renews the lease."""
    percent = max(0, min(100, int(percent)))
    job.progress = percent
    ReportJob.objects.filter(_mine(job)).update(progress=percent, started_at=timezone.now())


def job_requeue_stale() -> list[int]:
    """Send back to the queue every job left running by a dead worker (lease expired) or never picked up.

    Run periodically by Celery beat. Harmless when the job is in fact still
    queued: the claim lets only one delivery run it.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=lease_seconds())
    stale = Q(status=JobStatus.RUNNING) & (Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
    forgotten = Q(status=JobStatus.PENDING, created_at__lt=cutoff)
    ids = list(ReportJob.objects.filter(stale | forgotten).values_list("pk", flat=True))
    requeued = []
    for job_id in ids:
        with transaction.atomic():
            # Back to pending only if still stale: a worker may have finished it since the read above.
            if ReportJob.objects.filter(Q(pk=job_id) & (stale | forgotten)).update(
                    status=JobStatus.PENDING, progress=0, dispatched_at=None) == 1:
                _enqueue(job_id)
                requeued.append(job_id)
    if requeued:
        logger.warning("Report jobs re-queued after their worker stopped answering: %s", requeued)
    return requeued


class JobFileError(Exception):
    """The job's file could not be written (disk full, folder not writable): said plainly to the user."""

    def __init__(self, cause: OSError):
        self.cause = cause
        if cause.errno in (errno.ENOSPC, errno.EDQUOT):
            message = _("There is not enough free disk space to write the report file. Free some space, then run "
                        "the report again.")
        elif cause.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            message = _("The folder of report files cannot be written to. Ask the administrator to check its "
                        "permissions, then run the report again.")
        else:
            message = _("The report file could not be written (%(error)s). Run the report again; if it fails "
                        "again, tell the administrator.") % {"error": cause.strerror or cause}
        super().__init__(message)


def _safe_filename(name: str) -> str:
    name = os.path.basename(name or "")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return name or "report.bin"


def _write_file(job: ReportJob, output: JobOutput) -> str:
    """Write to a temporary name next to the final place, then move it there in one step.

    Each claim writes under its own folder (``reports/<job>/<attempt>/``): a run
    that lost its lease can never overwrite the file of the run that replaced it.
    """
    final_name = f"{JOB_FILE_DIR}/{job.pk}/{job.attempts}/{_safe_filename(output.filename or 'report.xlsx')}"
    final_path = default_storage.path(final_name)
    try:
        os.makedirs(os.path.dirname(final_path), exist_ok=True)
    except OSError as exc:
        raise JobFileError(exc) from exc
    for folder, _dirs, files in os.walk(default_storage.path(f"{JOB_FILE_DIR}/{job.pk}")):
        if folder != os.path.dirname(final_path):
            for leftover in (name for name in files if name.endswith(".part")):
                os.remove(os.path.join(folder, leftover))  # an earlier run's, killed while writing
    temp_path = f"{final_path}.{uuid.uuid4().hex}.part"
    try:
        with open(temp_path, "wb") as handle:
            output.write(handle)
        os.replace(temp_path, final_path)
    except OSError as exc:
        raise JobFileError(exc) from exc
    finally:
        if os.path.exists(temp_path):
            os.remove(temp_path)
    return final_name


def job_run(job_id: int) -> ReportJob | None:
    """Claim and run one job; None when another delivery already took it (or holds a live lease)."""
    attempt = job_claim(job_id)
    if attempt is None:
        logger.info("Report job %s is not claimable: nothing to do", job_id)
        return None
    job = ReportJob.objects.select_related("unit", "user").get(pk=job_id)
    job.attempts = attempt
    try:
        # Reports and exports read the replica when there is one (portal.replica); the others the primary.
        reading = reading_replica() if job.kind in settings.REPORT_JOB_REPLICA_KINDS else contextlib.nullcontext()
        with reading:
            output = job_function(job.kind)(job)
        if not isinstance(output, JobOutput):
            output = JobOutput(result=output)
        file_name = _write_file(job, output) if output.write is not None else ""
    except Exception as exc:  # recorded on the job for the user, and logged in full
        logger.exception("Report job %s failed", job_id)
        message = str(exc) or exc.__class__.__name__
        ReportJob.objects.filter(_mine(job)).update(
            status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now(), file="",
        )
    else:
        finished = ReportJob.objects.filter(_mine(job)).update(
            status=JobStatus.DONE, progress=100, result=output.result, file=file_name, finished_at=timezone.now(),
        )
        if not finished:
            if file_name:
                default_storage.delete(file_name)
            logger.warning("Report job %s attempt %s finished after losing its lease; the other run's result stands",
                           job_id, attempt)
    job.refresh_from_db()
    if job.is_finished and job.attempts == attempt:
        # A listener's fault (a notification not written) must not change the job's outcome: logged, not raised.
        for receiver, outcome in job_finished.send_robust(sender=ReportJob, job=job):
            if isinstance(outcome, Exception):
                logger.error("Listener %r of job_finished failed for job %s", receiver, job_id, exc_info=outcome)
    return job


def job_retry(*, job: ReportJob) -> ReportJob:
    """Put a failed job back in the queue (the screen's retry button)."""
    with transaction.atomic():
        updated = ReportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.PENDING, progress=0, error="", started_at=None, finished_at=None, result=None,
            dispatched_at=None,
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
        "waiting_for_service": job.waiting_for_service,
    }
