"""Excel imports of quotas and monthly figures: the whole file is checked, then saved in one transaction.

Screens and commands call the same functions; both raise
``portal.xlsx.ImportRejected`` listing every error (row and column) and save
nothing unless the whole file is valid. Imports are idempotent by natural
key (unit + year for quotas, unit + month for figures).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import bounds, formats
from portal.audit import acting_as
from portal.models import Unit
from portal.scoping import can_write, unit_in_scope
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import Column, ErrorList, ImportRejected, RowError, normalise_header, read_sheet
from targets import services
from targets.models import Indicator, MonthlyReport, ReportAction, ReportStatus
from targets.services import figures_lock_reason, figures_save, figures_submit, may_set_quota, quota_set

MIN_YEAR, MAX_YEAR = 2000, 2100

QUOTA_COLUMNS = [
    Column("unit_code", "Mã đơn vị"),
    Column("unit_name", "Đơn vị", required=False),
    Column("year", "Năm"),
    Column("target", "Chỉ tiêu"),
    Column("stretch_percent", "Phấn đấu (%)", required=False),
]

MONTHLY_COLUMNS = [
    Column("unit_code", "Mã đơn vị"),
    Column("unit_name", "Đơn vị", required=False),
    Column("month", "Tháng"),
]

# Unit-type words that may precede a name in a sheet ("Huyện Ninh Sơn" for "Ninh Sơn").
_NAME_PREFIXES = sorted(
    (normalise_header(p) for p in (
        "Tỉnh", "Thành phố", "TP", "Huyện", "Quận", "Thị xã", "Xã", "Phường", "Thị trấn", "Đặc khu",
        "Thôn", "Ấp", "Khóm", "Bản", "Buôn", "Tổ dân phố",
    )),
    key=len, reverse=True,
)


def name_matches(text: Any, unit: Unit) -> bool:
    """Compare a name typed in a sheet with the unit's, ignoring accents, case and the unit-type prefix."""
    typed = normalise_header(text)
    names = {normalise_header(unit.name), normalise_header(unit.short_name)}
    for name in list(names):
        for prefix in _NAME_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                names.add(name[len(prefix):])
    if typed in names:
        return True
    return any(typed.startswith(p) and typed[len(p):] in names for p in _NAME_PREFIXES)


def _code_candidates(value: Any) -> list[str]:
    text = str(value).strip()
    if text.isdigit():
        # A code typed in a number cell loses its leading zeros ("01" → 1).
        return list(dict.fromkeys([text, text.zfill(2), text.zfill(3), text.zfill(5)]))
    return [text]


class _Context:
    """What every row check shares: the sheet's headers, the error list and the units of the file.

    Codes were reused by the 2025 reform: with ``structure`` (legacy or 2025) every code is read in it;
    without, a code found in both loaded structures is read in the structure of the user's own scope, and for an
    administrator in the one in force on the row's date (``portal.unit_codes.UnitResolver``).
    """

    def __init__(self, sheet, rows, *, structure: str | None, user=None):
        self.sheet = sheet
        self.errors = ErrorList()
        codes = {c for _n, values in rows if values.get("unit_code") is not None for c in _code_candidates(values["unit_code"])}
        self.resolver = UnitResolver(codes, structure=structure or None, reader=user)

    def label(self, key: str, default: str) -> str:
        idx = self.sheet.columns.get(key)
        return self.sheet.headers[idx] if idx is not None else default

    def _resolve(self, raw: Any, on_date: dt.date | None) -> Unit | None:
        for code in _code_candidates(raw):
            try:
                return self.resolver.resolve(code, on_date=on_date)
            except UnitCodeError:
                continue
        return None

    def unit(self, row: int, values: dict[str, Any], user, *, on_date: dt.date | None = None) -> Unit | None:
        label = self.label("unit_code", "Mã đơn vị")
        raw = values.get("unit_code")
        if raw is None:
            self.errors.add(row, label, _("The unit code is missing."))
            return None
        unit = self._resolve(raw, on_date)
        if unit is None:
            self.errors.add(row, label, _("Unknown unit code %(code)s.") % {"code": raw})
            return None
        if not unit_in_scope(user, unit):
            self.errors.add(row, label, _("The unit %(code)s is outside your scope.") % {"code": raw})
            return None
        typed_name = values.get("unit_name")
        if typed_name is not None and not name_matches(typed_name, unit):
            self.errors.add(row, self.label("unit_name", "Đơn vị"), _(
                "The name “%(typed)s” does not match the code %(code)s (%(name)s).") % {
                "typed": typed_name, "code": unit.code, "name": unit.name})
        return unit

    def count(self, row: int, key: str, label: str, raw: Any) -> int | None:
        try:
            value = formats.parse_int(raw)
        except ValueError:
            self.errors.add(row, label, _("“%(value)s” is not a whole number.") % {"value": raw})
            return None
        if value < 0:
            self.errors.add(row, label, _("A count cannot be negative."))
            return None
        if (problem := bounds.int_problem(value, bounds.PEOPLE)) is not None:
            self.errors.add(row, label, problem)
            return None
        return value


