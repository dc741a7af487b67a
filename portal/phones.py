"""Phone numbers as keys: 0912 345 678, 0912.345.678, +84 912 345 678 and 84912345678 are one number.

In the core because several apps match people by phone (outreach links leads to workers, complaints
matches the brokers named in cases)."""
from __future__ import annotations

import re

_NON_DIGIT = re.compile(r"\D")


def normalise_phone(value: str | None) -> str:
    """The national form of a Vietnamese number, digits only ("+84912345678" → "0912345678").

    Returns "" for text with fewer than 8 digits (not a usable key).
    """
    text = str(value or "").strip()
    digits = _NON_DIGIT.sub("", text)
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and (text.startswith("+") or len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    elif not digits.startswith("0") and len(digits) == 9:
        digits = "0" + digits  # a spreadsheet dropped the leading zero
    return digits if len(digits) >= 8 else ""
