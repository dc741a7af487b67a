"""Progress against target: the one selector behind the screen, the workbook,
the command, the dashboard and the monthly snapshots.

``progress_rows`` runs a fixed handful of aggregate queries over the whole
subtree of the chosen unit, grouped by leaf ``unit_id`` (and country, month…),
then rolls the counts up to the units directly below the chosen one in Python
by ``path`` (each leaf unit mapped to its row once per report). Every departure
figure (the period's, the same period a year before, markets, the market sheet's
lines and the months) comes from one scan of the departures
(:func:`_departure_groups`). The number of queries does not depend on the number
of units, workers or departures.

Rules (see also the docstrings below):
- "Departed" counts departures by departure date in the period; a worker who
  has since returned or absconded still counts. With ``source="figures"`` it
  is the sum of the approved monthly figures of the months the period touches.
- Target: the unit's ``Quota`` of the period's year; over several years the
  sum of those years' quotas. The total row uses the chosen unit's own quota,
  or the sum of the rows when the unit itself has none.
- Expected: the target pro rata to the part of each year that the period
  covers up to its end (or today, when the period ends later), counting whole
  months plus the elapsed days of the current month: H1 → 6/12, Q3 → 3/12.
- Waiting: workers whose status at the end of the period, read from their
  status timeline (``StatusChange``), is "in training" or "waiting to depart";
  counted by the worker's home unit. Workers whose timeline stops before the
  end are counted from ``Worker.status`` (the same thing, see
  :func:`_waiting_by_unit`); only those with a change after it have their
  timeline read. From figures: the latest approved ``waiting`` value of each
  unit up to the end of the period.
- Coverage (always from the registry): share of departed workers holding an
  orientation certificate; share of the communes of a unit with at least one
  worker abroad at the end of the period (departed on or before it and not
  returned by then).
- Across the 2025 reform (issue 11) a report runs in the structure of its unit
  and counts the other structure's records too: legacy records under the
  default successor of their unit (an abolished district's, e.g. its monthly
  figures, under the new province), 2025 records under their unit's primary
  predecessor (:func:`primary_predecessors`); see ``_Tree``. A province's total
  is the same in both structures. Two more queries, whatever the number of units.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats
from portal.models import Level, Structure, Unit, UnitSuccession
from portal.unit_codes import structure_in_force
from targets.models import CoverageKind, MonthlyValue, Plan, Quota, ReportStatus
from workers.models import Country, Departure, Programme, Return, Sex, Status, StatusChange, Worker

REGISTRY = "registry"
FIGURES = "figures"
SOURCES = (REGISTRY, FIGURES)

MARKETS = ("JP", "KR", "TW")
OTHER_MARKET = "other"
MARKET_NAMES_VI = {"JP": "Nhật Bản", "KR": "Hàn Quốc", "TW": "Đài Loan", OTHER_MARKET: "thị trường khác"}

PERIOD_CODES = ("year", "h1", "9m", "q1", "q2", "q3", "q4", *(f"m{m:02d}" for m in range(1, 13)))
WAITING_STATUSES = (Status.TRAINING, Status.WAITING)
FIGURE_CODES = ("departed", "departed_female", "departed_poor", "departed_ethnic_minority", "waiting")
LEVEL_WHOLE_VI = {
    Level.PROVINCE: "toàn tỉnh", Level.DISTRICT: "toàn huyện", Level.COMMUNE: "toàn xã", Level.HAMLET: "toàn thôn",
}


class PeriodError(ValueError):
    """A period that cannot be built; the message is for the person who asked."""


# --- Period -------------------------------------------------------------------


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _year_fraction(year: int, day: dt.date) -> Fraction:
    """Share of ``year`` elapsed by the end of ``day``: whole months plus the days of the current one."""
    if day < dt.date(year, 1, 1):
        return Fraction(0)
    if day >= dt.date(year, 12, 31):
        return Fraction(1)
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return (Fraction(day.month - 1) + Fraction(day.day, days_in_month)) / 12


@dataclass(frozen=True)
class Period:
    """A reporting period: ``kind`` is year, h1, 9m, q1–q4, m01–m12, range or years."""

    start: dt.date
    end: dt.date
    kind: str

    @classmethod
    def for_year(cls, year: int, code: str = "year") -> Period:
        code = (code or "year").strip().lower()
        if not 1900 <= int(year) <= 2200:
            raise PeriodError(_("The year %(year)s is out of range.") % {"year": year})
        if code == "year":
            return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
        if code == "h1":
            return cls(dt.date(year, 1, 1), dt.date(year, 6, 30), "h1")
        if code == "9m":
            return cls(dt.date(year, 1, 1), dt.date(year, 9, 30), "9m")
        match = re.fullmatch(r"q([1-4])", code)
        if match:
            quarter = int(match.group(1))
            return cls(dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), code)
        match = re.fullmatch(r"m(\d{1,2})", code)
        if match and 1 <= int(match.group(1)) <= 12:
            month = int(match.group(1))
            return cls(dt.date(year, month, 1), _month_end(year, month), f"m{month:02d}")
        raise PeriodError(
            _("Unknown period “%(code)s”: use h1, 9m, q1 to q4, m01 to m12 or year.") % {"code": code})

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        if start > end:
            raise PeriodError(_("The start date %(start)s is after the end date %(end)s.") % {
                "start": formats.format_date(start), "end": formats.format_date(end)})
        return cls(start, end, "range")

    @classmethod
    def for_years(cls, first: int, last: int) -> Period:
        if last < first:
            raise PeriodError(_("The last year %(last)s is before the first year %(first)s.") % {
                "last": last, "first": first})
        if first == last:
            return cls.for_year(first)
        return cls(dt.date(first, 1, 1), dt.date(last, 12, 31), "years")

    @classmethod
    def parse(cls, *, year: int | None = None, period: str | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, year_to: int | None = None) -> Period:
        """From a year and a period code, a last year (several years), or from–to dates."""
        if date_from is not None or date_to is not None:
            if year is not None:
                raise PeriodError(_("Give either a year or a start and an end date, not both."))
            if date_from is None or date_to is None:
                raise PeriodError(_("Give both a start and an end date."))
            return cls.between(date_from, date_to)
        if year is None:
            raise PeriodError(_("Give a year, or a start and an end date."))
        if year_to is not None and year_to != year:
            if period and period != "year":
                raise PeriodError(_("A period of several years covers whole years only."))
            return cls.for_years(year, year_to)
        return cls.for_year(year, period or "year")

    # -- what the period covers
    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def months(self) -> list[dt.date]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months

    def as_of(self, today: dt.date | None = None) -> dt.date:
        today = today or timezone.localdate()
        return min(self.end, today)

    def covered_fraction(self, year: int, today: dt.date | None = None) -> Fraction:
        """Share of ``year`` that this period covers up to its end (or today)."""
        until = self.as_of(today)
        if until < self.start:
            return Fraction(0)
        return max(Fraction(0), _year_fraction(year, until) - _year_fraction(year, self.start - dt.timedelta(days=1)))

    def previous_year(self) -> Period:
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1), self.kind)

    # -- words (the report goes upward in Vietnamese, whatever the screen's language)
    @property
    def label(self) -> str:
        year = self.start.year
        if self.kind == "year":
            return f"Năm {year}"
        if self.kind == "h1":
            return f"6 tháng đầu năm {year}"
        if self.kind == "9m":
            return f"9 tháng đầu năm {year}"
        if self.kind.startswith("q"):
            return f"Quý {self.kind[1]}/{year}"
        if self.kind.startswith("m"):
            return f"Tháng {self.start.month:02d}/{year}"
        if self.kind == "years":
            return f"Giai đoạn {self.start.year}–{self.end.year}"
        return f"Từ {formats.format_date(self.start)} đến {formats.format_date(self.end)}"

    @property
    def sentence_intro(self) -> str:
        if self.kind == "range":
            return self.label
        if self.kind in ("h1", "9m"):
            return f"Trong {self.label}"
        return f"Trong {self.label[0].lower()}{self.label[1:]}"

    @property
    def plan_words(self) -> str:
        """"kế hoạch năm" or "kế hoạch giai đoạn 2023–2025"."""
        if len(self.years) == 1:
            return "kế hoạch năm"
        return f"kế hoạch giai đoạn {self.start.year}–{self.end.year}"

    @property
    def slug(self) -> str:
        if self.kind == "range":
            return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"
        if self.kind == "years":
            return f"{self.start.year}-{self.end.year}"
        return f"{self.start.year}-{self.kind}"

    def to_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "kind": self.kind}

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Period:
        return cls(dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"]), params["kind"])


# --- Rows ---------------------------------------------------------------------


def _fraction(numerator: int | float, denominator: int | float | None) -> float | None:
    if not denominator:
        return None
    return float(Fraction(numerator) / Fraction(denominator)) if isinstance(numerator, int) else numerator / denominator


def _round(value: Fraction | float) -> int:
    return int(Decimal(str(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _empty_markets() -> dict[str, int]:
    return {code: 0 for code in (*MARKETS, OTHER_MARKET)}


@dataclass
class ProgressRow:
    unit_id: int
    code: str
    name: str
    level: str
    path: str = ""
    is_total: bool = False
    target: int = 0
    expected: int = 0
    stretch_target: int | None = None
    departed: int = 0
    female: int = 0
    poor: int = 0
    ethnic_minority: int = 0
    with_cert: int = 0
    waiting: int = 0
    previous_year: int = 0
    markets: dict[str, int] | None = field(default_factory=_empty_markets)
    communes_total: int = 0
    communes_covered: int = 0
    rank: int | None = None

    @property
    def percent(self) -> float | None:
        return _fraction(self.departed, self.target)

    @property
    def gap(self) -> int:
        return self.departed - self.expected

    @property
    def stretch_share(self) -> float | None:
        return _fraction(self.departed, self.stretch_target)

    @property
    def cert_share(self) -> float | None:
        return _fraction(self.with_cert, self.departed)

    @property
    def communes_share(self) -> float | None:
        return _fraction(self.communes_covered, self.communes_total)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(percent=self.percent, gap=self.gap, stretch_share=self.stretch_share, cert_share=self.cert_share,
                    communes_share=self.communes_share)
        return data


@dataclass
class ProgressReport:
    unit_id: int
    unit_code: str
    unit_name: str
    unit_level: str
    period: Period
    source: str
    as_of: dt.date
    rows: list[ProgressRow]
    total: ProgressRow
    market_lines: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    goals: dict[str, float | None] = field(default_factory=dict)
    reconciliation: list[dict[str, Any]] | None = None
    sentence: str = ""

    @property
    def all_rows(self) -> list[ProgressRow]:
        return [*self.rows, self.total]

    @property
    def markets_known(self) -> bool:
        return self.total.markets is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": {"id": self.unit_id, "code": self.unit_code, "name": self.unit_name, "level": self.unit_level},
            "period": {**self.period.to_params(), "label": self.period.label},
            "source": self.source,
            "as_of": self.as_of.isoformat(),
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
            "market_lines": self.market_lines,
            "monthly": self.monthly,
            "goals": self.goals,
            "reconciliation": self.reconciliation,
            "sentence": self.sentence,
        }


def _child_path(root_path: str, path: str) -> str | None:
    """The path of the unit directly below the root that contains ``path`` (None: the root itself)."""
    if path == root_path or not path.startswith(root_path):
        return None
    return root_path + path[len(root_path):].split("/", 1)[0] + "/"


def _day_after(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


def _cover(paths) -> list[str]:
    """The fewest paths whose subtrees hold all of ``paths`` (a path below another one is dropped)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(other) for other in kept):
            kept.append(path)
    return sorted(kept)


