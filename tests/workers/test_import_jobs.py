"""Issue 21: a worker sheet over a few thousand rows is imported by a report job: the request answers at once with
the job's page; the job imports all or nothing under the uploader's scope, deletes the upload, and its result page
shows the counts or every rejected row."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from portal.celery import app
from portal.models import JobStatus, ReportJob
from tests.conftest import post_and_confirm
from workers import views
from workers.models import Worker

from .test_import import good_rows, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_sheets(monkeypatch, settings, tmp_path):
    """Any sheet of more than 2 rows counts as long; the job runs in-process when the request commits."""
    monkeypatch.setattr(views, "IMPORT_JOB_ROWS", 2)
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield tmp_path / "private"
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def upload(client, data: bytes, *, run: bool = True):
    with TestCase.captureOnCommitCallbacks(execute=run):
        return client.post(reverse("workers:worker_import"), {"file": SimpleUploadedFile("nhap.xlsx", data)})


class ImportJobTests:
    def test_a_long_sheet_answers_with_the_job_then_imports_everything(self, long_sheets, users, units, enterprises,
                                                                        client_for):
        client = client_for(users.official_a)
        response = upload(client, sheet(good_rows(units)))
        job = ReportJob.objects.get(kind="import_workers")
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert job.status == JobStatus.DONE, job.error
        assert Worker.objects.count() == 5 and job.result["created"] == 5
        page = client.get(reverse("workers:import_result", args=[job.pk]))
        assert b'data-testid="import-done"' in page.content
        assert client.get(reverse("jobs:status", args=[job.pk])).json()["result_url"] == reverse(
            "workers:import_result", args=[job.pk])
        assert not any(Path(long_sheets).rglob("*.xlsx"))  # the upload is gone
        assert f"Lượt nhập dữ liệu #{job.pk}</h1>" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    def test_a_rejected_long_sheet_saves_nothing_and_lists_the_errors(self, long_sheets, users, units, enterprises,
                                                                       client_for):
        rows = good_rows(units)
        rows[0][1] = "123"
        client = client_for(users.official_a)
        upload(client, sheet(rows))
        job = ReportJob.objects.get(kind="import_workers")
        assert job.status == JobStatus.DONE and job.result["rejected"] is True
        assert Worker.objects.count() == 0
        page = client.get(reverse("workers:import_result", args=[job.pk]))
        assert [(e["row"], e["column"]) for e in page.context["import_errors"]] == [(2, "Số CCCD")]
        assert b'data-testid="import-errors"' in page.content
        assert not any(Path(long_sheets).rglob("*.xlsx"))

    def test_the_request_returns_before_the_import_and_another_unit_cannot_see_it(self, long_sheets, users, units,
                                                                                   enterprises, client_for):
        response = upload(client_for(users.official_a), sheet(good_rows(units)), run=False)
        job = ReportJob.objects.get(kind="import_workers")
        assert response.status_code == 302 and job.status == JobStatus.PENDING and Worker.objects.count() == 0
        assert client_for(users.official_b).get(reverse("workers:import_result", args=[job.pk])).status_code == 404
        assert client_for(users.official_b).get(reverse("jobs:detail", args=[job.pk])).status_code == 404

    def test_a_short_sheet_is_still_imported_in_the_request(self, users, units, enterprises, client_for):
        # In the request: its preview first (issue 22), saved when confirmed.
        response = post_and_confirm(client_for(users.official_a), reverse("workers:worker_import"),
                                    {"file": SimpleUploadedFile("nhap.xlsx", sheet(good_rows(units)))})
        assert response.status_code == 302 and Worker.objects.count() == 5
        assert not ReportJob.objects.exists()
