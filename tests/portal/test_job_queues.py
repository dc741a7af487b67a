"""Issue 21: heavy reports and exports go to the Celery queue "reports", so they never delay the mail, the reminders
or an import (the default queue)."""
from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings

from portal.celery import app
from portal.jobs import RUN_TASK, job_create, job_dispatch_pending

pytestmark = pytest.mark.django_db


def test_reports_and_exports_go_to_their_own_queue(users, units, django_capture_on_commit_callbacks):
    with mock.patch.object(app.tasks[RUN_TASK], "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            progress = job_create(user=users.admin, unit=units.province, kind="progress")
            export = job_create(user=users.admin, unit=units.province, kind="export")
            commit = job_create(user=users.admin, unit=units.province, kind="history_commit")
    queues = {call.args[0][0]: call.kwargs.get("queue") for call in send.call_args_list}
    assert queues == {progress.pk: "reports", export.pk: "reports", commit.pk: None}


def test_jobs_sent_again_after_an_outage_keep_their_queue(users, units):
    job = job_create(user=users.admin, unit=units.province, kind="review", enqueue=False)
    with mock.patch.object(app.tasks[RUN_TASK], "apply_async") as send:
        assert job_dispatch_pending() == [job.pk]
    assert send.call_args.kwargs["queue"] == "reports"


def test_the_national_dashboard_and_the_snapshots_are_routed_to_the_reports_queue():
    routes = settings.CELERY_TASK_ROUTES
    assert routes["reports.tasks.refresh_national_dashboard"]["queue"] == "reports"
    assert routes["reports.tasks.refresh_unit_dashboard"]["queue"] == "reports"
    assert routes["portal.tasks.store_progress_snapshots"]["queue"] == "reports"
