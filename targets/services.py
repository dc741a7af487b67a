"""Writes of the targets app: plans, quotas and the monthly figures' life cycle.

Who may do what
- Plans: provincial staff and administrators, for units in their scope.
- Quotas: set by someone whose unit lies strictly above the quota's unit (a
  district official may split the district's quota between its communes) or
  by an official for their own unit (the first row of their quota template),
  or by provincial staff / administrators for units in their scope (the
  province's own target included).
- Monthly figures: written by anyone who may write for the unit; submitted
  reports are locked until returned. After the deadline (day
  ``MONTHLY_DEADLINE_DAY`` of the following month) only an approver of the
  report may write, unless the province has reopened the month.
- Approving, returning and reopening: provincial staff whose unit lies
  strictly above the report's unit, and administrators.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.services import notify
from portal import bounds, formats
from portal.models import Role, Unit
from portal.scoping import can_approve, can_write, sees_everything, unit_in_scope, user_role, user_unit
from portal.selectors import officials_covering
from portal.tree import is_within
from targets import rules
from targets.models import (
    CoverageGoal,
    CoverageKind,
    Indicator,
    MonthlyReport,
    MonthlyReportEvent,
    MonthlyValue,
    Plan,
    Quota,
    ReportAction,
    ReportStatus,
    SourceQuota,
)

REOPEN_DAYS = 7


def today() -> dt.date:
    """The local date; tests monkeypatch this to travel in time."""
    return timezone.localdate()


def indicator_save(*, user, indicator: Indicator | None = None, code: str = "", name_vi: str, name_en: str,
                   aggregation: str, order: int, active: bool) -> Indicator:
    """Create or change an indicator of the monthly report (national: the national administrator's); its code is set
    once, and an indicator with figures is retired (``active=False``), never deleted."""
    if not sees_everything(user):
        raise ValidationError(_("Only the national administrator changes the indicators."))
    code = indicator.code if indicator is not None else code.strip().lower()
    clash = Indicator.objects.filter(code=code)
    if indicator is not None:
        clash = clash.exclude(pk=indicator.pk)
    if clash.exists():
        raise ValidationError({"code": _("Another indicator has the code %(code)s.") % {"code": code}})
    with transaction.atomic():
        indicator = indicator or Indicator(code=code)
        indicator.name_vi, indicator.name_en = " ".join(name_vi.split()), " ".join(name_en.split())
        indicator.aggregation, indicator.order, indicator.active = aggregation, order, active
        indicator.save()
    return indicator


class FiguresConflict(ValidationError):
    """Someone else saved the report since it was loaded: reload, never overwrite."""


# --- permissions ----------------------------------------------------------------


def _strictly_below(unit: Unit, top: Unit | None) -> bool:
    return top is not None and unit.path != top.path and is_within(unit.path, top.path)


def may_set_quota(user, unit: Unit) -> bool:
    """Administrators; provincial staff in their scope; an official for the units below theirs and their own unit
    (the first row of their quota template, which the import screen says they may set)."""
    if may_set_source_quota(user, unit):
        return True
    own = user_unit(user)
    return can_write(user) and own is not None and unit.pk == own.pk


def may_set_source_quota(user, unit: Unit) -> bool:
    """Administrators; provincial staff in their scope; an official for the units below theirs."""
    if sees_everything(user):
        return True
    if not can_write(user) or not unit_in_scope(user, unit):
        return False
    return can_approve(user) or _strictly_below(unit, user_unit(user))


def may_manage_plan(user, unit: Unit) -> bool:
    return can_approve(user) and unit_in_scope(user, unit)


def may_review(user, unit: Unit) -> bool:
    """Approve / return / reopen: an administrator, or provincial staff above the unit."""
    if sees_everything(user):
        return True
    return user_role(user) == Role.PROVINCE and _strictly_below(unit, user_unit(user))


def deadline(month: dt.date) -> dt.date:
    """The last day a unit may edit ``month``'s figures without a reopening."""
    year, mon = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    day = min(settings.MONTHLY_DEADLINE_DAY, calendar.monthrange(year, mon)[1])
    return dt.date(year, mon, day)


def figures_lock_reason(*, user, unit: Unit, month: dt.date, report: MonthlyReport | None) -> str | None:
    """Why ``user`` may not edit ``unit``'s figures for ``month`` now (None: they may)."""
    if not can_write(user) or not unit_in_scope(user, unit):
        return _("You cannot change these figures.")
    if report is not None and report.status == ReportStatus.APPROVED:
        return _("These figures are approved; the province must return them before they can change.")
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return _("These figures are submitted and wait for review.")
    if month > today().replace(day=1):
        return _("The month has not started yet.")
    if may_review(user, unit):
        return None
    if today() > deadline(month) and not (report and report.reopened_until and report.reopened_until >= today()):
        return _("The deadline (%(date)s) has passed; ask the province to reopen the month.") % {
            "date": deadline(month).strftime("%d/%m/%Y")
        }
    return None


# --- plans and quotas -------------------------------------------------------------------


@dataclass(frozen=True)
class GoalInput:
    kind: str
    percent: Decimal
    label: str = ""


def _check_plan(*, user, unit: Unit, first_year: int, last_year: int, targets: list[int]) -> None:
    if not may_manage_plan(user, unit):
        raise ValidationError({"unit": _("You cannot manage plans of this unit.")})
    if not (2000 <= first_year <= last_year <= 2100):
        raise ValidationError({"last_year": _("The years must be between 2000 and 2100, the last not before the first.")})
    if len(targets) != last_year - first_year + 1:
        raise ValidationError({"targets": _("Give one target for each year of the plan.")})
    if any(t < 0 for t in targets):
        raise ValidationError({"targets": _("A target cannot be negative.")})


def _write_plan_years(plan: Plan, targets: list[int]) -> None:
    years = list(plan.years)
    taken = (
        Quota.objects.filter(unit=plan.unit, year__in=years, plan__isnull=False)
        .exclude(plan=plan)
        .select_related("plan")
        .first()
    )
    if taken is not None:
        raise ValidationError({"targets": _("The year %(year)s already belongs to the plan “%(plan)s”.") % {
            "year": taken.year, "plan": taken.plan.name}})
    Quota.objects.filter(plan=plan, unit=plan.unit).exclude(year__in=years).delete()
    for year, target in zip(years, targets, strict=True):
        quota = Quota.objects.filter(unit=plan.unit, year=year).first() or Quota(unit=plan.unit, year=year)
        quota.target, quota.plan, quota.stretch_percent = target, plan, plan.stretch_percent
        quota.save()


def _write_goals(plan: Plan, goals: Iterable[GoalInput]) -> None:
    wanted = {}
    for goal in goals:
        if goal.kind not in CoverageKind.values:
            raise ValidationError({"goals": _("Unknown kind of goal.")})
        if not (0 <= goal.percent <= 100):
            raise ValidationError({"goals": _("A coverage goal is a percent between 0 and 100.")})
        label = goal.label.strip() if goal.kind == CoverageKind.OTHER else ""
        wanted[(goal.kind, label)] = goal.percent
    for existing in list(plan.coverage_goals.all()):
        key = (existing.kind, existing.label)
        if key not in wanted:
            existing.delete()
        elif existing.percent != wanted[key]:
            existing.percent = wanted.pop(key)
            existing.save()
        else:
            wanted.pop(key)
    for (kind, label), percent in wanted.items():
        CoverageGoal.objects.create(plan=plan, kind=kind, label=label, percent=percent)


def plan_create(
    *, user, unit: Unit, name: str, first_year: int, last_year: int, targets: list[int],
    stretch_percent: Decimal | None = None, decision_no: str = "", note: str = "",
    goals: Iterable[GoalInput] = (),
) -> Plan:
    """A plan with one target per year (the plan unit's quotas) and its coverage goals."""
    _check_plan(user=user, unit=unit, first_year=first_year, last_year=last_year, targets=targets)
    with transaction.atomic():
        plan = Plan.objects.create(
            unit=unit, name=name.strip(), first_year=first_year, last_year=last_year,
            stretch_percent=stretch_percent, decision_no=decision_no.strip(), note=note.strip(),
        )
        _write_plan_years(plan, targets)
        _write_goals(plan, goals)
    return plan


def plan_update(
    *, user, plan: Plan, name: str, first_year: int, last_year: int, targets: list[int],
    stretch_percent: Decimal | None = None, decision_no: str = "", note: str = "",
    goals: Iterable[GoalInput] = (),
) -> Plan:
    _check_plan(user=user, unit=plan.unit, first_year=first_year, last_year=last_year, targets=targets)
    with transaction.atomic():
        plan.name, plan.first_year, plan.last_year = name.strip(), first_year, last_year
        plan.stretch_percent, plan.decision_no, plan.note = stretch_percent, decision_no.strip(), note.strip()
        plan.save()
        _write_plan_years(plan, targets)
        _write_goals(plan, goals)
    return plan


def quota_set(*, user, unit: Unit, year: int, target: int, stretch_percent: Decimal | None = None) -> Quota:
    """Create or change one unit's quota for one year (idempotent by unit and year)."""
    if not may_set_quota(user, unit):
        raise ValidationError({"unit": _("You cannot set the quota of %(unit)s.") % {"unit": unit.name}})
    if target < 0:
        raise ValidationError({"target": _("A target cannot be negative.")})
    bounds.check_int(target, bounds.PEOPLE, field="target")
    bounds.check_year(year, field="year")
    with transaction.atomic():
        quota = Quota.objects.select_for_update().filter(unit=unit, year=year).first()
        if quota is None:
            parent_plan = (
                Quota.objects.filter(unit_id=unit.parent_id, year=year).values_list("plan_id", flat=True).first()
                if unit.parent_id else None
            )
            try:
                with transaction.atomic():
                    return Quota.objects.create(
                        unit=unit, year=year, target=target, stretch_percent=stretch_percent, plan_id=parent_plan
                    )
            except IntegrityError:
                # Someone created it in the meantime: one quota per unit and year, so change theirs.
                quota = Quota.objects.select_for_update().get(unit=unit, year=year)
        if (quota.target, quota.stretch_percent) != (target, stretch_percent):
            quota.target, quota.stretch_percent = target, stretch_percent
            quota.save()
        return quota


@dataclass(frozen=True)
class Allocation:
    total: int
    parent_target: int | None
    warning: str | None

    @property
    def difference(self) -> int | None:
        return None if self.parent_target is None else self.total - self.parent_target


def allocation_warning(total: int, parent_target: int | None) -> str | None:
    """A plain sentence when the units' quotas do not add up to the parent's target."""
    if parent_target is None:
        return _("The parent unit has no target for this year.") if total else None
    if total > parent_target:
        return _("Over-allocated: the quotas add up to %(total)s, %(diff)s more than the target of %(target)s.") % {
            "total": total, "diff": total - parent_target, "target": parent_target}
    if total < parent_target:
        return _("Under-allocated: the quotas add up to %(total)s, %(diff)s less than the target of %(target)s.") % {
            "total": total, "diff": parent_target - total, "target": parent_target}
    return None


def quota_allocate(*, user, parent: Unit, year: int, targets: Mapping[int, int | None]) -> Allocation:
    """Set a year's quotas of the units directly below ``parent`` (unit id → target; None removes it).

    Saving is allowed when the sum differs from the parent's target (provinces
    do over-allocate); the result carries the sum and a warning.
    """
    if not unit_in_scope(user, parent):  # one allocates below a unit of one's own scope
        raise ValidationError(_("You cannot set the quota of %(unit)s.") % {"unit": parent.name})
    children = {u.pk: u for u in Unit.objects.filter(parent=parent)}
    unknown = set(targets) - set(children)
    if unknown:
        raise ValidationError(_("Some units are not directly below %(unit)s.") % {"unit": parent.name})
    with transaction.atomic():
        for unit_id, target in sorted(targets.items()):  # one lock order: concurrent allocations cannot deadlock
            unit = children[unit_id]
            if target is None:
                if not may_set_quota(user, unit):
                    raise ValidationError(_("You cannot set the quota of %(unit)s.") % {"unit": unit.name})
                for quota in Quota.objects.filter(unit=unit, year=year):
                    quota.delete()
            else:
                current = Quota.objects.filter(unit=unit, year=year).values_list("stretch_percent", flat=True).first()
                quota_set(user=user, unit=unit, year=year, target=target, stretch_percent=current)
        total = Quota.objects.filter(unit__parent=parent, year=year).aggregate(n=Sum("target"))["n"] or 0
        parent_target = Quota.objects.filter(unit=parent, year=year).values_list("target", flat=True).first()
    return Allocation(total=total, parent_target=parent_target, warning=allocation_warning(total, parent_target))


# --- monthly figures ---------------------------------------------------------------------


def _event(report: MonthlyReport, action: str, user, comment: str = "") -> None:
    MonthlyReportEvent.objects.create(
        report=report, action=action, by=user if getattr(user, "is_authenticated", False) else None,
        at=timezone.now(), comment=comment,
    )


def _claim(report: MonthlyReport, version: int, user) -> MonthlyReport:
    """Bump the version iff nobody saved since ``version`` was read: UPDATE … WHERE id AND version."""
    updated = MonthlyReport.objects.filter(pk=report.pk, version=version).update(version=F("version") + 1)
    if updated == 0:
        raise FiguresConflict(
            _("Someone else saved this report meanwhile. Reload the page to see their figures, then enter yours again."),
            code="stale",
        )
    report.refresh_from_db()
    report.updated_by = user if getattr(user, "is_authenticated", False) else None
    return report


def figures_save(
    *, user, unit: Unit, month: dt.date, values: Mapping[str, int | None], version: int | None,
) -> MonthlyReport:
    """Save a draft of ``unit``'s figures for ``month`` (indicator code → value; None clears it).

    ``version`` is the report version the user loaded (None when there was no
    report yet). If someone saved in between, ``FiguresConflict`` is raised and
    nothing changes.
    """
    month = month.replace(day=1)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=list(values))}
    unknown = set(values) - set(indicators)
    if unknown:
        raise ValidationError(_("Unknown indicator: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    if any(v is not None and (not isinstance(v, int) or v < 0) for v in values.values()):
        raise ValidationError(_("A figure must be a whole number, 0 or more."))
    with transaction.atomic():
        report = MonthlyReport.objects.filter(unit=unit, month=month).first()
        reason = figures_lock_reason(user=user, unit=unit, month=month, report=report)
        if reason:
            raise ValidationError(reason, code="locked")
        if report is None:
            if version:
                raise FiguresConflict(_("This report was deleted meanwhile. Reload the page."), code="stale")
            try:
                with transaction.atomic():
                    report = MonthlyReport.objects.create(unit=unit, month=month, updated_by=user)
            except IntegrityError:
                raise FiguresConflict(
                    _("Someone else saved this report meanwhile. Reload the page to see their figures, then enter yours again."),
                    code="stale",
                ) from None
        else:
            if version is None:
                raise FiguresConflict(
                    _("Someone else saved this report meanwhile. Reload the page to see their figures, then enter yours again."),
                    code="stale",
                )
            report = _claim(report, version, user)
            report.save()
        existing = {v.indicator_id: v for v in report.values.all()}
        for code, value in values.items():
            indicator = indicators[code]
            row = existing.get(indicator.pk)
            if value is None:
                if row is not None:
                    row.delete()
            elif row is None:
                MonthlyValue.objects.create(report=report, indicator=indicator, value=value)
            elif row.value != value:
                row.value = value
                row.save()
        _event(report, ReportAction.SAVED, user)
    return report


@dataclass(frozen=True)
class FiguresChecks:
    """What the validation rules and the outlier statistic say of one unit's figures for one month."""

    violations: list
    flags: list

    @property
    def errors(self) -> list:
        return [v for v in self.violations if v.is_error]

    @property
    def warnings(self) -> list:
        return [v for v in self.violations if not v.is_error]

    @property
    def needs_comment(self) -> bool:
        return rules.needs_comment(self.violations, self.flags)

    def flags_by_code(self) -> dict[str, object]:
        return {flag.code: flag for flag in self.flags}

    def __bool__(self) -> bool:
        return bool(self.violations or self.flags)


def figures_check(*, unit: Unit, month: dt.date, values: Mapping[str, int | None]) -> FiguresChecks:
    return FiguresChecks(violations=rules.rule_violations(values),
                         flags=rules.outlier_flags(unit, month.replace(day=1), values))


def report_values(report: MonthlyReport) -> dict[str, int]:
    return {code: value for code, value in report.values.values_list("indicator__code", "value")}


def figures_submit(*, user, report: MonthlyReport, version: int, action: str = ReportAction.SUBMITTED,
                   comment: str = "") -> MonthlyReport:
    """Submit the saved figures: a broken error rule refuses; a broken warning rule or an outlier needs
    ``comment``, kept in the report's history for the approver."""
    comment = (comment or "").strip()
    with transaction.atomic():
        reason = figures_lock_reason(user=user, unit=report.unit, month=report.month, report=report)
        if reason:
            raise ValidationError(reason, code="locked")
        values = report_values(report)
        if not values:
            raise ValidationError(_("Enter at least one figure before submitting."))
        checks = figures_check(unit=report.unit, month=report.month, values=values)
        if checks.errors:
            raise ValidationError([str(v) for v in checks.errors], code="rules")
        if checks.needs_comment and not comment:
            raise ValidationError({"comment": _(
                "Some figures are unusual or break a warning rule: explain them in a comment to submit.")},
                code="comment")
        report = _claim(report, version, user)
        report.status = ReportStatus.SUBMITTED
        report.submitted_by, report.submitted_at = user, timezone.now()
        report.save()
        _event(report, action, user, comment)
    return report


def _review(*, user, report: MonthlyReport, version: int, allowed: Iterable[str]) -> MonthlyReport:
    if not may_review(user, report.unit):
        raise ValidationError(_("Only the province can review these figures."), code="forbidden")
    if report.status not in allowed:
        raise ValidationError(_("This report is %(status)s; it cannot be reviewed that way.") % {
            "status": report.get_status_display().lower()}, code="status")
    report = _claim(report, version, user)
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    return report


def _tell_unit(report: MonthlyReport, *, kind: str, title: str, body: str, user) -> None:
    """Notify the unit's officials and whoever submitted the figures (not the reviewer who acted)."""
    people = set(officials_covering([report.unit])[report.unit_id])
    if report.submitted_by_id:
        people.add(report.submitted_by_id)
    people.discard(getattr(user, "pk", None))
    notify(users=sorted(people), kind=kind, title=title, body=body, key=f"{kind}:{report.pk}:{report.version}",
           url=reverse("targets:figures", args=[report.unit_id, report.month.year, report.month.month]))


def figures_approve(*, user, report: MonthlyReport, version: int) -> MonthlyReport:
    with transaction.atomic():
        report = _review(user=user, report=report, version=version, allowed=[ReportStatus.SUBMITTED])
        report.status = ReportStatus.APPROVED
        report.reopened_until = None
        report.save()
        _event(report, ReportAction.APPROVED, user)
        with translation.override(settings.LANGUAGE_CODE):  # stored once, read (and mailed) in Vietnamese
            _tell_unit(report, kind="targets.approved", user=user, body="", title=_(
                "The figures of %(unit)s for %(month)s were approved") % {
                    "unit": report.unit.name, "month": formats.format_month(report.month)})
    return report


def figures_return(*, user, report: MonthlyReport, version: int, comment: str) -> MonthlyReport:
    """Send submitted (or approved) figures back to the unit with a comment; it may edit and resubmit."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what must be corrected.")})
    with transaction.atomic():
        report = _review(user=user, report=report, version=version,
                         allowed=[ReportStatus.SUBMITTED, ReportStatus.APPROVED])
        report.status, report.comment = ReportStatus.RETURNED, comment
        if today() > deadline(report.month):
            # A unit could not correct a month whose deadline has passed.
            report.reopened_until = today() + dt.timedelta(days=REOPEN_DAYS)
        report.save()
        _event(report, ReportAction.RETURNED, user, comment)
        with translation.override(settings.LANGUAGE_CODE):
            body = _("What must be corrected: %(comment)s") % {"comment": comment}
            if report.reopened_until:
                body += "\n" + _("Send them again by %(date)s.") % {"date": formats.format_date(report.reopened_until)}
            _tell_unit(report, kind="targets.returned", user=user, body=body, title=_(
                "The figures of %(unit)s for %(month)s were sent back for correction") % {
                    "unit": report.unit.name, "month": formats.format_month(report.month)})
    return report


@dataclass
class BulkReview:
    done: list[MonthlyReport]
    skipped: list[tuple[MonthlyReport | None, str]]  # the report (None: not found) and why


def figures_review_many(*, user, versions: Mapping[int, int], action: str, comment: str = "") -> BulkReview:
    """Approve (``action="approve"``) or send back with one ``comment`` several reports (id → the version the
    user saw). Each is checked against its version and written in its own transaction: a report changed
    meanwhile (or no longer submitted) is skipped and listed, the others go through."""
    if action not in ("approve", "return"):
        raise ValidationError(_("Unknown action."))
    if action == "return" and not (comment or "").strip():
        raise ValidationError({"comment": _("Say what must be corrected.")})
    found = {r.pk: r for r in MonthlyReport.objects.visible_to(user).filter(pk__in=list(versions))
             .select_related("unit")}
    result = BulkReview(done=[], skipped=[])
    for pk in sorted(versions):  # one lock order
        report = found.get(pk)
        if report is None:
            result.skipped.append((None, _("Report not found.")))
            continue
        try:
            if action == "approve":
                done = figures_approve(user=user, report=report, version=versions[pk])
            else:
                done = figures_return(user=user, report=report, version=versions[pk], comment=comment)
        except ValidationError as exc:
            result.skipped.append((report, " ".join(exc.messages)))
        else:
            result.done.append(done)
    return result


def figures_reopen(*, user, unit: Unit, month: dt.date, until: dt.date | None = None, comment: str = "") -> MonthlyReport:
    """Let a unit edit and submit a month after its deadline, until ``until`` (default: a week)."""
    month = month.replace(day=1)
    until = until or today() + dt.timedelta(days=REOPEN_DAYS)
    if not may_review(user, unit):
        raise ValidationError(_("Only the province can reopen a month."), code="forbidden")
    if until < today():
        raise ValidationError({"until": _("The new deadline cannot be in the past.")})
    with transaction.atomic():
        report, _created = MonthlyReport.objects.get_or_create(unit=unit, month=month, defaults={"updated_by": user})
        if report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            raise ValidationError(_("Submitted or approved figures are returned, not reopened."), code="status")
        report = _claim(report, report.version, user)
        report.reopened_until = until
        report.save()
        _event(report, ReportAction.REOPENED, user, comment.strip())
    return report


# --- source-creation targets ("chỉ tiêu tạo nguồn") ------------------------------------------------------------------


def source_quota_set(*, user, unit: Unit, year: int, candidates: int | None, trained: int | None = None
                     ) -> SourceQuota | None:
    """Set (or, with ``candidates=None``, remove) one unit's source-creation target of a year; the same people
    may set it as its departure quota, except an official's own unit (``may_set_source_quota``)."""
    if not may_set_source_quota(user, unit):
        raise ValidationError({"unit": _("You cannot set the targets of %(unit)s.") % {"unit": unit.name}})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("The year must be between 2000 and 2100.")})
    if (candidates is not None and candidates < 0) or (trained is not None and trained < 0):
        raise ValidationError(_("A target cannot be negative."))
    if candidates is None and trained is not None:
        raise ValidationError(_("Give the number of candidates to register with the number to train."))
    with transaction.atomic():
        current = SourceQuota.objects.select_for_update().filter(unit=unit, year=year).first()
        if candidates is None:
            if current is not None:
                current.delete()
            return None
        if current is None:
            try:
                with transaction.atomic():
                    return SourceQuota.objects.create(unit=unit, year=year, candidates=candidates, trained=trained)
            except IntegrityError:  # created meanwhile: one target per unit and year, so change theirs
                current = SourceQuota.objects.select_for_update().get(unit=unit, year=year)
        if (current.candidates, current.trained) != (candidates, trained):
            current.candidates, current.trained = candidates, trained
            current.save()
        return current


