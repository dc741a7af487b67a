"""Every unit's progress at the end of each month, stored for the dashboard's trend (a monthly beat task)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

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
    stored = 0
    for parent in parents:
        report = progress_rows(unit=parent, period=period, source=source, today=end)
        for row in [*report.rows, report.total]:
            data = row.to_dict()
            figures = {key: data[key] for key in SNAPSHOT_FIELDS}
            ProgressSnapshot.objects.update_or_create(
                unit_id=row.unit_id, month=month, source=source, defaults={"figures": figures})
            stored += 1
    return stored
