"""Faults survived (docs/RELIABILITY.md): the portal keeps serving and loses nothing when the cache, the broker, the
database connection or the disk fails. Each fault is real where this machine allows: a Redis server of the test's
own is stopped or frozen, a PostgreSQL backend is terminated, a tiny or read-only file system is mounted."""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from portal import cache_backends
from portal.celery import app as celery_app
from portal.jobs import job_create, job_dispatch_pending, job_retry, job_run
from portal.models import JobStatus, ReportJob
from reports.progress import Period

# A workbook cut short by a full disk leaves openpyxl's zip object to be collected later, which says so.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A Redis server of the test's own (nothing on disk), which the test stops, starts, freezes and thaws."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """The server keeps its data and its port but answers nothing (a machine that blinks)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def keys(self) -> int:
        import redis

        return redis.Redis(port=self.port).dbsize()


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.thaw()
    server.stop()


@pytest.fixture
def fast_retry(monkeypatch):
    """The cache is tried again soon after a failure (5 s in production), and the breaker starts closed."""
    monkeypatch.setattr(cache_backends, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(cache_backends, "_down_until", 0.0)
    monkeypatch.setattr(cache_backends, "_outage", False)
    monkeypatch.setattr(cache_backends, "_recovered", False)
    monkeypatch.setattr(cache_backends, "_last_log", -cache_backends.LOG_SECONDS)


@pytest.fixture
def redis_cache(settings, private_redis, fast_retry):
    settings.CACHES = {"default": {"BACKEND": "portal.cache_backends.ResilientRedisCache",
                                   "LOCATION": private_redis.url, "KEY_PREFIX": "faults",
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}}}
    return private_redis


def departed_on_dashboard(client) -> int:
    return client.get(reverse("home")).context["dashboard"]["total"].departed


def depart(worker, day: dt.date, users, reference):
    from workers import services

    services.departure_record(user=users.admin, worker=worker, date=day, country=reference.japan)


@needs_redis
@pytest.mark.django_db
class CacheDownTests:
    def test_every_page_answers_without_the_cache_and_uses_it_again_when_it_is_back(
            self, redis_cache, users, client_for, make_worker, caplog):
        client = client_for(users.official_a)
        pages = [reverse("home"), reverse("workers:worker_list"), reverse("targets:completeness")]
        assert all(client.get(page).status_code == 200 for page in pages)
        assert redis_cache.keys() > 0
        redis_cache.stop()
        with caplog.at_level(logging.WARNING, logger="portal.cache_backends"):
            for _round in range(3):
                assert [client.get(page).status_code for page in pages] == [200, 200, 200]
        outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(outage_lines) == 1  # once per interval, not per request
        redis_cache.start()  # a restarted Redis: empty
        time.sleep(0.3)
        assert client.get(pages[0]).status_code == 200
        assert redis_cache.keys() > 0  # used again, without a restart of the portal

    def test_a_write_made_while_the_cache_blinked_is_not_hidden_by_figures_cached_before(
            self, redis_cache, users, client_for, make_worker, reference):
        client = client_for(users.official_a)
        today = dt.date.today()
        depart(make_worker(), today.replace(day=1), users, reference)
        before = departed_on_dashboard(client)
        assert client.get(reverse("home")).context["dashboard"]["from_cache"] is True
        redis_cache.freeze()  # keeps its data: the figures cached before are still there
        depart(make_worker(), today.replace(day=1), users, reference)  # its version bump cannot reach the cache
        assert departed_on_dashboard(client) == before + 1
        redis_cache.thaw()
        time.sleep(0.3)
        assert departed_on_dashboard(client) == before + 1  # not the figure cached before the outage


def report_params(year: int = 2021) -> dict:
    period = Period.for_year(year)
    return {"period": period.to_params(), "source": "registry", "label": period.label}


