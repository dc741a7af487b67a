from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_init, worker_process_init, worker_ready
from django.conf import settings

from portal.db import limit_statements
from portal.health import beat
from portal.jobs import job_dispatch_pending, job_requeue_stale, job_run

logger = logging.getLogger(__name__)


@shared_task
def ping(value: int) -> int:
    """A trivial task used to check that a worker is alive and answering."""
    return value + 1


# Jobs keep their outcome in the database (ReportJob): no Celery result to store or to subscribe to, so sending a
# job talks to the broker only.
@shared_task(ignore_result=True)
def run_report_job(job_id: int) -> str:
    """Thin wrapper: claim and run a report job (see ``portal.jobs``). Safe to deliver twice."""
    job = job_run(job_id)
    return job.status if job is not None else "skipped"


@shared_task(ignore_result=True)
def requeue_stale_report_jobs() -> list[int]:
    """Periodic (beat): send the jobs the broker did not take when they were created, and send back to the queue
    those whose worker died (see ``portal.jobs``)."""
    beat("beat")  # the schedule fired and a worker ran it: both are alive (manage.py health)
    beat("worker")
    job_dispatch_pending()
    return job_requeue_stale()


@worker_init.connect(dispatch_uid="portal_job_statement_timeout")
@worker_process_init.connect(dispatch_uid="portal_job_statement_timeout_child")
def job_statement_timeout(**_kwargs) -> None:
    """Reports run on workers with the longer statement timeout (portal.db)."""
    limit_statements(settings.JOB_STATEMENT_TIMEOUT_SECONDS)


@worker_ready.connect(dispatch_uid="portal_dispatch_pending_on_worker_start")
def dispatch_pending_on_worker_start(**_kwargs) -> None:
    """A worker starting (after the broker or the workers were down) sends what is still waiting."""
    try:
        beat("worker")
        job_dispatch_pending()
    except Exception:  # the worker must start even when the database is away; beat sweeps again later
        logger.exception("Could not send the pending report jobs at worker start")