def primary_predecessors(pairs) -> dict[int, int]:
    """For each 2025 unit, the one legacy unit its records count under in a legacy-structure report.

    ``pairs`` are ``(successor_id, successor_code, legacy_id, legacy_code, is_default)``. The rule: among
    the predecessors whose default successor it is, the one whose code it kept (3,316 of the 3,321 new
    communes kept a predecessor's code; new Khánh Hòa 56 → old Khánh Hòa 56), else the lowest code;
    a new unit made only of parts of divided communes takes the predecessor with its code, else the
    lowest code, among all of them.
    """
    best: dict[int, tuple] = {}
    for successor_id, successor_code, legacy_id, legacy_code, is_default in pairs:
        key = (not is_default, legacy_code != successor_code, legacy_code, legacy_id)
        if successor_id not in best or key < best[successor_id][0]:
            best[successor_id] = (key, legacy_id)
    return {successor_id: legacy_id for successor_id, (_key, legacy_id) in best.items()}


class _Tree:
    """The subtree of the chosen unit, loaded in one query, for rolling counts up by path.

    Records kept in the other structure count too (issue 11): in a 2025-structure report, a legacy unit's
    records count under its default successor (a divided commune's under its default successor; an
    abolished district's, e.g. its monthly figures, under the new province); in a legacy-structure report,
    a 2025 unit's records count under its primary predecessor (:func:`primary_predecessors`). Units
    without a link of their own (hamlets) follow their nearest linked ancestor. The other structure's
    units are found with two queries whatever their number; they are given the path of the unit they
    count under, so rolling up by path treats them like the tree's own. Counting queries filter by
    :meth:`q` (the root's path, or one of the other structure's ``other_prefixes``) and group by unit;
    rows of units that count elsewhere are dropped in Python (:meth:`knows`).
    """

    def __init__(self, unit: Unit):
        self.root = unit
        self.units = {
            pk: (code, name, level, path)
            for pk, code, name, level, path in Unit.objects.filter(path__startswith=unit.path)
            .values_list("id", "code", "name", "level", "path")
        }
        depth = unit.path.count("/")
        self.children = sorted(
            (pk for pk, (_c, _n, _l, path) in self.units.items() if path.count("/") == depth + 1),
            key=lambda pk: self.units[pk][0],
        )
        self.child_by_path = {self.units[pk][3]: pk for pk in self.children}
        self.path_by_id = {pk: data[3] for pk, data in self.units.items()}
        self.commune_by_path = {data[3]: pk for pk, data in self.units.items() if data[2] == Level.COMMUNE}
        self.other_prefixes: list[str] = []
        self.mapped_to: dict[int, int] = {}  # a unit of the other structure → the tree's unit it counts under
        self.other_paths: dict[int, str] = {}
        # A 2025 unit → the paths of the legacy units it was made of (default predecessors, else all).
        self.sources: dict[str, list[str]] = {}
        self._link_other_structure()
        self._slots: dict[int, int | None] | None = None

    def _link_other_structure(self) -> None:
        if self.root.structure == Structure.NEW:
            links = {
                legacy_path: successor_id
                for legacy_path, successor_id in UnitSuccession.objects.filter(
                    is_default=True, successor__path__startswith=self.root.path,
                    legacy__structure=Structure.LEGACY).values_list("legacy__path", "successor_id")
            }
            own_link = UnitSuccession.objects.filter(legacy=OuterRef("pk"), is_default=True)
        else:
            pairs = list(
                UnitSuccession.objects.filter(successor_id__in=UnitSuccession.objects.filter(
                    legacy__path__startswith=self.root.path).values("successor_id"))
                .values_list("successor_id", "successor__path", "successor__code", "legacy_id", "legacy__code",
                             "is_default", "legacy__path")
            )
            paths = {successor_id: path for successor_id, path, *_rest in pairs}
            primary = primary_predecessors((s, code, l, lcode, d) for s, _p, code, l, lcode, d, _lp in pairs)
            defaults: dict[str, list[str]] = defaultdict(list)
            for _s, path, _c, _l, _lc, is_default, legacy_path in pairs:
                self.sources.setdefault(path, []).append(legacy_path)
                if is_default:
                    defaults[path].append(legacy_path)
            self.sources.update(defaults)
            links = {paths[s]: legacy_id for s, legacy_id in primary.items() if legacy_id in self.path_by_id}
            own_link = UnitSuccession.objects.filter(successor=OuterRef("pk"))
        if not links:
            return
        self.other_prefixes = _cover(links)
        prefix_q = Q()
        for prefix in self.other_prefixes:
            prefix_q |= Q(path__startswith=prefix)
        other = sorted(
            Unit.objects.filter(prefix_q).annotate(linked=Exists(own_link)).values_list("path", "id", "linked")
        )
        target_by_path: dict[str, int | None] = {}
        for path, pk, linked in other:  # parents before children
            if path in links:
                target = links[path]
            elif linked:
                target = None  # linked to a unit outside this tree
            else:
                target = target_by_path.get(_parent_path(path))
            target_by_path[path] = target
            if target is not None:
                self.mapped_to[pk] = target
                self.other_paths[pk] = path
                self.path_by_id[pk] = self.path_by_id[target]

    def q(self, field: str) -> Q:
        """Rows whose unit (reached by ``field``) lies in the tree or may count in it from the other structure."""
        condition = Q(**{f"{field}__path__startswith": self.root.path})
        for prefix in self.other_prefixes:
            condition |= Q(**{f"{field}__path__startswith": prefix})
        return condition

    def made_within(self, unit_id: int, path: str) -> bool:
        """Whether the other structure's unit was made only of units within ``path`` (always, from legacy
        to 2025: a legacy unit goes whole to its default successor). A quota of new Khánh Hòa, made of old
        Khánh Hòa and Ninh Thuận, is not old Khánh Hòa's target."""
        olds = self.sources.get(self.other_paths.get(unit_id, ""), [])
        return all(old.startswith(path) for old in olds)

    def knows(self, unit_id: int) -> bool:
        return unit_id in self.path_by_id

    def slots(self) -> dict[int, int | None]:
        """Every unit the tree knows → the unit directly below the root that contains it (None: the root
        itself), computed once per report, so rolling up a row is one dictionary lookup."""
        if self._slots is None:
            root_path, child_by_path = self.root.path, self.child_by_path
            self._slots = {}
            for pk, path in self.path_by_id.items():
                child_path = _child_path(root_path, path)
                self._slots[pk] = child_by_path.get(child_path) if child_path else None
        return self._slots

    def child_of(self, unit_id: int) -> int | None:
        return self.slots().get(unit_id)

    def commune_of(self, unit_id: int) -> int | None:
        path = self.path_by_id.get(unit_id, "")
        while path and path.count("/") >= 1:
            if path in self.commune_by_path:
                return self.commune_by_path[path]
            path = path[: path.rstrip("/").rfind("/") + 1]
        return None


