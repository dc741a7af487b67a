"""The filters of an app's summary screen (a unit of the user's scope and a period), shared by the apps: the
complaints summary and the support summary read them the same way."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import Http404

from portal.models import Level, Unit
from portal.scoping import user_unit, visible_units
from portal.tree import province_path


def default_summary_unit(user, latest_path: Callable[[], str | None]) -> Unit | None:
    """The user's own unit; for a user without one (an administrator), the province of the latest record
    (``latest_path``: its unit's path, asked only then), else the first province they see."""
    unit = user_unit(user)
    if unit is not None:
        return unit
    provinces = visible_units(user).filter(level=Level.PROVINCE)
    path = latest_path()
    if path and (province := provinces.filter(path=province_path(path)).first()):
        return province
    return provinces.order_by("-structure", "path").first()


def summary_filters(user, query, form_class, *, default_unit: Callable[[], Unit | None],
                    today: dt.date) -> tuple[Any, Unit | None, dt.date, dt.date]:
    """``(form, unit, date_from, date_to)`` from ``query`` (a screen's GET, or a job's saved query): a unit outside
    ``user``'s scope is 404; without filters, the default unit from 01/01 of this year to today, and the form shows
    what is shown."""
    form = form_class(query or None, user=user)
    data = {}
    if form.is_bound:
        if not form.is_valid() and "unit" in form.errors:
            raise Http404
        data = form.cleaned_data if form.is_valid() else {}
    unit = data.get("unit") or default_unit()
    date_from = data.get("date_from") or dt.date(today.year, 1, 1)
    date_to = data.get("date_to") or max(today, date_from)
    if not form.is_bound:  # show what is shown
        form = form_class(user=user, initial={"unit": unit, "date_from": date_from, "date_to": date_to})
    return form, unit, date_from, date_to
