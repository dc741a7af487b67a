"""The home page dashboard: the year's progress of the user's unit, read through ``progress_rows`` (the same
selector as the report), with the trend from the monthly snapshots.

The dashboard is cached (:func:`dashboard_cached`) per unit, language and day under
``portal.cache_version``: any save or delete of a model that feeds the figures (the models each app
tracks, ``portal.invalidation``) bumps the versions of the provinces of its units, so cached figures are
never older than the data they were computed from, and a write in one province leaves the others'
cached figures alone.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from history.models import HISTORY_FIGURES_LABEL
from portal import cache_version, formats
from portal.celery import app as celery_app
from portal.jobs import BROKER_ERRORS
from portal.models import Unit, is_national, national_unit
from portal.replica import reading_replica
from portal.scoping import sees_everything, user_unit
from portal.tree import national_structure
from reports.aftercare.overstay import overstay_warnings
from reports.models import ProgressSnapshot
from reports.progress import (
    MARKET_NAMES_VI,
    MARKETS,
    OTHER_MARKET,
    REGISTRY,
    Period,
    progress_rows,
    reconciliation_rows,
    review_sentence,
    sources_compared,
)
from reports.progress.trend import departures_by_year

logger = logging.getLogger(__name__)

UNITS_SHOWN = 10  # bars of units on the dashboard before the rest are grouped as "the N other units"
TREND_YEARS = 10  # years of the departures' trend, this one included


def dashboard_unit(user, *, today: dt.date | None = None) -> Unit | None:
    """The user's top unit; for an administrator the whole country in the structure in force; None without a
    scope."""
    unit = user_unit(user)
    if unit is None and sees_everything(user):
        unit = national_unit(national_structure(today or timezone.localdate()))
    return unit


def dashboard_data(user, *, today: dt.date | None = None) -> dict[str, Any] | None:
    unit = dashboard_unit(user, today=today)
    if unit is None:
        return None
    return dashboard_for_unit(unit, today=today)


def dashboard_for_unit(unit: Unit, *, today: dt.date | None = None) -> dict[str, Any]:
    """The dashboard's figures of ``unit`` (or of the whole country: no snapshots, no suspension warning)."""
    national = is_national(unit)
    today = today or timezone.localdate()
    period = Period.for_year(today.year)
    report = progress_rows(unit=unit, period=period, today=today)
    total = report.total

    by_month = {item["month"][:7]: item["departed"] for item in report.monthly}
    months, cumulative, pro_rata, running = [], [], [], 0
    for month in range(1, today.month + 1):
        key = f"{today.year}-{month:02d}"
        running += by_month.get(key, 0)
        months.append(f"{month:02d}/{today.year}")
        cumulative.append(running)
        pro_rata.append(round(total.target * month / 12, 1))

    snapshots = [] if national else list(
        ProgressSnapshot.objects.filter(unit=unit, source="registry", month__year=today.year).order_by("month")
        .values_list("month", "figures")
    )
    market_codes = (*MARKETS, OTHER_MARKET)
    charts = {
        "units": {
            **units_chart(report.rows),
            "departedLabel": _("Departed"), "targetLabel": _("Target"),
        },
        "monthly": {
            "labels": months, "cumulative": cumulative, "proRata": pro_rata,
            "cumulativeLabel": _("Departed since 1 January"), "proRataLabel": _("Target pro rata"),
        },
        "markets": {
            "labels": [MARKET_NAMES_VI[code] for code in market_codes],
            "values": [total.markets[code] for code in market_codes],
        },
        "years": years_chart(unit, today.year),
        "trend": {
            "labels": [formats.format_month(month) for month, _figures in snapshots],
            "percent": [round((figures.get("percent") or 0) * 100, 1) for _month, figures in snapshots],
            "label": _("Percent of the year's target (monthly snapshots)"),
        },
    }
    report.sentence = review_sentence(report, period)
    return {
        "unit": unit, "year": today.year, "total": total, "sentence": report.sentence, "charts": charts,
        "has_rows": bool(report.rows),
        # a province's units at risk of a suspension rule
        "overstay": [] if national else overstay_warnings(unit, today=today),
        # The figures above are the registry's; the approved monthly figures beside them when they disagree (a
        # province's or a unit's dashboard: the country's is a task's and has no reconciliation page of its own).
        "sources": {} if national else {**sources_compared(reconciliation_rows(unit, period, today=today), shown=REGISTRY,
                                     before=today),
                    "url": reverse("progress:reconciliation") + "?" + urlencode(
                        {"unit": unit.pk, "period": "year", "year": today.year})},
    }


def years_chart(unit: Unit, year: int) -> dict[str, Any]:
    """Departures of the last ``TREND_YEARS`` years: the registry's, and the history figures' (years before the
    registry), stacked; years before the first one with any departure are left out."""
    years = departures_by_year(unit, year - TREND_YEARS + 1, year)
    while len(years) > 1 and not years[0]["registry"] and not years[0]["history"]:
        years.pop(0)
    return {
        "labels": [str(item["year"]) for item in years], "registry": [item["registry"] for item in years],
        "history": [item["history"] for item in years], "hasHistory": any(item["history"] for item in years),
        "registryLabel": _("Registry"), "historyLabel": str(HISTORY_FIGURES_LABEL),
    }