def _add(row: ProgressRow, attr: str, value: int) -> None:
    setattr(row, attr, getattr(row, attr) + value)


def _spread(tree: _Tree, rows: dict[int, ProgressRow], total: ProgressRow, unit_id: int, attr: str, value: int):
    """Add a leaf count to the row of the unit below the root that contains it, and to the total.

    A unit of the other structure that counts elsewhere adds nothing."""
    if not tree.knows(unit_id):
        return
    child = tree.child_of(unit_id)
    if child is not None:
        _add(rows[child], attr, value)
    _add(total, attr, value)


def _roll_up(tree: _Tree, rows: dict[int, ProgressRow], total: ProgressRow, attrs: tuple[str, ...],
             items) -> None:
    """Add ``items`` — ``(unit_id, (value, …))`` per leaf unit, one value per name in ``attrs`` — to the rows
    of the units below the root that contain them and to the total: summed per row first, then set on each
    row once. A name ``markets:JP`` adds to ``row.markets["JP"]``. Units the tree does not know add nothing."""
    slots = tree.slots()
    width = len(attrs)
    sums: dict[int | None, list[int]] = {}
    for unit_id, values in items:
        if unit_id not in slots:
            continue
        slot = slots[unit_id]
        acc = sums.get(slot)
        if acc is None:
            acc = sums[slot] = [0] * width
        for i in range(width):
            acc[i] += values[i]
    grand = [0] * width
    for slot, acc in sums.items():
        for i in range(width):
            grand[i] += acc[i]
        if slot is not None:
            _add_all(rows[slot], attrs, acc)
    _add_all(total, attrs, grand)


