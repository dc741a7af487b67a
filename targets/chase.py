"""The monthly chase: which unit owes which month's figures, by when, and what waits for the province.

**Who must report.** A unit below a province that takes part in the programme: every month of a year for
which it was given a quota (the districts of the legacy structure, the communes of the 2025 one, the
communes a district gave quotas to), and, without a quota, every month from the first one it reported in
that year.

**A month's state on a given day** (:func:`month_cell`):

- *not yet due*: the month has not ended (figures may already be entered);
- *due*: the month has ended and its deadline has not passed: day ``MONTHLY_DEADLINE_DAY`` of the next
  month, the last day of that month when it is shorter (``services.deadline``), or the later day the
  province reopened it until; the deadline day itself is still on time;
- *draft*: figures saved but not submitted, deadline not passed;
- *overdue N days*: the deadline passed N days ago and nothing was submitted (a draft included);
- *submitted*, *sent back* (with the province's comment), *approved*: the report's status.

**Timeliness** (as DHIS2 reports it): of the months whose deadline has passed, the share submitted at all
(completeness) and the share first submitted by the original deadline (timeliness).

Screens (the inbox, the board, the completeness grid), the workbook and the reminders read these selectors.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.models import Level, Role, Unit
from portal.scoping import sees_everything, user_role, user_unit, visible_units
from targets import services
from targets.checks import report_warnings
from targets.models import MonthlyReport, MonthlyValue, Quota, ReportAction, ReportStatus

NOT_DUE, DUE, DRAFT, OVERDUE = "not_due", "due", "draft", "overdue"
SUBMITTED, RETURNED, APPROVED = ReportStatus.SUBMITTED.value, ReportStatus.RETURNED.value, ReportStatus.APPROVED.value
NOT_REQUIRED = "not_required"
STATUSES = [NOT_DUE, DUE, DRAFT, OVERDUE, SUBMITTED, RETURNED, APPROVED, NOT_REQUIRED]
STATUS_LABELS = {
    NOT_DUE: _("Not yet due"), DUE: _("Due"), DRAFT: _("Draft"), OVERDUE: _("Overdue"),
    SUBMITTED: _("Submitted"), RETURNED: _("Sent back"), APPROVED: _("Approved"), NOT_REQUIRED: _("Not required"),
}
# A sign beside the colour, so that no one needs to tell colours apart (and a print in grey still reads).
STATUS_MARKS = {NOT_DUE: "·", DUE: "!", DRAFT: "✎", OVERDUE: "⚠", SUBMITTED: "↑", RETURNED: "↩", APPROVED: "✓",
                NOT_REQUIRED: "—"}
# The states that wait for the unit (figures to send or correct).
OPEN = (NOT_DUE, DUE, DRAFT, OVERDUE, RETURNED)
WINDOW_MONTHS = 12


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def window(today: dt.date, months: int = WINDOW_MONTHS) -> list[dt.date]:
    """The ``months`` months up to and including the current one, oldest first."""
    current = today.replace(day=1)
    return [add_months(current, -n) for n in range(months - 1, -1, -1)]


@dataclass(frozen=True)
class ReportInfo:
    """What the chase needs of a report (one row of one query)."""

    id: int
    unit_id: int
    month: dt.date
    status: str
    version: int
    comment: str
    reopened_until: dt.date | None
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    first_submitted_at: dt.datetime | None
    has_values: bool = True


@dataclass(frozen=True)
class MonthCell:
    unit: Unit
    month: dt.date
    status: str
    deadline: dt.date  # the one in force (a reopening moves it)
    days_late: int = 0  # overdue: days past the deadline
    days_left: int | None = None  # still open: days until the deadline (0: the deadline is today)
    has_draft: bool = False
    report: ReportInfo | None = None
    on_time: bool | None = None  # first submitted by the original deadline (None: not submitted)

    @property
    def label(self) -> str:
        if self.status == OVERDUE:
            return ngettext("Overdue %(n)s day", "Overdue %(n)s days", self.days_late) % {"n": self.days_late}
        return str(STATUS_LABELS[self.status])

    @property
    def mark(self) -> str:
        return STATUS_MARKS[self.status]

    @property
    def comment(self) -> str:
        return self.report.comment if self.report else ""

    @property
    def actionable(self) -> bool:
        """The unit must act now: due, draft, overdue or sent back (a month not yet ended is not counted)."""
        return self.status in (DUE, DRAFT, OVERDUE, RETURNED)


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def month_cell(*, unit: Unit, month: dt.date, today: dt.date, report: ReportInfo | None,
               expected: bool = True) -> MonthCell:
    """The state of ``unit``'s figures of ``month`` on ``today`` (see the module's docstring)."""
    original = services.deadline(month)
    reopened = report.reopened_until if report else None
    in_force = max(original, reopened) if reopened else original
    first = _local_day(report.first_submitted_at) if report else None
    on_time = None if first is None else first <= original
    common = {"unit": unit, "month": month, "deadline": in_force, "report": report, "on_time": on_time}
    status = report.status if report else None
    if status in (SUBMITTED, APPROVED):
        return MonthCell(status=status, **common)
    if status == RETURNED:
        late = max((today - in_force).days, 0)
        return MonthCell(status=RETURNED, days_late=late, days_left=max((in_force - today).days, 0) if not late else None,
                         **common)
    has_draft = status == ReportStatus.DRAFT and report.has_values  # a reopening alone leaves an empty report
    if not expected and not has_draft:
        return MonthCell(status=NOT_REQUIRED, **common)
    if today > in_force:
        return MonthCell(status=OVERDUE, days_late=(today - in_force).days, has_draft=has_draft, **common)
    days_left = (in_force - today).days
    if has_draft:
        return MonthCell(status=DRAFT, days_left=days_left, has_draft=True, **common)
    if today <= month_end(month):
        return MonthCell(status=NOT_DUE, days_left=days_left, **common)
    return MonthCell(status=DUE, days_left=days_left, **common)


# --- who reports, and their reports ---------------------------------------------------------------------------


def reporting_units(user, years: list[int], *, level: str | None = None) -> QuerySet[Unit]:
    """The units of the user's scope (``user=None``: every unit) that must report in any of ``years`` (module
    docstring), by path."""
    units = (visible_units(user) if user is not None else Unit.objects.all()).exclude(level=Level.PROVINCE)
    if level:
        units = units.filter(level=level)
    taking_part = Q(Exists(Quota.objects.filter(unit=OuterRef("pk"), year__in=years))) | Q(Exists(
        MonthlyReport.objects.filter(unit=OuterRef("pk"), month__gte=dt.date(min(years), 1, 1),
                                     month__lte=dt.date(max(years), 12, 1))))
    return units.filter(taking_part).order_by("path")


def report_infos(units, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], ReportInfo]:
    """{(unit id, month): ReportInfo} of ``units`` (a queryset or a list) from ``first`` to ``last``; one query."""
    first_submission = Min("events__at", filter=Q(events__action__in=[ReportAction.SUBMITTED, ReportAction.IMPORTED]))
    rows = (MonthlyReport.objects.filter(unit__in=units, month__gte=first, month__lte=last)
            .order_by().annotate(first_submitted_at=first_submission,
                                 has_values=Exists(MonthlyValue.objects.filter(report=OuterRef("pk"))))
            .values_list("id", "unit_id", "month", "status", "version", "comment", "reopened_until", "submitted_at",
                         "reviewed_at", "first_submitted_at", "has_values"))
    return {(row[1], row[2]): ReportInfo(*row) for row in rows}


def quota_years(units, years: list[int]) -> set[tuple[int, int]]:
    return set(Quota.objects.filter(unit__in=units, year__in=years).values_list("unit_id", "year"))


def cells_for(units: list[Unit], months: list[dt.date], today: dt.date) -> dict[int, list[MonthCell]]:
    """{unit id: its cells of ``months``}. A month is expected when the unit has a quota for its year, or has
    reported that month or an earlier one of the same year (a unit without a quota takes part from its first
    report on). Three queries."""
    if not units or not months:
        return {unit.pk: [] for unit in units}
    years = sorted({m.year for m in months})
    reports = report_infos(units, dt.date(months[0].year, 1, 1), months[-1])
    quotas = quota_years(units, years)
    first_reported: dict[tuple[int, int], dt.date] = {}
    for unit_id, month in sorted(reports, key=lambda key: key[1]):
        first_reported.setdefault((unit_id, month.year), month)
    out = {}
    for unit in units:
        out[unit.pk] = [
            month_cell(unit=unit, month=m, today=today, report=reports.get((unit.pk, m)),
                       expected=(unit.pk, m.year) in quotas or first_reported.get((unit.pk, m.year), m + dt.timedelta(1)) <= m)
            for m in months]
    return out


# --- the board --------------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    unit: Unit
    cells: list[MonthCell]
    today: dt.date

    @property
    def past_deadline(self) -> list[MonthCell]:
        """The expected months whose original deadline has passed: what completeness and timeliness count."""
        return [c for c in self.cells if c.status != NOT_REQUIRED and services.deadline(c.month) < self.today]

    @property
    def expected(self) -> int:
        return len(self.past_deadline)

    @property
    def submitted(self) -> int:
        return sum(1 for c in self.past_deadline if c.on_time is not None)

    @property
    def on_time(self) -> int:
        return sum(1 for c in self.past_deadline if c.on_time)

    @property
    def completeness(self) -> float | None:
        return self.submitted / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def statuses(self) -> set[str]:
        return {c.status for c in self.cells}


@dataclass
class Board:
    year: int
    today: dt.date
    months: list[dt.date]
    rows: list[BoardRow]
    counts: dict[str, int]
    level: str | None = None
    status: str | None = None

    def count_rows(self) -> list[tuple[str, str, str, int]]:
        return [(key, str(STATUS_LABELS[key]), STATUS_MARKS[key], self.counts.get(key, 0)) for key in STATUSES
                if key != NOT_REQUIRED or self.counts.get(key)]


def due_board(*, user, year: int, today: dt.date, level: str | None = None, status: str | None = None) -> Board:
    """Every unit of the user's scope that reports in ``year`` × the months of ``year`` that have started, with
    their state on ``today``; ``level`` keeps one level of units, ``status`` the units with a month in that
    state. Three queries, whatever the number of units."""
    current = today.replace(day=1)
    months = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= current]
    units = list(reporting_units(user, [year], level=level)) if months else []
    by_unit = cells_for(units, months, today)
    rows = [BoardRow(unit=u, cells=by_unit[u.pk], today=today) for u in units]
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for cell in row.cells:
            counts[cell.status] += 1
    if status:
        rows = [row for row in rows if status in row.statuses]
    return Board(year=year, today=today, months=months, rows=rows, counts=dict(counts), level=level, status=status)


# --- the inbox --------------------------------------------------------------------------------------------------


@dataclass
class QueueItem:
    report: MonthlyReport
    warnings: list[str]

    @property
    def waiting_days(self) -> int:
        submitted = _local_day(self.report.submitted_at)
        return (timezone.localdate() - submitted).days if submitted else 0


def queue_reports(user) -> QuerySet[MonthlyReport]:
    """The submitted reports ``user`` may approve, oldest submission first: units strictly below a provincial
    officer's unit (administrators: all)."""
    if not (sees_everything(user) or user_role(user) == Role.PROVINCE) or (
            not sees_everything(user) and user_unit(user) is None):
        return MonthlyReport.objects.none()
    reports = MonthlyReport.objects.visible_to(user).filter(status=ReportStatus.SUBMITTED)
    own = user_unit(user)
    if own is not None:
        reports = reports.exclude(unit=own)
    return reports.select_related("unit", "submitted_by").order_by("submitted_at", "pk")


