"""Domain rules on a worker's identity: the citizen ID (CCCD) and likely duplicates."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

from portal.models import Structure
from portal.units_loader import available_provinces

_CCCD = re.compile(r"^\d{12}$")


@lru_cache(maxsize=1)
def birth_province_codes() -> frozenset[str]:
    """The 3-digit province codes of birth registration: the 63 legacy provinces (001–096)."""
    return frozenset(code.zfill(3) for code in available_provinces(Structure.LEGACY))


def normalise_citizen_id(value) -> str:
    """Spaces and dots removed; an Excel number keeps its leading zeros back (12 digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value).zfill(12)
    text = re.sub(r"[\s.]", "", str(value or ""))
    if text.isdigit() and len(text) == 11:
        # A spreadsheet that stored the CCCD as a number dropped its leading zero (province codes 001–096).
        text = text.zfill(12)
    return text


def citizen_id_problems(citizen_id: str, *, date_of_birth: dt.date | None, sex: str | None) -> list[str]:
    """Every reason why ``citizen_id`` cannot belong to a person of that birth date and sex."""
    if not _CCCD.match(citizen_id or ""):
        return [_("The citizen ID must have exactly 12 digits.")]
    problems = []
    if citizen_id[:3] not in birth_province_codes():
        problems.append(_("The first 3 digits (%(code)s) are not a province code of birth registration.")
                        % {"code": citizen_id[:3]})
    digit = int(citizen_id[3])
    if digit > 3:
        problems.append(_("The 4th digit must be 0–3 (sex and century of birth)."))
    else:
        century = 1900 if digit < 2 else 2000
        digit_sex = "male" if digit % 2 == 0 else "female"
        if sex and sex != digit_sex:
            problems.append(_("The 4th digit (%(digit)s) does not agree with the sex.") % {"digit": digit})
        if date_of_birth is not None:
            if not century <= date_of_birth.year < century + 100:
                problems.append(_("The 4th digit (%(digit)s) does not agree with the century of birth.") % {"digit": digit})
            elif int(citizen_id[4:6]) != date_of_birth.year % 100:
                problems.append(_("Digits 5–6 (%(yy)s) do not agree with the year of birth %(year)s.")
                                % {"yy": citizen_id[4:6], "year": date_of_birth.year})
    return problems


def normalise_name(name: str) -> str:
    """The key for duplicate detection: NFC, case-folded, single spaces ("  Lê  văn A" → "lê văn a")."""
    text = unicodedata.normalize("NFC", str(name or ""))
    return " ".join(text.split()).casefold()
