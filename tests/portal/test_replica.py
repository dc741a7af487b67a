"""Issue 21: reports, exports and dashboards read a streaming replica when ``REPLICA_DATABASE_URL`` names one;
jobs that must see their own writes, and every write, use the primary. The last test runs against the real hot
standby that ``.ci/run`` starts (``pg_basebackup -R``, port 5433); it is skipped without one."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal import replica
from portal.jobs import job_create, job_run
from portal.models import JobStatus
from portal.replica import ReplicaRouter, reading_replica, replica_alias
from reports.progress import Period
from workers.models import Departure, Worker


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


class RouterTests:
    def test_reads_go_to_the_replica_only_inside_reading_replica(self, configured):
        router = ReplicaRouter()
        assert router.db_for_read(Worker) == "default"
        with reading_replica():
            assert router.db_for_read(Worker) == "replica"
            assert router.db_for_write(Worker) == "default"  # writes never
        assert router.db_for_read(Worker) == "default"
        assert router.allow_migrate("replica", "workers") is False and router.allow_migrate("default", "workers")

    def test_without_a_replica_everything_reads_the_primary(self):
        with reading_replica():
            assert replica_alias() == "default"

    @pytest.mark.django_db
    def test_report_jobs_read_the_replica_and_a_job_that_must_see_its_writes_does_not(
            self, configured, users, units, monkeypatch, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        seen = {}

        def progress(job):
            seen[job.kind] = replica_alias()
            return {}

        monkeypatch.setattr("portal.jobs.job_function", lambda kind: progress)
        for kind in ("progress", "export", "history_commit"):
            job = job_create(user=users.admin, unit=units.province, kind=kind, enqueue=False)
            assert job_run(job.pk).status == JobStatus.DONE
        assert seen == {"progress": "replica", "export": "replica", "history_commit": "default"}


needs_replica = pytest.mark.skipif(
    "replica" not in django_settings.DATABASES and not os.environ.get("CI_REQUIRE_REPLICA"),
    reason="REPLICA_DATABASE_URL is not set (.ci/run starts one and requires this test to run)")


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class RealReplicaTests:
    def test_a_progress_report_reads_the_hot_standby(self, users, units, settings, tmp_path):
        from tests.reports.progress_data import communes, depart

        settings.REPLICA_READS = True
        settings.MEDIA_ROOT = str(tmp_path)
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True  # a real standby, not the primary under another name
        departure = depart(communes("585")[0], dt.date(2021, 3, 1), "JP")  # committed: this test has no transaction
        deadline = time.monotonic() + 30
        while not Departure.objects.using("replica").filter(pk=departure.pk).exists():
            assert time.monotonic() < deadline, "the replica did not receive the departure within 30 s"
            time.sleep(0.2)
        period = Period.for_year(2021)
        job = job_create(user=users.admin, unit=units.province, kind="progress", enqueue=False,
                         params={"period": period.to_params(), "source": "registry", "label": period.label})
        with CaptureQueriesContext(connections["replica"]) as on_replica, \
                CaptureQueriesContext(connections["default"]) as on_primary:
            job = job_run(job.pk)
        assert job.status == JobStatus.DONE, job.error
        assert job.result["total"]["departed"] == 1
        assert any("workers_departure" in q["sql"] for q in on_replica.captured_queries)
        assert not any("workers_departure" in q["sql"] for q in on_primary.captured_queries)
        assert any("portal_reportjob" in q["sql"] for q in on_primary.captured_queries)  # the job's row: primary
