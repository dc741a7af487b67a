"""Report jobs survive a worker that dies: leases, the reaper, and a real Celery worker killed mid-job."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from portal.jobs import JobOutput, job_claim, job_create, job_progress, job_requeue_stale, job_run
from portal.models import JobStatus, ReportJob
from tests.hardening_support import slow_report_bytes

ROOT = Path(__file__).resolve().parents[1]
RUNS: list[int] = []


def recorded_job(job):
    RUNS.append(job.attempts)
    return JobOutput(result={"rows": [1, 2, 3]}, filename="r.txt", write=lambda f: f.write(b"complete file"))


def overtaken_job(job):
    """First run: loses its lease while working, a second run takes the job over and finishes first."""
    RUNS.append(job.attempts)
    if job.attempts == 1:
        ReportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
        job_run(job.pk)
        return JobOutput(result={"run": "first"}, filename="r.txt", write=lambda f: f.write(b"first"))
    return JobOutput(result={"run": "second"}, filename="r.txt", write=lambda f: f.write(b"second"))


@pytest.fixture
def job_settings(settings, tmp_path):
    from portal.celery import app

    settings.MEDIA_ROOT = str(tmp_path)
    settings.REPORT_JOB_LEASE_SECONDS = 60
    settings.REPORT_JOB_KINDS = {**settings.REPORT_JOB_KINDS,
                                 "recorded": "tests.test_hardening_jobs.recorded_job",
                                 "overtaken": "tests.test_hardening_jobs.overtaken_job"}
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    RUNS.clear()
    yield settings
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def age(job, seconds: int, field: str = "started_at") -> None:
    ReportJob.objects.filter(pk=job.pk).update(**{field: timezone.now() - dt.timedelta(seconds=seconds)})


def kill_mid_run(job) -> None:
    """What a SIGKILLed worker leaves: the job claimed and running, half a file under a temporary name."""
    assert job_claim(job.pk) == 1
    part = Path(ReportJob.objects.get(pk=job.pk).file.storage.path(f"reports/{job.pk}/1/r.txt.dead.part"))
    part.parent.mkdir(parents=True)
    part.write_bytes(b"compl")


@pytest.mark.django_db
class JobLeaseTests:
    def test_a_running_job_with_a_live_lease_is_not_claimed_again(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        assert job_claim(job.pk) == 1
        age(job, 59)
        assert job_claim(job.pk) is None
        assert job_run(job.pk) is None and RUNS == []

    def test_a_running_job_whose_lease_expired_is_claimed_again_with_the_next_claim_number(
            self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        assert job_claim(job.pk) == 1
        age(job, 61)
        assert job_claim(job.pk) == 2
        assert job_claim(job.pk) is None

    def test_each_progress_step_renews_the_lease(self, job_settings, users, units):
        job = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        job.attempts = job_claim(job.pk)
        age(job, 3600)
        job_progress(job, 40)
        assert job_claim(job.pk) is None
        assert ReportJob.objects.get(pk=job.pk).progress == 40

    def test_a_job_whose_worker_died_is_rerun_to_the_same_result_and_leaves_no_partial_file(
            self, job_settings, users, units, tmp_path, django_capture_on_commit_callbacks):
        clean = job_run(job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False).pk)
        job = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        kill_mid_run(job)
        job.refresh_from_db()
        assert (job.status, job.file.name) == (JobStatus.RUNNING, "")
        assert job_requeue_stale() == [], "a live lease is left alone"
        age(job, 61)
        with django_capture_on_commit_callbacks(execute=True):
            assert job_requeue_stale() == [job.pk]
        job.refresh_from_db()
        assert (job.status, job.attempts, job.result, job.error) == (JobStatus.DONE, 2, clean.result, "")
        assert job.file.read() == b"complete file" == clean.file.read()
        assert not list(tmp_path.rglob("*.part")), "the dead run's half file is removed"

    def test_the_reaper_requeues_a_job_never_picked_up_but_not_a_fresh_one(
            self, job_settings, users, units, django_capture_on_commit_callbacks):
        old = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        fresh = job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False)
        age(old, 61, "created_at")
        with django_capture_on_commit_callbacks(execute=True):
            assert job_requeue_stale() == [old.pk]
        assert ReportJob.objects.get(pk=old.pk).status == JobStatus.DONE
        assert ReportJob.objects.get(pk=fresh.pk).status == JobStatus.PENDING

    def test_the_reaper_leaves_finished_and_failed_jobs_alone(self, job_settings, users, units):
        job = job_run(job_create(user=users.official_a, unit=units.a, kind="recorded", enqueue=False).pk)
        ReportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(days=1),
                                                   created_at=timezone.now() - dt.timedelta(days=1))
        assert job_requeue_stale() == []
        ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
        assert job_requeue_stale() == []

    def test_a_first_run_that_lost_its_lease_cannot_overwrite_the_rerun(self, job_settings, users, units):
        job = job_run(job_create(user=users.official_a, unit=units.a, kind="overtaken", enqueue=False).pk)
        assert RUNS == [1, 2]
        assert (job.status, job.attempts, job.result) == (JobStatus.DONE, 2, {"run": "second"})
        assert job.file.read() == b"second"

    def test_the_beat_schedule_runs_the_reaper_more_often_than_a_lease_lasts(self, settings):
        from portal import tasks

        entry = settings.CELERY_BEAT_SCHEDULE["requeue-stale-report-jobs"]
        assert entry["task"] == tasks.requeue_stale_report_jobs.name
        assert entry["schedule"] < settings.REPORT_JOB_LEASE_SECONDS
        from portal.celery import app

        assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True


def _worker_env(settings, tmp_path) -> dict:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the worker subprocess needs a database it can share: run with DATABASE_URL=postgres://…")
    return {
        **os.environ, "MEDIA_ROOT": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tests.hardening_worker_settings",
        "REPORT_JOB_LEASE_SECONDS": "3",
        "DATABASE_URL": (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
                         f"{db['PORT'] or 5432}/{db['NAME']}"),
    }


def _start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
         "-Q", "celery,reports",
         "-n", f"{name}-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(job, worker, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if condition(job):
            return
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.1)
    raise AssertionError(f"timed out: job {job.pk} is {job.status} at {job.progress}%")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
class KilledWorkerTests:
    def test_a_worker_killed_in_the_middle_of_a_job_leaves_it_to_be_rerun_to_the_same_result(
            self, settings, users, units, tmp_path):
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            pytest.skip("REDIS_URL is not set: no broker to run a real Celery worker against")
        from portal.celery import app
        from portal.tasks import requeue_stale_report_jobs

        assert app.conf.task_always_eager is False
        env = _worker_env(settings, tmp_path)
        settings.REPORT_JOB_KINDS = {**settings.REPORT_JOB_KINDS, "slow": "tests.hardening_support.slow_job"}
        settings.MEDIA_ROOT = str(tmp_path)
        settings.REPORT_JOB_LEASE_SECONDS = 3
        app.control.purge()
        first = _start_worker(env, "doomed")
        second = None
        try:
            job = job_create(user=users.official_a, unit=units.a, kind="slow", params={})
            _wait_for(job, first, lambda j: j.progress >= 90)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            time.sleep(1.0)  # had it survived, it would have written more by now
            job.refresh_from_db()
            folder = tmp_path / "reports" / str(job.pk)
            assert (job.status, job.file.name, job.attempts) == (JobStatus.RUNNING, "", 1)
            assert [p.name for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".part")] == [], \
                "no final file from the killed run"
            assert list(folder.glob("1/slow.txt.*.part")), "the killed run stopped in the middle of its file"

            second = _start_worker(env, "rescuer")
            time.sleep(4)  # the dead worker's lease (3 s) expires
            requeue_stale_report_jobs.delay()
            _wait_for(job, second, lambda j: j.is_finished)
            assert (job.status, job.error, job.attempts) == (JobStatus.DONE, "", 2)
            assert job.result == {"steps": 6, "total": 55}
            assert job.file.name == f"reports/{job.pk}/2/slow.txt"
            assert (folder / "2" / "slow.txt").read_bytes() == slow_report_bytes(job)
            assert not list(folder.rglob("*.part")), "the killed run's half file was cleared"
        finally:
            for worker in (first, second):
                if worker is not None and worker.poll() is None:
                    worker.terminate()
                    worker.wait(timeout=30)
            _forget_unacked_messages(redis_url)


def _forget_unacked_messages(redis_url: str) -> None:
    """The killed worker's message stays unacknowledged in Redis; drop it so it is not redelivered to a later run."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("unacked", "unacked_index", "unacked_mutex", "celery")