def _add_all(row: ProgressRow, attrs: tuple[str, ...], values: list[int]) -> None:
    for attr, value in zip(attrs, values, strict=True):
        if attr.startswith("markets:"):
            row.markets[attr[8:]] += value
        else:
            setattr(row, attr, getattr(row, attr) + value)


MOVED_ON_LIMIT = 20_000  # status changes after a period's end up to which only those workers' timelines are read


def _waiting_by_unit(tree: _Tree, period: Period) -> list[tuple[int, int]]:
    """[(unit_id, n)] of the workers whose status at the end of the period was "in training" or "waiting".

    The status at the end is the ``to_status`` of the worker's last ``StatusChange`` before it. Every
    status write goes through ``workers.services``, which sets ``Worker.status`` and records the change
    in one transaction, so a worker whose timeline did not go on after the end is still in that status
    today: those are counted from ``Worker.status`` (index ``worker_unit_status``) with one GROUP BY,
    provided they have a timeline at all. Only the workers with a change after the end (none, for a
    period that ends today; a few hundred of a million for last year's report) have their timeline
    read (:func:`_waiting_from_history`), found through the index ``statuschange_at``; when more than
    ``MOVED_ON_LIMIT`` status changes (anywhere) were recorded since (a period long past), every timeline
    of the tree is read, as before.
    """
    end = _day_after(period.end)
    # Read first, from the index statuschange_at alone (joined to the tree, or as a subquery, PostgreSQL
    # went through every worker of the tree first), so that only these workers' timelines are read.
    # Changes, not distinct workers: the scan stops after MOVED_ON_LIMIT + 1 rows of the index.
    changes = list(StatusChange.objects.filter(at__gte=end).order_by().values_list("worker_id", flat=True)
                   [:MOVED_ON_LIMIT + 1])
    if len(changes) > MOVED_ON_LIMIT:  # a period long past: every timeline of the tree
        return _waiting_from_history(Worker.objects.filter(tree.q("unit")), end)
    moved_on = sorted(set(changes))
    counts: dict[int, int] = defaultdict(int)
    for item in (
        Worker.objects.filter(tree.q("unit"), status__in=WAITING_STATUSES)
        .exclude(pk__in=moved_on).filter(Exists(StatusChange.objects.filter(worker=OuterRef("pk"))))
        .order_by().values("unit_id").annotate(n=Count("id"))
    ):
        counts[item["unit_id"]] += item["n"]
    if moved_on:  # by primary key only, and kept if in the tree (a filter on the tree's paths led PostgreSQL
        # to go through every worker of the tree by unit instead)
        for unit_id, n in _waiting_from_history(Worker.objects.filter(pk__in=moved_on), end):
            if tree.knows(unit_id):
                counts[unit_id] += n
    return sorted(counts.items())


