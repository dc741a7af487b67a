"""The progress report as a job (``settings.REPORT_JOB_KINDS``): run by ``portal.jobs`` on a Celery worker."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.jobs import JobOutput, job_progress
from portal.scoping import unit_in_scope
from reports.progress.period import Period
from reports.progress.reconciliation import reconciliation_rows, sources_compared
from reports.progress.report import progress_rows
from reports.progress.returnees import returnee_counts
from reports.progress.rows import REGISTRY
from reports.progress.sentences import review_sentence
from reports.progress.workbooks import write_progress_workbook


def run_progress_job(job):
    """Plain function run by ``portal.jobs``: compute, write the workbook, return the rows for the screen."""
    if job.user is not None and not unit_in_scope(job.user, job.report_unit):
        raise PermissionError(_("This unit is outside your scope."))
    period = Period.from_params(job.params["period"])
    source = job.params.get("source", REGISTRY)
    job_progress(job, 10)
    report = progress_rows(unit=job.report_unit, period=period, source=source)
    job_progress(job, 50)
    report.reconciliation = reconciliation_rows(job.report_unit, period)
    report.sources = sources_compared(report.reconciliation, shown=source, before=timezone.localdate())
    returnee_counts(report, job.report_unit)
    report.sentence = review_sentence(report, period)
    job_progress(job, 70)
    return JobOutput(
        result=report.to_dict(),
        filename=f"tien-do-{job.report_unit.code}-{period.slug}.xlsx",
        write=lambda fileobj: write_progress_workbook(report, fileobj),
    )
