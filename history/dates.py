"""Dates of history sheets: day/month/year, as the portal always reads them, never month/day.

A column whose dates show month/day order elsewhere (a second number above 12: "12/25/1990") is not read silently:
the preview asks the user, who either corrects the file or confirms that the column is day/month (the values that
cannot be are then errors to correct). A column with a first number above 12 somewhere is plainly day/month; one
whose every date could be either is read day/month, the Vietnamese convention.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class DateProblem(ValueError):
    """The value is not a date the portal accepts; the message says why."""


@dataclass
class DateEvidence:
    """What a column's text dates say about their order (row numbers, a few of each)."""

    month_day_rows: list[int] = field(default_factory=list)  # second number above 12: only month/day fits
    day_month_rows: list[int] = field(default_factory=list)  # first number above 12: only day/month fits
    month_day_values: list[str] = field(default_factory=list)
    either: int = 0  # both numbers up to 12: either order fits

    @property
    def shows_month_day(self) -> bool:
        return bool(self.month_day_rows)


def analyse(values: list[tuple[int, Any]]) -> DateEvidence:
    evidence = DateEvidence()
    for row, value in values:
        if value is None or isinstance(value, (dt.date, dt.datetime)):
            continue
        match = _DMY.match(str(value).strip())
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if second > 12 and first <= 12:
            evidence.month_day_rows.append(row)
            if len(evidence.month_day_values) < 3:
                evidence.month_day_values.append(str(value).strip())
        elif first > 12 and second <= 12:
            evidence.day_month_rows.append(row)
        elif first <= 12 and second <= 12:
            evidence.either += 1
    return evidence


def parse(value: Any) -> dt.date | None:
    """A cell as a date (None when empty): an Excel date, dd/mm/yyyy (also with - or .), or yyyy-mm-dd.
    Raises :class:`DateProblem` with the reason."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= int(value) <= 2100:
            raise DateProblem(_("Only the year (%(year)s) is given: write the whole date as dd/mm/yyyy.")
                              % {"year": int(value)})
        raise DateProblem(_("Not a date: write it as dd/mm/yyyy."))
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        raise DateProblem(_("Only the year (%(year)s) is given: write the whole date as dd/mm/yyyy.") % {"year": text})
    iso = _ISO.match(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        match = _DMY.match(text)
        if not match:
            raise DateProblem(_("Not a date: write it as dd/mm/yyyy."))
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise DateProblem(_("Write the year with four digits (dd/mm/yyyy)."))
        if month > 12:
            raise DateProblem(_("There is no month %(month)s: dates are read as day/month/year, never month/day.")
                              % {"month": month})
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateProblem(_("This date does not exist.")) from None
