"""Bounds for the numbers and dates people type, in one place.

Forms (``portal.forms.VNIntegerField``, ``YearField``, ``VNDateField``), imports (``int_problem``,
``date_problem``) and GET filters (``param_int``, ``param_year``, ``param_date``, ``param_id``) use the same
limits, so a value a form refuses is refused by the import too, and a filter never hands the database (or
``datetime``) a number it cannot hold: a quota of 10^20 does not fit PostgreSQL's ``integer`` (2^31 − 1), and
the year 10000 does not fit ``datetime.date``.

A bound is what the column holds and what makes sense: a count of people stays below ten million (the whole
country sends about 150 000 people a year), an amount in đồng below a million billion, a year of plans and
reports between 1990 and ten years after next year.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats

INTEGER_MAX = 2_147_483_647  # PostgreSQL ``integer`` (IntegerField, PositiveIntegerField)
SMALLINT_MAX = 32_767  # PostgreSQL ``smallint`` (PositiveSmallIntegerField)
BIGINT_MAX = 9_223_372_036_854_775_807  # ``bigint`` (ids, PositiveBigIntegerField)

YEAR_MIN = 1990
DATE_MIN = dt.date(1900, 1, 1)  # the earliest date of any kind (a date of birth)
PERIOD_MIN = dt.date(YEAR_MIN, 1, 1)  # the earliest date of a period, a plan, a report, an event


def year_max() -> int:
    """The last year anyone plans for: next year + 10."""
    return timezone.localdate().year + 11


def date_max() -> dt.date:
    return dt.date(year_max(), 12, 31)


@dataclass(frozen=True)
class IntBound:
    minimum: int
    maximum: int


PEOPLE = IntBound(0, 10_000_000)  # a count of people: a quota, a goal, attendees, a figure of a month
AMOUNT = IntBound(0, 10**15)  # an amount in đồng: a payment, a budget, a cost (a million billion)
SMALL = IntBound(0, SMALLINT_MAX)  # an order, a number of days or months, a percentage
COLUMN = IntBound(-INTEGER_MAX - 1, INTEGER_MAX)  # whatever fits an integer column: the default of every field


def year_bound() -> IntBound:
    return IntBound(YEAR_MIN, year_max())


def int_problem(value: int, bound: IntBound = COLUMN) -> str | None:
    """The sentence for a number outside its bound (None when it fits): for import rows and services."""
    if value < bound.minimum:
        return _("The number must be at least %(min)s.") % {"min": formats.format_int(bound.minimum)}
    if value > bound.maximum:
        return _("The number is too large: at most %(max)s.") % {"max": formats.format_int(bound.maximum)}
    return None


def year_problem(year: int) -> str | None:
    if not YEAR_MIN <= year <= year_max():
        return _("The year must be between %(min)s and %(max)s.") % {"min": YEAR_MIN, "max": year_max()}
    return None


def date_problem(value: dt.date, *, earliest: dt.date = DATE_MIN, latest: dt.date | None = None) -> str | None:
    latest = latest or date_max()
    if not earliest <= value <= latest:
        return _("The date must be between %(min)s and %(max)s.") % {
            "min": formats.format_date(earliest), "max": formats.format_date(latest)}
    return None


def check_int(value: int | None, bound: IntBound = COLUMN, *, field: str | None = None) -> None:
    """Raise a ValidationError (on ``field`` when named) for a number outside its bound; None passes."""
    problem = None if value is None else int_problem(value, bound)
    if problem:
        raise ValidationError({field: problem} if field else problem, code="bounds")


def check_year(value: int | None, *, field: str | None = None) -> None:
    problem = None if value is None else year_problem(value)
    if problem:
        raise ValidationError({field: problem} if field else problem, code="bounds")


def check_date(value: dt.date | None, *, earliest: dt.date = DATE_MIN, field: str | None = None) -> None:
    problem = None if value is None else date_problem(value, earliest=earliest)
    if problem:
        raise ValidationError({field: problem} if field else problem, code="bounds")


# GET filters: a value that does not parse or is out of bounds is simply no filter (None), never an error.

def param_int(text: str | None, bound: IntBound = COLUMN) -> int | None:
    try:
        value = formats.parse_int(text)
    except ValueError:
        return None
    return value if int_problem(value, bound) is None else None


def param_id(text: str | None) -> int | None:
    """A primary key from the query string: digits only, at most what a bigint holds."""
    text = str(text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= BIGINT_MAX else None


def param_year(text: str | None) -> int | None:
    text = str(text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    value = int(text)
    return value if year_problem(value) is None else None


def param_date(text: str | None, *, earliest: dt.date = DATE_MIN) -> dt.date | None:
    try:
        value = formats.parse_date(text)
    except (ValueError, TypeError):
        return None
    return value if date_problem(value, earliest=earliest) is None else None


def param_text(text: str | None, max_length: int = 200) -> str:
    """Free text from the query string (a search): trimmed, at most ``max_length`` characters and without NUL
    characters, which PostgreSQL refuses in any string ("A string literal cannot contain NUL")."""
    return str(text or "").replace("\x00", "").strip()[:max_length]
