from __future__ import annotations

from celery import shared_task

from reports.snapshots import snapshots_store


# The name is the wire name brokers and beat schedules already hold (the task moved here from the core).
@shared_task(name="portal.tasks.store_progress_snapshots", ignore_result=True)
def store_progress_snapshots() -> int:
    """Monthly (beat): store last month's progress of every unit, for the dashboard's trend."""
    return snapshots_store()
