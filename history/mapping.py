"""Which column of a history sheet is which of the portal's fields: proposed from the header's words and from what
the column holds, corrected by the user, saved under a name for next year's sheet of the same shape."""
from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from history.fields import (
    FIELDS,
    KIND_FIELDS,
    field_label,
    field_year,
    header_year,
    required_problems,
    year_field,
)
from history.models import ColumnMapping, SheetKind
from history.reading import name_match, name_matches
from portal.xlsx import normalise_header

CONTENT_SAMPLE = 200
_DIGITS = re.compile(r"^\d+$")
_DATE_PARTS = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
_ADDRESS_WORDS = ("xa", "phuong", "huyen", "thon", "tinh", "thitran", "quan", "thixa", "thanhpho", "ap", "khupho",
                  "xom", "to")
_ENTERPRISE_WORDS = ("congty", "cty", "tnhh", "cophan", "ctcp", "doanhnghiep", "tongcongty")
# Countries as legacy sheets write them beyond their official names.
COUNTRY_ALIASES = {"nhat": "JP", "japan": "JP", "han": "KR", "korea": "KR", "namtrieutien": "KR",
                   "dai": "TW", "dailoantrungquoc": "TW", "taiwan": "TW", "malaysia": "MY", "malai": "MY",
                   "duc": "DE", "germany": "DE", "arap": "SA", "arapxeut": "SA", "trungquoc": "CN"}