def _waiting_from_history(workers, end: dt.datetime) -> list[tuple[int, int]]:
    """[(unit_id, n)] of ``workers`` whose last status change before ``end`` put them in training or waiting."""
    last_status = (
        StatusChange.objects.filter(worker=OuterRef("pk"), at__lt=end).order_by("-at", "-pk").values("to_status")[:1]
    )
    return [
        (item["unit_id"], item["n"])
        for item in workers.annotate(status_then=Subquery(last_status)).filter(status_then__in=WAITING_STATUSES)
        .order_by().values("unit_id").annotate(n=Count("id"))
    ]


_DEPARTURE_FIGURES = ("departed", "female", "poor", "ethnic_minority", "with_cert", "previous_year",
                      *(f"markets:{code}" for code in (*MARKETS, OTHER_MARKET)))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _departure_groups(tree: _Tree, period: Period) -> list[tuple]:
    """Every departure figure of the report from ONE scan of the departures of the period and of the same
    period a year before (conditional sums over per-row 0/1 flags), in three groupings of the same rows, as
    ``(kind, unit_id, other_unit, country_code, country, programme_code, programme, month, n, female, poor,
    minority, cert, JP, KR, TW, previous_year)``:

    - ``kind`` 0: per home unit (``unit_id``; the other keys None);
    - ``kind`` 1: per country and programme (the market sheet), ``kind`` 2: per month of departure; in both
      ``other_unit`` is the home unit when it lies in the other structure (to be counted only if the tree
      knows it), else None. Rows of the previous year fall into these groups with ``n`` = 0.

    PostgreSQL computes them with ``GROUPING SETS`` in one pass; other databases (SQLite in the tests) with
    ``UNION ALL`` of the three ``GROUP BY``s over the same rows. The rows are selected by the ORM (joins, path
    filters and date truncation stay portable); only the grouping is written by hand.
    """
    previous = period.previous_year()
    current = Q(date__range=(period.start, period.end))
    if tree.other_prefixes:
        other_unit = Case(When(unit__path__startswith=tree.root.path, then=Value(None)), default=F("unit_id"),
                          output_field=IntegerField())
    else:
        other_unit = Value(None, output_field=IntegerField())
    selected = (
        # One range for the index departure_unit_date (with two, PostgreSQL read both years of every unit
        # of the country by date for a province), then the two periods within it (a month and the same
        # month a year before are 13 months apart).
        Departure.objects.filter(tree.q("unit"), date__range=(previous.start, period.end))
        .filter(current | Q(date__range=(previous.start, previous.end)))
        .order_by()
        .values(
            uid=F("unit_id"), other_uid=other_unit, cid=F("country_id"), pid=F("programme_id"), mon=TruncMonth("date"),
            n=_flag(current), female=_flag(current & Q(sex=Sex.FEMALE)),
            poor=_flag(current & Q(is_poor_or_near_poor=True)), minority=_flag(current & Q(is_ethnic_minority=True)),
            cert=_flag(current & Q(has_orientation_cert=True)),
            jp=_flag(current & Q(country__code="JP")), kr=_flag(current & Q(country__code="KR")),
            tw=_flag(current & Q(country__code="TW")),
            prev=_flag(Q(date__range=(previous.start, previous.end))),
        )
    )
    inner, params = selected.query.sql_with_params()
    # Grouped by the ids (grouping by the names' text took twice as long), named after grouping; the lines
    # and the months as two sets, not one by (country, programme, month): PostgreSQL estimated that one at
    # tens of thousands of groups, sorted every row on disk instead of hashing, and took twice as long.
    sums = ", ".join(f"SUM(d.{name}) AS s_{name}" for name in
                     ("n", "female", "poor", "minority", "cert", "jp", "kr", "tw", "prev"))
    if connection.vendor == "postgresql":
        grouped = ("SELECT CASE WHEN GROUPING(d.uid) = 0 THEN 0 WHEN GROUPING(d.cid) = 0 THEN 1 ELSE 2 END AS kind, "
                   f"d.uid, d.other_uid, d.cid, d.pid, d.mon, {sums} FROM ({inner}) d "
                   "GROUP BY GROUPING SETS ((d.uid), (d.other_uid, d.cid, d.pid), (d.other_uid, d.mon))")
        with_d = ""
    else:
        grouped = (f"SELECT 0 AS kind, d.uid, NULL AS other_uid, NULL AS cid, NULL AS pid, NULL AS mon, {sums} "
                   "FROM d GROUP BY d.uid "
                   f"UNION ALL SELECT 1, NULL, d.other_uid, d.cid, d.pid, NULL, {sums} FROM d "
                   "GROUP BY d.other_uid, d.cid, d.pid "
                   f"UNION ALL SELECT 2, NULL, d.other_uid, NULL, NULL, d.mon, {sums} FROM d GROUP BY d.other_uid, d.mon")
        with_d = f"WITH d AS ({inner}) "
    quote = connection.ops.quote_name
    sql = (f"{with_d}SELECT g.kind, g.uid, g.other_uid, c.code, c.name_vi, p.code, p.name_vi, g.mon, "
           "g.s_n, g.s_female, g.s_poor, g.s_minority, g.s_cert, g.s_jp, g.s_kr, g.s_tw, g.s_prev "
           f"FROM ({grouped}) g LEFT JOIN {quote(Country._meta.db_table)} c ON c.id = g.cid "
           f"LEFT JOIN {quote(Programme._meta.db_table)} p ON p.id = g.pid")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _registry_counts(tree, rows, total, period: Period) -> tuple[list[dict], list[dict]]:
    by_unit = []
    lines: dict[tuple, int] = defaultdict(int)
    by_month: dict[str, int] = defaultdict(int)
    for kind, uid, other_uid, cc, cn, pc, pn, month, n, female, poor, minority, cert, jp, kr, tw, prev in (
            _departure_groups(tree, period)):
        if kind == 0:
            by_unit.append((uid, (n, female, poor, minority, cert, prev, jp, kr, tw, n - jp - kr - tw)))
        elif n and (other_uid is None or tree.knows(other_uid)):
            if kind == 1:
                lines[(cc, cn, pc or "", pn or "")] += n
            else:
                by_month[str(month)[:10]] += n
    _roll_up(tree, rows, total, _DEPARTURE_FIGURES, by_unit)
    _roll_up(tree, rows, total, ("waiting",), ((unit_id, (n,)) for unit_id, n in _waiting_by_unit(tree, period)))

    market_lines = [
        {"country_code": country_code, "country": country, "programme_code": programme_code,
         "programme": programme, "departed": n}
        for (country_code, country, programme_code, programme), n in lines.items()
    ]
    market_lines.sort(key=lambda line: (line["country_code"] not in MARKETS,
                                        MARKETS.index(line["country_code"]) if line["country_code"] in MARKETS else 0,
                                        line["country"], line["programme"]))
    monthly = [{"month": month, "departed": n} for month, n in sorted(by_month.items())]
    return market_lines, monthly