def source_quota_allocate(*, user, parent: Unit, year: int,
                          targets: Mapping[int, tuple[int | None, int | None]]) -> None:
    """Set a year's source-creation targets of ``parent`` and of the units directly below it (unit id →
    (candidates, trained); (None, None) removes one), all or none."""
    units = {u.pk: u for u in Unit.objects.filter(Q(parent=parent) | Q(pk=parent.pk))}
    unknown = set(targets) - set(units)
    if unknown:
        raise ValidationError(_("Some units are not directly below %(unit)s.") % {"unit": parent.name})
    with transaction.atomic():
        for unit_id, (candidates, trained) in sorted(targets.items()):  # one lock order, as quota_allocate
            source_quota_set(user=user, unit=units[unit_id], year=year, candidates=candidates, trained=trained)


# --- validation rules and the province's ranges ------------------------------------------------------------------


def rule_save(*, user, rule=None, left: str, operator: str, right: str, message: str, severity: str,
              active: bool = True):
    """Create or change a validation rule (administrators); an expression that cannot be read or names an
    unknown indicator is refused with the reason, by field."""
    from targets.models import Severity, ValidationRule

    if not sees_everything(user):
        raise ValidationError(_("Only an administrator changes the validation rules."))
    rules.check_rule_text(left=left, operator=operator, right=right,
                          known=Indicator.objects.values_list("code", flat=True))
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    if not message.strip():
        raise ValidationError({"message": _("Write the message the unit reads.")})
    with transaction.atomic():
        rule = rule or ValidationRule()
        rule.left, rule.operator, rule.right = " ".join(left.split()), operator, " ".join(right.split())
        rule.message, rule.severity, rule.active = " ".join(message.split()), severity, active
        rule.save()
    return rule


