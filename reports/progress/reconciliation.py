"""Registry against approved monthly figures, per unit and month: where the two sources disagree."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth

from portal import formats
from portal.models import Unit
from portal.tree import UnitTree
from reports.progress.period import Period
from reports.progress.queries import figures_by_unit_month
from workers.models import Departure


def reconciliation_rows(unit: Unit, period: Period, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Departures in the registry against the approved figures, per unit below ``unit`` and month, for the months
    of the period up to today (a month to come has nothing to reconcile).

    ``figures`` is None when the month has no approved report; a row is
    ``flagged`` whenever the two differ (a missing report counts as a
    difference when the registry has departures).
    """
    last = period.as_of(today).replace(day=1)
    tree = UnitTree(unit)
    registry: dict[tuple[int, dt.date], int] = defaultdict(int)
    for item in (
        Departure.objects.filter(tree.q("unit"), date__range=(period.start, period.end))
        .annotate(month=TruncMonth("date")).order_by().values("unit_id", "month").annotate(n=Count("id"))
    ):
        if not tree.knows(item["unit_id"]):
            continue
        month = item["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        registry[(tree.child_of(item["unit_id"]) or unit.pk, month)] += item["n"]
    figures: dict[tuple[int, dt.date], int] = defaultdict(int)
    for (uid, month, _code), value in figures_by_unit_month(tree, period, ("departed",)).items():
        if not tree.knows(uid):
            continue
        figures[(tree.child_of(uid) or unit.pk, month)] += value
    lines = []
    # The whole country (an unsaved root) has no line of its own.
    for pk in [*tree.children, *([unit.pk] if unit.pk in tree.units else [])]:
        code, name = tree.units[pk][0], tree.units[pk][1]
        for month in (month for month in period.months if month <= last):
            reg = registry.get((pk, month), 0)
            fig = figures.get((pk, month))
            if pk == unit.pk and not reg and fig is None:
                continue  # the unit's own line only when something is recorded at its level
            lines.append({
                "unit_id": pk, "code": code, "name": name, "month": month.isoformat(),
                "month_label": formats.format_month(month), "registry": reg, "figures": fig,
                "difference": None if fig is None else reg - fig,
                "flagged": (fig is None and reg > 0) or (fig is not None and fig != reg),
            })
    return lines
