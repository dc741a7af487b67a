"""Reads of the targets app; screens, workbooks and commands share them."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Sum

from portal.models import Unit
from portal.scoping import sees_everything, user_unit, visible_units
from targets import chase, services
from targets.models import (
    Indicator,
    MonthlyReport,
    MonthlyReportEvent,
    MonthlyValue,
    Plan,
    Quota,
    ReportStatus,
    SourceQuota,
)
from targets.services import allocation_warning


def plans_visible(user):
    return Plan.objects.visible_to(user).select_related("unit").prefetch_related(
        Prefetch("quotas", queryset=Quota.objects.order_by("year")), "coverage_goals"
    )


def plan_year_targets(plan: Plan) -> list[Quota]:
    return [q for q in plan.quotas.all() if q.unit_id == plan.unit_id]


@dataclass
class PlanYear:
    quota: Quota
    allocated: int | None  # sum of the quotas of the units directly below, None when none is set

    @property
    def warning(self) -> str | None:
        return None if self.allocated is None else allocation_warning(self.allocated, self.quota.target)


def plan_years(plan: Plan) -> list[PlanYear]:
    """Each year's target of the plan with what has been allocated below it (one aggregate query)."""
    allocated = dict(
        Quota.objects.filter(unit__parent=plan.unit, year__in=list(plan.years))
        .values("year").annotate(n=Sum("target")).values_list("year", "n")
    )
    return [PlanYear(quota=q, allocated=allocated.get(q.year)) for q in plan_year_targets(plan)]


@dataclass
class QuotaRow:
    unit: Unit
    quota: Quota | None
    has_children: bool

    @property
    def target(self) -> int | None:
        return self.quota.target if self.quota else None


@dataclass
class QuotaTable:
    parent: Unit
    year: int
    parent_quota: Quota | None
    rows: list[QuotaRow]

    @property
    def total(self) -> int:
        return sum(r.target or 0 for r in self.rows)

    @property
    def parent_target(self) -> int | None:
        return self.parent_quota.target if self.parent_quota else None

    @property
    def difference(self) -> int | None:
        return None if self.parent_target is None else self.total - self.parent_target

    @property
    def warning(self) -> str | None:
        return allocation_warning(self.total, self.parent_target)


def quota_table(*, user, parent: Unit, year: int) -> QuotaTable:
    """The units directly below ``parent`` (within the user's scope) with their quotas for ``year``."""
    children = list(
        visible_units(user).filter(parent=parent).annotate(n_children=Count("children")).order_by("code")
    )
    quotas = {
        q.unit_id: q
        for q in Quota.objects.filter(year=year, unit_id__in=[parent.pk, *(c.pk for c in children)]).select_related("plan")
    }
    rows = [QuotaRow(unit=c, quota=quotas.get(c.pk), has_children=c.n_children > 0) for c in children]
    return QuotaTable(parent=parent, year=year, parent_quota=quotas.get(parent.pk), rows=rows)


def default_parent(user) -> Unit | None:
    """The user's own unit, or for an administrator the first province."""
    if sees_everything(user):
        return Unit.objects.filter(parent__isnull=True).order_by("-structure", "code").first()  # legacy first
    return user_unit(user)


def active_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(active=True).order_by("order", "code"))


def report_for(*, unit: Unit, month: dt.date) -> MonthlyReport | None:
    return (
        MonthlyReport.objects.filter(unit=unit, month=month)
        .select_related("submitted_by", "reviewed_by", "unit")
        .prefetch_related(
            Prefetch("values", queryset=MonthlyValue.objects.select_related("indicator")),
            Prefetch("events", queryset=MonthlyReportEvent.objects.select_related("by")),
        )
        .first()
    )


@dataclass
class CompletenessRow:
    unit: Unit
    cells: list[chase.MonthCell]


@dataclass
class Completeness:
    parent: Unit
    year: int
    months: list[dt.date]
    rows: list[CompletenessRow]
    counts: dict[str, int] = field(default_factory=dict)

    def count_rows(self) -> list[tuple[str, str, str, int]]:
        return [(key, str(chase.STATUS_LABELS[key]), chase.STATUS_MARKS[key], self.counts.get(key, 0))
                for key in chase.STATUSES if key != chase.NOT_REQUIRED or self.counts.get(key)]


