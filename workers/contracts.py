"""Dates of a contract and of a returnee's follow-ups: pure arithmetic, no query.

A contract signed for N months from the departure date ends on the same day N months later (the last day of
that month when it is shorter: 31/01 + 1 month = 28/02 or 29/02). A returnee is followed up 3, 6 and 12 months
after the return; each follow-up is due from its date until the next one's (the 12-month one for 3 months), and
missed after that.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

MILESTONES = (3, 6, 12)
# How long a follow-up stays due: until the next milestone; the last one for 3 months.
WINDOW_END = {3: 6, 6: 12, 12: 15}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` + ``months`` calendar months, the day clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contract_end_from(departure_date: dt.date, *, contract_months: int | None = None,
                      contract_end: dt.date | None = None) -> dt.date | None:
    """The end of a contract: the end given, else the departure date + the months, else unknown (None)."""
    if contract_end is not None:
        return contract_end
    if contract_months:
        return add_months(departure_date, contract_months)
    return None


def overstay_start(contract_end: dt.date | None, grace_days: int) -> dt.date | None:
    """The first day a worker still abroad counts as overstaying: the day after the grace period."""
    if contract_end is None:
        return None
    return contract_end + dt.timedelta(days=grace_days + 1)


@dataclass(frozen=True)
class FollowUpDue:
    milestone: int
    due_on: dt.date
    closes_on: dt.date  # the first day it is missed

    def state(self, today: dt.date) -> str:
        """``upcoming``, ``due`` or ``missed`` (for a follow-up not done)."""
        if today < self.due_on:
            return "upcoming"
        return "due" if today < self.closes_on else "missed"


def follow_up_schedule(return_date: dt.date) -> list[FollowUpDue]:
    """The 3-, 6- and 12-month follow-ups of a return, with the day each is due and the day it is missed."""
    return [FollowUpDue(m, add_months(return_date, m), add_months(return_date, WINDOW_END[m])) for m in MILESTONES]


def due_return_dates(milestone: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The returns (by date, inclusive range) whose ``milestone`` follow-up is due on ``today``: returned at
    least ``milestone`` months ago but less than the next milestone's months ago."""
    latest = _months_before(today, milestone)
    earliest = _months_before(today, WINDOW_END[milestone]) + dt.timedelta(days=1)
    return earliest, latest


def _months_before(today: dt.date, months: int) -> dt.date:
    """The latest return date R with add_months(R, months) <= today."""
    candidate = add_months(today, -months)
    # add_months clamps the day: step forward while a later date still reaches today.
    while add_months(candidate + dt.timedelta(days=1), months) <= today:
        candidate += dt.timedelta(days=1)
    return candidate
