from __future__ import annotations

import datetime as dt

from celery import shared_task

from portal import cache_version
from portal.models import Unit
from reports.dashboard import dashboard_key, dashboard_refresh, dashboard_refresh_unit
from reports.snapshots import snapshots_store


# The name is the wire name brokers and beat schedules already hold (the task moved here from the core).
@shared_task(name="portal.tasks.store_progress_snapshots", ignore_result=True)
def store_progress_snapshots() -> int:
    """Monthly (beat): store last month's progress of every unit, for the dashboard's trend."""
    return snapshots_store()


@shared_task(name="reports.tasks.refresh_national_dashboard", ignore_result=True)
def refresh_national_dashboard(structure: str, language: str, today: str) -> None:
    """The whole country's dashboard, computed on the reports' queue (never in a request)."""
    dashboard_refresh(structure, language, dt.date.fromisoformat(today))


@shared_task(name="reports.tasks.refresh_unit_dashboard", ignore_result=True)
def refresh_unit_dashboard(unit_id: int, language: str, today: str) -> None:
    """A unit's dashboard after a write, computed on the reports' queue while its pages show the previous figures
    (with a broker; without one, the request computes it)."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:  # the unit was deleted meanwhile: nothing to show, free the lock
        cache_version.release_refresh(dashboard_key(Unit(pk=unit_id), language, dt.date.fromisoformat(today)))
        return
    dashboard_refresh_unit(unit, language, dt.date.fromisoformat(today))
