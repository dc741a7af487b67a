"""Progress against target: the one selector behind the screen, the workbook,
the command, the dashboard and the monthly snapshots.

``progress_rows`` runs a fixed handful of aggregate queries over the whole
subtree of the chosen unit, grouped by leaf ``unit_id`` (and country, month…),
then rolls the counts up to the units directly below the chosen one in Python
by ``path``. The number of queries does not depend on the number of units,
workers or departures.

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
  counted by the worker's home unit. From figures: the latest approved
  ``waiting`` value of each unit up to the end of the period.
- Coverage (always from the registry): share of departed workers holding an
  orientation certificate; share of the communes of a unit with at least one
  worker abroad at the end of the period (departed on or before it and not
  returned by then).
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

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats
from portal.models import Level, Unit
from targets.models import CoverageKind, MonthlyValue, Plan, Quota, ReportStatus
from workers.models import Departure, Sex, Status, StatusChange, Worker

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


class _Tree:
    """The subtree of the chosen unit, loaded in one query, for rolling counts up by path."""

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

    def child_of(self, unit_id: int) -> int | None:
        path = self.path_by_id.get(unit_id)
        if path is None:
            return None
        child_path = _child_path(self.root.path, path)
        return self.child_by_path.get(child_path) if child_path else None

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
    """Add a leaf count to the row of the unit below the root that contains it, and to the total."""
    child = tree.child_of(unit_id)
    if child is not None:
        _add(rows[child], attr, value)
    _add(total, attr, value)


def _registry_counts(tree, rows, total, period: Period) -> tuple[list[dict], list[dict]]:
    departures = Departure.objects.filter(unit__path__startswith=tree.root.path, date__range=(period.start, period.end))
    grouped = (
        departures.order_by().values("unit_id", "country__code")
        .annotate(
            n=Count("id"), female=Count("id", filter=Q(sex=Sex.FEMALE)),
            poor=Count("id", filter=Q(is_poor_or_near_poor=True)),
            minority=Count("id", filter=Q(is_ethnic_minority=True)),
            cert=Count("id", filter=Q(has_orientation_cert=True)),
        )
    )
    for item in grouped:
        uid = item["unit_id"]
        for attr, key in (("departed", "n"), ("female", "female"), ("poor", "poor"),
                          ("ethnic_minority", "minority"), ("with_cert", "cert")):
            _spread(tree, rows, total, uid, attr, item[key])
        market = item["country__code"] if item["country__code"] in MARKETS else OTHER_MARKET
        child = tree.child_of(uid)
        if child is not None:
            rows[child].markets[market] += item["n"]
        total.markets[market] += item["n"]

    previous = period.previous_year()
    for item in (
        Departure.objects.filter(unit__path__startswith=tree.root.path, date__range=(previous.start, previous.end))
        .order_by().values("unit_id").annotate(n=Count("id"))
    ):
        _spread(tree, rows, total, item["unit_id"], "previous_year", item["n"])

    end = _day_after(period.end)
    last_status = (
        StatusChange.objects.filter(worker=OuterRef("pk"), at__lt=end).order_by("-at", "-pk").values("to_status")[:1]
    )
    for item in (
        Worker.objects.filter(unit__path__startswith=tree.root.path)
        .annotate(status_then=Subquery(last_status)).filter(status_then__in=WAITING_STATUSES)
        .order_by().values("unit_id").annotate(n=Count("id"))
    ):
        _spread(tree, rows, total, item["unit_id"], "waiting", item["n"])

    market_lines = [
        {
            "country_code": item["country__code"], "country": item["country__name_vi"],
            "programme_code": item["programme__code"] or "", "programme": item["programme__name_vi"] or "",
            "departed": item["n"],
        }
        for item in departures.order_by().values("country__code", "country__name_vi", "programme__code",
                                                 "programme__name_vi").annotate(n=Count("id"))
    ]
    market_lines.sort(key=lambda line: (line["country_code"] not in MARKETS,
                                        MARKETS.index(line["country_code"]) if line["country_code"] in MARKETS else 0,
                                        line["country"], line["programme"]))
    monthly = [
        {"month": item["month"].isoformat()[:10], "departed": item["n"]}
        for item in departures.annotate(month=TruncMonth("date")).order_by("month").values("month")
        .annotate(n=Count("id"))
    ]
    return market_lines, monthly


def _figures_by_unit_month(root: Unit, period: Period, codes=FIGURE_CODES):
    """{(unit_id, month, code): value} of approved monthly figures in the months the period touches."""
    values = (
        MonthlyValue.objects.filter(
            report__unit__path__startswith=root.path, report__status=ReportStatus.APPROVED,
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
    for (uid, month, code), value in _figures_by_unit_month(tree.root, period).items():
        if code == "waiting":
            if uid not in latest_waiting or latest_waiting[uid][0] < month:
                latest_waiting[uid] = (month, value)
            continue
        _spread(tree, rows, total, uid, attrs[code], value)
        if code == "departed":
            monthly[month] += value
    for uid, (_month, value) in latest_waiting.items():
        _spread(tree, rows, total, uid, "waiting", value)
    for (uid, _month, _code), value in _figures_by_unit_month(tree.root, period.previous_year(), ("departed",)).items():
        _spread(tree, rows, total, uid, "previous_year", value)
    # Orientation certificates are known from the registry only.
    for item in (
        Departure.objects.filter(unit__path__startswith=tree.root.path, date__range=(period.start, period.end),
                                 has_orientation_cert=True).order_by().values("unit_id").annotate(n=Count("id"))
    ):
        _spread(tree, rows, total, item["unit_id"], "with_cert", item["n"])
    return [{"month": month.isoformat(), "departed": n} for month, n in sorted(monthly.items())]


def _communes(tree, rows, total, period: Period) -> None:
    for pk in tree.commune_by_path.values():
        _spread(tree, rows, total, pk, "communes_total", 1)
    abroad_units = (
        Departure.objects.filter(unit__path__startswith=tree.root.path, date__lte=period.end)
        .filter(Q(return_record__isnull=True) | Q(return_record__date__gt=period.end))
        .order_by().values_list("unit_id", flat=True).distinct()
    )
    covered = {tree.commune_of(uid) for uid in abroad_units} - {None}
    for pk in covered:
        _spread(tree, rows, total, pk, "communes_covered", 1)


def _targets(tree, rows, total, period: Period, today: dt.date | None) -> dict[str, float | None]:
    quotas = Quota.objects.filter(unit_id__in=[tree.root.pk, *tree.children], year__in=period.years).select_related("plan")
    ancestor_paths = [tree.root.path[: i + 1] for i, ch in enumerate(tree.root.path) if ch == "/"]
    plans = list(
        Plan.objects.filter(unit__path__in=ancestor_paths, first_year__lte=period.end.year,
                            last_year__gte=period.start.year)
        .select_related("unit").prefetch_related("coverage_goals").order_by("-unit__path", "-first_year")
    )
    plan = plans[0] if plans else None  # the plan of the nearest unit at or above the chosen one
    default_stretch = plan.stretch_percent if plan else None

    own: dict[int, list[Quota]] = defaultdict(list)
    for quota in quotas:
        own[quota.unit_id].append(quota)

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
        apply(row, own.get(pk, []))
    if own.get(tree.root.pk):
        apply(total, own[tree.root.pk])
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
        Departure.objects.filter(unit__path__startswith=unit.path, date__range=(period.start, period.end))
        .annotate(month=TruncMonth("date")).order_by().values("unit_id", "month").annotate(n=Count("id"))
    ):
        month = item["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        registry[(tree.child_of(item["unit_id"]) or unit.pk, month)] += item["n"]
    figures: dict[tuple[int, dt.date], int] = defaultdict(int)
    for (uid, month, _code), value in _figures_by_unit_month(unit, period, ("departed",)).items():
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
