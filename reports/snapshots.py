"""Every unit's progress at the end of each month, stored for the dashboard's trend (a monthly beat task)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from portal import cache_version
from portal.models import Unit
from reports.models import ProgressSnapshot
from reports.progress import Period, progress_rows

SNAPSHOT_FIELDS = ("target", "departed", "percent", "expected", "gap", "waiting", "female", "poor",
                   "ethnic_minority", "previous_year", "markets")


def snapshots_store(*, month: dt.date | None = None, source: str = "registry") -> int:
    """Store every unit's progress at the end of ``month`` (default: the month just ended).

    One report per unit that has units below it (its total, and a row for each
    unit below), so every unit gets its snapshot; idempotent per (unit, month, source).
    """
    if month is None:
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month = month.replace(day=1)
    end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    period = Period.between(dt.date(month.year, 1, 1), end)
    parents = Unit.objects.annotate(n=Count("children")).filter(n__gt=0).order_by("path")
    figures_of: dict[int, dict] = {}
    for parent in parents:
        report = progress_rows(unit=parent, period=period, source=source, today=end)
        for row in [*report.rows, report.total]:
            data = row.to_dict()
            figures_of[row.unit_id] = {key: data[key] for key in SNAPSHOT_FIELDS}
    # Written in bulk (no signals): one query for the existing rows, one batch of updates, one of inserts.
    with transaction.atomic():
        existing = {snapshot.unit_id: snapshot for snapshot in ProgressSnapshot.objects.select_for_update()
                    .filter(month=month, source=source, unit_id__in=figures_of).only("id", "unit_id", "figures")}
        changed = []
        for unit_id, snapshot in existing.items():
            if snapshot.figures != figures_of[unit_id]:
                snapshot.figures = figures_of[unit_id]
                changed.append(snapshot)
        ProgressSnapshot.objects.bulk_update(changed, ["figures"], batch_size=500)
        ProgressSnapshot.objects.bulk_create(
            [ProgressSnapshot(unit_id=unit_id, month=month, source=source, figures=figures)
             for unit_id, figures in figures_of.items() if unit_id not in existing], batch_size=500)
        cache_version.bump(figures_of)  # the dashboard's trend of these units' provinces
    return len(figures_of)