def queue_items(reports: list[MonthlyReport]) -> list[QueueItem]:
    """The reports with the warnings of the registered checks (``targets.checks``)."""
    warnings = report_warnings(reports)
    return [QueueItem(report=r, warnings=warnings.get(r.pk, [])) for r in reports]


def approval_queue(user, *, limit: int | None = None) -> list[QueueItem]:
    return queue_items(list(queue_reports(user)[:limit] if limit else queue_reports(user)))


@dataclass
class Inbox:
    role: str | None
    due: list[MonthCell] = field(default_factory=list)
    overdue: list[MonthCell] = field(default_factory=list)
    returned: list[MonthCell] = field(default_factory=list)
    queue: list[QueueItem] = field(default_factory=list)
    queue_total: int = 0
    overdue_units: list[tuple[Unit, list[MonthCell]]] = field(default_factory=list)
    reopened: list[MonthCell] = field(default_factory=list)

    @property
    def count(self) -> int:
        """What awaits the user's action (the navigation bar's figure)."""
        if self.role in (Role.OFFICIAL,):
            return sum(1 for c in self.due if c.actionable) + len(self.overdue) + len(self.returned)
        return self.queue_total + len(self.overdue_units)

    @property
    def empty(self) -> bool:
        return not (self.due or self.overdue or self.returned or self.queue or self.overdue_units or self.reopened)


