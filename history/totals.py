"""A sheet of totals from the years before individual records: departures per unit and year (or month), by
market, women, poor or near-poor and ethnic minority where the sheet has them. Either one row per unit and period
("Đơn vị | Năm | Tổng số | Nhật Bản…"), or one row per unit with a column per year ("Đơn vị | Năm 2016 | Năm
2017…"). A total row ("Tổng cộng") is skipped: it is the sum of the others.

Each row becomes a ``HistoryFigure``; one already held for the same unit and period is updated (its values before
are kept for the rollback). Figures may not overlap on one line of the tree (``history.services``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from history.context import SAMPLE_ROWS, Context, data_rows
from history.coverage import covered_months, is_covered
from history.fields import field_year
from history.figures import FIGURE_COUNTS, figure_problems, figure_write, overlapping
from history.models import HistoryFigure, period_bounds
from portal import bounds, formats, tree
from portal.scoping import unit_in_scope
from workers.models import Departure

COUNT_KEYS = ("departed", "japan", "korea", "taiwan", "female", "poor", "ethnic_minority")
_MONTH_TEXT = re.compile(r"^(?:thang)?\s*(\d{1,2})$")
_YEAR_TEXT = re.compile(r"^(?:nam)?\s*((?:19|20)\d{2})$")


@dataclass
class FigureRow:
    row: int
    unit: Any
    year: int
    month: int | None
    values: dict[str, int | None]
    existing: HistoryFigure | None = None

    @property
    def bounds(self) -> tuple[dt.date, dt.date]:
        return period_bounds(self.year, self.month)


@dataclass
class TotalsWrites:
    new: list[FigureRow] = field(default_factory=list)
    updates: list[FigureRow] = field(default_factory=list)


def _plain(value: Any) -> str:
    from portal.xlsx import normalise_header

    return normalise_header(value)


def _year(value: Any) -> int | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    match = _YEAR_TEXT.match(" ".join(str(value).split()).lower().replace("năm", "nam"))
    return int(match.group(1)) if match else None


def _month(value: Any) -> tuple[int | None, int | None]:
    """(month, year) of a month cell: 3, "3", "Tháng 3", "03/2017" (then with its year), or an Excel date."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.month, value.year
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value), None
    text = " ".join(str(value).split())
    try:
        day = formats.parse_month(text)
        return day.month, day.year
    except ValueError:
        pass
    match = _MONTH_TEXT.match(_plain(text).replace("thang", "thang "))
    return (int(match.group(1)), None) if match else (None, None)


def _count(ctx: Context, row: int, cells: list[Any], key: str) -> tuple[int | None, bool]:
    value = ctx.value(cells, key)
    if value is None:
        return None, True
    try:
        number = formats.parse_int(value)
    except ValueError:
        ctx.plan.errors.add(row, ctx.label(key), _("Not a whole number: “%(value)s”.") % {"value": ctx.text(cells, key)})
        return None, False
    if number < 0:
        ctx.plan.errors.add(row, ctx.label(key), _("A number of people cannot be negative."))
        return None, False
    if (problem := bounds.int_problem(number, bounds.PEOPLE)) is not None:
        ctx.plan.errors.add(row, ctx.label(key), problem)
        return None, False
    return number, True


def plan_totals(ctx: Context) -> None:
    plan = ctx.plan
    rows = data_rows(ctx, ("unit",), "unit")
    plan.rows = len(rows)
    year_columns = {key: index for key, index in ctx.columns.items() if field_year(key) is not None}
    figures: list[FigureRow] = []
    for number, cells in rows:
        figures.extend(_read_row(ctx, number, cells, year_columns))
    ctx.progress(60)
    _check_overlaps(ctx, figures)
    ctx.progress(75)
    writes = TotalsWrites()
    unchanged = 0
    for figure in figures:
        if figure.existing is None:
            writes.new.append(figure)
        elif any(getattr(figure.existing, key) != value for key, value in figure.values.items()):
            writes.updates.append(figure)
        else:
            unchanged += 1
    _warn_registry(ctx, figures)
    plan.writes = writes
    plan.counts = {"new_workers": 0, "updated_workers": 0, "unchanged_workers": 0, "departures": 0, "returns": 0,
                   "history_figures": len(writes.new) + len(writes.updates), "new_figures": len(writes.new),
                   "updated_figures": len(writes.updates), "unchanged_figures": unchanged,
                   "possible_links": 0}
    plan.sample = [{
        "row": f.row, "unit": f.unit.name, "period": f"{f.month:02d}/{f.year}" if f.month else str(f.year),
        **{key: value for key, value in f.values.items()},
        "outcome": "new" if f.existing is None else "update",
    } for f in figures[:SAMPLE_ROWS]]