# --- quotas --------------------------------------------------------------------------


@dataclass
class QuotaImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    summaries: list[tuple[Unit, int, int, int | None]] = field(default_factory=list)  # parent, year, sum, target

    def __str__(self) -> str:
        return f"created {self.created}, changed {self.changed}, unchanged {self.unchanged}"


@dataclass(frozen=True)
class _QuotaRow:
    row: int
    unit: Unit
    year: int
    target: int
    stretch_percent: Decimal | None


def import_quotas(fileobj: IO[bytes] | bytes, *, user, structure: str | None = None) -> QuotaImportResult:
    """``structure``: legacy or 2025; None reads a code found in both in the structure in force on 1 January
    of the row's year."""
    sheet = read_sheet(fileobj, QUOTA_COLUMNS)
    ctx = _Context(sheet, sheet.rows, structure=structure, user=user)
    if not can_write(user):
        raise ImportRejected([RowError(0, "", _("You cannot import quotas."))])
    valid: list[_QuotaRow] = []
    seen: dict[tuple[int, int], int] = {}
    for row, values in sheet.rows:
        if values.get("target") is None and values.get("stretch_percent") is None:
            continue  # a row of the template not filled in: nothing to change
        year_label = ctx.label("year", "Năm")
        year = None
        try:
            year = formats.parse_int(values.get("year"))
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValueError
        except ValueError:
            year_error = _("“%(value)s” is not a year between %(min)s and %(max)s.") % {
                "value": values.get("year") if values.get("year") is not None else "", "min": MIN_YEAR, "max": MAX_YEAR}
            year = None
        else:
            year_error = None
        unit = ctx.unit(row, values, user, on_date=dt.date(year, 1, 1) if year else None)
        if unit is not None and not may_set_quota(user, unit):
            ctx.errors.add(row, ctx.label("unit_code", "Mã đơn vị"),
                           _("You cannot set the quota of %(unit)s.") % {"unit": unit.name})
            unit = None
        if year_error:
            ctx.errors.add(row, year_label, year_error)
        target_label = ctx.label("target", "Chỉ tiêu")
        target = ctx.count(row, "target", target_label, values.get("target"))
        stretch = None
        if values.get("stretch_percent") is not None:
            try:
                stretch = formats.parse_decimal(values["stretch_percent"])
                if stretch < 0 or stretch >= 10000:
                    raise ValueError
            except ValueError:
                ctx.errors.add(row, ctx.label("stretch_percent", "Phấn đấu (%)"),
                               _("“%(value)s” is not a percent.") % {"value": values["stretch_percent"]})
        if unit is not None and year is not None:
            first = seen.setdefault((unit.pk, year), row)
            if first != row:
                ctx.errors.add(row, ctx.label("unit_code", "Mã đơn vị"), _(
                    "Row %(first)s already gives %(code)s for %(year)s.") % {"first": first, "code": unit.code, "year": year})
                continue
        if unit is not None and year is not None and target is not None:
            valid.append(_QuotaRow(row, unit, year, target, stretch))
    from targets.models import Quota

    before = {
        (q.unit_id, q.year): (q.target, q.stretch_percent)
        for q in Quota.objects.filter(unit__in=[r.unit for r in valid], year__in={r.year for r in valid})
    }
    ctx.errors.raise_if_any(counts=_quota_counts(valid, before))

    result = QuotaImportResult()
    with transaction.atomic(), acting_as(user):
        # Rows locked in one order (unit id, year), as quota_allocate does, so concurrent saves cannot deadlock.
        for item in sorted(valid, key=lambda r: (r.unit.pk, r.year)):
            stretch = item.stretch_percent
            old = before.get((item.unit.pk, item.year))
            if stretch is None and old is not None:
                stretch = old[1]  # a file without the column keeps the stretch goal already set
            quota_set(user=user, unit=item.unit, year=item.year, target=item.target, stretch_percent=stretch)
            if old is None:
                result.created += 1
            elif old != (item.target, stretch):
                result.changed += 1
            else:
                result.unchanged += 1
    result.summaries = _quota_summaries(valid)
    return result