def _figures_by_unit_month(tree: _Tree, period: Period, codes=FIGURE_CODES):
    """{(unit_id, month, code): value} of approved monthly figures in the months the period touches."""
    values = (
        MonthlyValue.objects.filter(
            tree.q("report__unit"), report__status=ReportStatus.APPROVED,
            report__month__range=(period.start.replace(day=1), period.end), indicator__code__in=codes,
        )
        .order_by().values("report__unit_id", "report__month", "indicator__code").annotate(v=Sum("value"))
    )
    return {(item["report__unit_id"], item["report__month"], item["indicator__code"]): item["v"] for item in values}


def _figures_counts(tree, rows, total, period: Period) -> list[dict]:
    latest_waiting: dict[int, tuple[dt.date, int]] = {}
    monthly: dict[dt.date, int] = defaultdict(int)
    attrs = {"departed": "departed", "departed_female": "female", "departed_poor": "poor",
             "departed_ethnic_minority": "ethnic_minority"}
    # Waiting is a stock: the last figure of an abolished (or not yet created) unit is no longer current.
    other_waiting_counts = structure_in_force(period.end) != tree.root.structure
    for (uid, month, code), value in _figures_by_unit_month(tree, period).items():
        if not tree.knows(uid):
            continue
        if code == "waiting":
            if uid in tree.mapped_to and not other_waiting_counts:
                continue
            if uid not in latest_waiting or latest_waiting[uid][0] < month:
                latest_waiting[uid] = (month, value)
            continue
        _spread(tree, rows, total, uid, attrs[code], value)
        if code == "departed":
            monthly[month] += value
    for uid, (_month, value) in latest_waiting.items():
        _spread(tree, rows, total, uid, "waiting", value)
    for (uid, _month, _code), value in _figures_by_unit_month(tree, period.previous_year(), ("departed",)).items():
        _spread(tree, rows, total, uid, "previous_year", value)
    # Orientation certificates are known from the registry only.
    for item in (
        Departure.objects.filter(tree.q("unit"), date__range=(period.start, period.end),
                                 has_orientation_cert=True).order_by().values("unit_id").annotate(n=Count("id"))
    ):
        _spread(tree, rows, total, item["unit_id"], "with_cert", item["n"])
    return [{"month": month.isoformat(), "departed": n} for month, n in sorted(monthly.items())]


