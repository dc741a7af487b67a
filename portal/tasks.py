from __future__ import annotations

from celery import shared_task

from portal.jobs import job_requeue_stale, job_run


@shared_task
def ping(value: int) -> int:
    """A trivial task used to check that a worker is alive and answering."""
    return value + 1


@shared_task
def run_report_job(job_id: int) -> str:
    """Thin wrapper: claim and run a report job (see ``portal.jobs``). Safe to deliver twice."""
    job = job_run(job_id)
    return job.status if job is not None else "skipped"


@shared_task
def requeue_stale_report_jobs() -> list[int]:
    """Periodic (beat): send back to the queue the jobs whose worker died (see ``portal.jobs.job_requeue_stale``)."""
    return job_requeue_stale()