def _quota_counts(rows: list[_QuotaRow], before: dict) -> tuple[int, int, int]:
    """What the valid rows would do: (create, update, unchanged), as the import counts them."""
    counts = [0, 0, 0]
    for item in rows:
        old = before.get((item.unit.pk, item.year))
        stretch = item.stretch_percent if item.stretch_percent is not None or old is None else old[1]
        counts[0 if old is None else 1 if old != (item.target, stretch) else 2] += 1
    return counts[0], counts[1], counts[2]


def _quota_summaries(rows: list[_QuotaRow]) -> list[tuple[Unit, int, int, int | None]]:
    """For each parent and year the file touched: the sum of its units' quotas and its own target."""
    from django.db.models import Sum

    from targets.models import Quota

    keys = {(r.unit.parent, r.year) for r in rows if r.unit.parent_id} | {(r.unit, r.year) for r in rows}
    out = []
    for parent, year in sorted(keys, key=lambda k: (k[0].path, k[1])):
        total = Quota.objects.filter(unit__parent=parent, year=year).aggregate(n=Sum("target"))["n"]
        if total is None:
            continue
        target = Quota.objects.filter(unit=parent, year=year).values_list("target", flat=True).first()
        out.append((parent, year, total, target))
    return out


# --- monthly figures ------------------------------------------------------------------


@dataclass
class MonthlyImportResult:
    submitted: int = 0
    unchanged: int = 0
    created: int = 0  # of the submitted: months that had no report
    updated: int = 0

    def __str__(self) -> str:
        return f"submitted {self.submitted}, unchanged {self.unchanged}"


# Columns people commonly add to a sheet that carry no figure.
_IGNORED_HEADERS = {normalise_header(h) for h in ("STT", "TT", "Ghi chú", "note", "comment", "Giải trình")}


def _indicator_columns(sheet, errors: ErrorList) -> dict[int, Indicator]:
    """Extra headers → indicators, by code or Vietnamese (or English) name."""
    by_name: dict[str, Indicator] = {}
    for indicator in Indicator.objects.filter(active=True):
        for text in (indicator.code, indicator.name_vi, indicator.name_en):
            by_name.setdefault(normalise_header(text), indicator)
    mapping: dict[int, Indicator] = {}
    used: dict[int, str] = {}
    for header, idx in sheet.extra.items():
        if normalise_header(header) in _IGNORED_HEADERS:
            continue
        indicator = by_name.get(normalise_header(header))
        if indicator is None:
            errors.add(1, header, _("Unknown column: neither an indicator code nor an indicator name."))
        elif indicator.pk in used:
            errors.add(1, header, _("The indicator already has the column “%(other)s”.") % {"other": used[indicator.pk]})
        else:
            mapping[idx] = indicator
            used[indicator.pk] = header
    if not mapping and not errors:
        errors.add(1, "", _("The sheet has no indicator column (headed by an indicator code or name)."))
    return mapping


_COMMENT_HEADERS = {normalise_header(h) for h in ("Ghi chú", "note", "comment", "Giải trình")}


def _cell_text(cells, idx: int | None) -> str:
    if idx is None or idx >= len(cells) or cells[idx] is None:
        return ""
    return str(cells[idx]).strip()


def _check_rules(ctx: _Context, row: int, unit: Unit, month: dt.date, values: dict[str, int],
                 headers: dict[str, str], comment: str, comment_label: str) -> bool:
    """The validation rules and outlier flags of one row, as row errors (by the column of the indicator the rule
    names first); a warning or an outlier passes with an explanation in the comment column."""
    checks = services.figures_check(unit=unit, month=month, values=values)
    for violation in checks.errors:
        column = next((headers[c] for c in violation.names if c in headers), "")
        ctx.errors.add(row, column, str(violation))
    if checks.errors:
        return False
    if checks.needs_comment and not comment:
        for violation in checks.warnings:
            column = next((headers[c] for c in violation.names if c in headers), "")
            ctx.errors.add(row, column, _("%(message)s Explain it in the column “%(column)s”.") % {
                "message": str(violation), "column": comment_label})
        for flag in checks.flags:
            ctx.errors.add(row, headers.get(flag.code, ""), _("%(message)s Explain it in the column “%(column)s”.") % {
                "message": str(flag), "column": comment_label})
        return False
    return True


