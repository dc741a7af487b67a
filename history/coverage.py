"""When a history figure counts: only for a period the registry holds no departure of, in the figure's unit and
below it. The rule, precisely:

- a figure of unit U for a month M counts unless the registry has a departure dated in M whose home unit is U or
  lies below U;
- a figure of unit U for a year Y (only the year's total is known) counts unless the registry has a departure dated
  in Y whose home unit is U or lies below U;
- a figure counts in a report only when its whole month or year lies in the report's period (a year's total says
  nothing about its first half), and in "the same period last year" only when it lies in that period.

Figures themselves never overlap on one line of the tree (the services refuse it), so with this rule no departure
is ever counted twice: a period of a unit is counted either from the registry or from a figure. Going live, the
registry takes over month by month, unit by unit, as its records arrive.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal import tree


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from ``start``'s to ``end``'s."""
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def covered_months(unit_months: Iterable[tuple[str, dt.date]]) -> set[tuple[str, dt.date]]:
    """From the (unit path, month) of registry departures, every (path of that unit or one above it, month)."""
    covered: set[tuple[str, dt.date]] = set()
    for path, month in unit_months:
        month = month.date() if isinstance(month, dt.datetime) else month
        for above in tree.ancestor_paths(path, include_self=True):
            covered.add((above, month.replace(day=1)))
    return covered


def is_covered(path: str, start: dt.date, end: dt.date, covered: set[tuple[str, dt.date]]) -> bool:
    """Whether the registry has a departure in the unit of ``path`` (or below it) in the months of start–end."""
    return any((path, month) in covered for month in months_between(start, end))
