"""The rules of a history figure, shared by the screen (``history.services``) and the import (``history.totals``):
what values make one, and which figures it may not overlap."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from history.models import HistoryFigure, ImportBatch, period_bounds
from portal.models import Unit
from workers.services import today

FIGURE_COUNTS = ("departed", "japan", "korea", "taiwan", "female", "poor", "ethnic_minority")
FIRST_YEAR = 1990


# --- History figures -----------------------------------------------------------------------------------------------


def figure_problems(*, unit: Unit, year: int, month: int | None, departed: int | None, japan: int | None = None,
                    korea: int | None = None, taiwan: int | None = None, female: int | None = None,
                    poor: int | None = None, ethnic_minority: int | None = None) -> dict[str, str]:
    """Why these values cannot be a history figure (by field), without a query."""
    problems: dict[str, str] = {}
    now = today()
    if not FIRST_YEAR <= year <= now.year:
        problems["year"] = _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR,
                                                                                      "last": now.year}
    elif month is not None and not 1 <= month <= 12:
        problems["month"] = _("The month must be 1 to 12.")
    elif period_bounds(year, month)[0] > now:
        problems["month" if month else "year"] = _("This period has not begun: history is about the past.")
    if departed is None:
        problems["departed"] = _("Give the number of departures.")
        return problems
    counts = {"departed": departed, "japan": japan, "korea": korea, "taiwan": taiwan, "female": female,
              "poor": poor, "ethnic_minority": ethnic_minority}
    for key, value in counts.items():
        if value is not None and value < 0:
            problems[key] = _("A number of people cannot be negative.")
    if (japan or 0) + (korea or 0) + (taiwan or 0) > departed:
        problems["japan"] = _("Japan, Korea and Taiwan together exceed the departures (%(n)s).") % {"n": departed}
    for key in ("female", "poor", "ethnic_minority"):
        if counts[key] is not None and counts[key] > departed:
            problems[key] = _("More than the departures (%(n)s).") % {"n": departed}
    return problems


def overlapping(figures: Iterable[HistoryFigure], *, path: str, start: dt.date, end: dt.date,
                exclude: int | None = None) -> list[HistoryFigure]:
    """The figures among ``figures`` on the line of the unit of ``path`` (itself, above or below it) whose period
    meets start–end."""
    return [f for f in figures if f.pk != exclude and (f.unit.path.startswith(path) or path.startswith(f.unit.path))
            and f.start <= end and start <= f.end]


def figure_write(*, user, unit: Unit, year: int, month: int | None, figure: HistoryFigure | None = None,
                 batch: ImportBatch | None = None, note: str | None = None, **counts) -> HistoryFigure:
    """Save a checked figure (the import's and the screen's last step)."""
    figure = figure or HistoryFigure(created_by=user if user and user.is_authenticated else None, batch=batch)
    figure.unit, figure.year, figure.month = unit, year, month
    figure.start, figure.end = period_bounds(year, month)
    for key in FIGURE_COUNTS:
        setattr(figure, key, counts.get(key))
    if note is not None:
        figure.note = note.strip()[:255]
    figure.save()
    return figure


