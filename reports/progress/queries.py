"""The aggregate queries behind the report: departures, the waiting pool, approved figures, communes covered and
targets, each grouped by leaf unit and rolled up by path (``portal.tree.UnitTree``). The number of queries does
not depend on the number of units, workers or departures."""
from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from fractions import Fraction
from functools import reduce
from typing import NamedTuple

from django.db import connections
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from history.coverage import covered_months, is_covered
from history.selectors import report_figures
from portal import tree as unit_tree
from portal.models import Level, Unit
from portal.tree import UnitTree, structure_in_force
from reports.progress.period import Period
from reports.progress.rollup import roll_up, spread
from reports.progress.rows import MARKET_NAMES_VI, MARKETS, OTHER_MARKET, ProgressRow, round_half_up
from targets.models import CoverageKind, MonthlyValue, Plan, Quota, ReportStatus
from workers.models import (
    ChecklistEntry,
    ChecklistStatus,
    Country,
    Departure,
    DepartureTally,
    Enterprise,
    ExpectedDeparture,
    Programme,
    Return,
    Sex,
    Status,
    StatusChange,
)

WAITING_STATUSES = (Status.TRAINING, Status.WAITING)
FIGURE_CODES = ("departed", "departed_female", "departed_poor", "departed_ethnic_minority", "waiting")