def _read_row(ctx: Context, row: int, cells: list[Any], year_columns: dict[str, int]) -> list[FigureRow]:
    errors = ctx.plan.errors
    before = len(errors)
    unit_text = ctx.text(cells, "unit")
    periods: list[tuple[int, int | None, dict[str, int | None]]] = []
    if year_columns:
        for key in sorted(year_columns):
            value, ok = _count(ctx, row, cells, key)
            if ok and value is not None:
                periods.append((field_year(key), None, {"departed": value}))
    else:
        year = month = None
        if "month" in ctx.columns and ctx.value(cells, "month") is not None:
            month, year = _month(ctx.value(cells, "month"))
            if month is None or not 1 <= month <= 12:
                errors.add(row, ctx.label("month"), _("Not a month: write 1 to 12, or mm/yyyy."))
        if "year" in ctx.columns and ctx.value(cells, "year") is not None:
            year = _year(ctx.value(cells, "year"))
            if year is None:
                errors.add(row, ctx.label("year"), _("Not a year: “%(value)s”.") % {"value": ctx.text(cells, "year")})
        if year is None and len(errors) == before:
            errors.add(row, ctx.label("year"), _("Required."))
        values: dict[str, int | None] = {}
        for key in COUNT_KEYS:
            values[key], _ok = _count(ctx, row, cells, key)
        if values["departed"] is None and len(errors) == before:
            errors.add(row, ctx.label("departed"), _("Required."))
        if year is not None and len(errors) == before:
            periods.append((year, month, values))
    if len(errors) != before or not periods:
        return []
    first_start = min(period_bounds(year, month)[0] for year, month, _values in periods if 1900 < year < 2200)
    unit = _unit(ctx, row, unit_text, first_start)
    if unit is None:
        return []
    found = []
    for year, month, values in periods:
        full = {key: values.get(key) for key in FIGURE_COUNTS}
        problems = figure_problems(unit=unit, year=year, month=month, **full)
        if problems:
            for key, message in problems.items():
                errors.add(row, ctx.label(key if key in ctx.columns else "departed"), message)
            continue
        found.append(FigureRow(row=row, unit=unit, year=year, month=month, values=full))
    return found


def _unit(ctx: Context, row: int, text: str, day: dt.date):
    structure = ctx.structure_on(day)
    column = ctx.label("unit")
    if text.isdigit():
        unit = ctx.matcher.by_code.get(structure, {}).get(text)
        if unit is None:
            ctx.plan.errors.add(row, column, _("Unknown unit code %(code)s.") % {"code": text})
            return None
    else:
        unit = ctx.unit_for(row, text, structure=structure, column=column, province_too=True)
        if unit is None:
            return None
    if not unit_in_scope(ctx.user, unit, inherited=True):
        ctx.plan.errors.add(row, column, _("The unit %(unit)s is outside your scope.") % {"unit": unit.name})
        return None
    return unit


def _check_overlaps(ctx: Context, figures: list[FigureRow]) -> None:
    """Two figures of the file on one line of the tree in periods that meet, or one that meets a figure already
    held (other than the same unit and period, which it updates), are errors: a period is counted once."""
    errors = ctx.plan.errors
    if not figures:
        return
    paths = {f.unit.path for f in figures}
    held = list(HistoryFigure.objects.filter(
        tree.subtree_q("unit", tree.cover(paths)) | tree.ancestors_q("unit", paths),
        start__lte=max(f.bounds[1] for f in figures), end__gte=min(f.bounds[0] for f in figures),
    ).select_related("unit"))
    exact = {(h.unit_id, h.start, h.end): h for h in held}
    kept: list[FigureRow] = []
    for figure in figures:
        start, end = figure.bounds
        figure.existing = exact.get((figure.unit.pk, start, end))
        clash = next((other for other in kept if _meet(other.unit.path, other.bounds, figure.unit.path, (start, end))),
                     None)
        if clash is not None:
            errors.add(figure.row, ctx.label("unit"), _(
                "This figure (%(unit)s, %(period)s) overlaps the one on row %(row)s (%(other)s, %(other_period)s): "
                "a period is counted once, at one level.") % {
                "unit": figure.unit.name, "period": _period(figure.year, figure.month), "row": clash.row,
                "other": clash.unit.name, "other_period": _period(clash.year, clash.month)})
            continue
        others = overlapping(held, path=figure.unit.path, start=start, end=end,
                             exclude=figure.existing.pk if figure.existing else None)
        if others:
            other = others[0]
            errors.add(figure.row, ctx.label("unit"), _(
                "This figure overlaps the history figure already held for %(unit)s, %(period)s.")
                % {"unit": other.unit.name, "period": other.period_label})
            continue
        kept.append(figure)
    figures[:] = [f for f in figures if f in kept]


def _meet(path_a: str, bounds_a, path_b: str, bounds_b) -> bool:
    on_line = path_a.startswith(path_b) or path_b.startswith(path_a)
    return on_line and bounds_a[0] <= bounds_b[1] and bounds_b[0] <= bounds_a[1]


def _period(year: int, month: int | None) -> str:
    return f"{month:02d}/{year}" if month else str(year)


def _warn_registry(ctx: Context, figures: list[FigureRow]) -> None:
    """Figures of periods the registry already covers are kept, but not counted while it does: said beforehand."""
    if not figures:
        return
    start = min(f.bounds[0] for f in figures)
    end = max(f.bounds[1] for f in figures)
    paths = tree.cover(f.unit.path for f in figures)
    months = (Departure.objects.filter(tree.subtree_q("unit", paths), date__range=(start, end))
              .annotate(month=TruncMonth("date")).order_by().values_list("unit__path", "month")
              .annotate(n=Count("id")))
    covered = covered_months((path, month) for path, month, _n in months)
    shadowed = [f for f in figures if is_covered(f.unit.path, *f.bounds, covered)]
    if shadowed:
        ctx.plan.warnings.append(_(
            "%(count)s figure(s) fall in periods for which the registry already holds departures of the same unit: "
            "they are kept, but the reports count the registry there, never both (for example %(unit)s, "
            "%(period)s).") % {"count": len(shadowed), "unit": shadowed[0].unit.name,
                               "period": _period(shadowed[0].year, shadowed[0].month)})


def commit_totals(*, user, batch, writes: TotalsWrites, log) -> None:
    for figure in writes.new:
        log.created(figure_write(user=user, unit=figure.unit, year=figure.year, month=figure.month, batch=batch,
                                 **figure.values))
    for figure in writes.updates:
        existing = figure.existing
        log.changed(existing, [*FIGURE_COUNTS, "note"])
        figure_write(user=user, figure=existing, unit=figure.unit, year=figure.year, month=figure.month,
                     **figure.values)