def units_chart(rows: list, *, shown: int = UNITS_SHOWN) -> dict[str, Any]:
    """The units' bars: all of them when few; else the ``shown`` units furthest along (departed, then target),
    and the others summed up in a line under the chart (one bar for them would dwarf the rest), so that
    65 communes stay readable."""
    if len(rows) <= shown + 2:
        chosen, others = list(rows), []
    else:
        ordered = sorted(rows, key=lambda row: (-row.departed, -row.target, row.code))
        chosen, others = ordered[:shown], ordered[shown:]
    note = ""
    if others:
        note = _("The %(count)s other units: %(departed)s departed for a target of %(target)s.") % {
            "count": formats.format_int(len(others)), "departed": formats.format_int(sum(r.departed for r in others)),
            "target": formats.format_int(sum(r.target for r in others))}
    return {"labels": [row.name for row in chosen], "departed": [row.departed for row in chosen],
            "target": [row.target for row in chosen], "others": len(others), "othersNote": note}


def dashboard_cached(user, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """:func:`dashboard_data` from the cache, computed again once after the data changed.

    Keyed by the unit (the figures depend on nothing else of the user: two users never share an
    entry unless they share the unit), the language (labels, sentence) and the day (the expected
    figure moves daily). After a write, one request recomputes while the others get the previous figures
    (``stale``, with ``as_of``: no stampede). The whole country is never computed in a request: a task of
    the reports' queue computes it (:func:`dashboard_refresh`; in-process without a broker) and the page shows
    the previous figures, or says they are being computed. A unit's figures, once there are previous ones to
    show, are recomputed by a task too when there is a broker (``DASHBOARD_REFRESH_TASKS``: no web process spends
    half a second on them after a write); the first ones of the day, and every one without a broker, in the
    request. ``from_cache`` and ``as_of`` tell the page how old the figures are.
    """
    today = today or timezone.localdate()
    unit = dashboard_unit(user, today=today)
    if unit is None:
        return None
    key = dashboard_key(unit, get_language(), today)
    reads = dashboard_reads(unit)
    refresh = None
    national = is_national(unit)
    if national or settings.DASHBOARD_REFRESH_TASKS:
        language = get_language()

        def refresh() -> None:
            if national:
                send_task(REFRESH_TASK, unit.structure, language, today.isoformat())
            else:
                send_task(REFRESH_UNIT_TASK, unit.pk, language, today.isoformat())

    def compute() -> dict[str, Any]:
        with reading_replica():
            return {**dashboard_for_unit(unit, today=today), "as_of": timezone.now()}

    figures = cache_version.cached_or_previous(key, compute, reads=reads, refresh=refresh,
                                               refresh_only_stale=not national)
    if figures.value is None:
        return {"unit": unit, "pending": True, "year": today.year, "charts": None}
    return {**figures.value, "from_cache": not figures.computed_here, "stale": figures.stale}


def dashboard_key(unit: Unit, language: str, today: dt.date) -> str:
    ident = f"national-{unit.structure}" if is_national(unit) else unit.pk
    return f"dashboard:{ident}:{language}:{today.isoformat()}"


def dashboard_reads(unit: Unit) -> tuple[str, ...]:
    if is_national(unit):
        return cache_version.EVERYTHING
    return cache_version.unit_counters(unit, other_provinces=cache_version.other_structure_provinces(unit))


def dashboard_refresh(structure: str, language: str, today: dt.date) -> None:
    """Compute the whole country's dashboard and keep it (the task behind :func:`dashboard_cached`)."""
    dashboard_refresh_unit(national_unit(structure), language, today)


def dashboard_refresh_unit(unit: Unit, language: str, today: dt.date) -> None:
    """Compute ``unit``'s dashboard (or the country's) and keep it, then free its recompute lock."""
    key = dashboard_key(unit, language, today)
    try:
        stamp = cache_version.figures_stamp(dashboard_reads(unit))  # before computing: a write meanwhile shows
        with translation.override(language), reading_replica():
            value = {**dashboard_for_unit(unit, today=today), "as_of": timezone.now()}
        cache_version.store_figures(key, value, stamp, release=True)
    finally:
        cache_version.release_refresh(key)


REFRESH_TASK = "reports.tasks.refresh_national_dashboard"
REFRESH_UNIT_TASK = "reports.tasks.refresh_unit_dashboard"


def send_task(name: str, *args) -> None:
    """Send the task named ``name`` (by name: the task module imports this one) to its queue; a broker that does
    not answer leaves the lock to expire (the next request after it tries again)."""
    try:
        celery_app.tasks[name].apply_async(args, retry=False)
    except BROKER_ERRORS:
        logger.warning("The job service does not answer: the dashboard (%s) is not refreshed now.", name)
