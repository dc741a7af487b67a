"""Reporting periods: a year, a half, nine months, a quarter, a month, from–to dates, or several years; what
share of a year's target a period expects, and its words in the review (always Vietnamese)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats

PERIOD_CODES = ("year", "h1", "9m", "q1", "q2", "q3", "q4", *(f"m{m:02d}" for m in range(1, 13)))


class PeriodError(ValueError):
    """A period that cannot be built; the message is for the person who asked."""


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _year_fraction(year: int, day: dt.date) -> Fraction:
    """Share of ``year`` elapsed by the end of ``day``: whole months plus the days of the current one."""
    if day < dt.date(year, 1, 1):
        return Fraction(0)
    if day >= dt.date(year, 12, 31):
        return Fraction(1)
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return (Fraction(day.month - 1) + Fraction(day.day, days_in_month)) / 12


@dataclass(frozen=True)
class Period:
    """A reporting period: ``kind`` is year, h1, 9m, q1–q4, m01–m12, range or years."""

    start: dt.date
    end: dt.date
    kind: str

    @classmethod
    def for_year(cls, year: int, code: str = "year") -> Period:
        code = (code or "year").strip().lower()
        if not 1900 <= int(year) <= 2200:
            raise PeriodError(_("The year %(year)s is out of range.") % {"year": year})
        if code == "year":
            return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
        if code == "h1":
            return cls(dt.date(year, 1, 1), dt.date(year, 6, 30), "h1")
        if code == "9m":
            return cls(dt.date(year, 1, 1), dt.date(year, 9, 30), "9m")
        match = re.fullmatch(r"q([1-4])", code)
        if match:
            quarter = int(match.group(1))
            return cls(dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), code)
        match = re.fullmatch(r"m(\d{1,2})", code)
        if match and 1 <= int(match.group(1)) <= 12:
            month = int(match.group(1))
            return cls(dt.date(year, month, 1), _month_end(year, month), f"m{month:02d}")
        raise PeriodError(
            _("Unknown period “%(code)s”: use h1, 9m, q1 to q4, m01 to m12 or year.") % {"code": code})

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        if start > end:
            raise PeriodError(_("The start date %(start)s is after the end date %(end)s.") % {
                "start": formats.format_date(start), "end": formats.format_date(end)})
        return cls(start, end, "range")

    @classmethod
    def for_years(cls, first: int, last: int) -> Period:
        if last < first:
            raise PeriodError(_("The last year %(last)s is before the first year %(first)s.") % {
                "last": last, "first": first})
        if first == last:
            return cls.for_year(first)
        return cls(dt.date(first, 1, 1), dt.date(last, 12, 31), "years")

    @classmethod
    def parse(cls, *, year: int | None = None, period: str | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, year_to: int | None = None) -> Period:
        """From a year and a period code, a last year (several years), or from–to dates."""
        if date_from is not None or date_to is not None:
            if year is not None:
                raise PeriodError(_("Give either a year or a start and an end date, not both."))
            if date_from is None or date_to is None:
                raise PeriodError(_("Give both a start and an end date."))
            return cls.between(date_from, date_to)
        if year is None:
            raise PeriodError(_("Give a year, or a start and an end date."))
        if year_to is not None and year_to != year:
            if period and period != "year":
                raise PeriodError(_("A period of several years covers whole years only."))
            return cls.for_years(year, year_to)
        return cls.for_year(year, period or "year")

    # -- what the period covers
    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def months(self) -> list[dt.date]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months

    def as_of(self, today: dt.date | None = None) -> dt.date:
        today = today or timezone.localdate()
        return min(self.end, today)

    def covered_fraction(self, year: int, today: dt.date | None = None) -> Fraction:
        """Share of ``year`` that this period covers up to its end (or today)."""
        until = self.as_of(today)
        if until < self.start:
            return Fraction(0)
        return max(Fraction(0), _year_fraction(year, until) - _year_fraction(year, self.start - dt.timedelta(days=1)))

    def previous_year(self) -> Period:
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1), self.kind)

    # -- words (the report goes upward in Vietnamese, whatever the screen's language)
    @property
    def label(self) -> str:
        year = self.start.year
        if self.kind == "year":
            return f"Năm {year}"
        if self.kind == "h1":
            return f"6 tháng đầu năm {year}"
        if self.kind == "9m":
            return f"9 tháng đầu năm {year}"
        if self.kind.startswith("q"):
            return f"Quý {self.kind[1]}/{year}"
        if self.kind.startswith("m"):
            return f"Tháng {self.start.month:02d}/{year}"
        if self.kind == "years":
            return f"Giai đoạn {self.start.year}–{self.end.year}"
        return f"Từ {formats.format_date(self.start)} đến {formats.format_date(self.end)}"

    @property
    def sentence_intro(self) -> str:
        if self.kind == "range":
            return self.label
        if self.kind in ("h1", "9m"):
            return f"Trong {self.label}"
        return f"Trong {self.label[0].lower()}{self.label[1:]}"

    @property
    def plan_words(self) -> str:
        """"kế hoạch năm" or "kế hoạch giai đoạn 2023–2025"."""
        if len(self.years) == 1:
            return "kế hoạch năm"
        return f"kế hoạch giai đoạn {self.start.year}–{self.end.year}"

    @property
    def slug(self) -> str:
        if self.kind == "range":
            return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"
        if self.kind == "years":
            return f"{self.start.year}-{self.end.year}"
        return f"{self.start.year}-{self.kind}"

    def to_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "kind": self.kind}

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Period:
        return cls(dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"]), params["kind"])
