"""Vietnamese alphabetical order, the same in the database and in Python (lists, filters, exports).

The Vietnamese alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y: "ă", "â", "đ", "ê",
"ô", "ơ", "ư" are letters of their own (Đ comes after D, "Ân" after every "An…"), while the tones (huyền, hỏi,
ngã, sắc, nặng) only break ties between otherwise equal words, then the case. So "Hàn Quốc" comes before
"Hungary", and "Duy" before "Dương" before "Đà Nẵng".

- PostgreSQL: the ICU collation ``vi_icu`` (``vi-VN``), created by ``portal/migrations/0008``.
- SQLite: a collation of the same name registered on every new connection, comparing :func:`vi_sort_key`.
- Python (rows already in memory, an export, a list of choices): ``sorted(..., key=vi_sort_key)``.

The key is written here because the library that does it (PyICU) ships as source only and needs ICU's headers
and a C++ compiler on every machine that installs the portal; it follows ICU's rules for Vietnamese on the
characters names use (a test compares it with PostgreSQL's ICU on a list of names). Use :func:`vi_order` in
``order_by`` and :func:`vi_sort_key` in Python: one helper wherever names are sorted.

Part of the core: it imports no app.
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db.models import F
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate

COLLATION = "vi_icu"
T = TypeVar("T")

_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: 1000 + 10 * position for position, letter in enumerate(_LETTERS)}
# A base letter with a mark that makes another letter of the alphabet (not a tone).
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                 ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# The tones in ICU's Vietnamese order: none, huyền, hỏi, ngã, sắc, nặng. Other marks (ü, ç…) after them.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


@functools.lru_cache(maxsize=65536)
def vi_sort_key(text: str | None) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The sort key of ``text`` in Vietnamese alphabetical order: (letters, tones and accents, case), each
    compared only when the one before is equal, as a collation's levels are."""
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    for char in unicodedata.normalize("NFD", str(text or "")):
        if unicodedata.combining(char):
            if not primary:
                continue
            position = (primary[-1] - 1000) // 10
            base = _LETTERS[position] if primary[-1] >= 1000 and position < len(_LETTERS) else ""
            letter = _LETTER_MARKS.get((base, char))
            if letter is not None:
                primary[-1] = _RANK[letter]
            elif secondary:
                secondary[-1] = secondary[-1] * 16 + _TONES.get(char, 6 + ord(char) % 10)
            continue
        lower = char.casefold()
        if lower == "đ" or lower in _RANK:
            primary.append(_RANK["đ" if lower == "đ" else lower])
        elif char.isspace():
            primary.append(1)
        elif char.isdigit():
            primary.append(500 + unicodedata.digit(char, 0))
        elif char.isalpha():  # a letter of another alphabet: after the Vietnamese ones, by code point
            primary.append(2000 + ord(lower))
        else:  # punctuation and symbols: after spaces, before digits
            primary.append(2 + ord(char) % 400)
        secondary.append(0)
        tertiary.append(0 if char == lower else 1)
    return tuple(primary), tuple(secondary), tuple(tertiary)


def vi_compare(left: str | None, right: str | None) -> int:
    """-1, 0 or 1: ``left`` before, with or after ``right`` (SQLite's collation function)."""
    a, b = vi_sort_key(left), vi_sort_key(right)
    return (a > b) - (a < b)


def vi_sorted(items: Iterable[T], key: Callable[[T], str | None] | None = None) -> list[T]:
    """``items`` (or ``key(item)``) in Vietnamese alphabetical order (a stable sort)."""
    return sorted(items, key=lambda item: vi_sort_key(key(item) if key else item))


def vi_collate(field: str) -> Collate:
    """``field`` compared in Vietnamese order (an expression for ``order_by``, ``Min``…)."""
    return Collate(F(field), COLLATION)


def vi_order(*fields: str) -> list[OrderBy | str]:
    """``order_by`` arguments: each name field (``"name"``, ``"-full_name"``, ``"unit__name"``) in Vietnamese
    order; fields given as ``"=pk"`` (a leading ``=``) are kept as they are (ids, dates, tie-breakers)."""
    ordering: list[OrderBy | str] = []
    for field in fields:
        if field.startswith("="):
            ordering.append(field[1:])
        elif field.startswith("-"):
            ordering.append(vi_collate(field[1:]).desc())
        else:
            ordering.append(vi_collate(field).asc())
    return ordering


def register_sqlite_collation(sender=None, connection=None, **_kwargs) -> None:
    """``connection_created`` receiver: SQLite learns the ``vi_icu`` collation on every new connection."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, vi_compare)
