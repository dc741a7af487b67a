"""Is every service the portal relies on answering? For ``manage.py health`` and the unauthenticated ``/healthz``.

Checks: the database, the cache, the job service's broker, a worker, the free space of the folder where report
files are written, and the last run of the periodic sweep (Celery beat). Without ``REDIS_URL`` (the embedded
mode) jobs run in-process: broker, worker and beat are "embedded", which is healthy.
"""
from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import Heartbeat

OK, FAIL, EMBEDDED = "ok", "fail", "embedded"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str

    @property
    def healthy(self) -> bool:
        return self.status != FAIL


def beat(name: str) -> None:
    """Record a sign of life of a background service (``worker``, ``beat``)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def _timed(name: str, probe) -> Check:
    start = time.monotonic()
    try:
        detail = probe()
    except Exception as exc:  # a health check reports any failure as a failure; the message says which
        return Check(name, FAIL, f"{type(exc).__name__}: {exc}"[:300])
    milliseconds = (time.monotonic() - start) * 1000
    return Check(name, OK, f"{detail} ({milliseconds:.0f} ms)" if detail else f"{milliseconds:.0f} ms")


def check_database() -> Check:
    def probe():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return connections["default"].vendor

    return _timed("database", probe)


def check_cache() -> Check:
    def probe():
        cache = caches["default"]
        # Errors raised, not swallowed as the portal's resilient backends do (portal.cache_backends).
        call = getattr(cache, "strict_call", lambda name, *args: getattr(cache, name)(*args))
        key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
        call("set", key, value, 30)
        if call("get", key) != value:
            raise RuntimeError("the value written was not read back")
        call("delete", key)
        return type(cache).__name__

    return _timed("cache", probe)


def _embedded() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def check_broker() -> Check:
    if _embedded():
        return Check("broker", EMBEDDED, "jobs run in-process (no REDIS_URL)")

    def probe():
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return "redis"

    return _timed("broker", probe)


def check_worker() -> Check:
    if _embedded():
        return Check("worker", EMBEDDED, "jobs run in-process (no REDIS_URL)")

    def probe():
        replies = celery_app.control.ping(timeout=1.0)
        if not replies:
            raise RuntimeError("no worker answered")
        return f"{len(replies)} worker(s)"

    return _timed("worker", probe)


def check_disk() -> Check:
    folder = settings.MEDIA_ROOT
    minimum = settings.HEALTH_MIN_FREE_MB

    def probe():
        path = folder if folder.exists() else folder.parent
        free = shutil.disk_usage(path).free // (1024 * 1024)
        if free < minimum:
            raise RuntimeError(f"{free} MB free in {path}, less than {minimum} MB")
        return f"{free} MB free"

    return _timed("disk", probe)


def check_beat() -> Check:
    if _embedded():
        return Check("beat", EMBEDDED, "no periodic sweep needed in-process")
    allowed = timedelta(seconds=settings.HEALTH_BEAT_MAX_AGE_SECONDS)
    try:
        last = Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
    except Exception as exc:  # the database check says why
        return Check("beat", FAIL, f"cannot read the last run: {type(exc).__name__}")
    if last is None:
        return Check("beat", FAIL, "the periodic sweep has never run")
    age = timezone.now() - last
    if age > allowed:
        return Check("beat", FAIL, f"last run {int(age.total_seconds())} s ago")
    return Check("beat", OK, f"last run {int(age.total_seconds())} s ago")


def run_checks() -> list[Check]:
    return [check_database(), check_cache(), check_broker(), check_worker(), check_disk(), check_beat()]
