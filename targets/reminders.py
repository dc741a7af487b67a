"""What the targets app reminds people of every morning (a source of ``notifications.reminders``):

- to the officials of a unit: a month's figures whose deadline approaches (from the number of days before it
  each person chose), and a month that became overdue (on its first late day, then every
  ``REMINDER_OVERDUE_REPEAT_DAYS`` days while it stays overdue);
- to provincial staff: reports waiting for their approval, whenever a new one has arrived.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.reminders import Reminder
from portal import formats, tree
from portal.models import Role, Scope
from portal.selectors import officials_covering
from targets.chase import DRAFT, DUE, NOT_DUE, OVERDUE, cells_for, reporting_units, window
from targets.models import MonthlyReport, ReportStatus

MAX_DAYS_AHEAD = 31  # a deadline further away is nobody's reminder yet


def _figures_url(cell) -> str:
    return reverse("targets:figures", args=[cell.unit.pk, cell.month.year, cell.month.month])


def monthly_reminders(today: dt.date) -> list[Reminder]:
    months = window(today)
    units = list(reporting_units(None, sorted({m.year for m in months})))
    cells = [c for unit_cells in cells_for(units, months, today).values() for c in unit_cells
             if c.status == OVERDUE or (c.status in (NOT_DUE, DUE, DRAFT) and c.days_left is not None
                                        and c.days_left <= MAX_DAYS_AHEAD)]
    people = officials_covering({c.unit for c in cells}) if cells else {}
    repeat = int(getattr(settings, "REMINDER_OVERDUE_REPEAT_DAYS", 7))
    reminders = []
    with translation.override(settings.LANGUAGE_CODE):
        for cell in cells:
            names = {"unit": cell.unit.name, "month": formats.format_month(cell.month),
                     "date": formats.format_date(cell.deadline)}
            if cell.status == OVERDUE:
                round_ = (cell.days_late - 1) // repeat if repeat else 0
                kind, key = "targets.overdue", f"targets.overdue:{cell.unit.pk}:{cell.month:%Y-%m}:{round_}"
                title = ngettext("The figures of %(unit)s for %(month)s are %(n)s day overdue",
                                 "The figures of %(unit)s for %(month)s are %(n)s days overdue",
                                 cell.days_late) % {**names, "n": cell.days_late}
                body, due = _("The deadline was %(date)s.") % names, None
            else:
                kind, key = "targets.due", f"targets.due:{cell.unit.pk}:{cell.month:%Y-%m}:{cell.deadline:%Y%m%d}"
                title = _("The figures of %(unit)s for %(month)s are due by %(date)s") % names
                body, due = (_("A draft is saved: remember to submit it.") if cell.status == DRAFT else ""), cell.deadline
            for user_id in people.get(cell.unit.pk, ()):
                reminders.append(Reminder(user_id=user_id, kind=kind, key=key, title=title, body=body,
                                          url=_figures_url(cell), due=due))
        reminders += _queue_reminders()
    return reminders


def _queue_reminders() -> list[Reminder]:
    """Each provincial officer with reports waiting below their unit, when the newest arrived since the last one."""
    waiting = list(MonthlyReport.objects.filter(status=ReportStatus.SUBMITTED).values_list("pk", "unit__path"))
    if not waiting:
        return []
    reminders = []
    for user_id, path in (Scope.objects.filter(role=Role.PROVINCE, user__is_active=True, unit__isnull=False)
                          .values_list("user_id", "unit__path")):
        mine = [pk for pk, unit_path in waiting if unit_path != path and tree.is_within(unit_path, path)]
        if not mine:
            continue
        reminders.append(Reminder(
            user_id=user_id, kind="targets.queue", key=f"targets.queue:{max(mine)}", url=reverse("targets:queue"),
            title=ngettext("%(n)s monthly report waits for your approval", "%(n)s monthly reports wait for your approval",
                           len(mine)) % {"n": len(mine)}))
    return reminders
