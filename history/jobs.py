"""The long steps of an import as report jobs (``portal.jobs``: a progress bar, run by the job service): the
preview, the commit and the rollback. Each takes the batch's id from the job and runs the service as the job's
user; a second delivery finds the batch past that step and does nothing."""
from __future__ import annotations

from history.models import ImportBatch
from history.services import batch_commit, batch_preview, batch_rollback
from portal.jobs import job_progress
from portal.models import ReportJob


def _batch(job: ReportJob) -> ImportBatch:
    return ImportBatch.objects.select_related("unit").get(pk=job.params["batch"])


def run_preview(job: ReportJob) -> dict:
    batch = batch_preview(batch=_batch(job), user=job.user, progress=lambda p: job_progress(job, p))
    return {"batch": batch.pk, "status": batch.status}


def run_commit(job: ReportJob) -> dict:
    batch = batch_commit(batch_id=job.params["batch"], user=job.user, progress=lambda p: job_progress(job, p))
    return {"batch": batch.pk, "status": batch.status}


def run_rollback(job: ReportJob) -> dict:
    batch = batch_rollback(batch_id=job.params["batch"], user=job.user)
    return {"batch": batch.pk, "status": batch.status}