def id_digits(value: Any) -> str:
    """An ID number as digits: spaces and dots removed; a number cell that lost its leading 0 padded back
    (8 digits → a 9-digit CMND, 11 → a 12-digit CCCD)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s.\-]", "", str(value if value is not None else ""))
    if isinstance(value, int) and not isinstance(value, bool) and len(text) in (8, 11):
        text = text.zfill(len(text) + 1)
    return text


def _date_year(value: Any) -> int | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    match = _DATE_PARTS.match(str(value).strip())
    if not match:
        return None
    first, _second, third = match.groups()
    year = int(third) if len(third) == 4 else int(first) if len(first) == 4 else None
    return year


@dataclass
class Proposal:
    kind: str
    mapping: list[str]  # a field key (or "") per column
    reasons: list[str]  # "saved", "name", "content" or "" per column
    saved: ColumnMapping | None = None


def country_keys(countries) -> dict[str, str]:
    """Normalised country names and codes → ISO code."""
    keys = {key: code for key, code in COUNTRY_ALIASES.items()}
    for country in countries:
        for name in (country.code, country.name_vi, country.name_en):
            keys[normalise_header(name)] = country.code
    return keys


def _column_values(rows: list[tuple[int, list[Any]]], index: int) -> list[Any]:
    values = []
    for _number, cells in rows:
        if index < len(cells) and cells[index] is not None:
            values.append(cells[index])
            if len(values) >= CONTENT_SAMPLE:
                break
    return values


def content_kind(values: list[Any], countries: dict[str, str]) -> tuple[str, float | None]:
    """What a column holds, from its values: ("id" | "date" | "country" | "sex" | "address" | "enterprise" |
    "year" | "", median year for dates)."""
    if not values:
        return "", None
    n = len(values)
    ids = sum(1 for v in values if len(id_digits(v)) in (9, 12) and _DIGITS.match(id_digits(v)))
    if ids >= 0.8 * n:
        return "id", None
    years = [y for y in (_date_year(v) for v in values) if y]
    if len(years) >= 0.8 * n:
        return "date", statistics.median(years)
    whole = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(whole) >= 0.8 * n and all(1980 <= v <= 2100 for v in whole):
        return "year", None
    texts = [normalise_header(v) for v in values if isinstance(v, str)]
    if not texts:
        return "", None
    if sum(1 for t in texts if t in countries) >= 0.6 * n:
        return "country", None
    if sum(1 for t in texts if t in ("nam", "nu", "male", "female")) >= 0.8 * n:
        return "sex", None
    if sum(1 for t in texts if any(w in t for w in _ENTERPRISE_WORDS)) >= 0.5 * n:
        return "enterprise", None
    addressy = 0
    for value in values:
        if isinstance(value, str):
            words = {normalise_header(word) for word in re.split(r"[\s,;.]+", value)}
            if "," in value or words & set(_ADDRESS_WORDS):
                addressy += 1
    if addressy >= 0.6 * n:
        return "address", None
    return "", None


def propose(labels: list[str], rows: list[tuple[int, list[Any]]], *, countries: dict[str, str],
            kind: str | None = None, saved: ColumnMapping | None = None) -> Proposal:
    """The mapping the portal proposes: a saved mapping's columns by header, then the header's words, then what
    each remaining column holds. ``kind`` None: guessed (a list of people when it names a full name or an ID)."""
    contents = [content_kind(_column_values(rows, index), countries) for index in range(len(labels))]
    if kind is None:
        kind = saved.kind if saved is not None else guess_kind(labels, [content for content, _year in contents])
    by_name = [name_match(label, kind) if label else None for label in labels]
    allowed = {field.key for field in KIND_FIELDS[kind]}
    mapping = [""] * len(labels)
    reasons = [""] * len(labels)
    taken: set[str] = set()

    def assign(index: int, key: str, reason: str) -> None:
        if key and key not in taken and not mapping[index]:
            mapping[index], reasons[index] = key, reason
            taken.add(key)

    if saved is not None and saved.kind == kind:
        for index, label in enumerate(labels):
            name = normalise_header(label)
            if name not in saved.columns:
                continue
            key = saved.columns[name]
            if key and (key in allowed or field_year(key) is not None):
                assign(index, key, "saved")
            elif not key:
                reasons[index] = "saved"  # not imported, as the saved mapping says
    for index, label in enumerate(labels):
        if reasons[index] == "saved":
            continue
        key = by_name[index]
        if key in allowed:
            assign(index, key, "name")
        elif kind == SheetKind.TOTALS and header_year(label):
            assign(index, year_field(header_year(label)), "name")
    # What the remaining columns hold.
    dates: list[tuple[int, float]] = []
    for index, label in enumerate(labels):
        if mapping[index] or reasons[index] == "saved" or (not label and kind == SheetKind.TOTALS):
            continue
        content, median_year = contents[index]
        if kind == SheetKind.PEOPLE:
            if content == "id":
                assign(index, "id_number", "content")
            elif content == "date":
                dates.append((index, median_year))
            elif content in ("country", "sex", "address", "enterprise"):
                assign(index, content, "content")
        elif content == "year":
            assign(index, "year", "content")
    for index, median_year in dates:
        order = ("date_of_birth",) if median_year < 2005 else ("departure_date", "return_date")
        for key in order:
            if key not in taken:
                assign(index, key, "content")
                break
    return Proposal(kind=kind, mapping=mapping, reasons=reasons, saved=saved)


def guess_kind(labels: list[str], contents: list[str]) -> str:
    """A list of workers when a header names a person's field (a full name, an ID number) or a column holds ID
    numbers; a sheet of totals when headers name a unit and counts or years; a list of workers when unclear."""
    people = {key for label in labels for key in name_matches(label) if FIELDS[key].kind == SheetKind.PEOPLE}
    totals = {key for label in labels for key in name_matches(label) if FIELDS[key].kind == SheetKind.TOTALS}
    if people & {"full_name", "id_number", "citizen_id", "legacy_id_number"} or "id" in contents:
        return SheetKind.PEOPLE
    if any(header_year(label) for label in labels) or totals & {"departed", "year"}:
        return SheetKind.TOTALS
    return SheetKind.PEOPLE if len(people) >= len(totals) else SheetKind.TOTALS


def mapping_problems(kind: str, mapping: list[str], labels: list[str]) -> list[str]:
    """Why a mapping cannot be used: two columns mapped to one field, a required field without a column."""
    problems = []
    counts = Counter(key for key in mapping if key)
    for key, count in counts.items():
        if count > 1:
            columns = ", ".join(f"“{labels[i] or i + 1}”" for i, k in enumerate(mapping) if k == key)
            problems.append(_("Two columns are mapped to “%(field)s”: %(columns)s. Map one of them only.")
                            % {"field": field_label(key), "columns": columns})
    allowed = {field.key for field in KIND_FIELDS[kind]}
    for key in counts:
        if key not in allowed and not (kind == SheetKind.TOTALS and field_year(key) is not None):
            problems.append(_("“%(field)s” is not a field of this kind of sheet.") % {"field": field_label(key)})
    problems.extend(required_problems(kind, set(counts)))
    return problems


def find_saved_mapping(user, labels: list[str]) -> ColumnMapping | None:
    """The saved mapping (visible to the user) that names most of these headers: at least two of them and most of
    its own columns, so that next year's sheet of the same shape maps itself."""
    keys = {normalise_header(label) for label in labels if label}
    best, best_score = None, 0
    for saved in ColumnMapping.objects.visible_to(user).order_by("-updated_at", "-pk"):
        own = {name for name, key in saved.columns.items() if key}
        shared = len(own & keys)
        if shared >= 2 and shared >= 0.6 * len(own) and shared > best_score:
            best, best_score = saved, shared
    return best


def mapping_columns(labels: list[str], mapping: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(normalised header → field, normalised header → header as written) of the mapped columns, to save."""
    columns, written = {}, {}
    for label, key in zip(labels, mapping, strict=False):
        if label and normalise_header(label):
            columns[normalise_header(label)] = key or ""  # "": not imported, on purpose
            written[normalise_header(label)] = label
    return columns, written
