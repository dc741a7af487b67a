"""Reads of reports, exports and dashboards from a PostgreSQL streaming replica (``REPLICA_DATABASE_URL``).

When the setting names a replica, ``settings.DATABASES["replica"]`` is a hot standby of the primary (kept by
PostgreSQL's streaming replication, a few milliseconds to seconds behind) and :class:`ReplicaRouter` sends the
reads made inside :func:`reading_replica` there; every other read, and every write wherever it happens, goes to
the primary. What reads the replica:

- report jobs of the kinds in ``settings.REPORT_JOB_REPLICA_KINDS`` (progress, the review document, the exports):
  ``portal.jobs.job_run`` runs their function inside :func:`reading_replica`; a job that must see its own
  just-written rows (history's preview, commit and rollback, an import) is not among them and reads the primary;
  the job's own row (claim, progress, result) is always read and written on the primary;
- the dashboard's figures (``reports.dashboard``), computed inside :func:`reading_replica`.

A lag of a few seconds shows as figures a few seconds old, as a cached figure would; the page says when they were
computed. Without a replica (the default, and in the tests unless one asks) everything reads the primary.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

_reading = ContextVar("portal_reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", True)


@contextlib.contextmanager
def reading_replica():
    """Reads inside go to the replica when one is configured (writes still go to the primary)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_alias() -> str:
    """Where a read made now goes: ``replica`` inside :func:`reading_replica` with a replica configured."""
    return REPLICA if _reading.get() and replica_configured() else "default"


class ReplicaRouter:
    """``settings.DATABASE_ROUTERS`` when ``REPLICA_DATABASE_URL`` is set."""

    def db_for_read(self, model, **hints):
        return replica_alias()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the standby replays the primary's schema