def rule_delete(*, user, rule) -> None:
    if not sees_everything(user):
        raise ValidationError(_("Only an administrator changes the validation rules."))
    rule.delete()


def range_set(*, user, unit: Unit, indicator: Indicator, minimum: int, maximum: int):
    """The values of ``indicator`` that ``unit`` and the units below it normally report in a month (the province's
    staff or an administrator)."""
    from targets.models import IndicatorRange

    if not can_approve(user) or not unit_in_scope(user, unit):
        raise ValidationError(_("You cannot set ranges for %(unit)s.") % {"unit": unit.name})
    if minimum < 0 or maximum < 0:
        raise ValidationError(_("A figure cannot be negative."))
    if minimum > maximum:
        raise ValidationError({"maximum": _("The minimum (%(min)s) is above the maximum (%(max)s).") % {
            "min": minimum, "max": maximum}})
    with transaction.atomic():
        item, _created = IndicatorRange.objects.update_or_create(
            unit=unit, indicator=indicator, defaults={"minimum": minimum, "maximum": maximum})
    return item


def range_delete(*, user, item) -> None:
    if not can_approve(user) or not unit_in_scope(user, item.unit):
        raise ValidationError(_("You cannot set ranges for %(unit)s.") % {"unit": item.unit.name})
    item.delete()
