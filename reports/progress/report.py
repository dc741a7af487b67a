"""``progress_rows``: the progress table of a unit for a period, the one selector behind the screen, the
workbook, the command, the dashboard and the monthly snapshots."""
from __future__ import annotations

import datetime as dt

from portal.models import Unit
from portal.tree import UnitTree
from reports.progress.period import Period
from reports.progress.queries import communes_count, figures_counts, registry_counts, targets_apply
from reports.progress.rows import REGISTRY, SOURCES, ProgressReport, ProgressRow


def _rank(rows: list[ProgressRow]) -> None:
    ranked = sorted((r for r in rows if r.percent is not None), key=lambda r: r.percent, reverse=True)
    previous, position = None, 0
    for index, row in enumerate(ranked, start=1):
        if row.percent != previous:
            position, previous = index, row.percent
        row.rank = position


def progress_rows(*, unit: Unit, period: Period, source: str = REGISTRY, today: dt.date | None = None) -> ProgressReport:
    """The progress table of ``unit`` for ``period``: one row per unit directly below it, and a total row.

    The caller checks that ``unit`` is within the user's scope; everything
    counted lies in its subtree.
    """
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}")
    tree = UnitTree(unit)
    rows = {
        pk: ProgressRow(unit_id=pk, code=tree.units[pk][0], name=tree.units[pk][1], level=tree.units[pk][2],
                        path=tree.units[pk][3])
        for pk in tree.children
    }
    total = ProgressRow(unit_id=unit.pk, code=unit.code, name=unit.name, level=unit.level, path=unit.path,
                        is_total=True)
    if source == REGISTRY:
        market_lines, monthly, by_enterprise = registry_counts(tree, rows, total, period)
    else:
        for row in (*rows.values(), total):
            row.markets = None
        market_lines, monthly, by_enterprise = [], figures_counts(tree, rows, total, period), None
    communes_count(tree, rows, total, period)
    goals = targets_apply(tree, rows, total, period, today)
    ordered = [rows[pk] for pk in tree.children]
    _rank(ordered)
    return ProgressReport(
        unit_id=unit.pk, unit_code=unit.code, unit_name=unit.name, unit_level=unit.level, period=period,
        source=source, as_of=period.as_of(today), rows=ordered, total=total, market_lines=market_lines,
        monthly=monthly, goals=goals, waiting_by_enterprise=by_enterprise,
    )