def _day_after(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _waiting_by_unit(tree: UnitTree, period: Period) -> list[tuple[int, int]]:
    """[(unit_id, n)] of the workers whose status at the end of the period was "in training" or "waiting".

    The status at the end is the ``to_status`` of the worker's last ``StatusChange`` before it: the change whose
    stay began before the end and ended after it or not at all (``StatusChange.ended_at``, kept by the database:
    ``workers.intervals``). See :func:`_waiting_pool`.
    """
    counts: dict[int, int] = defaultdict(int)
    for unit_id, _stage, n in _waiting_pool(tree, period).units:
        counts[unit_id] += n
    return sorted(counts.items())


# (unit_id, stage: "training" or "waiting", enterprise: (id, name, licence number) or None, n)
WaitingGroup = tuple[int, str, tuple[int, str, str] | None, int]


class WaitingPool(NamedTuple):
    """The waiting pool at a date, grouped twice: ``units``, ``(unit_id, stage, n)`` per home unit and stage (the
    rows' figures); ``enterprises``, ``(other_unit, stage, enterprise or None, n)`` per sending enterprise and stage
    (the pool's lines), where ``other_unit`` is the home unit when it lies in the other structure (to count only if
    the tree knows it), else None."""

    units: list[tuple[int, str, int]]
    enterprises: list[tuple[int | None, str, tuple[int, str, str] | None, int]]


_ENTERPRISE = ("expected_departure__enterprise_id", "expected_departure__enterprise__name",
               "expected_departure__enterprise__licence_no")


def _compiled(queryset: QuerySet):
    """``(connection, sql, params)`` of ``queryset``, to be wrapped in raw SQL: the connection the ORM would read it
    from (raw SQL does not pass the database router: the replica in a job)."""
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return connection, sql, params


def _waiting_pool(tree: UnitTree, period: Period) -> WaitingPool:
    """The waiting pool at the end of the period per home unit and stage, and per sending enterprise preparing the
    worker (``workers.ExpectedDeparture``; the enterprise is the worker's current one, also for a past period) and
    stage: the workers whose stay in training or waiting (``StatusChange.ended_at``, kept by the database:
    ``workers.intervals``) began before the end and ended after it or not at all. A worker has at most one.

    One query, whatever the period, reading no timeline and no worker: the stays not ended (the workers in the
    pool now) and the stays that ended after the end (none for a period that ends today), each a range of the
    index ``statuschange_waiting_stay`` read alone — it holds the stay's unit (``StatusChange.unit``, the
    worker's, kept by the database) —, grouped by unit and stage, and those of the workers with an expected
    departure by enterprise and stage (the table of expected departures hashed once and joined by the worker). A
    per-stay subquery for the enterprise cost more than the stays themselves (53,000 lookups for the country's
    2024).
    """
    end = _day_after(period.end)
    if tree.other_prefixes:
        other_unit = Case(When(unit__path__startswith=tree.root.path, then=Value(None)), default=F("unit_id"),
                          output_field=IntegerField())
    else:
        other_unit = Value(None, output_field=IntegerField())
    stays = (StatusChange.objects.filter(tree.q("unit"), to_status__in=WAITING_STATUSES, at__lt=end).order_by()
             .values(w=F("worker_id"), u=F("unit_id"), o=other_unit, s=F("to_status")))
    selected = stays.filter(ended_at__isnull=True).union(stays.filter(ended_at__gte=end), all=True)
    connection, inner, params = _compiled(selected)
    expected = connection.ops.quote_name(ExpectedDeparture._meta.db_table)
    # The stays grouped by unit and stage, and read again for the workers an enterprise prepares (the expected
    # departures hashed once and joined by the worker) grouped by enterprise and stage (and the other structure's
    # unit, when the tree has one: else it is always NULL, and grouping by it made PostgreSQL expect a group per
    # stay). The workers without an enterprise are the rest. Not a group per unit, stage and enterprise (45,000 rows for the
    # country, rolled up twice in Python), nor GROUPING SETS (PostgreSQL expected 420,000 stays, 66,000 in fact,
    # and sorted them on disk instead of hashing).
    other, by_other = ("p.o", "p.o, ") if tree.other_prefixes else ("NULL", "")
    sql = (f"SELECT 0, p.u, NULL, p.s, NULL, COUNT(*) FROM ({inner}) p GROUP BY p.u, p.s "
           f"UNION ALL SELECT 1, NULL, {other}, p.s, e.enterprise_id, COUNT(*) FROM ({inner}) p "
           f"JOIN {expected} e ON e.worker_id = p.w AND e.enterprise_id IS NOT NULL "
           f"GROUP BY {by_other}p.s, e.enterprise_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params])
        rows = cursor.fetchall()
    units = [(unit_id, stage, n) for by_enterprise, unit_id, _other, stage, _e, n in rows if not by_enterprise]
    prepared = [(other_unit, stage, enterprise_id, n)
                for by_enterprise, _unit, other_unit, stage, enterprise_id, n in rows if by_enterprise]
    enterprises = {pk: (pk, name, licence) for pk, name, licence in Enterprise.objects.using(selected.db).filter(
        pk__in={row[2] for row in prepared}).values_list("pk", "name", "licence_no")} if prepared else {}
    without: dict[str, int] = defaultdict(int)  # per stage, the tree's workers whom no enterprise prepares
    for unit_id, stage, n in units:
        if tree.knows(unit_id):
            without[stage] += n
    for other_unit, stage, _enterprise_id, n in prepared:
        if other_unit is None or tree.knows(other_unit):
            without[stage] -= n
    return WaitingPool(units=units, enterprises=[
        *((other_unit, stage, enterprises.get(enterprise_id), n) for other_unit, stage, enterprise_id, n in prepared),
        *((None, stage, None, n) for stage, n in without.items() if n)])


def _enterprise(item: dict) -> tuple[int, str, str] | None:
    pk, name, licence = (item[key] for key in _ENTERPRISE)
    return None if pk is None else (pk, name, licence)


def _waiting_history_groups(workers, end: dt.datetime) -> list[WaitingGroup]:
    """:data:`WaitingGroup` of ``workers`` whose last status change before ``end`` put them in training or
    waiting (the stage is that status)."""
    last_status = (
        StatusChange.objects.filter(worker=OuterRef("pk"), at__lt=end).order_by("-at", "-pk").values("to_status")[:1]
    )
    return [
        (item["unit_id"], item["status_then"], _enterprise(item), item["n"])
        for item in workers.annotate(status_then=Subquery(last_status)).filter(status_then__in=WAITING_STATUSES)
        .order_by().values("unit_id", "status_then", *_ENTERPRISE).annotate(n=Count("id"))
    ]


def _waiting_from_history(workers, end: dt.datetime) -> list[tuple[int, int]]:
    """[(unit_id, n)] of ``workers`` whose last status change before ``end`` put them in training or waiting."""
    counts: dict[int, int] = defaultdict(int)
    for unit_id, _stage, _enterprise_key, n in _waiting_history_groups(workers, end):
        counts[unit_id] += n
    return sorted(counts.items())


_DEPARTURE_FIGURES = ("departed", "female", "poor", "ethnic_minority", "with_cert", "previous_year",
                      *(f"markets:{code}" for code in (*MARKETS, OTHER_MARKET)), "skilled", "high_income",
                      "coverage_base")
SKILL_CERTIFICATE = "skill_cert"  # the checklist item (workers.reference.CHECKLIST_ITEMS)


def _skilled() -> Q:
    """A departure of skilled work: on a skilled programme, or with a skill certificate done by its date."""
    certificate = ChecklistEntry.objects.filter(worker=OuterRef("worker_id"), item__code=SKILL_CERTIFICATE,
                                                status=ChecklistStatus.DONE, date__lte=OuterRef("date"))
    return Q(programme__is_skilled=True) | Q(Exists(certificate))


def _high_income() -> Q:
    """A departure to a high-income market: the programme's own flag, else (no programme, or no flag) the
    country's."""
    return Q(programme__is_high_income=True) | Q(programme__is_high_income__isnull=True,
                                                 country__is_high_income=True)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _month_aligned(period: Period) -> bool:
    """Whether the period and the same period a year before are whole months (every period the report offers, but a
    range of days), so that the departure tallies (per month) count them exactly."""
    return all(p.start.day == 1 and (p.end + dt.timedelta(days=1)).day == 1 for p in (period, period.previous_year()))


def _weighted(condition: Q, count: str) -> Case:
    return Case(When(condition, then=F(count)), default=Value(0), output_field=IntegerField())


def tallies_in_tree(tree: UnitTree) -> QuerySet | None:
    """The departure tallies (``workers.tallies``) that count the tree's departures once each: those of the units
    directly below the root (their whole subtree), the root's own, and the own tallies of the other structure's
    units that may count in it (to be kept only if the tree knows them). None for an empty tree."""
    own_units = [tree.root.pk] if tree.root.pk else []
    parts = [Q(unit_id__in=tree.children)] if tree.children else []
    if own_units:
        parts.append(Q(unit_id__in=own_units, own=True))
    if tree.other_prefixes:
        parts.append(Q(own=True) & unit_tree.subtree_q("unit", tree.other_prefixes))
    if not parts:
        return None
    return DepartureTally.objects.filter(reduce(operator.or_, parts))


def _tally_rows(tree: UnitTree, period: Period) -> QuerySet | None:
    """The rows of :func:`_departure_groups`' inner select read from the departure tallies (``workers.tallies``)
    instead of the departures: the tallies of the units directly below the root (their whole subtree), the root's
    own, and the own tallies of the other structure's units that may count in the tree — a few rows per unit, month,
    country and programme. Skilled work counts the skilled programmes here; the departures with a skill certificate
    on another programme are added by :func:`_skilled_by_certificate`."""
    tallies = tallies_in_tree(tree)
    if tallies is None:
        return None  # an empty tree: nothing to read
    previous = period.previous_year()
    current = Q(month__range=(period.start, period.end))
    before = Q(month__range=(previous.start, previous.end))
    if tree.other_prefixes:
        own_units = [tree.root.pk] if tree.root.pk else []
        other_unit = Case(When(unit_id__in=[*tree.children, *own_units], then=Value(None)), default=F("unit_id"),
                          output_field=IntegerField())
    else:
        other_unit = Value(None, output_field=IntegerField())
    return (
        tallies.filter(month__range=(previous.start, period.end)).filter(current | before)
        .order_by()
        .values(
            uid=F("unit_id"), other_uid=other_unit, cid=F("country_id"), pid=F("programme_id"), mon=F("month"),
            n=_weighted(current, "n_departed"), female=_weighted(current, "n_female"),
            poor=_weighted(current, "n_poor"), minority=_weighted(current, "n_minority"),
            cert=_weighted(current, "n_cert"), jp=_weighted(current & Q(country__code="JP"), "n_departed"),
            kr=_weighted(current & Q(country__code="KR"), "n_departed"),
            tw=_weighted(current & Q(country__code="TW"), "n_departed"), prev=_weighted(before, "n_departed"),
            skilled=_weighted(current & Q(programme__is_skilled=True), "n_departed"),
            high=_weighted(current & _high_income(), "n_departed"),
        )
    )


def _skilled_by_certificate(tree: UnitTree, period: Period) -> QuerySet:
    """Rows of :func:`_tally_rows`' shape, one per departure of the period on a programme that is not skilled (or
    none) whose worker held a skill certificate by the departure date, counting it only as skilled work — read from
    the certificates (few) to their workers' departures; added to the tallies' rows by ``UNION ALL``."""
    holders = ChecklistEntry.objects.filter(item__code=SKILL_CERTIFICATE, status=ChecklistStatus.DONE).values("worker_id")
    certificate = ChecklistEntry.objects.filter(worker=OuterRef("worker_id"), item__code=SKILL_CERTIFICATE,
                                                status=ChecklistStatus.DONE, date__lte=OuterRef("date"))
    zero = Value(0, output_field=IntegerField())
    return (
        Departure.objects.filter(tree.q("unit"), worker_id__in=holders, date__range=(period.start, period.end))
        .filter(Q(programme__isnull=True) | Q(programme__is_skilled=False)).filter(Exists(certificate))
        .order_by()
        .values(uid=F("unit_id"), other_uid=Value(None, output_field=IntegerField()), cid=F("country_id"),
                pid=F("programme_id"), mon=TruncMonth("date"), n=zero, female=zero, poor=zero, minority=zero,
                cert=zero, jp=zero, kr=zero, tw=zero, prev=zero, skilled=Value(1, output_field=IntegerField()),
                high=zero)
    )


def _departure_rows(tree: UnitTree, period: Period) -> QuerySet:
    """The rows of :func:`_departure_groups`' inner select read from every departure of the period and of the same
    period a year before (per-row 0/1 flags): for a range of days, or when history figures need the months of each
    home unit."""
    previous = period.previous_year()
    current = Q(date__range=(period.start, period.end))
    if tree.other_prefixes:
        other_unit = Case(When(unit__path__startswith=tree.root.path, then=Value(None)), default=F("unit_id"),
                          output_field=IntegerField())
    else:
        other_unit = Value(None, output_field=IntegerField())
    return (
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
            skilled=_flag(current & _skilled()), high=_flag(current & _high_income()),
        )
    )


def _departure_groups(tree: UnitTree, period: Period, *, by_unit_month: bool = False,
                      tallies: bool | None = None) -> list[tuple]:
    """Every departure figure of the report from ONE scan of the departures of the period and of the same
    period a year before (conditional sums over per-row 0/1 flags), in three groupings of the same rows, as
    ``(kind, unit_id, other_unit, country_code, country, programme_code, programme, month, n, female, poor,
    minority, cert, JP, KR, TW, previous_year)``:

    - ``kind`` 0: per home unit (``unit_id``; the other keys None);
    - ``kind`` 1: per country and programme (the market sheet), ``kind`` 2: per month of departure; in both
      ``other_unit`` is the home unit when it lies in the other structure (to be counted only if the tree
      knows it), else None. Rows of the previous year fall into these groups with ``n`` = 0.

    With ``by_unit_month`` (history figures fall in the periods), a fourth grouping, ``kind`` 3: per home unit and
    month, rows of either period (``n`` + ``previous_year``), to tell the months the registry covers.

    PostgreSQL computes them with ``GROUPING SETS`` in one pass; other databases (SQLite in the tests) with
    ``UNION ALL`` of the three ``GROUP BY``s over the same rows. The rows are selected by the ORM (joins, path
    filters and date truncation stay portable); only the grouping is written by hand.
    """
    if tallies is None:
        tallies = not by_unit_month and _month_aligned(period)
    if tallies and by_unit_month:
        raise ValueError("The tallies do not keep the months of each home unit")
    if tallies:
        rows = _tally_rows(tree, period)
        if rows is None:
            return []  # an empty tree
        selected = rows.union(_skilled_by_certificate(tree, period), all=True)
    else:
        selected = _departure_rows(tree, period)
    connection, inner, params = _compiled(selected)
    # Grouped by the ids (grouping by the names' text took twice as long), named after grouping; the lines
    # and the months as two sets, not one by (country, programme, month): PostgreSQL estimated that one at
    # tens of thousands of groups, sorted every row on disk instead of hashing, and took twice as long.
    sums = ", ".join(f"SUM(d.{name}) AS s_{name}" for name in
                     ("n", "female", "poor", "minority", "cert", "jp", "kr", "tw", "prev", "skilled", "high"))
    if connection.vendor == "postgresql":
        unit_month = ", (d.uid, d.mon)" if by_unit_month else ""
        grouped = ("SELECT CASE WHEN GROUPING(d.uid) = 0 AND GROUPING(d.mon) = 0 THEN 3 WHEN GROUPING(d.uid) = 0 "
                   "THEN 0 WHEN GROUPING(d.cid) = 0 THEN 1 ELSE 2 END AS kind, "
                   f"d.uid, d.other_uid, d.cid, d.pid, d.mon, {sums} FROM ({inner}) d "
                   f"GROUP BY GROUPING SETS ((d.uid), (d.other_uid, d.cid, d.pid), (d.other_uid, d.mon){unit_month})")
        with_d = ""
    else:
        grouped = (f"SELECT 0 AS kind, d.uid, NULL AS other_uid, NULL AS cid, NULL AS pid, NULL AS mon, {sums} "
                   "FROM d GROUP BY d.uid "
                   f"UNION ALL SELECT 1, NULL, d.other_uid, d.cid, d.pid, NULL, {sums} FROM d "
                   "GROUP BY d.other_uid, d.cid, d.pid "
                   f"UNION ALL SELECT 2, NULL, d.other_uid, NULL, NULL, d.mon, {sums} FROM d GROUP BY d.other_uid, d.mon")
        if by_unit_month:
            grouped += f" UNION ALL SELECT 3, d.uid, NULL, NULL, NULL, d.mon, {sums} FROM d GROUP BY d.uid, d.mon"
        with_d = f"WITH d AS ({inner}) "
    quote = connection.ops.quote_name
    sql = (f"{with_d}SELECT g.kind, g.uid, g.other_uid, c.code, c.name_vi, p.code, p.name_vi, g.mon, "
           "g.s_n, g.s_female, g.s_poor, g.s_minority, g.s_cert, g.s_jp, g.s_kr, g.s_tw, g.s_prev, g.s_skilled, "
           "g.s_high "
           f"FROM ({grouped}) g LEFT JOIN {quote(Country._meta.db_table)} c ON c.id = g.cid "
           f"LEFT JOIN {quote(Programme._meta.db_table)} p ON p.id = g.pid")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def registry_counts(tree, rows, total, period: Period) -> tuple[list[dict], list[dict]]:
    by_unit = []
    lines: dict[tuple, int] = defaultdict(int)
    by_month: dict[str, int] = defaultdict(int)
    figures = history_figures(tree, period)
    registry_months: list[tuple[str, dt.date]] = []
    for kind, uid, other_uid, cc, cn, pc, pn, month, n, female, poor, minority, cert, jp, kr, tw, prev, skilled, high in (
            _departure_groups(tree, period, by_unit_month=bool(figures))):
        if kind == 3:
            if n + prev and tree.knows(uid):
                registry_months.append((tree.other_paths.get(uid) or tree.path_by_id[uid], _as_date(month)))
        elif kind == 0:
            by_unit.append((uid, (n, female, poor, minority, cert, prev, jp, kr, tw, n - jp - kr - tw, skilled, high,
                                  n)))
        elif n and (other_uid is None or tree.knows(other_uid)):
            if kind == 1:
                lines[(cc, cn, pc or "", pn or "")] += n
            else:
                by_month[str(month)[:10]] += n
    roll_up(tree, rows, total, _DEPARTURE_FIGURES, by_unit)
    if figures:
        history_apply(tree, rows, total, period, figures, covered_months(registry_months), lines, by_month)
    pool = _waiting_pool(tree, period)
    roll_up(tree, rows, total, ("waiting", "waiting_training", "waiting_ready"), (
        (unit_id, (n, n if stage == Status.TRAINING else 0, n if stage == Status.WAITING else 0))
        for unit_id, stage, n in pool.units))

    market_lines = [
        {"country_code": country_code, "country": country, "programme_code": programme_code,
         "programme": programme, "departed": n}
        for (country_code, country, programme_code, programme), n in lines.items()
    ]
    market_lines.sort(key=lambda line: (line["country_code"] not in MARKETS,
                                        MARKETS.index(line["country_code"]) if line["country_code"] in MARKETS else 0,
                                        line["country"], line["programme"]))
    monthly = [{"month": month, "departed": n} for month, n in sorted(by_month.items())]
    return market_lines, monthly, waiting_by_enterprise(tree, pool.enterprises)


def waiting_by_enterprise(tree: UnitTree, groups: list[tuple[int | None, str, tuple[int, str, str] | None, int]]
                          ) -> list[dict]:
    """The pool of the tree by sending enterprise and stage (:attr:`WaitingPool.enterprises`), largest first, the
    workers without one last."""
    known = tree.path_by_id
    counts: dict[tuple, int] = defaultdict(int)  # the other structure's units apart, a group per enterprise and stage
    for other_unit, stage, enterprise, n in groups:
        if other_unit is None or other_unit in known:
            counts[(enterprise, stage)] += n
    lines: dict[int | None, dict] = {}
    for (enterprise, stage), n in counts.items():
        key = enterprise[0] if enterprise else None
        line = lines.setdefault(key, {"enterprise_id": key, "enterprise": enterprise[1] if enterprise else "",
                                      "licence_no": enterprise[2] if enterprise else "", "training": 0, "ready": 0,
                                      "total": 0})
        line["training" if stage == Status.TRAINING else "ready"] += n
        line["total"] += n
    return sorted(lines.values(), key=lambda line: (line["enterprise_id"] is None, -line["total"],
                                                    line["enterprise"]))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


HISTORY_UNKNOWN_MARKET = "Chưa rõ thị trường (số liệu lịch sử)"


def history_figures(tree: UnitTree, period: Period) -> list[tuple]:
    """The history figures (``history.HistoryFigure``) of the tree lying wholly in the period or in the same period a
    year before (one query)."""
    previous = period.previous_year()
    return [figure for figure in report_figures(tree.q("unit"), previous.start, period.end)
            if tree.knows(figure[0]) and (period.start <= figure[2] and figure[3] <= period.end
                                          or previous.start <= figure[2] and figure[3] <= previous.end)]


def history_apply(tree: UnitTree, rows, total, period: Period, figures: list[tuple],
                  covered: set[tuple[str, dt.date]], lines: dict[tuple, int], by_month: dict[str, int]) -> None:
    """Add the history figures of months (or years) the registry holds no departure of, in the figure's unit and
    below it (``history.coverage``): to the period's figures (departed, women, poor, ethnic minority, markets —
    what a figure does not know counts as another market —, the market lines and the months) or to the same period
    a year before. Each row also counts, in ``history`` and ``history_previous_year``, how much of it came from
    history figures, so the screen and the workbook can say so."""
    previous = period.previous_year()
    for unit_id, path, start, end, month, departed, japan, korea, taiwan, female, poor, minority in figures:
        own_path = tree.other_paths.get(unit_id) or path
        if is_covered(own_path, start, end, covered):
            continue  # the registry counts this period of this unit: never both
        if period.start <= start and end <= period.end:
            known = (japan or 0) + (korea or 0) + (taiwan or 0)
            for attr, value in (("departed", departed), ("history", departed), ("female", female or 0),
                                ("poor", poor or 0), ("ethnic_minority", minority or 0)):
                spread(tree, rows, total, unit_id, attr, value)
            for code, value in (("JP", japan or 0), ("KR", korea or 0), ("TW", taiwan or 0),
                                (OTHER_MARKET, departed - known)):
                if value:
                    spread(tree, rows, total, unit_id, f"markets:{code}", value)
            for code, name, value in (("JP", MARKET_NAMES_VI["JP"], japan), ("KR", MARKET_NAMES_VI["KR"], korea),
                                      ("TW", MARKET_NAMES_VI["TW"], taiwan),
                                      ("", HISTORY_UNKNOWN_MARKET, departed - known)):
                if value:
                    lines[(code, name, "", "")] += value
            if month:
                by_month[start.isoformat()] += departed
        elif previous.start <= start and end <= previous.end:
            spread(tree, rows, total, unit_id, "previous_year", departed)
            spread(tree, rows, total, unit_id, "history_previous_year", departed)


def figures_by_unit_month(tree: UnitTree, period: Period, codes=FIGURE_CODES):
    """{(unit_id, month, code): value} of approved monthly figures in the months the period touches."""
    values = (
        MonthlyValue.objects.filter(
            tree.q("report__unit"), report__status=ReportStatus.APPROVED,
            report__month__range=(period.start.replace(day=1), period.end), indicator__code__in=codes,
        )
        .order_by().values("report__unit_id", "report__month", "indicator__code").annotate(v=Sum("value"))
    )
    return {(item["report__unit_id"], item["report__month"], item["indicator__code"]): item["v"] for item in values}


def figures_counts(tree, rows, total, period: Period) -> list[dict]:
    latest_waiting: dict[int, tuple[dt.date, int]] = {}
    monthly: dict[dt.date, int] = defaultdict(int)
    attrs = {"departed": "departed", "departed_female": "female", "departed_poor": "poor",
             "departed_ethnic_minority": "ethnic_minority"}
    # Waiting is a stock: the last figure of an abolished (or not yet created) unit is no longer current.
    other_waiting_counts = structure_in_force(period.end) != tree.root.structure
    for (uid, month, code), value in figures_by_unit_month(tree, period).items():
        if not tree.knows(uid):
            continue
        if code == "waiting":
            if uid in tree.mapped_to and not other_waiting_counts:
                continue
            if uid not in latest_waiting or latest_waiting[uid][0] < month:
                latest_waiting[uid] = (month, value)
            continue
        spread(tree, rows, total, uid, attrs[code], value)
        if code == "departed":
            monthly[month] += value
    for uid, (_month, value) in latest_waiting.items():
        spread(tree, rows, total, uid, "waiting", value)
    for (uid, _month, _code), value in figures_by_unit_month(tree, period.previous_year(), ("departed",)).items():
        spread(tree, rows, total, uid, "previous_year", value)
    # Orientation certificates, skills and markets are known from the registry only: the coverage shares are
    # taken of the registry's departures.
    for item in (
        Departure.objects.filter(tree.q("unit"), date__range=(period.start, period.end)).order_by()
        .values("unit_id").annotate(n=Count("id"), cert=Sum(_flag(Q(has_orientation_cert=True))),
                                    skilled=Sum(_flag(_skilled())), high=Sum(_flag(_high_income())))
    ):
        for attr, key in (("with_cert", "cert"), ("skilled", "skilled"), ("high_income", "high"),
                          ("coverage_base", "n")):
            spread(tree, rows, total, item["unit_id"], attr, item[key])
    return [{"month": month.isoformat(), "departed": n} for month, n in sorted(monthly.items())]


def communes_count(tree, rows, total, period: Period) -> None:
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
    # Only the units at or below a commune can cover one (a departure recorded at a district covers none).
    abroad_units = (Unit.objects.filter(tree.in_tree(), level__in=(Level.COMMUNE, Level.HAMLET))
                    .annotate(abroad=Subquery(abroad)).filter(abroad__isnull=False).order_by().values_list("id", flat=True))
    covered = {tree.commune_of(uid) for uid in abroad_units} - {None}
    communes = tree.commune_by_path.values()
    roll_up(tree, rows, total, ("communes_total", "communes_covered"),
             ((pk, (1, int(pk in covered))) for pk in communes))


def targets_apply(tree, rows, total, period: Period, today: dt.date | None) -> dict[str, float | None]:
    """Targets: each unit's own quota of each year; a year it has none of takes the quotas of the other
    structure's units that count under it (the topmost ones: a legacy province's 2025 quota, not its
    districts' as well), so a new province's 2025 report shows the 2025 plan of the provinces it absorbed,
    and a legacy report of 2026 the quotas allocated to the new communes — only those of new units made
    wholly of units within the row's (or the root's) unit (:meth:`portal.tree.UnitTree.made_within`)."""
    unit_filter = Q(unit_id__in=[tree.root.pk, *tree.children]) | unit_tree.subtree_q("unit", tree.other_prefixes)
    quotas = Quota.objects.filter(unit_filter, year__in=period.years).select_related("plan")
    plans = list(
        Plan.objects.filter(unit__path__in=unit_tree.ancestor_paths(tree.root.path, include_self=True),
                            first_year__lte=period.end.year,
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
        return mine + [q for year in period.years if year not in covered for q in unit_tree.topmost(carried.get((pk, year), []))]

    def apply(row: ProgressRow, unit_quotas: list[Quota]) -> None:
        row.target = sum(q.target for q in unit_quotas)
        row.expected = round_half_up(sum(q.target * period.covered_fraction(q.year, today) for q in unit_quotas))
        stretch = Fraction(0)
        has_stretch = False
        for q in unit_quotas:
            percent = q.stretch_percent or (q.plan.stretch_percent if q.plan else None) or default_stretch
            if percent:
                has_stretch = True
                stretch += q.target * Fraction(str(percent)) / 100
        row.stretch_target = round_half_up(stretch) if has_stretch else None

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
                                      "orientation": None, "communes": None, "skilled": None, "high_income": None,
                                      "other": []}
    kinds = {CoverageKind.ORIENTATION_CERTIFICATE: "orientation", CoverageKind.COMMUNES_COVERED: "communes",
             CoverageKind.SKILLED: "skilled", CoverageKind.HIGH_INCOME_MARKETS: "high_income"}
    if plan:
        for goal in plan.coverage_goals.all():
            if goal.kind in kinds:
                goals[kinds[goal.kind]] = float(goal.percent) / 100
            else:  # described in words: listed against its target, not measured
                goals["other"].append((goal.label, float(goal.percent) / 100))
    return goals
