"""Turning a unit code typed by a person or read from a sheet into a Unit.

Codes were reused by the 2025 reform, so a code names a unit only together
with its structure. When the structure is not given, a code found in one
loaded structure is that unit; a code found in both is read in the structure
of the reader's own scope (the importing user's), and for an administrator in
the structure in force on the row's date (a departure date, else today).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from portal.models import Unit
from portal.scoping import sees_everything, unit_in_scope, user_unit
from portal.tree import structure_in_force


class UnitCodeError(ValueError):
    """The code names no unit, or none the user may use; the message says which."""


class UnitResolver:
    """Resolves many codes with one query (for imports of thousands of rows)."""

    def __init__(self, codes: Iterable[str], *, user=None, structure: str | None = None, reader=None):
        self.user = user
        self.reader = reader if reader is not None else user  # whose scope reads an ambiguous code
        self.structure = structure
        self._by_code: dict[str, dict[str, Unit]] = defaultdict(dict)
        self._loaded: set[str] = set()
        self.load(codes)

    def load(self, codes: Iterable[str]) -> None:
        """Read the units of ``codes`` not read yet (one query; an import reads them a batch of rows at a time)."""
        wanted = {str(c).strip() for c in codes if c not in (None, "")} - self._loaded
        if not wanted:
            return
        self._loaded |= wanted
        units = Unit.objects.filter(code__in=wanted)
        if self.structure:
            units = units.filter(structure=self.structure)
        for unit in units.select_related("parent"):
            self._by_code[unit.code][unit.structure] = unit

    def resolve(self, code, *, on_date: dt.date | None = None) -> Unit:
        text = "" if code is None else str(code).strip()
        if isinstance(code, float) and code.is_integer():
            text = str(int(code))
        if not text:
            raise UnitCodeError(_("The unit code is empty."))
        found = self._by_code.get(text, {})
        if not found:
            raise UnitCodeError(_("Unknown unit code %(code)s.") % {"code": text})
        if len(found) == 1:
            unit = next(iter(found.values()))
        else:
            unit = self._in_readers_scope(found) or found[structure_in_force(on_date)]
        if self.user is not None and not unit_in_scope(self.user, unit):
            raise UnitCodeError(_("The unit %(code)s is outside your scope.") % {"code": text})
        return unit


    def _in_readers_scope(self, found: dict[str, Unit]) -> Unit | None:
        """A code in both structures is read in the structure of the reader's own scope: the one of the two units
        in their scope, else the one in their own unit's structure. An administrator (or a code in neither) falls
        back to the date rule."""
        if self.reader is None or sees_everything(self.reader):
            return None
        in_scope = [unit for unit in found.values() if unit_in_scope(self.reader, unit)]
        if len(in_scope) == 1:
            return in_scope[0]
        own = user_unit(self.reader)
        return found.get(own.structure) if own is not None and in_scope else None


def resolve_unit_code(code, *, user=None, structure: str | None = None, on_date: dt.date | None = None) -> Unit:
    return UnitResolver([str(code).strip()] if code is not None else [], user=user, structure=structure).resolve(
        code, on_date=on_date
    )

