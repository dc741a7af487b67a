"""Report jobs: claim, failure and retry, the screens and their scope, and a real Celery worker."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.jobs import JobOutput, job_claim, job_create, job_retry, job_run
from portal.models import JobStatus, ReportJob
from portal.scoping import visible_to
from portal.tasks import run_report_job
from reports.progress import Period

ROOT = Path(__file__).resolve().parents[2]
CALLS: list[int] = []


def counting_job(job):
    CALLS.append(job.pk)
    return {"ok": True}


def flaky_job(job):
    """Fails on its first run after writing half a file, succeeds on the next."""
    def write(fileobj):
        fileobj.write(b"half a workbook")
        if job.attempts < 2:
            raise RuntimeError("Database went away while writing")
        fileobj.write(b" and the rest")

    job.refresh_from_db()
    return JobOutput(result={"attempt": job.attempts}, filename="flaky.xlsx", write=write)


@pytest.fixture
def job_settings(settings, tmp_path):
    """Jobs run in-process (even when REDIS_URL is set) and write files under a temporary MEDIA_ROOT."""
    from portal.celery import app

    settings.MEDIA_ROOT = str(tmp_path)
    settings.REPORT_JOB_KINDS = {**settings.REPORT_JOB_KINDS, "count": "tests.portal.test_jobs.counting_job",
                                 "flaky": "tests.portal.test_jobs.flaky_job"}
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    CALLS.clear()
    yield settings
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def progress_params(year=2021, code="h1") -> dict:
    period = Period.for_year(year, code)
    return {"period": period.to_params(), "source": "registry", "label": period.label}


@pytest.mark.django_db
class JobMachineryTests:
    def test_a_job_is_enqueued_on_commit_and_runs(self, job_settings, users, units,
                                                  django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = job_create(user=users.official_a, unit=units.a, kind="count", params={})
            assert ReportJob.objects.get(pk=job.pk).status == JobStatus.PENDING
        assert len(callbacks) == 1
        job.refresh_from_db()
        assert (job.status, job.progress, job.result, CALLS) == (JobStatus.DONE, 100, {"ok": True}, [job.pk])

    def test_a_job_delivered_twice_does_the_work_once(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="count", enqueue=False)
        assert run_report_job.apply(args=[job.pk]).get() == "done"
        assert run_report_job.apply(args=[job.pk]).get() == "skipped"
        assert job_run(job.pk) is None
        assert CALLS == [job.pk]

    def test_only_a_pending_job_can_be_claimed(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="count", enqueue=False)
        assert job_claim(job.pk) == 1
        assert job_claim(job.pk) is None
        assert ReportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING

    def test_a_failed_job_records_its_error_leaves_no_partial_file_and_can_be_retried(
            self, job_settings, users, units, tmp_path, django_capture_on_commit_callbacks):
        job = job_create(user=users.official_a, unit=units.a, kind="flaky", enqueue=False)
        job = job_run(job.pk)
        assert job.status == JobStatus.FAILED
        assert "Database went away" in job.error
        assert not job.file
        assert not any(p.is_file() for p in tmp_path.rglob("*")), "no partial file is left behind"
        with django_capture_on_commit_callbacks(execute=True):
            job_retry(job=job)
        job.refresh_from_db()
        assert (job.status, job.error, job.attempts) == (JobStatus.DONE, "", 2)
        assert job.file.read() == b"half a workbook and the rest"

    def test_only_a_failed_job_can_be_retried(self, job_settings, users, units):
        from django.core.exceptions import ValidationError

        job = job_create(user=users.official_a, unit=units.a, kind="count", enqueue=False)
        with pytest.raises(ValidationError):
            job_retry(job=job)

    def test_an_unknown_kind_is_refused(self, job_settings, users, units):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            job_create(user=users.official_a, unit=units.a, kind="nope")

    def test_the_progress_job_writes_the_workbook_and_returns_the_rows(self, job_settings, users, units):
        job = job_create(user=users.province, unit=units.province, kind="progress", params=progress_params(),
                         enqueue=False)
        job = job_run(job.pk)
        assert job.status == JobStatus.DONE, job.error
        assert job.file.name.endswith("tien-do-58-2021-h1.xlsx")
        assert [r["code"] for r in job.result["rows"]][:2] == ["582", "584"]
        assert job.result["total"]["code"] == "58"
        assert job.result["sentence"].startswith("Trong 6 tháng đầu năm 2021, toàn tỉnh")
        assert load_workbook(io.BytesIO(job.file.read())).sheetnames == [
            "Tổng hợp", "Thị trường", "Chờ xuất cảnh", "Mục tiêu", "Đối chiếu", "Nhận xét"]

    def test_a_progress_job_for_a_unit_no_longer_in_scope_fails(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.b, kind="progress", params=progress_params(),
                         enqueue=False)
        job = job_run(job.pk)
        assert job.status == JobStatus.FAILED and not job.file


@pytest.mark.django_db
class ReportJobScopeTests:
    def test_a_non_admin_sees_only_their_own_jobs_within_their_scope(self, users, units):
        mine = ReportJob.objects.create(kind="progress", user=users.official_a, unit=units.a)
        theirs = ReportJob.objects.create(kind="progress", user=users.official_b, unit=units.b)
        staff = ReportJob.objects.create(kind="progress", user=users.province, unit=units.a)
        assert list(visible_to(ReportJob, users.official_a)) == [mine]
        assert list(visible_to(ReportJob, users.province)) == [staff]
        assert set(visible_to(ReportJob, users.admin)) == {mine, theirs, staff}
        assert not visible_to(ReportJob, users.nobody).exists()


@pytest.mark.django_db
class JobScreenTests:
    @pytest.fixture
    def done_job(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="progress", params=progress_params(),
                         enqueue=False)
        return job_run(job.pk)

    def test_the_job_page_shows_a_progress_bar_polling_json_without_inline_script(self, job_settings, users, units,
                                                                                  client_for):
        job = job_create(user=users.official_a, unit=units.a, kind="count", enqueue=False)
        response = client_for(users.official_a).get(reverse("jobs:detail", args=[job.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert '<progress class="w-100" value="0" max="100"' in html
        assert reverse("jobs:status", args=[job.pk]) in html
        assert "js/jobs.js" in html and "<script>" not in html
        data = client_for(users.official_a).get(reverse("jobs:status", args=[job.pk])).json()
        assert (data["status"], data["progress"], data["finished"]) == ("pending", 0, False)

    def test_a_finished_job_links_to_the_result_and_the_file(self, done_job, users, client_for):
        client = client_for(users.official_a)
        data = client.get(reverse("jobs:status", args=[done_job.pk])).json()
        assert data["status"] == "done" and data["progress"] == 100
        assert data["result_url"] == reverse("progress:result", args=[done_job.pk])
        download = client.get(data["download_url"])
        assert download.status_code == 200
        assert load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames[0] == "Tổng hợp"

    def test_a_failed_job_shows_its_error_and_a_retry_button(self, job_settings, users, units, client_for,
                                                             django_capture_on_commit_callbacks):
        job = job_run(job_create(user=users.official_a, unit=units.a, kind="flaky", enqueue=False).pk)
        client = client_for(users.official_a)
        html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
        assert "Database went away" in html and reverse("jobs:retry", args=[job.pk]) in html
        assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("jobs:retry", args=[job.pk]))
        assert response.status_code == 302
        assert ReportJob.objects.get(pk=job.pk).status == JobStatus.DONE

    @pytest.mark.parametrize("name", ["jobs:detail", "jobs:status", "jobs:download", "progress:result"])
    def test_another_units_official_gets_404_for_a_job_and_its_file(self, done_job, users, client_for, name):
        url = reverse(name, args=[done_job.pk])
        assert client_for(users.official_b).get(url).status_code == 404
        assert client_for(users.nobody).get(url).status_code == 404
        assert client_for(users.official_a).get(url).status_code == 200
        assert client_for(users.admin).get(url).status_code == 200

    def test_another_units_official_cannot_retry(self, done_job, users, client_for):
        ReportJob.objects.filter(pk=done_job.pk).update(status=JobStatus.FAILED)
        assert client_for(users.official_b).post(reverse("jobs:retry", args=[done_job.pk])).status_code == 404
        assert ReportJob.objects.get(pk=done_job.pk).status == JobStatus.FAILED

    def test_the_job_list_shows_only_the_users_jobs(self, done_job, users, client_for,
                                                    django_assert_max_num_queries):
        client = client_for(users.official_b)
        assert f'href="{reverse("jobs:detail", args=[done_job.pk])}"' not in client.get(reverse("jobs:list")).content.decode()
        owner = client_for(users.official_a)
        with django_assert_max_num_queries(12):
            html = owner.get(reverse("jobs:list")).content.decode()
        assert reverse("jobs:detail", args=[done_job.pk]) in html


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
class CeleryWorkerJobTests:
    def test_a_progress_job_finishes_on_a_real_worker(self, settings, users, units, tmp_path):
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            pytest.skip("REDIS_URL is not set: no broker to run a real Celery worker against")
        from portal.celery import app

        assert app.conf.task_always_eager is False
        from tests.reports.progress_data import depart, set_quotas_2021
        from workers import models as worker_models
        from workers.reference import sync_reference_data

        # Another transactional test may have flushed the rows the data migrations seeded.
        sync_reference_data(worker_models.Country, worker_models.Programme, worker_models.Ethnicity,
                            worker_models.HouseholdStatus)
        set_quotas_2021()
        depart(units.commune_a, dt.date(2021, 2, 1), "JP")
        db = settings.DATABASES["default"]
        env = {**os.environ, "MEDIA_ROOT": str(tmp_path)}
        if db["ENGINE"].endswith("postgresql"):
            env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
                                   f"{db['PORT'] or 5432}/{db['NAME']}")
        else:
            env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
            if db["NAME"] in ("", ":memory:") or "mode=memory" in str(db["NAME"]):
                pytest.skip("an in-memory SQLite test database cannot be shared with a worker process")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "-Q", "celery,reports",
             "-n", f"jobs-test-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            job = job_create(user=users.official_a, unit=units.a, kind="progress", params=progress_params())
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.is_finished:
                    break
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.3)
            assert job.status == JobStatus.DONE, job.error or "the job did not finish in time"
            assert job.result["total"]["departed"] == 1
            assert (tmp_path / job.file.name).is_file()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
