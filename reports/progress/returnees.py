"""Returnees of the period by outcome: returned on time, early, or after overstaying (or absconding), counted by
the return's date under the unit the worker left from. One aggregate query over the returns of the period, rolled
up the unit tree like every other figure of the report (always from the registry)."""
from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from portal.models import Unit
from portal.tree import UnitTree
from reports.progress.rollup import roll_up
from reports.progress.rows import ProgressReport
from workers.models import Return, ReturnOutcome

FIGURES = ("returned", "returned_on_time", "returned_early", "returned_after_overstay")


def _count(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def returnee_counts(report: ProgressReport, unit: Unit) -> None:
    """Add the returnees of the report's period to its rows and total (``unit``: the report's unit). Two queries
    (the unit tree, the returns), run for the workbook only: the dashboard and the snapshots do without."""
    tree, period = UnitTree(unit), report.period
    rows = {row.unit_id: row for row in report.rows}
    for row in report.all_rows:
        for name in FIGURES:
            setattr(row, name, 0)
    counts = (
        Return.objects.filter(tree.q("departure__unit"), date__gte=period.start, date__lte=period.end)
        .order_by().values("departure__unit_id")
        .annotate(n=Count("id"), on_time=_count(Q(outcome=ReturnOutcome.ON_TIME)),
                  early=_count(Q(outcome=ReturnOutcome.EARLY)),
                  late=_count(Q(outcome=ReturnOutcome.AFTER_OVERSTAY)))
    )
    roll_up(tree, rows, report.total, FIGURES, ((row["departure__unit_id"], (row["n"], row["on_time"], row["early"],
                                                                      row["late"])) for row in counts))
