"""Vietnamese formats: 1.274 ; 63,7% ; 3.400.000 đ ; 3,4 tỷ đồng ; dd/mm/yyyy.

Used by templates (``portal_tags``), workbooks, review sentences and every
parser of typed or imported text, so the whole portal reads and writes
numbers and dates one way. US-style mm/dd input is never accepted.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_INT_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_INT_PLAIN = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_MONTH = re.compile(r"^\s*(\d{1,2})\s*[/-]\s*(\d{4})\s*$")


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return ".".join(reversed(out))


def format_int(value: int | Decimal | float | None) -> str:
    """1274 → "1.274"; None → ""."""
    if value is None:
        return ""
    number = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "-" if number < 0 else ""
    return sign + _group(str(abs(number)))


def format_decimal(value: float | Decimal | None, digits: int = 1) -> str:
    """63.66 → "63,7" (thousands grouped with ".")."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, frac = f"{abs(number):f}".partition(".")
    text = sign + _group(whole)
    return f"{text},{frac}" if frac else text


def format_percent(fraction: float | Decimal | None, digits: int = 1) -> str:
    """0.637 → "63,7%" (the argument is a fraction, not a percent); one decimal everywhere. A share above zero
    too small to show at that precision reads "< 0,1%", never "0,0%"."""
    if fraction is None:
        return ""
    percent = Decimal(str(fraction)) * 100
    smallest = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    if 0 < percent < smallest / 2:
        return f"<\u00a0{format_decimal(smallest, digits)}%"  # kept on one line
    return format_decimal(percent, digits) + "%"


def format_money(dong: int | None) -> str:
    """3400000 → "3.400.000 đ"."""
    if dong is None:
        return ""
    return f"{format_int(dong)} đ"


def format_money_short(dong: int | None) -> str:
    """Large sums in tỷ/triệu đồng: 3400000000 → "3,4 tỷ đồng"."""
    if dong is None:
        return ""
    amount = Decimal(int(dong))
    if abs(amount) >= 1_000_000_000:
        return f"{format_decimal(amount / 1_000_000_000, 1)} tỷ đồng"
    if abs(amount) >= 1_000_000:
        return f"{format_decimal(amount / 1_000_000, 1)} triệu đồng"
    return f"{format_int(amount)} đồng"


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_month(value: dt.date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%m/%Y")


def parse_int(text: str | int | float | None) -> int:
    """"1.274" or "1274" → 1274. Raises ValueError on anything else.

    A float from a spreadsheet cell is accepted only when it is whole.
    """
    if text is None:
        raise ValueError("empty")
    if isinstance(text, bool):
        raise ValueError("not a number")
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        if not text.is_integer():
            raise ValueError("not a whole number")
        return int(text)
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if _INT_PLAIN.match(raw):
        return int(raw)
    if _INT_GROUPED.match(raw):
        return int(raw.replace(".", ""))
    raise ValueError("not a whole number")


def parse_decimal(text: str | int | float) -> Decimal:
    """"63,7" → Decimal("63.7"); "1.274,5" → Decimal("1274.5")."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Decimal(str(text))
    raw = str(text).strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif _INT_GROUPED.match(raw):
        raw = raw.replace(".", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a number") from None


def parse_date(text: str | dt.date | dt.datetime | None) -> dt.date:
    """"01/03/2021" → 1 March 2021. Only day/month/year is accepted."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if text is None:
        raise ValueError("empty")
    match = _DATE.match(str(text))
    if not match:
        raise ValueError("expected dd/mm/yyyy")
    day, month, year = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def parse_month(text: str | dt.date | dt.datetime | None) -> dt.date:
    """"03/2021" → date(2021, 3, 1). An Excel date cell gives its month."""
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return text.replace(day=1)
    if text is None:
        raise ValueError("empty")
    match = _MONTH.match(str(text))
    if not match:
        raise ValueError("expected mm/yyyy")
    month, year = (int(g) for g in match.groups())
    return dt.date(year, month, 1)
