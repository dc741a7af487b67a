"""What the core tells this app: a report job finished (``portal.jobs.job_finished``)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.services import notify
from portal.models import JobStatus


def job_finished(sender, job, **kwargs) -> None:
    """Tell the person who started a report job that it ended, when they may have left the page: it failed, or
    it ran longer than ``JOB_NOTIFY_AFTER_SECONDS``."""
    if job.user_id is None:
        return
    took = (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else 0
    failed = job.status == JobStatus.FAILED
    if not failed and took < getattr(settings, "JOB_NOTIFY_AFTER_SECONDS", 10):
        return
    label = (job.params or {}).get("label") or job.kind
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("Your report “%(label)s” failed") if failed else _("Your report “%(label)s” is ready")) % {
            "label": label}
        body = job.error if failed else _("Unit: %(unit)s.") % {"unit": job.report_unit}
    notify(users=[job.user_id], kind="jobs.failed" if failed else "jobs.done", title=title, body=body,
           url=reverse("jobs:detail", args=[job.pk]), key=f"jobs:{job.pk}:{job.attempts}")