def _communes(tree, rows, total, period: Period) -> None:
    # Per unit of the tree, its latest departure by the end with no return by then (the index
    # departure_unit_date read backwards from the end, the return by its unique key): usually the first
    # one read. A subquery with LIMIT 1, so that PostgreSQL runs it per unit instead of turning an EXISTS
    # into a join: "no return or a later one" as a LEFT JOIN was estimated at 1 row and PostgreSQL hashed
    # every departure and looped over them per unit (4.7 s instead of 0.05 s for Hà Nội), and even as
    # NOT EXISTS it hashed every departure and return nationally (0.45–0.65 s instead of 0.2–0.33 s).
    abroad = (
        Departure.objects.filter(unit=OuterRef("pk"), date__lte=period.end)
        .exclude(Exists(Return.objects.filter(departure=OuterRef("pk"), date__lte=period.end)))
        .order_by("-date").values("pk")[:1]
    )
    in_tree = Q(path__startswith=tree.root.path)
    for prefix in tree.other_prefixes:
        in_tree |= Q(path__startswith=prefix)
    abroad_units = (Unit.objects.filter(in_tree).annotate(abroad=Subquery(abroad)).filter(abroad__isnull=False)
                    .order_by().values_list("id", flat=True))
    covered = {tree.commune_of(uid) for uid in abroad_units} - {None}
    communes = tree.commune_by_path.values()
    _roll_up(tree, rows, total, ("communes_total", "communes_covered"),
             ((pk, (1, int(pk in covered))) for pk in communes))


def _topmost(items: list[tuple[str, Quota]]) -> list[Quota]:
    """The quotas of units none of whose ancestors also has one among ``items`` (no double counting)."""
    kept: set[str] = set()
    out = []
    for path, quota in sorted(items, key=lambda item: len(item[0])):
        ancestors = {path[: i + 1] for i, ch in enumerate(path[:-1]) if ch == "/"}
        if ancestors & kept:
            continue
        kept.add(path)
        out.append(quota)
    return out


def _targets(tree, rows, total, period: Period, today: dt.date | None) -> dict[str, float | None]:
    """Targets: each unit's own quota of each year; a year it has none of takes the quotas of the other
    structure's units that count under it (the topmost ones: a legacy province's 2025 quota, not its
    districts' as well), so a new province's 2025 report shows the 2025 plan of the provinces it absorbed,
    and a legacy report of 2026 the quotas allocated to the new communes — only those of new units made
    wholly of units within the row's (or the root's) unit (:meth:`_Tree.made_within`)."""
    unit_filter = Q(unit_id__in=[tree.root.pk, *tree.children])
    for prefix in tree.other_prefixes:
        unit_filter |= Q(unit__path__startswith=prefix)
    quotas = Quota.objects.filter(unit_filter, year__in=period.years).select_related("plan")
    ancestor_paths = [tree.root.path[: i + 1] for i, ch in enumerate(tree.root.path) if ch == "/"]
    plans = list(
        Plan.objects.filter(unit__path__in=ancestor_paths, first_year__lte=period.end.year,
                            last_year__gte=period.start.year)
        .select_related("unit").prefetch_related("coverage_goals").order_by("-unit__path", "-first_year")
    )
    plan = plans[0] if plans else None  # the plan of the nearest unit at or above the chosen one
    default_stretch = plan.stretch_percent if plan else None

    own: dict[int, list[Quota]] = defaultdict(list)
    carried: dict[tuple[int, int], list[tuple[str, Quota]]] = defaultdict(list)
    for quota in quotas:
        if quota.unit_id in tree.mapped_to:
            item = (tree.other_paths[quota.unit_id], quota)
            if tree.made_within(quota.unit_id, tree.root.path):
                carried[(tree.root.pk, quota.year)].append(item)
            child = tree.child_of(quota.unit_id)
            if child is not None and tree.made_within(quota.unit_id, tree.units[child][3]):
                carried[(child, quota.year)].append(item)
        elif quota.unit_id in tree.units:
            own[quota.unit_id].append(quota)

    def effective(pk: int) -> list[Quota]:
        mine = own.get(pk, [])
        covered = {q.year for q in mine}
        return mine + [q for year in period.years if year not in covered for q in _topmost(carried.get((pk, year), []))]

    def apply(row: ProgressRow, unit_quotas: list[Quota]) -> None:
        row.target = sum(q.target for q in unit_quotas)
        row.expected = _round(sum(q.target * period.covered_fraction(q.year, today) for q in unit_quotas))
        stretch = Fraction(0)
        has_stretch = False
        for q in unit_quotas:
            percent = q.stretch_percent or (q.plan.stretch_percent if q.plan else None) or default_stretch
            if percent:
                has_stretch = True
                stretch += q.target * Fraction(str(percent)) / 100
        row.stretch_target = _round(stretch) if has_stretch else None

    for pk, row in rows.items():
        apply(row, effective(pk))
    root_quotas = effective(tree.root.pk)
    if root_quotas:
        apply(total, root_quotas)
    else:
        total.target = sum(r.target for r in rows.values())
        total.expected = sum(r.expected for r in rows.values())
        stretches = [r.stretch_target for r in rows.values() if r.stretch_target is not None]
        total.stretch_target = sum(stretches) if stretches else None

    goals: dict[str, float | None] = {"plan": plan.name if plan else None,
                                      "stretch_percent": float(default_stretch) if default_stretch else None,
                                      "orientation": None, "communes": None}
    if plan:
        for goal in plan.coverage_goals.all():
            if goal.kind == CoverageKind.ORIENTATION_CERTIFICATE:
                goals["orientation"] = float(goal.percent) / 100
            elif goal.kind == CoverageKind.COMMUNES_COVERED:
                goals["communes"] = float(goal.percent) / 100
    return goals


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
    tree = _Tree(unit)
    rows = {
        pk: ProgressRow(unit_id=pk, code=tree.units[pk][0], name=tree.units[pk][1], level=tree.units[pk][2],
                        path=tree.units[pk][3])
        for pk in tree.children
    }
    total = ProgressRow(unit_id=unit.pk, code=unit.code, name=unit.name, level=unit.level, path=unit.path,
                        is_total=True)
    if source == REGISTRY:
        market_lines, monthly = _registry_counts(tree, rows, total, period)
    else:
        for row in (*rows.values(), total):
            row.markets = None
        market_lines, monthly = [], _figures_counts(tree, rows, total, period)
    _communes(tree, rows, total, period)
    goals = _targets(tree, rows, total, period, today)
    ordered = [rows[pk] for pk in tree.children]
    _rank(ordered)
    return ProgressReport(
        unit_id=unit.pk, unit_code=unit.code, unit_name=unit.name, unit_level=unit.level, period=period,
        source=source, as_of=period.as_of(today), rows=ordered, total=total, market_lines=market_lines,
        monthly=monthly, goals=goals,
    )