QUEUE_SHOWN = 10


def inbox(user, *, today: dt.date | None = None, with_queue: bool = True) -> Inbox | None:
    """What the home page's inbox shows ``user`` on ``today``; None for those who act on nothing (viewers, no
    scope). Officials: their units' months due, overdue and sent back. Provincial staff and administrators:
    the approval queue, the overdue units and the reopened months below them."""
    today = today or services.today()
    role = user_role(user)
    if role not in (Role.OFFICIAL, Role.PROVINCE, Role.ADMIN) or (role != Role.ADMIN and user_unit(user) is None):
        return None
    months = window(today)
    units = list(reporting_units(user, sorted({m.year for m in months})))
    own = user_unit(user)
    if role != Role.OFFICIAL and own is not None:
        units = [u for u in units if u.pk != own.pk]
    cells = [cell for unit_cells in cells_for(units, months, today).values() for cell in unit_cells]
    box = Inbox(role=role)
    if role == Role.OFFICIAL:
        box.due = sorted((c for c in cells if c.status in (NOT_DUE, DUE, DRAFT)), key=lambda c: (c.deadline, c.unit.path))
        box.overdue = sorted((c for c in cells if c.status == OVERDUE), key=lambda c: (-c.days_late, c.unit.path))
        box.returned = sorted((c for c in cells if c.status == RETURNED), key=lambda c: (c.deadline, c.unit.path))
        return box
    late: dict[int, list[MonthCell]] = defaultdict(list)
    for cell in cells:
        if cell.status == OVERDUE:
            late[cell.unit.pk].append(cell)
    box.overdue_units = sorted(((cs[0].unit, cs) for cs in late.values()),
                               key=lambda item: (-max(c.days_late for c in item[1]), item[0].path))
    box.reopened = sorted((c for c in cells if c.report and c.report.reopened_until
                           and c.report.reopened_until >= today and c.status in (DUE, DRAFT, NOT_DUE, RETURNED, OVERDUE)),
                          key=lambda c: (c.deadline, c.unit.path))
    box.queue_total = queue_reports(user).count()
    if with_queue:
        box.queue = approval_queue(user, limit=QUEUE_SHOWN)
    return box