def completeness(*, user, parent: Unit, year: int, include_parent: bool = False) -> Completeness:
    """Units directly below ``parent`` × the started months of ``year``, each month in its state around the
    deadline (``targets.chase``: not yet due, due, overdue N days, draft, submitted, sent back, approved; not
    required for a unit that takes no part in the year)."""
    units = list(visible_units(user).filter(parent=parent).order_by("code"))
    if include_parent:
        units.insert(0, parent)
    # Only months that have started: a future month is not missing.
    today = services.today()
    current = today.replace(day=1)
    months = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= current]
    cells = chase.cells_for(units, months, today)
    rows = [CompletenessRow(unit=u, cells=cells[u.pk]) for u in units]
    counter = Counter(cell.status for row in rows for cell in row.cells)
    return Completeness(parent=parent, year=year, months=months, rows=rows, counts=dict(counter))


def missing_approved_months(*, parent: Unit, months: list[dt.date], deadline_passed_by: dt.date
                            ) -> dict[str, list[dt.date]]:
    """{name of a unit directly below ``parent``: its months of ``months`` whose deadline has passed by
    ``deadline_passed_by`` without an approved report}, for the review document (the caller checked the scope)."""
    due = [month for month in months if services.deadline(month) < deadline_passed_by]
    if not due:
        return {}
    units = list(Unit.objects.filter(parent=parent).order_by("code").values_list("pk", "name"))
    approved = set(MonthlyReport.objects.filter(unit_id__in=[pk for pk, _name in units], month__in=due,
                                                status=ReportStatus.APPROVED).values_list("unit_id", "month"))
    missing = {name: [month for month in due if (pk, month) not in approved] for pk, name in units}
    return {name: months for name, months in missing.items() if months}


# --- source-creation targets ---------------------------------------------------------------------------------------


@dataclass
class SourceRow:
    unit: Unit
    quota: SourceQuota | None
    has_children: bool = False
    editable: bool = False


def source_table(*, user, parent: Unit, year: int) -> list[SourceRow]:
    """``parent`` and the units directly below it (within the user's scope) with their source-creation targets of
    ``year``, and whether the user may set each (three queries)."""
    children = list(visible_units(user).filter(parent=parent).annotate(n_children=Count("children")).order_by("code"))
    quotas = {q.unit_id: q for q in SourceQuota.objects.filter(year=year, unit_id__in=[parent.pk, *(c.pk for c in children)])}
    return [SourceRow(unit=unit, quota=quotas.get(unit.pk), has_children=bool(getattr(unit, "n_children", 0)),
                      editable=services.may_set_source_quota(user, unit)) for unit in [parent, *children]]


@dataclass
class UnitViolations:
    unit: Unit
    count: int = 0
    months: list[tuple[dt.date, list[str], int]] = field(default_factory=list)  # month, messages, report id


def rule_violations_by_unit(*, user, year: int) -> list[UnitViolations]:
    """The validation rules each unit's reports of ``year`` break (any status), the units in the user's scope
    with at least one, most first."""
    from collections import defaultdict

    from targets import rules

    values: dict[int, dict[str, int]] = defaultdict(dict)
    reports: dict[int, MonthlyReport] = {}
    for value in (MonthlyValue.objects.visible_to(user).filter(report__month__year=year)
                  .select_related("report__unit", "indicator")):
        values[value.report_id][value.indicator.code] = value.value
        reports[value.report_id] = value.report
    active = rules.active_rules()
    by_unit: dict[int, UnitViolations] = {}
    for report_id, figures in values.items():
        found = rules.rule_violations(figures, active)
        if not found:
            continue
        report = reports[report_id]
        row = by_unit.setdefault(report.unit_id, UnitViolations(unit=report.unit))
        row.count += len(found)
        row.months.append((report.month, [str(v) for v in found], report_id))
    for row in by_unit.values():
        row.months.sort()
    return sorted(by_unit.values(), key=lambda r: (-r.count, r.unit.path))
