"""The suspension rule per unit: for each district (legacy structure) or commune (2025) below a province, the
workers staying illegally on the counting day, the contracts ended in the window and how many of them did not
return on time, the rate, and whether the unit is at risk (both thresholds reached) or close (one of them).

The counts come from ``workers.overstay.rule_counts`` (one ``GROUP BY`` over the departures of the programme)
and are rolled up the unit tree (``portal.tree.UnitTree``): a fixed number of queries whatever the number of
units or workers. The page, the workbook, the ``overstay_report`` command and the dashboard's warning all call
:func:`overstay_report`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from portal.models import Level, Unit
from portal.tree import UnitTree
from workers.models import OverstayRule, Programme
from workers.overstay import Thresholds, rule_counts, settings_for

AT_RISK, CLOSE, CLEAR = "at_risk", "close", "clear"


@dataclass
class OverstayRow:
    unit_id: int
    code: str
    name: str
    level: str
    stayers: int = 0
    ended: int = 0
    late: int = 0
    count_reached: bool = False
    rate_reached: bool = False
    is_total: bool = False

    @property
    def rate(self) -> float | None:
        return float(Fraction(self.late, self.ended)) if self.ended else None

    @property
    def risk(self) -> str:
        if self.count_reached and self.rate_reached:
            return AT_RISK
        return CLOSE if self.count_reached or self.rate_reached else CLEAR

    @property
    def at_risk(self) -> bool:
        return self.risk == AT_RISK

    @property
    def close(self) -> bool:
        return self.risk == CLOSE


@dataclass
class OverstayReport:
    unit: Unit
    programme: Programme
    thresholds: Thresholds
    as_of: dt.date
    window_to: dt.date  # the window's end as counted (cut at the counting day)
    grace_days: int
    rows: list[OverstayRow]
    total: OverstayRow | None  # the province's total (no threshold applies to it); None for one unit
    rule: OverstayRule | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def at_risk(self) -> list[OverstayRow]:
        return [row for row in self.rows if row.at_risk]

    @property
    def close(self) -> list[OverstayRow]:
        return [row for row in self.rows if row.close]


def risk_order(row: OverstayRow) -> tuple:
    """At risk first, then close, then the others; within each, the highest rate, then the most stayers."""
    rank = {AT_RISK: 0, CLOSE: 1, CLEAR: 2}[row.risk]
    return (rank, -(row.rate if row.rate is not None else -1), -row.stayers, row.code)


def rule_for(programme: Programme, as_of: dt.date) -> OverstayRule | None:
    """The programme's rule in force on ``as_of``: the one of that year, else the latest earlier one."""
    return (OverstayRule.objects.filter(programme=programme, year__lte=as_of.year).select_related("programme")
            .order_by("-year").first())


def overstay_report(*, unit: Unit, programme: Programme, thresholds: Thresholds, as_of: dt.date,
                    rule: OverstayRule | None = None) -> OverstayReport:
    """The rule's figures for ``unit``: one row per unit directly below a province (districts in the legacy
    structure, communes in 2025), sorted by risk, and the province's total; below a province, one row for the
    unit itself. The caller checks that ``unit`` is in the user's scope."""
    grace_days = settings_for(unit).grace_days
    tree = UnitTree(unit)
    counts = rule_counts(unit_q=tree.q("unit"), programme_id=programme.pk, as_of=as_of,
                         window_from=thresholds.window_from, window_to=thresholds.window_to, grace_days=grace_days)
    sums, grand = tree.sum_by_child(((unit_id, (stayers, ended, late)) for unit_id, stayers, ended, late in counts), 3)

    def row(pk: int, code: str, name: str, level: str, values, *, is_total: bool = False) -> OverstayRow:
        stayers, ended, late = values
        made = OverstayRow(pk, code, name, level, stayers, ended, late, is_total=is_total)
        if not is_total:
            made.count_reached = thresholds.count_reached(stayers)
            made.rate_reached = thresholds.rate_reached(late, ended)
        return made

    if unit.level == Level.PROVINCE:
        rows = [row(pk, tree.units[pk][0], tree.units[pk][1], tree.units[pk][2], sums.get(pk, (0, 0, 0)))
                for pk in tree.children]
        total = row(unit.pk, unit.code, unit.name, unit.level, grand, is_total=True)
    else:
        rows, total = [row(unit.pk, unit.code, unit.name, unit.level, grand)], None
    rows.sort(key=risk_order)
    return OverstayReport(unit=unit, programme=programme, thresholds=thresholds, as_of=as_of,
                          window_to=min(thresholds.window_to, as_of), grace_days=grace_days, rows=rows, total=total,
                          rule=rule)


def overstay_warnings(unit: Unit, *, today: dt.date) -> list[OverstayReport]:
    """The province's dashboard warning: for each programme with a rule of this year or the last, its latest rule
    counted on its own day (or today, when that is later): the reports that have a unit at risk or close."""
    if unit.level != Level.PROVINCE:
        return []
    latest: dict[int, OverstayRule] = {}
    for rule in (OverstayRule.objects.filter(year__lte=today.year, year__gte=today.year - 1)
                 .select_related("programme").order_by("-year")):
        latest.setdefault(rule.programme_id, rule)
    reports = []
    for rule in latest.values():
        report = overstay_report(unit=unit, programme=rule.programme, thresholds=Thresholds.of(rule),
                                 as_of=min(rule.as_of, today), rule=rule)
        if report.at_risk or report.close:
            reports.append(report)
    return reports
