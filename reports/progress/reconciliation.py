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


# Two sources of one figure (departures): the registry and the approved monthly figures. A page showing one says
# which, and shows the other too when they differ for the period by more than this: TOLERANCE_PERCENT of the
# larger, and never less than TOLERANCE_MIN workers (a departure entered a few days late is not a disagreement).
TOLERANCE_PERCENT = 5
TOLERANCE_MIN = 2


def sources_compared(lines: list[dict[str, Any]], *, shown: str, before: dt.date | None = None) -> dict[str, Any]:
    """The departures of the period in each source, from the reconciliation's ``lines`` (:func:`reconciliation_rows`
    of the same unit and period), with ``shown`` (the source of the figures on the page) and ``differs``.
    ``before``: only the months before this one count (the month under way has no figures to compare yet)."""
    through = ""  # the last month compared, when the month under way was left out
    if before is not None:
        kept = [line for line in lines if line["month"] < before.replace(day=1).isoformat()]
        if len(kept) < len(lines):
            through = f"{before.replace(day=1) - dt.timedelta(days=1):%m/%Y}"
        lines = kept
    registry = sum(line["registry"] for line in lines)
    figures = sum(line["figures"] or 0 for line in lines)
    tolerance = max(TOLERANCE_MIN, round(max(registry, figures) * TOLERANCE_PERCENT / 100))
    return {"shown": shown, "registry": registry, "figures": figures, "difference": registry - figures,
            "tolerance": tolerance, "differs": abs(registry - figures) > tolerance,
            "through": through}