def import_monthly(fileobj: IO[bytes] | bytes, *, user, structure: str | None = None) -> MonthlyImportResult:
    """``structure``: legacy or 2025; None reads a code found in both in the structure in force in the
    row's month."""
    sheet = read_sheet(fileobj, MONTHLY_COLUMNS, keep_extra=True)
    ctx = _Context(sheet, sheet.rows, structure=structure, user=user)
    if not can_write(user):
        raise ImportRejected([RowError(0, "", _("You cannot import figures."))])
    columns = _indicator_columns(sheet, ctx.errors)
    ctx.errors.raise_if_any()  # without the right columns, row errors would only repeat it

    cells_by_row = dict(sheet.raw_rows)
    comment_idx = next((idx for header, idx in sheet.extra.items() if normalise_header(header) in _COMMENT_HEADERS), None)
    parsed: list[tuple[int, Unit, dt.date, dict[str, int]]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    current = services.today().replace(day=1)
    for row, values in sheet.rows:
        month_label = ctx.label("month", "Tháng")
        month = None
        raw_month = values.get("month")
        try:
            month = formats.parse_month(raw_month)
            if not MIN_YEAR <= month.year <= MAX_YEAR or month > current:
                raise ValueError
        except ValueError:
            month = None
        unit = ctx.unit(row, values, user, on_date=month)
        if month is None:
            ctx.errors.add(row, month_label, _("“%(value)s” is not a past or current month written mm/yyyy.") % {
                "value": raw_month if raw_month is not None else ""})
        figures: dict[str, int] = {}
        cells = cells_by_row[row]
        for idx, indicator in columns.items():
            raw = cells[idx] if idx < len(cells) else None
            if raw is None:
                continue
            value = ctx.count(row, indicator.code, sheet.headers[idx], raw)
            if value is not None:
                figures[indicator.code] = value
        if unit is None or month is None:
            continue
        first = seen.setdefault((unit.pk, month), row)
        if first != row:
            ctx.errors.add(row, ctx.label("unit_code", "Mã đơn vị"), _(
                "Row %(first)s already gives %(code)s for %(month)s.") % {
                "first": first, "code": unit.code, "month": formats.format_month(month)})
            continue
        if not figures:
            continue  # a row of the template not filled in: nothing to change
        parsed.append((row, unit, month, figures, _cell_text(cells, comment_idx)))

    reports = {
        (r.unit_id, r.month): r
        for r in MonthlyReport.objects.filter(
            unit__in=[p[1] for p in parsed], month__in={p[2] for p in parsed}
        ).select_related("unit").prefetch_related("values__indicator")
    }
    work = []
    headers = {indicator.code: sheet.headers[idx] for idx, indicator in columns.items()}
    comment_label = sheet.headers[comment_idx] if comment_idx is not None else "Ghi chú"
    for row, unit, month, figures, comment in parsed:
        report = reports.get((unit.pk, month))
        stored = {v.indicator.code: v.value for v in report.values.all()} if report is not None else {}
        if report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            if all(stored.get(code) == value for code, value in figures.items()):
                work.append((unit, month, figures, report, False, comment))  # already there: nothing to do
                continue
        reason = figures_lock_reason(user=user, unit=unit, month=month, report=report)
        if reason:
            ctx.errors.add(row, ctx.label("month", "Tháng"), reason)
            continue
        if not _check_rules(ctx, row, unit, month, {**stored, **figures}, headers, comment, comment_label):
            continue
        work.append((unit, month, figures, report, True, comment))
    ctx.errors.raise_if_any(counts=(
        sum(1 for w in work if w[4] and w[3] is None), sum(1 for w in work if w[4] and w[3] is not None),
        sum(1 for w in work if not w[4])))

    result = MonthlyImportResult()
    with transaction.atomic(), acting_as(user):
        for unit, month, figures, report, change, comment in work:
            if not change:
                result.unchanged += 1
                continue
            try:
                saved = figures_save(user=user, unit=unit, month=month, values=figures,
                                     version=report.version if report else None)
                figures_submit(user=user, report=saved, version=saved.version, action=ReportAction.IMPORTED,
                               comment=comment)
                if report is None:
                    result.created += 1
                else:
                    result.updated += 1
            except ValidationError as exc:
                # Someone changed the month while the file was being checked: refuse the whole file.
                raise ImportRejected([RowError(0, "", " ".join(exc.messages))]) from exc
            result.submitted += 1
    return result