@pytest.fixture
def real_broker(settings, private_redis):
    """Celery sends to the test's own Redis (not in-process), restored afterwards."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    celery_app.conf.update(broker_url=private_redis.url, result_backend=private_redis.url, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reset_connections()
    yield private_redis
    celery_app.conf.update(**saved)
    reset_connections()


def reset_connections() -> None:
    """Celery keeps its producers and connections once made: drop them so the next send uses the new broker."""
    celery_app.close()
    celery_app.amqp._producer_pool = None


def queued(redis_server) -> int:
    import redis

    client = redis.Redis(port=redis_server.port)
    return client.llen("celery") + client.llen("reports")  # reports and exports have a queue of their own


@needs_redis
@pytest.mark.django_db(transaction=True)
class BrokerDownTests:
    def test_a_report_asked_for_while_the_broker_is_down_is_kept_and_sent_when_it_is_back(
            self, real_broker, units, users, client_for, caplog):
        real_broker.stop()
        client = client_for(users.official_a)
        with caplog.at_level(logging.WARNING, logger="portal.jobs"):
            response = client.post(reverse("progress:form"), {
                "unit": units.a.pk, "year": 2021, "period": "year", "source": "registry"})
            second = client.post(reverse("progress:form"), {
                "unit": units.a.pk, "year": 2021, "period": "h1", "source": "registry"})
        assert response.status_code == second.status_code == 302
        jobs = list(ReportJob.objects.order_by("pk"))
        assert [(job.status, job.dispatched_at) for job in jobs] == [(JobStatus.PENDING, None)] * 2
        assert len([r for r in caplog.records if "does not answer" in r.getMessage()]) == 1
        page = client.get(reverse("jobs:detail", args=[jobs[0].pk])).content.decode()
        waiting = page[page.index("data-job-waiting") - 120:page.index("data-job-waiting")]
        assert "d-none" not in waiting  # the page says the report will start when the service is back
        assert client.get(reverse("jobs:status", args=[jobs[0].pk])).json()["waiting_for_service"] is True

        assert job_dispatch_pending() == []  # still away: nothing sent, nothing lost
        real_broker.start()
        assert job_dispatch_pending() == [job.pk for job in jobs]
        assert queued(real_broker) == 2
        assert all(job.dispatched_at for job in ReportJob.objects.all())
        # What the worker does with each delivery: runs it once, however often it is delivered.
        assert job_run(jobs[0].pk).status == JobStatus.DONE
        assert job_run(jobs[0].pk) is None


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://…")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql")
class DatabaseRestartTests:
    def test_the_first_request_after_the_connection_was_cut_reconnects(self, units):
        from django.core.signals import request_finished, request_started
        from django.db import connections

        from portal.models import Unit

        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
        assert Unit.objects.count() > 0
        pid = connection.cursor().connection.info.backend_pid
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.close()
        request_finished.send(sender=None)
        request_started.send(sender=None)  # what every request does first: a kept connection is checked
        assert Unit.objects.count() > 0
        assert connection.cursor().connection.info.backend_pid != pid

    def test_a_runaway_query_is_cancelled_by_the_statement_timeout(self):
        import copy

        from django.db import OperationalError, connections

        from portal.db import with_statement_timeout

        settings_dict = copy.deepcopy(connection.settings_dict)
        settings_dict["OPTIONS"]["options"] = with_statement_timeout("", 1)
        assert with_statement_timeout(settings_dict["OPTIONS"]["options"], 30) == "-c statement_timeout=30000"
        probe = connections["default"].__class__(settings_dict, alias="default")  # a connection of its own
        with pytest.raises(OperationalError, match="statement timeout"):
            with probe.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(3)")
        probe.close()

    def test_the_jit_compiler_is_off_and_a_statement_timeout_keeps_it_so(self):
        from portal.db import with_statement_timeout

        with connection.cursor() as cursor:  # compiling the reports' queries took longer than running them
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
        assert with_statement_timeout("-c jit=off", 30) == "-c jit=off -c statement_timeout=30000"


def mount_tmpfs(folder: Path, *, size_kb: int, read_only: bool = False) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k" + (",ro" if read_only else "")
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path, settings):
    """MEDIA_ROOT on a file system of 64 KB, which the test fills (a real "No space left on device")."""
    folder = tmp_path / "media"
    if os.geteuid() != 0 or not mount_tmpfs(folder, size_kb=64):
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    settings.MEDIA_ROOT = folder
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    handle = open(filler, "wb", buffering=0)
    try:
        while True:
            handle.write(b"\0" * 1024)
    except OSError:
        pass
    finally:
        handle.close()
    return filler


def part_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*.part")]


@pytest.mark.django_db
class DiskFaultTests:
    def test_a_job_whose_file_cannot_be_written_fails_clearly_leaves_no_partial_file_and_can_be_retried(
            self, small_disk, units, users, django_capture_on_commit_callbacks):
        good = job_run(job_create(user=users.admin, unit=units.a, kind="progress", params=report_params(),
                                  enqueue=False).pk)
        assert good.status == JobStatus.DONE and Path(good.file.path).stat().st_size > 0
        good_bytes = Path(good.file.path).read_bytes()
        filler = fill(small_disk)
        job = job_create(user=users.admin, unit=units.a, kind="progress", params=report_params(), enqueue=False)
        failed = job_run(job.pk)
        assert failed.status == JobStatus.FAILED and not failed.file
        assert "không đủ chỗ trống" in failed.error.lower() or "not enough free disk space" in failed.error
        assert part_files(small_disk) == []
        assert Path(good.file.path).read_bytes() == good_bytes  # the earlier report is untouched
        filler.unlink()
        with django_capture_on_commit_callbacks(execute=True):
            job_retry(job=failed)  # back to pending; in-process it runs at once, else a worker takes it:
        job_run(failed.pk)  # what the worker does (nothing when it already ran)
        failed.refresh_from_db()
        assert failed.status == JobStatus.DONE and Path(failed.file.path).exists()

    def test_a_read_only_folder_fails_the_job_with_a_message_about_permissions(self, tmp_path, settings, units, users):
        folder = tmp_path / "readonly"
        if os.geteuid() != 0 or not mount_tmpfs(folder, size_kb=64, read_only=True):
            pytest.skip("mounting a read-only file system needs root (CI runs as root)")
        settings.MEDIA_ROOT = folder
        try:
            job = job_run(job_create(user=users.admin, unit=units.a, kind="progress", params=report_params(),
                                     enqueue=False).pk)
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        assert job.status == JobStatus.FAILED
        assert "quyền" in job.error or "permissions" in job.error

    def test_a_backup_to_a_full_disk_fails_without_a_partial_file_and_keeps_the_earlier_backup(self, small_disk):
        from portal.backup import BackupError, backup_database

        target = small_disk / "portal.dump"
        target.write_bytes(b"the earlier good backup")
        fill(small_disk)
        with pytest.raises(BackupError, match="Nothing was written"):
            backup_database(target)
        assert target.read_bytes() == b"the earlier good backup"
        assert [p.name for p in small_disk.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.django_db
class HealthTests:
    def test_the_health_command_and_healthz_say_all_is_well_in_the_embedded_mode(self, client, capsys, settings):
        settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded mode (CI runs the suite with a broker)
        call_command("health")
        lines = capsys.readouterr().out.splitlines()
        assert [line.split()[:2] for line in lines] == [
            ["database", "ok"], ["cache", "ok"], ["broker", "embedded"], ["worker", "embedded"], ["disk", "ok"],
            ["beat", "embedded"]]
        response = client.get("/healthz")
        assert (response.status_code, response.content) == (200, b"ok\n")

    @needs_redis
    def test_a_service_down_fails_the_command_and_healthz_reveals_nothing(
            self, client, redis_cache, real_broker, capsys, monkeypatch):
        from portal import health_views

        monkeypatch.setattr(health_views, "_last", (-health_views.CACHE_SECONDS, False))
        real_broker.stop()  # the same server is the cache and the broker here
        with pytest.raises(SystemExit) as exit_status:
            call_command("health")
        assert exit_status.value.code == 1
        out = capsys.readouterr()
        failed = {line.split()[0] for line in out.out.splitlines() if line.split()[1] == "fail"}
        assert {"cache", "broker", "worker", "beat"} <= failed and "Unhealthy" in out.err
        response = client.get("/healthz")
        assert (response.status_code, response.content) == (503, b"unavailable\n")

    def test_the_beat_sweep_leaves_a_heartbeat(self, settings):
        from portal.models import Heartbeat
        from portal.tasks import requeue_stale_report_jobs

        requeue_stale_report_jobs()
        assert set(Heartbeat.objects.values_list("name", flat=True)) == {"beat", "worker"}



class RefusingSmtpServer:
    """A real SMTP peer on a port of the test's own that greets with 554 (the server refuses us) and closes."""

    def __init__(self):
        import threading

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                peer, _address = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            with peer:
                peer.sendall(b"554 5.7.1 Service unavailable; try again later\r\n")

    def close(self):
        self.socket.close()


