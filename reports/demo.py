"""Demo: the monthly progress snapshots of the months already ended this year (the dashboard's trend).

Idempotent: a snapshot is one row per (unit, month, source), rewritten with the same figures.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.demo import demo_progress
from reports.snapshots import snapshots_store


def load() -> str:
    today = timezone.localdate()
    months = [dt.date(today.year, month, 1) for month in range(1, today.month)]
    rows = sum(snapshots_store(month=month) for month in demo_progress(months, desc="months"))
    return f"{len(months)} months of progress snapshots ({rows} rows)"
