from __future__ import annotations

import datetime as dt

from celery import shared_task

from reports.dashboard import dashboard_refresh
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