# --- Reconciliation -------------------------------------------------------------


def reconciliation_rows(unit: Unit, period: Period) -> list[dict[str, Any]]:
    """Departures in the registry against the approved figures, per unit below ``unit`` and month.

    ``figures`` is None when the month has no approved report; a row is
    ``flagged`` whenever the two differ (a missing report counts as a
    difference when the registry has departures).
    """
    tree = _Tree(unit)
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
    for (uid, month, _code), value in _figures_by_unit_month(tree, period, ("departed",)).items():
        if not tree.knows(uid):
            continue
        figures[(tree.child_of(uid) or unit.pk, month)] += value
    lines = []
    for pk in [*tree.children, unit.pk]:
        code, name = tree.units[pk][0], tree.units[pk][1]
        for month in period.months:
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


# --- The review sentence ------------------------------------------------------------


def review_sentence(report: ProgressReport, period: Period | None = None) -> str:
    """The sentence the province writes in its review, from the numbers, in Vietnamese formats."""
    period = period or report.period
    total = report.total
    where = LEVEL_WHOLE_VI.get(total.level, "toàn đơn vị")
    if total.departed:
        text = f"{period.sentence_intro}, {where} đã đưa {formats.format_int(total.departed)} lao động đi làm việc ở nước ngoài"
        if total.markets is not None:
            parts = [f"{MARKET_NAMES_VI[code]} {formats.format_int(total.markets[code])}"
                     for code in (*MARKETS, OTHER_MARKET) if total.markets.get(code)]
            text += f" ({', '.join(parts)})"
    else:
        text = f"{period.sentence_intro}, {where} chưa đưa được lao động nào đi làm việc ở nước ngoài"
    if total.target and total.departed:
        text += (f", đạt {formats.format_percent(total.percent)} {period.plan_words} "
                 f"({formats.format_int(total.target)} lao động)")
    elif total.target:
        text += f" ({period.plan_words}: {formats.format_int(total.target)} lao động)"
    else:
        text += f"; chưa có chỉ tiêu {period.plan_words}"
    if total.waiting:
        text += f"; còn {formats.format_int(total.waiting)} lao động đang học định hướng, chờ xuất cảnh."
    else:
        text += "; hiện không có lao động nào đang học định hướng, chờ xuất cảnh."
    return text


# --- The job ----------------------------------------------------------------------


def run_progress_job(job):
    """Plain function run by ``portal.jobs``: compute, write the workbook, return the rows for the screen."""
    from portal.jobs import JobOutput, job_progress
    from portal.scoping import unit_in_scope
    from targets.progress_workbooks import write_progress_workbook

    if job.user is not None and not unit_in_scope(job.user, job.unit):
        raise PermissionError(_("This unit is outside your scope."))
    period = Period.from_params(job.params["period"])
    source = job.params.get("source", REGISTRY)
    job_progress(job, 10)
    report = progress_rows(unit=job.unit, period=period, source=source)
    job_progress(job, 50)
    report.reconciliation = reconciliation_rows(job.unit, period)
    report.sentence = review_sentence(report, period)
    job_progress(job, 70)
    return JobOutput(
        result=report.to_dict(),
        filename=f"tien-do-{job.unit.code}-{period.slug}.xlsx",
        write=lambda fileobj: write_progress_workbook(report, fileobj),
    )
