"""The sending enterprises' scorecard: for the departures of a period from a unit (province, district or
commune), per enterprise, what became of them so far — returned early, absconded, overstayed — with the rates,
complaints (when the complaints work is wired) and the licence status. The enterprise's own page shows its card:
the same figures per unit below the user's.

Counts come from ``workers.overstay.departure_outcomes`` (one ``GROUP BY``), rows of the other structure's
units are kept only when the unit tree counts them (``portal.tree.UnitTree``): a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from complaints.selectors import complaint_counts_by_enterprise
from portal.collation import vi_sort_key
from portal.models import Unit
from portal.tree import UnitTree
from workers.models import Departure, Enterprise, EnterpriseStatus, Programme
from workers.overstay import Outcomes, departure_outcomes, settings_for

NO_ENTERPRISE = 0  # the row of departures without a sending enterprise (EPS through the public centre)


def complaints_by_enterprise(*, unit: Unit | None, date_from: dt.date, date_to: dt.date) -> dict[int, int] | None:
    """Complaints received against each enterprise (by id) in the unit over the period (``complaints`` app)."""
    counts = complaint_counts_by_enterprise(unit, date_from, date_to)
    return {enterprise_id: figures.received for enterprise_id, figures in counts.items()}


def _rate(part: int, whole: int) -> float | None:
    return float(Fraction(part, whole)) if whole else None


@dataclass
class ScorecardRow:
    key: int | None  # the enterprise's (or the unit's) id; NO_ENTERPRISE for departures without one
    name: str
    licence_no: str = ""
    status: str = ""
    code: str = ""  # a unit's code (the enterprise's card)
    departures: int = 0
    early: int = 0
    absconded: int = 0
    overstayed: int = 0
    complaints: int | None = None
    is_total: bool = False

    @property
    def early_rate(self) -> float | None:
        return _rate(self.early, self.departures)

    @property
    def absconded_rate(self) -> float | None:
        return _rate(self.absconded, self.departures)

    @property
    def overstayed_rate(self) -> float | None:
        return _rate(self.overstayed, self.departures)

    @property
    def status_label(self) -> str:
        return EnterpriseStatus(self.status).label if self.status else ""

    def add(self, outcomes: Outcomes) -> None:
        self.departures += outcomes.departures
        self.early += outcomes.early
        self.absconded += outcomes.absconded
        self.overstayed += outcomes.overstayed


SORTS = ("name", "departures", "early", "early_rate", "absconded", "absconded_rate", "overstayed", "overstayed_rate",
         "complaints", "status")
DEFAULT_SORT = "-absconded_rate"


def sort_rows(rows: list[ScorecardRow], sort: str) -> list[ScorecardRow]:
    """Sorted by a column of ``SORTS`` (``-`` first: descending); empty values last both ways, then by name; the
    departures without an enterprise (not an enterprise to compare) always last."""
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT
    descending = sort.startswith("-")
    apart = [row for row in rows if row.key == NO_ENTERPRISE]
    by_name = sorted((row for row in rows if row.key != NO_ENTERPRISE), key=lambda row: vi_sort_key(row.name))
    if key == "name":
        return (by_name[::-1] if descending else by_name) + apart
    known = [row for row in by_name if getattr(row, key) not in (None, "")]
    unknown = [row for row in by_name if getattr(row, key) in (None, "")]
    return sorted(known, key=lambda row: getattr(row, key), reverse=descending) + unknown + apart


@dataclass
class Scorecard:
    unit: Unit | None
    date_from: dt.date
    date_to: dt.date
    programme: Programme | None
    today: dt.date
    grace_days: int
    rows: list[ScorecardRow]
    total: ScorecardRow
    complaints_available: bool
    sort: str


def _departures(unit: Unit | None, date_from: dt.date, date_to: dt.date, programme: Programme | None):
    tree = UnitTree(unit) if unit is not None else None
    departures = Departure.objects.filter(date__gte=date_from, date__lte=date_to)
    if tree is not None:
        departures = departures.filter(tree.q("unit"))
    if programme is not None:
        departures = departures.filter(programme=programme)
    return tree, departures


def enterprise_scorecard(*, unit: Unit | None, date_from: dt.date, date_to: dt.date,
                         programme: Programme | None = None, today: dt.date, sort: str = DEFAULT_SORT) -> Scorecard:
    """One row per enterprise that sent workers from ``unit`` (None: the whole country, for administrators) in
    the period, and a row for departures without an enterprise. The caller checks the unit is in scope."""
    grace_days = settings_for(unit).grace_days
    tree, departures = _departures(unit, date_from, date_to, programme)
    found = departure_outcomes(departures, group_by=("enterprise_id", "unit_id"), grace_days=grace_days, today=today)
    by_enterprise: dict[int, Outcomes] = {}
    for (enterprise_id, unit_id), outcomes in found.items():
        if tree is not None and not tree.knows(unit_id):
            continue  # a record of the other structure that counts elsewhere
        by_enterprise.setdefault(enterprise_id or NO_ENTERPRISE, Outcomes()).add(outcomes)
    enterprises = Enterprise.objects.in_bulk([pk for pk in by_enterprise if pk != NO_ENTERPRISE])
    complaints = complaints_by_enterprise(unit=unit, date_from=date_from, date_to=date_to)
    rows, total = [], ScorecardRow(None, _("Total"), is_total=True)
    for pk, outcomes in by_enterprise.items():
        enterprise = enterprises.get(pk)
        row = (ScorecardRow(pk, enterprise.name, enterprise.licence_no, enterprise.status) if enterprise else
               ScorecardRow(NO_ENTERPRISE, _("No sending enterprise (public programme)")))
        row.add(outcomes)
        total.add(outcomes)
        if complaints is not None and enterprise is not None:
            row.complaints = complaints.get(pk, 0)
        rows.append(row)
    if complaints is not None:
        total.complaints = sum(row.complaints or 0 for row in rows)
    return Scorecard(unit=unit, date_from=date_from, date_to=date_to, programme=programme, today=today,
                     grace_days=grace_days, rows=sort_rows(rows, sort), total=total,
                     complaints_available=complaints is not None, sort=sort)


@dataclass
class EnterpriseCard:
    enterprise: Enterprise
    unit: Unit | None
    date_from: dt.date
    date_to: dt.date
    rows: list[ScorecardRow]  # per unit directly below ``unit``
    total: ScorecardRow


def enterprise_card(*, enterprise: Enterprise, unit: Unit | None, date_from: dt.date, date_to: dt.date,
                    today: dt.date) -> EnterpriseCard:
    """The enterprise's figures in ``unit`` (None: the whole country) over the period, and per unit below it."""
    grace_days = settings_for(unit).grace_days
    tree, departures = _departures(unit, date_from, date_to, None)
    found = departure_outcomes(departures.filter(enterprise=enterprise), group_by=("unit_id",), grace_days=grace_days,
                               today=today)
    total = ScorecardRow(enterprise.pk, enterprise.name, enterprise.licence_no, enterprise.status, is_total=True)
    rows: list[ScorecardRow] = []
    if tree is None:
        for outcomes in found.values():
            total.add(outcomes)
    else:
        width = 4
        sums, grand = tree.sum_by_child(((unit_id, (o.departures, o.early, o.absconded, o.overstayed))
                                         for (unit_id,), o in found.items()), width)
        total.add(Outcomes(*grand))
        for pk in tree.children:
            if pk in sums:
                code, name, _level, _path = tree.units[pk]
                row = ScorecardRow(pk, name, code=code)
                row.add(Outcomes(*sums[pk]))
                rows.append(row)
    return EnterpriseCard(enterprise=enterprise, unit=unit, date_from=date_from, date_to=date_to,
                          rows=sorted(rows, key=lambda row: row.code), total=total)