@pytest.mark.django_db
class MailServerFaultTests:
    def test_a_mail_server_that_refuses_or_is_down_loses_no_digest(self, settings, users, caplog):
        from django.core import mail

        from notifications.mail import digests_send
        from notifications.models import Digest, Notification
        from notifications.services import notify

        for user in (users.official_a, users.official_b):
            user.email = f"{user.username}@example.vn"
            user.save(update_fields=["email"])
        notify(users=[users.official_a, users.official_b], kind="test", title="Tháng 10/2026 quá hạn", url="/")
        server = RefusingSmtpServer()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 2
        try:
            with caplog.at_level(logging.ERROR, logger="notifications.mail"):
                refused = digests_send(today=dt.date(2026, 11, 2))
        finally:
            server.close()
        assert (refused.sent, refused.failed, refused.waiting) == (0, 1, 1)  # stopped at the first: one attempt
        assert server.connections == 1
        assert len([r for r in caplog.records if r.name == "notifications.mail"]) == 1
        settings.EMAIL_PORT = free_port()  # then nothing listens at all
        down = digests_send(today=dt.date(2026, 11, 2))
        assert down.sent == 0 and Digest.objects.count() == 2
        assert Notification.objects.count() == 2  # the portal tells them whatever the mail does
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
        back = digests_send(today=dt.date(2026, 11, 2))
        assert back.sent == 2 and sorted(m.to[0] for m in mail.outbox) == ["t_bacai@example.vn", "t_ninhson@example.vn"]
